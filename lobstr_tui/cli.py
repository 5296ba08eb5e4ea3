"""The ``lobstr-tui`` command: the monitor, ``--demo``, and the ``sim``, ``wait`` and
``status`` subcommands.

Every user mistake (bad arguments, no token, a broken config file) ends with a short
message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from lobstr_tui import __version__
from lobstr_tui.exit_codes import EXIT_USAGE

MIN_POLL_SECONDS = 2.0
MAX_POLL_SECONDS = 3600.0
DEFAULT_BUDGET = 30
MIN_BUDGET = 10
"""Fewer requests a minute cannot keep even the squid list and one run fresh."""
MAX_BUDGET = 300
"""More than the API's per-prefix limits together allow with headroom."""
NOTIFY_CHOICES = ("desktop",)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _float_at_least(minimum: float, *, strict: bool = False,
                    maximum: float | None = None) -> Callable[[str], float]:
    """An argparse type: a finite number at least ``minimum`` (greater, if ``strict``)
    and at most ``maximum``; ``nan`` and ``inf`` are refused, as they would stall the
    scheduler rather than fail."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if value < minimum or (strict and value == minimum):
            word = "greater than" if strict else "at least"
            raise argparse.ArgumentTypeError(f"must be {word} {minimum:g}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:g}")
        return value

    return parse


def _int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}")
        return value

    return parse


def _command(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the command is empty")
    if "\0" in text:
        raise argparse.ArgumentTypeError("the command contains a NUL character")
    return text


def _directory(text: str) -> Path:
    """An argparse type: a folder that exists and can be written to."""
    if "\0" in text or not text.strip():
        raise argparse.ArgumentTypeError("not a folder name")
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text!r}")
    if not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write to the folder {text!r}")
    return path


class Password(str):
    """A password read from a file; never shown."""

    def __repr__(self) -> str:
        return "Password('***')"


def _password_file(text: str) -> Password:
    """An argparse type: the first line of a readable file, not empty."""
    path = Path(text).expanduser()
    try:
        first = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8"
        raise argparse.ArgumentTypeError(f"cannot read {text!r}: {reason}") from None
    password = first[0].strip() if first else ""
    if not password:
        raise argparse.ArgumentTypeError(f"{text!r} holds no password on its first line")
    return Password(password)


def _public_url(text: str) -> str:
    """An argparse type: an http(s) URL with a host name, no query or fragment."""
    parts = urlsplit(text.strip())
    # Credentials in the URL are never echoed back.
    shown = repr(text if "@" not in parts.netloc else
                 text.replace(parts.netloc.rsplit("@", 1)[0] + "@", "***@", 1))
    if parts.username is not None or parts.password is not None:
        raise argparse.ArgumentTypeError(
            f"give the URL without credentials: {shown} (use --serve-password-file)")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port in {shown}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"not an http(s) URL with a host: {shown} (say https://cockpit.example.com)")
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"give the URL alone, without a query or a fragment: {shown}")
    return text.strip().rstrip("/")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The monitor's argument parser."""
    parser = _Parser(
        prog="lobstr-tui",
        description="A terminal cockpit for lobstr.io: watch, launch and abort runs.",
        epilog="Token: LOBSTR_TOKEN, else [auth] token in "
               "$XDG_CONFIG_HOME/lobstr/config.toml. "
               "Exit status: 0 quit, 1 crash (see the crash report), 2 a mistake at "
               "start or a token refused, 5 quit before the API was ever reached. "
               "Subcommands for scripts and CI: lobstr-tui wait --help (wait on a run, "
               "exit by its outcome), lobstr-tui status --help (the account's runs "
               "once). Simulator alone: lobstr-tui sim --help",
    )
    parser.add_argument("--demo", action="store_true",
                        help="run against the bundled lobstr.io simulator (no token needed)")
    _account_arguments(parser, profile_note="; p switches in the app")
    parser.add_argument("--read-only", action="store_true",
                        help="watch only: no launch, no abort")
    parser.add_argument("--poll", type=_float_at_least(MIN_POLL_SECONDS,
                                                       maximum=MAX_POLL_SECONDS),
                        default=5.0, metavar="SECONDS",
                        help="refresh period of the selected run in seconds (default 5, "
                             "minimum 2, maximum 3600)")
    parser.add_argument("--theme", metavar="NAME", help="Textual theme (e.g. ansi-dark, nord)")
    parser.add_argument("--speed", type=_float_at_least(0.0, strict=True), default=None,
                        metavar="FACTOR",
                        help="with --demo: how much faster than real time the simulated "
                             "runs move (default 1; 10 shows every status change within "
                             "a minute)")
    parser.add_argument("--download-dir", type=_directory, default=None, metavar="DIR",
                        help="where d saves a run's CSV (default: the current folder; "
                             "with --demo a new folder under the temp dir, named when "
                             "the demo ends)")
    parser.add_argument("--board", action="store_true",
                        help="start on the board of every active run (w toggles it)")
    parser.add_argument("--all-profiles", action="store_true",
                        help="the board and the alerts cover every profile at once (each "
                             "polls within its own --budget)")
    alerts = parser.add_argument_group(
        "alerts", "run.running, run.paused, run.error, run.done, run.aborted and "
                  "credits.low always show as a toast and a log line")
    alerts.add_argument("--credits-warn", type=_float_at_least(0.0), default=None,
                        metavar="N",
                        help="alert (credits.low) when the credits left fall below N")
    alerts.add_argument("--no-bell", action="store_true",
                        help="no terminal bell for paused, error and credits.low")
    alerts.add_argument("--notify", choices=NOTIFY_CHOICES, default=None,
                        help="also send desktop notifications through the terminal "
                             "(OSC 777, 9 or 99; works over SSH and in tmux with "
                             "allow-passthrough)")
    alerts.add_argument("--notify-cmd", type=_command, default=None, metavar="CMD",
                        help="run CMD through the shell for each alert, the alert as "
                             "one JSON object on its standard input")
    served = parser.add_argument_group(
        "serving to web browsers", "one cockpit per browser tab; the API token stays here. "
        "Browsers open the link it prints (a secret made for each launch), or give the "
        "password of --serve-password-file; other sites' pages and other host names are "
        "refused")
    served.add_argument("--serve", action="store_true",
                        help="serve the cockpit to web browsers (textual-serve)")
    served.add_argument("--host", default=None,
                        help="with --serve: address to listen on (default 127.0.0.1; "
                             "anything else prints a warning)")
    served.add_argument("--port", type=_port, default=None,
                        help="with --serve: TCP port (default 8000)")
    served.add_argument("--serve-allow-actions", action="store_true",
                        help="with --serve: let viewers launch and abort (default: "
                             "read-only)")
    served.add_argument("--serve-password-file", type=_password_file, default=None,
                        metavar="FILE",
                        help="with --serve: ask browsers for the password in FILE (its "
                             "first line) instead of the printed link's token")
    served.add_argument("--serve-max-viewers", type=_int_between(1, 100), default=10,
                        metavar="N",
                        help="with --serve: simultaneous viewers at most (default 10)")
    served.add_argument("--serve-public-url", type=_public_url, default=None, metavar="URL",
                        help="with --serve behind a reverse proxy: the URL browsers use")
    parser.add_argument("--viewer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"lobstr-tui {__version__}")
    return parser


def build_sim_parser() -> argparse.ArgumentParser:
    """The ``sim`` subcommand's parser."""
    from lobstr_tui.sim import SCENARIOS

    parser = _Parser(prog="lobstr-tui sim",
                     description="Serve the simulated lobstr.io API on 127.0.0.1.")
    parser.add_argument("--port", type=_port, default=8750, help="TCP port (default 8750)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--speed", type=_float_at_least(0.0, strict=True), default=1.0,
                        help="how much faster than real time runs progress (default 1)")
    parser.add_argument("--scenario", choices=SCENARIOS, default="demo",
                        help="starting world (default demo)")
    parser.add_argument("--token", default=None,
                        help="token the simulator accepts (default: demo)")
    parser.add_argument("--faults", metavar="SPEC", default="",
                        help="fault injection, e.g. 'runs:latency=0.5;squids:status=503@0.3'")
    parser.add_argument("--quirks", action="store_true",
                        help="send, at random (seeded by --seed), every documented answer "
                             "variant: ETA '' or '2 minutes', the other 'me' shape, bare "
                             "abort answers, DRF-style 429s, free-plan warnings, "
                             "status case")
    parser.add_argument("--squids", type=int, default=2000,
                        help="squids in the large scenario (default 2000)")
    parser.add_argument("--runs", type=int, default=5000,
                        help="runs of the first squid in the large scenario (default 5000)")
    return parser


def _duration(text: str) -> float:
    """An argparse type: ``90``, ``90s``, ``10m``, ``1h30m``, ``2d``."""
    from lobstr_tui.script.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _account_arguments(parser: argparse.ArgumentParser, *, profile_note: str = "") -> None:
    """Where to connect and how politely: the same for the cockpit and the scripts."""
    parser.add_argument("--base-url", metavar="URL",
                        help="API base URL (default: LOBSTR_API_BASE, else "
                             "https://api.lobstr.io/v1/)")
    parser.add_argument("--profile", metavar="NAME", default=None,
                        help="the lobstr.io account to use: [profiles.NAME] in config.toml "
                             "(default: LOBSTR_PROFILE, else LOBSTR_TOKEN or [auth] token)"
                             + profile_note)
    parser.add_argument("--budget", type=_int_between(MIN_BUDGET, MAX_BUDGET),
                        default=DEFAULT_BUDGET, metavar="N",
                        help=f"API requests per minute shared by all polling (default "
                             f"{DEFAULT_BUDGET}, minimum {MIN_BUDGET}, maximum {MAX_BUDGET})")


def _outage_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--give-up-after", type=_duration, default=600.0,
                        metavar="DURATION",
                        help="how long lobstr.io may stay unreachable (network errors, "
                             "5xx, 429, unreadable answers, waited through with backoff) "
                             "before exit 5 (default 10m)")


