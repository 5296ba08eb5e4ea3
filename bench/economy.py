"""API economy: requests per minute by endpoint while watching the demo with its running
run selected, the freshness of what is on screen, and 429s; beside it the official
`lobstr run watch <run>` counted the same way (the simulator's own request log).

    python -m bench.economy --seconds 180
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import LOBSTR_CLI, cli_env, live_monitor, median, simulator
from lobstr_tui.sim import SimServer, build
from lobstr_tui.sim.server import LoggedRequest

_ID = re.compile(r"[0-9a-f]{32}")


def endpoint(entry: LoggedRequest) -> str:
    """``GET runs/{id}/stats`` style names."""
    return f"{entry.method} {_ID.sub('{id}', entry.path)}"


def window(server: SimServer, since: float, until: float) -> list[LoggedRequest]:
    """Requests the simulator answered between two monotonic instants."""
    return [e for e in list(server.log) if since <= e.at < until]


def freshness(server: SimServer, since: float, until: float, match: str,
              step: float = 0.5) -> list[float]:
    """At each sampling instant, seconds since the last request whose path matches."""
    times = sorted(e.at for e in list(server.log) if re.search(match, e.path))
    ages: list[float] = []
    instant = since
    while instant < until:
        last = [t for t in times if t <= instant]
        if last:
            ages.append(instant - last[-1])
        instant += step
    return ages


def watch_app(server: SimServer, home: Path, seconds: float) -> dict[str, object]:
    """The monitor in tmux for ``seconds``, first squid (its active run) selected."""
    with live_monitor(server, home):
        since = time.monotonic()
        time.sleep(seconds)
        until = time.monotonic()
    seen = window(server, since, until)
    minutes = (until - since) / 60
    stats_age = freshness(server, since, until, r"^runs/[0-9a-f]{32}/stats$")
    squid_age = freshness(server, since, until, r"^squids$")
    return {
        "requests_per_min": round(len(seen) / minutes, 1),
        "by_endpoint_per_min": {k: round(v / minutes, 1)
                                for k, v in sorted(Counter(map(endpoint, seen)).items())},
        "median_stats_age_s": round(median(stats_age), 2),
        "max_stats_age_s": round(max(stats_age, default=0.0), 2),
        "max_squid_list_age_s": round(max(squid_age, default=0.0), 2),
        "http_429": sum(1 for e in seen if e.status == 429),
    }


def watch_cli(server: SimServer, home: Path, run_id: str, seconds: float) -> dict[str, object]:
    """The official `lobstr run watch RUN` for ``seconds`` (its default 3 s poll)."""
    since = time.monotonic()
    process = subprocess.Popen([str(LOBSTR_CLI), "run", "watch", run_id],
                               env=cli_env(server, home), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=10)
    until = time.monotonic()
    seen = window(server, since, until)
    minutes = (until - since) / 60
    stats_age = freshness(server, since + 4, until, r"^runs/[0-9a-f]{32}/stats$")
    return {
        "requests_per_min": round(len(seen) / minutes, 1),
        "by_endpoint_per_min": {k: round(v / minutes, 1)
                                for k, v in sorted(Counter(map(endpoint, seen)).items())},
        "median_stats_age_s": round(median(stats_age), 2),
        "watches": "one run only; no squid list, no balance",
    }


def run(seconds: float = 180.0) -> dict[str, object]:
    """Both measurements against one demo simulator (real time, speed 1)."""
    world = build("demo", seed=1)
    with tempfile.TemporaryDirectory() as folder, simulator(world) as server:
        home = Path(folder)
        maps = next(s for s in world.squids.values() if s.name.startswith("Google Maps"))
        run_id = maps.run_ids[0]
        app = watch_app(server, home, seconds)
        cli = watch_cli(server, home, run_id, seconds)
    return {"seconds": seconds, "lobstr_tui": app, "lobstr_run_watch": cli}


def main() -> int:
    parser = argparse.ArgumentParser(description="API economy benchmark")
    parser.add_argument("--seconds", type=float, default=180.0)
    print(json.dumps(run(parser.parse_args().seconds), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
