"""``lobstr-tui wait`` and ``lobstr-tui status``: settings as the main command resolves
them, one client, and an exit status for every way it can end (see ``exit_codes``).

Nothing raises out of here: a mistake is one line on stderr (2), an unexpected
exception a crash report with the token masked (70), Ctrl+C says what keeps going (130).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from lobstr_tui.api import LobstrClient, Token
from lobstr_tui.config import (
    NO_TOKEN_MESSAGE,
    ConfigError,
    config_path,
    no_default_message,
    resolve_settings,
)
from lobstr_tui.crash import describe, report_crash
from lobstr_tui.exit_codes import (
    EXIT_ENDED_BADLY,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SCRIPT_CRASH,
    EXIT_TOKEN_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from lobstr_tui.monitor import SYSTEM_CLOCKS, Clocks
from lobstr_tui.script.ending import Ending, Verdict
from lobstr_tui.script.output import Mode, Output
from lobstr_tui.script.polite import Polite, TokenRefused, Unreachable
from lobstr_tui.script.status import gather, write_json, write_table
from lobstr_tui.script.waiter import Waiter, WaitOptions, default_period


class _Refused(Exception):
    """A start-up mistake: the message for stderr (exit 2)."""


def _connection(args: argparse.Namespace, secrets: list[str],
                err: TextIO) -> tuple[Token, str]:
    """The token and base URL, as the main command resolves them."""
    try:
        settings = resolve_settings(base_url=args.base_url, profile=args.profile)
    except ConfigError as exc:
        raise _Refused(str(exc)) from None
    secrets.extend(p.token.reveal() for p in settings.profiles if p.token)
    for warning in settings.warnings:
        err.write(f"{warning}\n")
    if not settings.token:
        raise _Refused(no_default_message(settings, config_path()) if settings.profiles
                       else NO_TOKEN_MESSAGE.format(path=config_path()))
    secrets.append(settings.token.reveal())
    return settings.token, settings.base_url


def _mode(args: argparse.Namespace, out: TextIO) -> Mode:
    if args.json:
        return Mode.JSON
    if args.quiet:
        return Mode.QUIET
    if out.isatty() and os.environ.get("TERM", "") != "dumb":
        return Mode.LIVE
    return Mode.PLAIN


def wait_options(args: argparse.Namespace) -> WaitOptions:
    """What the command line asks to wait on."""
    return WaitOptions(run_id=args.run_id, squid=args.squid, launch=args.launch,
                       timeout=args.timeout, download=args.download,
                       period=args.poll or default_period(args.budget))


async def wait_on(client: LobstrClient, options: WaitOptions, output: Output, *,
                  clocks: Clocks, budget: float, allowance: float,
                  started: list[Waiter] | None = None) -> Ending:
    """Wait with ``client`` and write the ending; ``started`` receives the waiter (for
    the caller to name the run when interrupted)."""
    polite = Polite(client, clocks, budget=budget, allowance=allowance,
                    on_trouble=output.troubled)
    waiter = Waiter(polite, options, output)
    if started is not None:
        started.append(waiter)
    ending = await waiter.wait()
    output.end(ending, waiter.stats)
    return ending


Work = Callable[[Token, str], Coroutine[Any, Any, int]]


async def _terminable(work: Coroutine[Any, Any, int]) -> int:
    """``work``, cancelled by SIGTERM (a CI job cancelled) as Ctrl+C cancels it."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await work
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGTERM)


def _guarded(name: str, args: argparse.Namespace, err: TextIO, work: Work, *,
             interrupted: Callable[[], int], crashed: Callable[[str], None]) -> int:
    """Resolve the connection and run ``work``; a mistake exits 2, Ctrl+C gives what
    ``interrupted`` returns, an unexpected exception a crash report (token masked)."""
    secrets = [os.environ.get("LOBSTR_TOKEN", "").strip()]
    try:
        token, base_url = _connection(args, secrets, err)
        return asyncio.run(_terminable(work(token, base_url)))
    except _Refused as refused:
        err.write(f"lobstr-tui {name}: error: {refused}\n")
        return EXIT_USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        return interrupted()
    except Exception as error:  # the last line of defence: one line, details in a file
        crashed(report_crash(describe(error), summary=type(error).__name__, secrets=secrets))
        return EXIT_SCRIPT_CRASH


def run_wait(args: argparse.Namespace, *, out: TextIO | None = None,
             err: TextIO | None = None, clocks: Clocks = SYSTEM_CLOCKS) -> int:
    """``lobstr-tui wait``: the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    output = Output(_mode(args, out), out, err, monotonic=clocks.monotonic, wall=clocks.wall)
    started: list[Waiter] = []

    async def work(token: Token, base_url: str) -> int:
        async with LobstrClient(token, base_url) as client:
            ending = await wait_on(client, wait_options(args), output, clocks=clocks,
                                   budget=args.budget, allowance=args.give_up_after,
                                   started=started)
            return ending.code

    def interrupted() -> int:
        ending = started[0].interrupted() if started else Ending(Verdict.INTERRUPTED,
                                                                 "interrupted")
        output.end(ending, started[0].stats if started else None)
        return ending.code

    return _guarded("wait", args, err, work, interrupted=interrupted,
                    crashed=lambda line: output.end(Ending(Verdict.CRASH, line)))


def run_status(args: argparse.Namespace, *, out: TextIO | None = None,
               err: TextIO | None = None, clocks: Clocks = SYSTEM_CLOCKS) -> int:
    """``lobstr-tui status``: 0 when no run needs the person, 1 when one does."""
    out = out or sys.stdout
    err = err or sys.stderr

    def say(text: str) -> None:
        err.write(f"lobstr-tui status: {text}\n")
        err.flush()

    async def work(token: Token, base_url: str) -> int:
        try:
            async with LobstrClient(token, base_url) as client:
                polite = Polite(client, clocks, budget=args.budget,
                                allowance=args.give_up_after)
                rows = await gather(polite, args.since)
        except TokenRefused as refused:
            say(f"lobstr.io refused the token ({refused.message}): check LOBSTR_TOKEN "
                "or the profile's token")
            return EXIT_TOKEN_REFUSED
        except Unreachable as down:
            say(down.describe())
            return EXIT_UNREACHABLE
        if args.json:
            write_json(rows, out, at=clocks.wall(), since=args.since)
        else:
            write_table(rows, out, now=clocks.wall(), since=args.since,
                        width=shutil.get_terminal_size().columns if out.isatty() else None)
        out.flush()
        return EXIT_ENDED_BADLY if any(row.attention for row in rows) else EXIT_OK

    def interrupted() -> int:
        say("interrupted")
        return EXIT_INTERRUPTED

    return _guarded("status", args, err, work, interrupted=interrupted, crashed=say)
