"""Exit statuses of the ``lobstr-tui`` command."""

EXIT_OK = 0
EXIT_CRASH = 1
"""An unexpected exception stopped the program; the details are in a crash report."""
EXIT_USAGE = 2
"""A user mistake: bad arguments, no token, a config file that cannot be read, a token
rejected before anything was fetched."""
EXIT_UNREACHABLE = 5
"""The API was never reached: quit (or the terminal closed) before a single answer came
from the base URL (the network, the URL or a proxy is to check)."""
