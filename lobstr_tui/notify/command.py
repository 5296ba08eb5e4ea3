"""``--notify-cmd``: run the person's shell command for each alert, with the alert as one
JSON object on its standard input.

The command is the person's code and may be slow, broken or missing; the monitor must
not care. So each run has a timeout (then its whole process group is killed), at most
``max_running`` run at once, at most ``max_waiting`` more wait for a turn and the rest
are dropped (counted), and a failure becomes one message, reported once until the
command works again, never an exception. Its output never reaches the terminal (the
TUI owns it) and the API token never reaches its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum

from lobstr_tui.api.text import bounded

DEFAULT_TIMEOUT = 10.0
"""Seconds a command may run before it is killed."""
MAX_RUNNING = 2
MAX_WAITING = 16
HIDDEN_VARIABLES = ("LOBSTR_TOKEN",)
"""Environment variables the command never sees: the API token is ours alone."""
STDERR_KEPT = 4096
"""Bytes of the command's stderr kept to explain a failure (the end of it)."""
STDERR_GRACE = 1.0
"""Seconds to finish reading stderr after the command exited: a background child it
left behind may hold the pipe open for ever."""
MESSAGE_CELLS = 160

Report = Callable[[str], None]
"""Receives a failure message (``"--notify-cmd failed: …"``)."""


def command_environment(environ: Mapping[str, str],
                        hidden: Iterable[str] = HIDDEN_VARIABLES) -> dict[str, str]:
    """``environ`` without the variables named in ``hidden``."""
    names = set(hidden)
    return {name: value for name, value in environ.items() if name not in names}


