"""Start the monitor: resolve settings (or start the demo simulator), build the poll
scheduler, then run the app. This is the one place where the parts are put together."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack, suppress
from dataclasses import replace

from lobstr_tui.api import LobstrClient, Token, normalise_base_url
from lobstr_tui.config import NO_TOKEN_MESSAGE, ConfigError, config_path, resolve_settings
from lobstr_tui.exit_codes import EXIT_OK, EXIT_USAGE
from lobstr_tui.monitor import SYSTEM_CLOCKS, Clocks, PollPolicy, PollScheduler

DEMO_SPEED = 1.0


def build_scheduler(client: LobstrClient, *, poll_seconds: float | None = None,
                    policy: PollPolicy | None = None, clocks: Clocks = SYSTEM_CLOCKS,
                    read_only: bool = False, seed: int | None = None) -> PollScheduler:
    """The poll scheduler for ``client``: ``poll_seconds`` overrides the selected run's
    stats period of ``policy``."""
    chosen = policy or PollPolicy()
    if poll_seconds is not None:
        chosen = replace(chosen, stats_every=poll_seconds)
    return PollScheduler(client, policy=chosen, clocks=clocks, read_only=read_only,
                         seed=seed)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def run_monitor(args: argparse.Namespace) -> int:
    """Resolve where to connect, then run the TUI until the user quits."""
    from textual.theme import BUILTIN_THEMES

    if args.theme and args.theme not in BUILTIN_THEMES:
        return _fail(f"lobstr-tui: error: unknown theme {args.theme!r} "
                     f"(one of {', '.join(sorted(BUILTIN_THEMES))})")
    with ExitStack() as stack:
        if args.demo:
            from lobstr_tui.sim import DEFAULT_TOKEN, SimServer, build

            world = build("demo", seed=args.seed, speed=args.speed or DEMO_SPEED)
            server = stack.enter_context(SimServer(world, token=DEFAULT_TOKEN))
            token, base_url = Token(DEFAULT_TOKEN), server.base_url
        else:
            try:
                settings = resolve_settings(base_url=args.base_url)
            except ConfigError as exc:
                return _fail(f"lobstr-tui: error: {exc}")
            for warning in settings.warnings:
                print(warning, file=sys.stderr)
            if not settings.token:
                return _fail(NO_TOKEN_MESSAGE.format(path=config_path()))
            token, base_url = settings.token, settings.base_url
        try:
            base_url = normalise_base_url(base_url)
        except ValueError as exc:
            return _fail(f"lobstr-tui: error: {exc}")
        from lobstr_tui.ui.app import LobstrApp

        scheduler = build_scheduler(LobstrClient(token, base_url), poll_seconds=args.poll,
                                    read_only=args.read_only)
        app = LobstrApp(scheduler, theme=args.theme)
        with suppress(KeyboardInterrupt):
            app.run()
    return EXIT_OK
