"""Run every benchmark and print one JSON document (``--quick``: seconds, not minutes).

    python -m bench.run_all            # make bench
    python -m bench.run_all --quick    # the smoke version
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
from dataclasses import asdict

from bench import (
    board,
    day,
    economy,
    far_start,
    fault_keys,
    idle,
    scale,
    serve,
    soak,
    startup,
    tty_bytes,
    watch_cpu,
)


def run(quick: bool) -> dict[str, object]:
    """All figures, full size or quick."""
    if quick:
        return {
            "startup": startup.run(runs=1),
            "economy": economy.run(seconds=6.0),
            "idle": idle.run(seconds=2.0),
            "scale": scale.run(squids=200, runs=300, events_count=5000, presses=10),
            "fault_keys": fault_keys.run(presses=5),
            "day": day.run(hours=0.25),
            "board": board.run(seconds=2.0, warm_up=1.0),
            "far_start": far_start.run(runs=1),
            "tty_bytes": tty_bytes.run(seconds=3.0, warm_up=1.0),
            "watch_cpu": watch_cpu.run(seconds=3.0, settle=5.0),
        }
    return {
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "startup": startup.run(runs=10),
        "economy": economy.run(seconds=180.0),
        "idle": idle.run(seconds=60.0),
        "scale": scale.run(),
        "fault_keys": fault_keys.run(),
        "soak_60s": asdict(asyncio.run(soak.soak(60.0))),
        "serve": serve.run(reads=6),
        "board_10_active": board.run(seconds=60.0),
        "far_start_latency_0_25": far_start.run(runs=5),
        "tty_bytes": tty_bytes.run(seconds=60.0),
        "watch_cpu": watch_cpu.run(seconds=60.0),
        "day_24h": day.run(hours=24),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="all benchmarks")
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(parser.parse_args().quick), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
