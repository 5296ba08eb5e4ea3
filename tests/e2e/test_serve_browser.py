"""The served cockpit read in a real browser (headless chromium over DevTools): no page
without this launch's link; the printed link opens the cockpit, trades its token for a
cookie the page's script cannot read and leaves the address without it; a second tab
opens with the cookie alone and keeps its own selection; a page of another origin
cannot open the cockpit's websocket even in the browser that holds the session; d
delivers the CSV; the token appears in no HTTP response and no websocket frame."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from lobstr_tui.sim import SimServer
from tests.browser import Browser, chromium_path
from tests.conftest import TOKEN
from tests.e2e.test_serve import free_port, live_sim, served

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="SKIPPED, NOT PASSED: chromium is not on PATH (.ci/run installs it)")

__all__ = ["live_sim"]  # the simulator fixture, shared with test_serve

FIRST = 'Runs of "Google Maps FR restaurants"'
SECOND = 'Runs of "LinkedIn leads SaaS CTOs"'


@asynccontextmanager
async def other_site(target_port: int, host: str) -> AsyncIterator[str]:
    """A page on another origin (another port, or the name localhost) that tries to open
    the cockpit's websocket; ``window.attempt`` says how that went."""
    page = f"""<!doctype html><title>other site</title><script>
window.attempt = new Promise(resolve => {{
  const ws = new WebSocket("ws://127.0.0.1:{target_port}/ws?width=80&height=24");
  ws.onmessage = () => resolve("read the cockpit");
  ws.onerror = () => resolve("refused");
  ws.onclose = () => resolve("refused");
  setTimeout(() => resolve("no answer"), 60000);
}});
</script>"""

    async def index(_request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


async def test_the_cockpit_in_two_browser_tabs(live_sim: SimServer, tmp_path: Path) -> None:
    with served(live_sim, tmp_path, password=False) as serving:
        url = serving.url
        async with Browser(window_size=(1400, 900)) as browser:
            refused = await browser.new_page()
            await refused.goto(url + "/")
            assert [r.status for r in await refused.http_responses()
                    if r.url == url + "/"] == [403]
            assert refused.terminal_size is None, "no session without the link"

            one = await browser.new_page()
            await one.goto(serving.link)
            lines = await one.wait_for_text(FIRST)
            screen = "\n".join(lines)
            for name in ("Google Maps FR restaurants", "LinkedIn leads SaaS CTOs",
                         "Instagram posts #coffee"):
                assert name in screen, screen
            # The token left the address bar, and the page's script cannot read the
            # session cookie.
            address = await one.evaluate("location.href")
            assert address == url + "/" and "token" not in address
            assert await one.evaluate("document.cookie") == ""

            two = await browser.new_page()
            await two.goto(url + "/")  # no token: the cookie is enough
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

            # Another origin's page in this very browser: same site (another port of
            # 127.0.0.1, the strict cookie goes along) or another site (localhost). Its
            # websocket is refused before any viewer starts.
            viewers = len(serving.viewer_pids())
            for host in ("127.0.0.1", "localhost"):
                async with other_site(serving.port, host) as evil_url:
                    evil = await browser.new_page(terminal_path="/nothing")
                    await evil.goto(evil_url)
                    assert await evil.evaluate("window.attempt") == "refused", host
                    await evil.close()
                origin = evil_url.rstrip("/")
                assert f"foreign Origin '{origin}' on /ws" in serving.log(), serving.log()
            assert len(serving.viewer_pids()) == viewers

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
            # The page fetches it at once, with its session: the server's log says so.
            fetched = f"127.0.0.1 GET /download/{key} 200"
            for _ in range(600):  # bounded: until the log has the line
                if fetched in serving.log():
                    break
                await asyncio.sleep(0.05)
            assert fetched in serving.log()

            for page in (one, two):
                assert await page.find(TOKEN) == [], "the API token reached the browser"
            assert serving.token is not None
            assert await two.find(serving.token) == [], "the link's token in tab two"