WAIT_EXITS = ("exit status: 0 the run ended well; 1 it ended badly (error, aborted, or "
              "done with a failure reason such as no_credits_left); 2 usage; 3 --timeout "
              "passed (the run keeps going); 4 the token was refused; 5 lobstr.io "
              "unreachable past --give-up-after; 6 the launch was refused; 7 ended well "
              "but the CSV was not saved; 70 unexpected crash; 130 interrupted (the run "
              "keeps going)")


def build_wait_parser() -> argparse.ArgumentParser:
    """The ``wait`` subcommand's parser."""
    parser = _Parser(prog="lobstr-tui wait",
                     description="Wait for a lobstr.io run to end; the exit status says "
                                 "how it ended. A paused run is reported and waited on.",
                     epilog=WAIT_EXITS)
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID",
                        help="the run's id, or a unique prefix of 6 characters or more")
    parser.add_argument("--squid", metavar="NAME|ID",
                        help="wait on this squid's active run (instead of RUN_ID)")
    parser.add_argument("--launch", action="store_true",
                        help="with --squid: launch a run when none is active")
    parser.add_argument("--timeout", type=_duration, default=None, metavar="DURATION",
                        help="stop waiting after DURATION (90s, 10m, 2h): exit 3")
    parser.add_argument("--json", action="store_true",
                        help="JSON lines on stdout: the alerts (as --notify-cmd gets "
                             "them), run.progress at most every 10 s, a final run.end")
    parser.add_argument("--download", type=_directory, default=None, metavar="DIR",
                        help="after a good end, save the run's CSV in DIR (never "
                             "replacing a file) and print its path last")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing but what went wrong (and the CSV's path)")
    parser.add_argument("--poll", type=_float_at_least(MIN_POLL_SECONDS,
                                                       maximum=MAX_POLL_SECONDS),
                        default=None, metavar="SECONDS",
                        help="seconds between two reads of the run (default: 8 at the "
                             "default --budget, within half of it)")
    _account_arguments(parser)
    _outage_argument(parser)
    return parser


def build_status_parser() -> argparse.ArgumentParser:
    """The ``status`` subcommand's parser."""
    parser = _Parser(prog="lobstr-tui status",
                     description="The account's active runs and the runs that ended "
                                 "lately, once.",
                     epilog="exit status: 0 no run needs you; 1 a run is paused, errored "
                            "or done with a failure reason; 2 usage; 4 the token was "
                            "refused; 5 lobstr.io unreachable; 70 unexpected crash")
    parser.add_argument("--since", type=_duration, default=24 * 3600.0, metavar="DURATION",
                        help="also list the runs that ended within DURATION (default 24h)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _account_arguments(parser)
    _outage_argument(parser)
    return parser


def run_script(name: str, argv: Sequence[str]) -> int:
    """``lobstr-tui wait`` or ``lobstr-tui status``."""
    from lobstr_tui.script.command import run_status, run_wait

    if name == "status":
        return run_status(build_status_parser().parse_args(argv))
    parser = build_wait_parser()
    args = parser.parse_args(argv)
    if (args.run_id is None) == (args.squid is None):
        parser.error("give a RUN_ID or --squid NAME|ID (one of them)")
    if args.launch and args.squid is None:
        parser.error("--launch needs --squid")
    if args.json and args.quiet:
        parser.error("--json and --quiet do not go together")
    return run_wait(args)


def run_sim(argv: Sequence[str]) -> int:
    """``lobstr-tui sim``: serve until interrupted."""
    from lobstr_tui.sim import DEFAULT_TOKEN, FaultPlan, FaultSpecError, SimServer, build

    parser = build_sim_parser()
    args = parser.parse_args(argv)
    try:
        faults = FaultPlan(seed=args.seed)
        faults.add(args.faults)
    except FaultSpecError as exc:
        parser.error(str(exc))
    options = {"squids": args.squids, "runs": args.runs} if args.scenario == "large" else {}
    world = build(args.scenario, seed=args.seed, speed=args.speed, **options)
    try:
        server = SimServer(world, port=args.port, token=args.token or DEFAULT_TOKEN,
                           faults=faults, quirks=args.quirks)
    except OSError as exc:
        print(f"lobstr-tui sim: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 1
    stopping: list[int] = []  # a plain list: a signal handler must not take locks
    previous = {signum: signal.signal(signum, lambda signum, _frame: stopping.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    print(server.base_url, flush=True)
    print(f"scenario {args.scenario}, seed {args.seed}, speed {args.speed:g}"
          f"{', quirks' if args.quirks else ''}; "
          f"token: {'(custom)' if args.token else DEFAULT_TOKEN}; Ctrl+C stops",
          file=sys.stderr, flush=True)
    try:
        # The handlers only take note: no KeyboardInterrupt lands inside the server's
        # accept loop or its threads, so stopping takes the same orderly path every time.
        while not stopping:
            time.sleep(0.2)
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lobstr-tui``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "sim":
        return run_sim(args_list[1:])
    if args_list and args_list[0] in ("wait", "status"):
        return run_script(args_list[0], args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.speed is not None and not args.demo:
        parser.error("--speed only applies to --demo")
    if args.demo and (args.profile is not None or args.all_profiles):
        parser.error("--profile and --all-profiles do not apply to --demo")
    serve_only = [flag for flag, value in (
        ("--serve-allow-actions", args.serve_allow_actions),
        ("--serve-password-file", args.serve_password_file),
        ("--serve-public-url", args.serve_public_url), ("--host", args.host),
        ("--port", args.port)) if value is not None and value is not False]
    if serve_only and not args.serve:
        parser.error(f"{serve_only[0]} only applies to --serve")
    if args.serve and args.all_profiles:
        parser.error("--all-profiles does not apply to --serve (serve one --profile)")
    # Start-up allocates a great many objects (modules, classes, the screen) that all live
    # as long as the program: collecting among them finds nothing and cost ~35 ms before
    # the first frame. The app turns the collector back on once it has painted (--serve
    # runs no app here: its viewers' processes start on their own).
    if not args.serve:
        gc.disable()
    try:
        from lobstr_tui.launch import run_monitor

        return int(run_monitor(args))
    finally:
        gc.enable()


if __name__ == "__main__":
    raise SystemExit(main())
