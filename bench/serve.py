"""``--serve`` with 1 and 3 viewers: requests at the simulator per poll of the selected
run's stats, and each viewer process's memory (RSS).

    python -m bench.serve [--reads 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from lobstr_tui.sim import SimServer, build

TOKEN = "bench-token"
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def viewer_rss_mib() -> list[float]:
    """RSS of every ``lobstr_tui --viewer`` process, in MiB."""
    found: list[float] = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"--viewer" not in command:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sorted(found)


async def stats_reads(server: SimServer, at_least: int, limit: float = 300.0) -> list[float]:
    deadline = time.monotonic() + limit
    while True:
        reads = [e.at for e in list(server.log) if e.path.endswith("/stats")]
        if len(reads) >= at_least or time.monotonic() > deadline:
            return reads
        await asyncio.sleep(0.2)


async def per_read(server: SimServer, reads: int) -> float:
    first = len(await stats_reads(server, 0))
    times = await stats_reads(server, first + reads + 1)
    start, end = times[first], times[first + reads]
    return sum(1 for e in list(server.log) if start <= e.at < end) / reads


async def measure(server: SimServer, port: int, reads: int, token: str
                  ) -> dict[str, object]:
    """Connect one viewer, then three (as programs: with the launch's token); the
    figures."""
    url = f"ws://127.0.0.1:{port}/ws?width=120&height=40&token={token}"
    async with aiohttp.ClientSession() as session:
        sockets: list[aiohttp.ClientWebSocketResponse] = []
        readers: list[asyncio.Task[None]] = []

        async def drain(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for _ in ws:
                pass

        async def add_viewer() -> None:
            ws = await session.ws_connect(url)
            sockets.append(ws)
            readers.append(asyncio.create_task(drain(ws)))

        await add_viewer()
        await stats_reads(server, 3)
        one = await per_read(server, reads)
        rss_one = viewer_rss_mib()
        await add_viewer()
        await add_viewer()
        first = len(await stats_reads(server, 0))
        await stats_reads(server, first + 3)
        three = await per_read(server, reads)
        rss_three = viewer_rss_mib()
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()
    return {"requests_per_stats_poll_1_viewer": round(one, 2),
            "requests_per_stats_poll_3_viewers": round(three, 2),
            "ratio": round(three / one, 2) if one else None,
            "viewer_rss_mib_1": [round(r, 1) for r in rss_one],
            "viewer_rss_mib_3": [round(r, 1) for r in rss_three]}


def run(reads: int = 6) -> dict[str, object]:
    """Serve the demo world, measure, stop."""
    world = build("demo", seed=1)
    with SimServer(world, token=TOKEN) as server:
        server.limiter.limits = {p: (n * 100, w) for p, (n, w) in server.limiter.limits.items()}
        port = free_port()
        log = Path(tempfile.mkdtemp()) / "serve.log"
        env = {**os.environ, "LOBSTR_TOKEN": TOKEN}
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "lobstr_tui", "--serve", "--base-url",
                 server.base_url, "--port", str(port)], cwd=REPO, env=env, stdout=sink,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while (link := re.search(r"/\?token=(\S+)", log.read_text(errors="replace"))
                   ) is None:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("bench.serve: the server did not start")
                time.sleep(0.1)
            return asyncio.run(measure(server, port, reads, link.group(1)))
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=6)
    print(json.dumps(run(parser.parse_args().reads), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
