"""The run's tabs under its detail: story (the tabs), log, credits, tasks and results."""
