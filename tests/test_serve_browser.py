"""The served cockpit read in a real browser (headless chromium over DevTools): the
squid names on the page's terminal, a key typed in the page changes the screen, two
tabs keep their own selection, the password is asked, and the token appears in no
HTTP response and no websocket frame."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lobstr_tui.sim import SimServer
from tests.browser import Browser, chromium_path
from tests.conftest import TOKEN
from tests.test_serve import PASSWORD, live_sim, served

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="SKIPPED, NOT PASSED: chromium is not on PATH (.ci/run installs it)")

__all__ = ["live_sim"]  # the simulator fixture, shared with test_serve

FIRST = 'Runs of "Google Maps FR restaurants"'
SECOND = 'Runs of "LinkedIn leads SaaS CTOs"'


async def test_the_cockpit_in_two_browser_tabs(live_sim: SimServer, tmp_path: Path) -> None:
    with served(live_sim, tmp_path) as url:
        async with Browser(window_size=(1400, 900)) as browser:
            refused = await browser.new_page()
            await refused.goto(url + "/")
            assert any(r.status == 401 for r in await refused.http_responses())
            assert refused.terminal_size is None, "no session without the password"

            one = await browser.new_page(auth=("team", PASSWORD))
            await one.goto(url + "/")
            lines = await one.wait_for_text(FIRST)
            screen = "\n".join(lines)
            for name in ("Google Maps FR restaurants", "LinkedIn leads SaaS CTOs",
                         "Instagram posts #coffee"):
                assert name in screen, screen

            two = await browser.new_page(auth=("team", PASSWORD))
            await two.goto(url + "/")
            await two.wait_for_text(FIRST)

            # A key typed in the first tab moves its squid list: its own selection.
            await one.focus()
            await one.press("j")
            await one.wait_for_text(SECOND)
            assert FIRST in two.screen_text() and SECOND not in two.screen_text()
            # And a key opens the board in the second tab only.
            await two.focus()
            await two.press("w")
            await two.wait_for_text("since")
            assert SECOND in one.screen_text()

            # d in a served tab: the CSV arrives as a browser download.
            await one.focus()
            await one.press("j", "j")
            await one.wait_for_text('Runs of "Amazon reviews headphones"')
            # Its runs are read once the cursor rests on it: d needs the selected run.
            await one.wait_for_text("tasks_done")
            await one.press("d")
            frames = await one.wait_for_frames(lambda frames: any(
                f.envelope and f.envelope[0] == "deliver_file_start" for f in frames),
                "the download offered to the browser")
            key = next(f.envelope[1] for f in frames
                       if f.envelope and f.envelope[0] == "deliver_file_start")
            # The page fetches it at once to save it: the server's access log says so.
            served_log = tmp_path / "serve.log"
            fetched = f'/download/{key} HTTP/1.1" 200'
            for _ in range(600):  # bounded: until the log has the line
                if fetched in served_log.read_text(errors="replace").replace("\n", " "):
                    break
                await asyncio.sleep(0.05)
            assert fetched in served_log.read_text(errors="replace").replace("\n", " ")

            for page in (one, two):
                assert await page.find(TOKEN) == [], "the token reached the browser"
