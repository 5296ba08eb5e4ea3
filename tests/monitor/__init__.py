"""The poll scheduler on a fake clock against the simulator: periods, budgets, the board,
alerts, downloads, one truth per run."""