def _jsonable(value: object) -> object:
    """``value`` as plain JSON types: a non-finite number becomes null (JSON has no
    NaN), a datetime its ISO 8601 text, an enum its value, anything else its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return _jsonable(value.value)
    return str(value)


def encode_payload(payload: Mapping[str, object]) -> bytes:
    """One JSON object on one line (ASCII, so any consumer reads it), ending with a
    newline."""
    return (json.dumps(_jsonable(payload), ensure_ascii=True, allow_nan=False) + "\n").encode()


def _exit_words(code: int) -> str:
    if code == 127:
        return "exit status 127, command not found"
    if code == 126:
        return "exit status 126, not executable"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _last_line(data: bytes) -> str:
    lines = [line for line in data.decode("utf-8", errors="replace").splitlines()
             if line.strip()]
    return bounded(lines[-1].strip(), MESSAGE_CELLS) if lines else ""


async def _tail(stream: asyncio.StreamReader | None) -> bytes:
    """The last :data:`STDERR_KEPT` bytes of ``stream``, read to its end."""
    kept = b""
    if stream is None:
        return kept
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-STDERR_KEPT:]
    return kept


def _kill_group(process: asyncio.subprocess.Process) -> None:
    # The command runs in a session of its own: its pid is its process group's id, so
    # the shell's children die with it (killing only `sh` would orphan a `sleep`).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class CommandNotifier:
    """Runs ``command`` through the shell once per alert, the alert's JSON on stdin.

    ``await send(payload)`` runs it and never raises (but for cancellation); it returns
    a failure message when this call is the first failure since the command last
    worked, else ``None``, and hands the same message to ``on_failure``. ``submit``
    schedules ``send`` as a task, for callers that must not wait.
    """

    def __init__(self, command: str, *, timeout: float = DEFAULT_TIMEOUT,
                 max_running: int = MAX_RUNNING, max_waiting: int = MAX_WAITING,
                 on_failure: Report | None = None,
                 environ: Mapping[str, str] | None = None,
                 hidden: Iterable[str] = HIDDEN_VARIABLES) -> None:
        """``environ`` (default ``os.environ``, read now) less ``hidden`` is the
        command's environment."""
        if not command.strip():
            raise ValueError("the notify command is empty")
        if timeout <= 0 or max_running < 1 or max_waiting < 0:
            raise ValueError("timeout and max_running must be positive, max_waiting >= 0")
        self.command = command
        self.timeout = timeout
        self.on_failure = on_failure
        self.max_waiting = max_waiting
        self._env = command_environment(os.environ if environ is None else environ, hidden)
        self._slots = asyncio.Semaphore(max_running)
        self._waiting = 0
        self._processes: set[asyncio.subprocess.Process] = set()
        self._tasks: set[asyncio.Task[str | None]] = set()
        self._failing = False
        self._dropping = False
        self.succeeded = 0
        """Runs that exited with status 0."""
        self.failed = 0
        """Runs that failed (reported or not)."""
        self.dropped = 0
        """Alerts dropped because too many runs were already waiting."""

    def __repr__(self) -> str:
        # The command is left out: it may carry a webhook's secret.
        return (f"CommandNotifier(succeeded={self.succeeded}, failed={self.failed}, "
                f"dropped={self.dropped})")

    @property
    def running(self) -> int:
        """Commands running now."""
        return len(self._processes)

    def submit(self, payload: Mapping[str, object]) -> asyncio.Task[str | None]:
        """Schedule :meth:`send` on the running loop and keep the task alive until it
        ends (the loop holds tasks only weakly)."""
        task = asyncio.get_running_loop().create_task(self.send(payload),
                                                      name="notify-cmd")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def send(self, payload: Mapping[str, object]) -> str | None:
        """Run the command once with ``payload``; see the class for what it returns."""
        if self._waiting >= self.max_waiting and self._slots.locked():
            self.dropped += 1
            if self._dropping:
                return None
            self._dropping = True
            return self._report(f"--notify-cmd cannot keep up: alerts dropped "
                                f"({self.dropped} so far)")
        self._dropping = False
        try:
            data = encode_payload(payload)
        except (TypeError, ValueError, RecursionError) as error:
            return self._outcome(f"the alert could not be written as JSON ({error})")
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            failure = await self._run(data)
        finally:
            self._slots.release()
        return self._outcome(failure)

    def close(self) -> None:
        """Kill every running command and cancel what waits (the app is exiting)."""
        for process in list(self._processes):
            _kill_group(process)
        for task in list(self._tasks):
            task.cancel()

    async def _run(self, data: bytes) -> str | None:
        """One run; the failure in words, or ``None``."""
        try:
            process = await asyncio.create_subprocess_shell(
                self.command, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                env=self._env, start_new_session=True)
        except OSError as error:
            return f"could not start ({error.strerror or error})"
        self._processes.add(process)
        reading = asyncio.ensure_future(_tail(process.stderr))
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    await self._feed(process, data)
                    code = await process.wait()
            except TimeoutError:
                _kill_group(process)
                await process.wait()
                return f"timed out after {self.timeout:g}s and was stopped"
            try:
                stderr = await asyncio.wait_for(asyncio.shield(reading), STDERR_GRACE)
            except TimeoutError:
                stderr = b""
        except BaseException:
            # Cancelled (the app is exiting): the command goes too, and is reaped so
            # that nothing of it outlives the loop.
            _kill_group(process)
            await process.wait()
            raise
        finally:
            self._processes.discard(process)
            reading.cancel()
        if code == 0:
            return None
        said = _last_line(stderr)
        return _exit_words(code) + (f": {said}" if said else "")

    @staticmethod
    async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
        stdin = process.stdin
        if stdin is None:
            return
        # A command that does not read its input (or exits early) closes the pipe:
        # that is its right, not a failure.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.write(data)
            await stdin.drain()
        stdin.close()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            await stdin.wait_closed()

    def _outcome(self, failure: str | None) -> str | None:
        if failure is None:
            self.succeeded += 1
            self._failing = False
            return None
        self.failed += 1
        if self._failing:
            return None
        self._failing = True
        return self._report(f"--notify-cmd failed: {failure}; further failures stay "
                            "quiet until it works again")

    def _report(self, message: str) -> str:
        if self.on_failure is not None:
            self.on_failure(message)
        return message
