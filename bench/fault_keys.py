"""How fast a key is handled while the API misbehaves (the figure the fault matrix tests
used to assert; it is measured here and never asserted in tests).

For each fault the real app runs headless against the simulator; after the fault has set
in, ``f`` (follow the log) is pressed repeatedly and the time from the key event to its
effect is measured. Target: p95 under 100 ms on the project's 2-core machine.

    python -m bench.fault_keys [--presses 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from textual import events

from bench.common import TOKEN, percentile, simulator
from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import PollPolicy
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.widgets.tabs.event_log import EventLog

FAULTS: dict[str, str] = {
    "hanging API": "*:hang=30",
    "429 storm": "runs:ratelimit=2;squids:ratelimit=2",
    "5xx and HTML pages": "squids:status=503;user:html;me:html;runs:status=502",
    "malformed bodies": "GET runs/:malformed;squids:wrongshape",
}
POLICY = PollPolicy(stats_every=0.5, active_runs_every=0.5, quiet_runs_every=1.0,
                    squids_every=1.0, credits_every=1.0, tasks_min_every=1.0,
                    balance_every=1.0, backoff_base=0.2, backoff_cap=1.0, budget_share=50.0)
SETTLE_SECONDS = 2.0


async def _key_latencies(spec: str, presses: int) -> list[float]:
    with simulator() as server:
        client = LobstrClient(TOKEN, server.base_url, timeout=0.5)
        app = LobstrApp(build_scheduler(client, policy=POLICY, seed=1))
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.snapshot.squids_loaded:
                await pilot.pause(0.05)
            server.faults.add(spec)
            await pilot.pause(SETTLE_SECONDS)
            log = app.query_one(EventLog)
            latencies: list[float] = []
            for _ in range(presses):
                before = log.follow
                started = time.perf_counter()
                app.post_message(events.Key("f", "f"))
                for _ in range(5000):  # at most about 5 s
                    if log.follow is not before:
                        break
                    await asyncio.sleep(0.001)
                latencies.append(time.perf_counter() - started)
                await pilot.pause(0.05)
            server.faults.clear()
    return latencies


def run(presses: int = 30) -> dict[str, dict[str, float]]:
    """Key-to-effect latency (ms) under each fault: p50, p95 and max."""
    figures: dict[str, dict[str, float]] = {}
    for name, spec in FAULTS.items():
        values = asyncio.run(_key_latencies(spec, presses))
        figures[name] = {
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "presses": len(values),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="key latency under API faults")
    parser.add_argument("--presses", type=int, default=30)
    print(json.dumps(run(parser.parse_args().presses), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
