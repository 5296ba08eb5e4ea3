"""Start the monitor: resolve settings (or start the demo simulator), build the poll
scheduler, then run the app. This is the one place where the parts are put together.

Whatever happens, the command ends with one line on stderr, never a traceback: a user
mistake (or a token rejected before anything was fetched) exits 2; an unexpected
exception exits 1 with the details, token masked, in a crash report (see ``crash``).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lobstr_tui.api.prefetch import Prefetch, send_first_reads
from lobstr_tui.api.secret import Token
from lobstr_tui.config import (
    NO_TOKEN_MESSAGE,
    TOKEN_PAGE,
    ConfigError,
    Settings,
    config_path,
    every_profile,
    no_default_message,
    resolve_settings,
)
from lobstr_tui.crash import describe, mask_secrets, report_crash
from lobstr_tui.exit_codes import EXIT_CRASH, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from lobstr_tui.monitor.polling.first_reads import FIRST_READS

# Imported where used: the first reads leave before httpx, the poll loop and Textual
# are imported (each module below imports one of them).
if TYPE_CHECKING:
    from lobstr_tui.api import LobstrClient
    from lobstr_tui.monitor import Clocks, PollPolicy, PollScheduler
    from lobstr_tui.notify import AlertSettings
    from lobstr_tui.ui.app import LobstrApp
    from lobstr_tui.ui.services.profiles import Profiles

DEMO_SPEED = 1.0


def build_scheduler(client: LobstrClient, *, poll_seconds: float | None = None,
                    budget: int | None = None, credits_warn: float | None = None,
                    policy: PollPolicy | None = None, clocks: Clocks | None = None,
                    read_only: bool = False, seed: int | None = None,
                    profile: str | None = None) -> PollScheduler:
    """The poll scheduler for ``client``: ``poll_seconds`` overrides the selected run's
    stats period of ``policy`` and ``budget`` its requests per minute; below
    ``credits_warn`` credits the scheduler raises ``credits.low``; ``profile`` names
    the account on screen (None: the only one); ``clocks``: the system's."""
    from lobstr_tui.monitor import SYSTEM_CLOCKS, PollPolicy, PollScheduler

    chosen = policy or PollPolicy()
    if poll_seconds is not None:
        chosen = replace(chosen, stats_every=poll_seconds)
    if budget is not None:
        chosen = replace(chosen, budget_per_minute=budget)
    return PollScheduler(client, policy=chosen, clocks=clocks or SYSTEM_CLOCKS,
                         read_only=read_only,
                         seed=seed, credits_warn=credits_warn, profile=profile)


def alert_settings(args: argparse.Namespace) -> AlertSettings:
    """The alert channels the command line asked for."""
    from lobstr_tui.notify import AlertSettings

    return AlertSettings(bell=not args.no_bell, desktop=args.notify == "desktop",
                         command=args.notify_cmd, credits_warn=args.credits_warn)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def stderr_is_terminal() -> bool:
    """True when standard error is a terminal (Textual draws the screen there)."""
    return sys.__stderr__ is not None and sys.__stderr__.isatty()


def _fail_out(message: str) -> int:
    """A start-up error said on standard output (standard error goes elsewhere)."""
    print(message, file=sys.stdout if sys.stdout.isatty() else sys.stderr)
    return EXIT_USAGE


@dataclass
class _Target:
    """Where the monitor connects, and what must never be written out."""

    token: Token = field(repr=False)
    base_url: str
    token_source: str | None = None
    secrets: list[str] = field(default_factory=list, repr=False)
    settings: Settings | None = field(default=None, repr=False)
    """The config file's profiles (None: the demo, a served viewer)."""


def run_monitor(args: argparse.Namespace) -> int:
    """Resolve where to connect, then run the TUI until the user quits; the exit status."""
    # Masked in any crash report from the first moment, even before the config is read.
    secrets = [os.environ.get("LOBSTR_TOKEN", "")]
    secrets.append(secrets[0].strip())
    try:
        return _run_monitor(args, secrets)
    except Exception as error:  # the last line of defence: one line, details in a file
        print(report_crash(describe(error), summary=type(error).__name__, secrets=secrets),
              file=sys.stderr)
        return EXIT_CRASH


