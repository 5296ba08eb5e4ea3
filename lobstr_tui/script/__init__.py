"""Scripts and pipelines: ``lobstr-tui wait`` (wait on a run, exit by its outcome) and
``lobstr-tui status`` (a one-shot view of the account's runs for cron and monitoring).

No Textual here: these run without a terminal, from cron, Makefiles and CI.
"""
