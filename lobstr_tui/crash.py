"""When the program must stop on an unexpected exception: the details go to a file, the
terminal gets one line naming it, and the exit status says it failed.

The report lives under ``$XDG_STATE_HOME/lobstr-tui/`` (default
``~/.local/state/lobstr-tui/``), readable by its owner only. Every secret handed to
:func:`write_crash_report` (the API token) is masked wherever it appears in the text
before anything is written. No Textual here: this must work when the UI itself broke.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path

from lobstr_tui import __version__

MASK = "***"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/lobstr-tui``, default ``~/.local/state/lobstr-tui``; a relative
    ``XDG_STATE_HOME`` is ignored, as the XDG spec says."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = str(Path.home() / ".local" / "state")
    return Path(base) / "lobstr-tui"


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced by ``***``
    (longest first, so a secret containing another is masked whole)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def describe(error: BaseException) -> str:
    """The full traceback of ``error``, with its causes and contexts."""
    return "".join(traceback.format_exception(error))


def write_crash_report(details: str, *, secrets: Iterable[str] = (),
                       env: Mapping[str, str] | None = None) -> Path:
    """Write ``details`` (masked) with the versions and the command line to a new file
    in :func:`state_dir`; return its path. Raises ``OSError`` if it cannot be written."""
    hidden = list(secrets)
    folder = state_dir(env)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}.log"
    header = (f"lobstr-tui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
              f"python {platform.python_version()} on {platform.platform()}\n"
              f"command: {' '.join(sys.argv)}\n\n")
    # O_EXCL: never follow a planted link or append to someone else's file.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(mask_secrets(header + details, hidden))
    return path


def report_crash(details: str, *, summary: str, secrets: Iterable[str] = (),
                 env: Mapping[str, str] | None = None) -> str:
    """Write the report and return the one line for stderr: what failed (``summary``,
    masked) and where the details are, or why they could not be kept."""
    hidden = list(secrets)
    what = mask_secrets(summary, hidden)
    try:
        path = write_crash_report(details, secrets=hidden, env=env)
    except OSError as exc:
        return (f"lobstr-tui: internal error ({what}); the details could not be saved "
                f"in {state_dir(env)}: {exc.strerror or type(exc).__name__}")
    return (f"lobstr-tui: internal error ({what}); details in {path} "
            f"(please attach it to a bug report)")
