"""Small helpers shared by the benchmarks: /proc readings, percentiles, the simulator."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lobstr_tui.sim import SimServer, World, build

BIN = Path(sys.executable).parent
LOBSTR_TUI = BIN / "lobstr-tui"
LOBSTR_CLI = BIN / "lobstr"
TOKEN = "bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def median(values: list[float]) -> float:
    """The median, or 0 for no values."""
    return statistics.median(values) if values else 0.0


def percentile(values: list[float], share: float) -> float:
    """A nearest-rank percentile (share in 0..1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def monitor_env(server: SimServer, home: Path) -> str:
    """Environment words for running the installed monitor against a simulator."""
    return (f"LOBSTR_TOKEN={TOKEN} LOBSTR_API_BASE={server.base_url} "
            f"XDG_CONFIG_HOME={home}")


def cli_env(server: SimServer, home: Path) -> dict[str, str]:
    """Environment for the official CLI against a simulator."""
    return {**os.environ, "LOBSTR_TOKEN": TOKEN, "LOBSTR_API_BASE": server.base_url,
            "XDG_CONFIG_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}


@contextmanager
def live_monitor(server: SimServer, home: Path) -> Iterator[str]:
    """The installed monitor in a 120x40 tmux session, yielded once its data is live."""
    from bench.terminal import start, stop, wait_screen

    name, _ = start(f"{LOBSTR_TUI}", home, env=monitor_env(server, home))
    try:
        wait_screen(name, lambda s: "Google Maps FR" in s and "live" in s, "the monitor")
        yield name
    finally:
        stop(name)


@contextmanager
def simulator(world: World | None = None, **kwargs: object) -> Iterator[SimServer]:
    """The demo simulator (or ``world``) on a free loopback port."""
    with SimServer(world or build("demo", seed=1), token=TOKEN, **kwargs) as server:
        yield server


def bench_main(description: str, run: Callable[..., object],
               **options: tuple[type, object]) -> int:
    """A benchmark's command line: ``--name value`` for each option (type, default),
    passed to ``run``; its figures printed as JSON."""
    parser = argparse.ArgumentParser(description=description)
    for name, (kind, default) in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    print(json.dumps(run(**vars(parser.parse_args()))))
    return 0