def _run_monitor(args: argparse.Namespace, secrets: list[str]) -> int:
    if args.theme:  # checked first; Textual is imported for it only then
        from textual.theme import BUILTIN_THEMES

        if args.theme not in BUILTIN_THEMES:
            return _fail(f"lobstr-tui: error: unknown theme {args.theme!r} "
                         f"(one of {', '.join(sorted(BUILTIN_THEMES))})")
    if getattr(args, "viewer", False):
        return _run_viewer(args)
    with ExitStack() as stack:
        if args.demo:
            from lobstr_tui.sim import DEFAULT_TOKEN, SimServer, build

            world = build("demo", seed=args.seed, speed=args.speed or DEMO_SPEED)
            server = stack.enter_context(SimServer(world, token=DEFAULT_TOKEN))
            target = _Target(Token(DEFAULT_TOKEN), server.base_url)
        else:
            try:
                settings = resolve_settings(base_url=args.base_url, profile=args.profile)
                secrets.extend(p.token.reveal() for p in settings.profiles if p.token)
                if args.all_profiles:
                    settings = every_profile(settings)
            except ConfigError as exc:
                return _fail(f"lobstr-tui: error: {exc}")
            for warning in settings.warnings:
                print(warning, file=sys.stderr)
            if not settings.token:
                return _fail(f"lobstr-tui: error: {no_default_message(settings, config_path())}"
                             if settings.profiles else NO_TOKEN_MESSAGE.format(path=config_path()))
            secrets.append(settings.token.reveal())
            target = _Target(settings.token, settings.base_url, settings.token_source,
                             settings=settings)
        target.secrets = secrets
        if getattr(args, "serve", False):
            return _serve(args, target)
        if args.demo and args.download_dir is None:
            args.download_dir = stack.enter_context(demo_downloads())
        return _run_app(args, target)


@contextmanager
def demo_downloads() -> Iterator[Path]:
    """Where ``--demo`` saves downloads without ``--download-dir``: a new folder under
    the temp dir, never the current folder (``make demo`` runs in the repository, where
    the CSVs showed in ``git status``). Removed at the end when nothing was saved in it,
    else named on stderr (each download also says ``saved <path>``)."""
    folder = Path(tempfile.mkdtemp(prefix="lobstr-tui-demo-"))
    try:
        yield folder
    finally:
        try:
            folder.rmdir()
        except OSError:
            print(f"lobstr-tui: the demo's downloads are in {folder}", file=sys.stderr)


def _serve(args: argparse.Namespace, target: _Target) -> int:
    """``--serve``: the cockpit in web browsers, the token kept in this process."""
    from lobstr_tui.serve.server import ServeOptions, serve

    passed: list[str] = ["--budget", str(args.budget), "--poll", f"{args.poll:g}"]
    if args.theme:
        passed += ["--theme", args.theme]
    if args.board:
        passed.append("--board")
    if args.credits_warn is not None:
        passed += ["--credits-warn", f"{args.credits_warn:g}"]
    options = ServeOptions(host=args.host or "127.0.0.1",
                           port=8000 if args.port is None else args.port,
                           allow_actions=args.serve_allow_actions and not args.read_only,
                           password=args.serve_password_file,
                           max_viewers=args.serve_max_viewers, viewer_args=passed,
                           public_url=args.serve_public_url)
    return serve(target.token, target.base_url, options)


def _run_viewer(args: argparse.Namespace) -> int:
    """One browser tab's cockpit, started by ``--serve``: it reaches the API through the
    serving process's proxy with the serve's viewer key (never the token)."""
    from lobstr_tui.serve.server import viewer_target

    found = viewer_target()
    if found is None:
        return _fail("lobstr-tui: error: --viewer is started by --serve only")
    key, api = found
    return _run_app(args, _Target(Token(key), api), age_hints=True)


def _run_app(args: argparse.Namespace, target: _Target, *, age_hints: bool = False) -> int:
    """Run the app; its exit says how the command ends."""
    if not age_hints and not stderr_is_terminal():
        # Textual draws on standard error: redirected, nothing would be seen.
        return _fail_out("lobstr-tui: error: standard error is not a terminal (lobstr-tui "
                         "draws its screen there): run it without redirecting 2>")

    early: Prefetch | None = None
    if _profiles_named(args, target) is None:
        # The first frame's reads go now, while the rest is imported and built.
        early = send_first_reads(target.token, target.base_url, FIRST_READS)
    from rich.console import Console

    from lobstr_tui.api import LobstrClient
    from lobstr_tui.ui.app import LobstrApp

    profiles = _profiles(args, target)
    scheduler = profiles.open(profiles.current) if profiles is not None else build_scheduler(
        LobstrClient(target.token, target.base_url, age_hints=age_hints, early=early),
        poll_seconds=args.poll, budget=args.budget, credits_warn=args.credits_warn,
        read_only=args.read_only)
    app = LobstrApp(scheduler, theme=args.theme, alerts=alert_settings(args),
                    start_board=args.board, download_dir=args.download_dir,
                    profiles=profiles)
    # Textual prints a crash's traceback, with local variables, to this console when the
    # app stops: it goes to memory instead, never to the terminal.
    textual_report = io.StringIO()
    app.error_console = Console(file=textual_report, markup=False, highlight=False,
                                color_system=None)
    try:
        app.run()
    except KeyboardInterrupt:
        return EXIT_OK
    code = app.return_code or EXIT_OK
    if code == EXIT_OK and _never_reached(app):
        print(mask_secrets(_unreachable_message(app, target), target.secrets),
              file=sys.stderr)
        return EXIT_UNREACHABLE
    if code == EXIT_OK:
        return EXIT_OK
    if code == EXIT_USAGE and _token_never_accepted(app):
        return _fail(_rejected_message(app, target))
    error = _unhandled_error(app)
    if error is not None:
        details, summary = describe(error), type(error).__name__
    else:
        details, summary = _rendered_report(textual_report.getvalue(), target), f"status {code}"
    print(report_crash(details, summary=summary, secrets=target.secrets), file=sys.stderr)
    return code


