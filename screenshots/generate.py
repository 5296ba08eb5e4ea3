"""Regenerate the README screenshots from the demo (fixed seed, frozen clock).

Usage: python screenshots/generate.py  (or `make screenshots`). Writes SVG files next to
this script and PNG copies with `rsvg-convert` (Debian package librsvg2-bin).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Clocks, PollPolicy
from lobstr_tui.sim import SimClock, SimServer, build
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.widgets.history_chart import HistoryChart
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog

HERE = Path(__file__).resolve().parent
START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
POLICY = PollPolicy(stats_every=0.2, active_runs_every=0.2, quiet_runs_every=0.3,
                    squids_every=0.3, credits_every=0.2, tasks_min_every=0.2,
                    balance_every=0.3, budget_share=50.0, budget_per_minute=100_000.0)
BOARD_STARTS = ("Amazon reviews headphones", "Indeed jobs Paris data", "Airbnb listings Lisbon")
"""For the board pictures: runs launched on these squids, the second one then finished,
the third failed (its reason in lobstr.io's words on the board)."""

# name, terminal size, squid to select (None: the first), keys to press at the end
SHOTS: tuple[tuple[str, tuple[int, int], str | None, tuple[str, ...]], ...] = (
    ("main-120x40", (120, 40), None, ()),
    ("main-100x30", (100, 30), None, ()),
    ("main-80x24", (80, 24), None, ()),
    ("main-60x20", (60, 20), None, ()),
    ("paused-run", (120, 40), "LinkedIn leads SaaS CTOs", ()),
    ("launch-confirm", (120, 40), "Amazon reviews headphones", ("l",)),
    ("help", (120, 40), None, ("question_mark",)),
    ("board", (120, 40), None, ("w",)),
    ("error-80x24", (80, 24), "Instagram posts #coffee", ()),
    ("board-80x24", (80, 24), None, ("w",)),
    ("tasks-tab", (120, 40), None, ("right_square_bracket", "right_square_bracket")),
    ("results-tab", (120, 40), "Google Maps FR restaurants", ("left_square_bracket",)),
    ("history-120x40", (120, 40), None, ("h", "m")),
    ("history-80x24", (80, 24), None, ("h",)),
)


async def until(pilot: Pilot[None], condition: object, limit: float = 10.0) -> None:
    """Wait (bounded) for a condition while the app runs."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        await pilot.pause(0.05)
    raise SystemExit("screenshots: the demo did not load in time")


async def shoot(name: str, size: tuple[int, int], squid: str | None,
                keys: tuple[str, ...]) -> Path:
    """Run the demo headless, let it move a little, save one SVG."""
    world = build("demo", seed=1, clock=SimClock(start=START, manual=True))
    with SimServer(world, token="demo") as server:
        app = LobstrApp(build_scheduler(LobstrClient("demo", server.base_url), policy=POLICY,
                                        clocks=Clocks(wall=world.clock.now), seed=1))
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.snapshot.stats is not None
                        and app.snapshot.credits is not None)
            if name.startswith("board"):
                started = [world.start_run(next(s.id for s in world.squids.values()
                                                if s.name == squid_name))
                           for squid_name in BOARD_STARTS]
                world.clock.advance(40)
                await until(pilot, lambda: any(row.run.id == started[1].id
                                               for row in app.snapshot.board))
                world.finish_run(started[1].id)
                world.fail_run(started[2].id, "Crawler crashed: the listing page changed "
                               "its layout; our team is on it and the run resumes once fixed")
            for _ in range(6):
                world.clock.advance(5)
                await pilot.pause(0.4)
            if squid is not None:
                target = next(s.id for s in app.snapshot.squids if s.name == squid)
                options = app.query_one(SquidList).options
                options.highlighted = options.get_option_index(target)
                await until(pilot, lambda: app.snapshot.runs_squid_id == target
                            and app.snapshot.stats is not None
                            and app.snapshot.stats.id == app.snapshot.selected_run_id)
            await pilot.pause(0.5)
            app.query_one(EventLog).flush()
            for key in keys:
                await pilot.press(key)
            await pilot.pause(0.5)
            if name.startswith("board"):
                await until(pilot, lambda: len(app.snapshot.board) >= 5
                            and app.snapshot.recent)
                await pilot.pause(0.5)
            if name.startswith("history"):
                await until(pilot, lambda: isinstance(app.screen, HistoryScreen)
                            and app.screen.query_one(HistoryChart).data is not None)
                await pilot.pause(0.5)
            if name.startswith("results"):
                await until(pilot, lambda: bool(app.snapshot.results.rows))
                await pilot.pause(0.5)
            path = HERE / f"{name}.svg"
            svg = app.export_screenshot(title=f"lobstr-tui · {name}")
            # rsvg-convert drops leading spaces in <text> unless told to keep them (an
            # indented line would look flush-left in the PNG).
            path.write_text(svg.replace("<svg ", '<svg xml:space="preserve" ', 1))
    return path


def main() -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    converter = shutil.which("rsvg-convert")
    for name, size, squid, keys in SHOTS:
        svg = asyncio.run(shoot(name, size, squid, keys))
        if converter:
            subprocess.run([converter, str(svg), "-o", str(svg.with_suffix(".png"))],
                           check=True)
        print(f"wrote {svg.name}" + (" and .png" if converter else ""))
    if not converter:
        print("rsvg-convert not found (apt-get install librsvg2-bin): PNGs not made",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
