"""Exit statuses of the ``lobstr-tui`` command and of its ``wait`` and ``status``
subcommands."""

EXIT_OK = 0
EXIT_CRASH = 1
"""An unexpected exception stopped the program; the details are in a crash report."""
EXIT_USAGE = 2
"""A user mistake: bad arguments, no token, a config file that cannot be read, a token
rejected before anything was fetched."""
EXIT_UNREACHABLE = 5
"""The API was never reached: quit (or the terminal closed) before a single answer came
from the base URL (the network, the URL or a proxy is to check). For ``wait`` and
``status``: lobstr.io could not be reached, or gave no usable answer, for longer than
the outage allowance."""

# -- wait and status (scripts) ---------------------------------------------------------
EXIT_ENDED_BADLY = 1
"""``wait``: the run ended badly (error, aborted, done with a failure reason);
``status``: a run is paused or ended badly and needs the person."""
EXIT_TIMEOUT = 3
"""``wait``: ``--timeout`` passed; the run keeps going."""
EXIT_TOKEN_REFUSED = 4
"""``wait`` and ``status``: lobstr.io refused the token."""
EXIT_LAUNCH_REFUSED = 6
"""``wait --launch``: the launch was refused (the reason is said)."""
EXIT_DOWNLOAD_FAILED = 7
"""``wait --download``: the run ended well but its CSV was not saved (already there, or
the download failed)."""
EXIT_SCRIPT_CRASH = 70
"""``wait`` and ``status``: an unexpected exception (1 means a run ended badly there)."""
EXIT_INTERRUPTED = 130
"""``wait`` and ``status``: interrupted (Ctrl+C or SIGTERM); a run waited on keeps going."""