def _profiles_named(args: argparse.Namespace, target: _Target) -> Settings | None:
    """The settings, when the app names its profiles (see :func:`_profiles`)."""
    settings = target.settings
    if settings is None or not (len(settings.profiles) > 1 or settings.chosen
                                or args.all_profiles):
        return None
    return settings


def _profiles(args: argparse.Namespace, target: _Target) -> Profiles | None:
    """The profiles the app may switch between, when they are to be named: several in
    the config file, one chosen by name, or ``--all-profiles``. Each gets its own
    scheduler (client, rate gate and request budget) when opened."""
    settings = _profiles_named(args, target)
    if settings is None:
        return None
    every = bool(args.all_profiles)
    from lobstr_tui.ui.screens.profile_screen import ProfileChoice
    from lobstr_tui.ui.services.profiles import Profiles

    by_name = {p.name: p for p in settings.profiles}

    from lobstr_tui.api import LobstrClient

    def open_profile(name: str) -> PollScheduler:
        profile = by_name[name]
        if profile.token is None:
            raise ValueError(f"profile {name} has no token")  # never listed as a choice
        return build_scheduler(LobstrClient(profile.token, profile.base_url),
                               poll_seconds=args.poll, budget=args.budget,
                               credits_warn=args.credits_warn, read_only=args.read_only,
                               profile=name)

    choices = tuple(ProfileChoice(p.name, p.problem or (None if p.token else "no token"))
                    for p in settings.profiles)
    return Profiles(settings.profile, choices, open_profile, together=every)


def _unhandled_error(app: LobstrApp) -> Exception | None:
    """The exception that made Textual stop the app, if one did. Textual keeps it in
    ``_exception`` (its own ``run_test`` re-raises it from there) and offers no public
    accessor; without it the report falls back on the traceback Textual rendered."""
    error = getattr(app, "_exception", None)
    return error if isinstance(error, Exception) else None


def _rendered_report(text: str, target: _Target) -> str:
    """What Textual rendered when it stopped, unless the token may hide in it: that
    rendering wraps lines at the terminal's width (and shows local variables), so a
    token cut in two would slip past the masking."""
    squeezed = re.sub(r"[\s│┃|]+", "", text)
    if any(secret and re.sub(r"\s+", "", secret) in squeezed for secret in target.secrets):
        return "(Textual's report of the failure is left out: it showed the token)\n"
    return text


def _never_reached(app: LobstrApp) -> bool:
    from lobstr_tui.ui.widgets.unreachable_banner import never_reached

    return never_reached(app.snapshot.connection)


def _unreachable_message(app: LobstrApp, target: _Target) -> str:
    """One line: the URL never reached, why, and what to check."""
    from lobstr_tui.ui.text.reach import CHECK, shown_url

    said = (app.snapshot.connection.detail or "")[:120]
    return (f"lobstr-tui: error: {shown_url(app.scheduler.client.base_url)} was never "
            f"reached{f' ({said})' if said else ''}; {CHECK}")


def _token_never_accepted(app: LobstrApp) -> bool:
    from lobstr_tui.monitor import LinkState

    connection = app.snapshot.connection
    return connection.state is LinkState.UNAUTHORIZED and connection.last_ok_at is None


def _rejected_message(app: LobstrApp, target: _Target) -> str:
    """One line: who rejected the token, where it came from, how to set a valid one."""
    said = app.snapshot.connection.detail or ""
    # The server's words were cleaned when parsed (api.text): mask the token, then cut
    # (cutting first could leave part of a token that straddles the cut unmasked).
    said = mask_secrets(said, target.secrets)[:120]
    source = target.token_source or "the token"
    profile = target.settings.profile if target.settings else "default"
    if source == "LOBSTR_TOKEN":
        fix = f"set a valid one with export LOBSTR_TOKEN=... (from {TOKEN_PAGE})"
    elif source.endswith(f"[profiles.{profile}]"):
        fix = f"put a valid one under [profiles.{profile}] in {config_path()} (from {TOKEN_PAGE})"
    elif source == str(config_path()):
        fix = (f"put a valid one under [auth] token in {config_path()} or set LOBSTR_TOKEN "
               f"(from {TOKEN_PAGE})")
    else:  # the variable a profile's token_env names
        fix = f"set a valid one in {source} (from {TOKEN_PAGE})"
    return (f"lobstr-tui: error: {target.base_url} rejected the token from {source}"
            f"{f' ({said})' if said else ''}; {fix}")
