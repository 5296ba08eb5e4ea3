"""Exit statuses of the ``lobstr-tui`` command."""

EXIT_OK = 0
EXIT_USAGE = 2
"""A user mistake: bad arguments, no token, a config file that cannot be read."""
