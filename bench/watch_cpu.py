"""Watching one run: CPU of the monitor beside the official `lobstr run watch` of the
same run, both in tmux at 120x40 at the same time (each against its own simulator built
from the same demo world), so the ratio is measured under the same load. The demo at
speed 4, seed 1 (the demo) and seed 7 (a busier account). Reported: the first minute
(CPU and requests from the start), then the steady state after ``settle`` seconds, with
the CPU the monitor spends per API answer. Beside both, the floor (``bench.poll_floor``):
the same GETs as the monitor, at the same moments, parsed and shown in plain Textual
widgets, with our code removed.

    python -m bench.watch_cpu --seconds 60
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import (
    LOBSTR_CLI,
    LOBSTR_TUI,
    TOKEN,
    bench_main,
    cpu_seconds,
    monitor_env,
    simulator,
)
from bench.floor_feed import floor_beside, floor_figures
from bench.terminal import app_pid, start, stop, wait_screen
from lobstr_tui.sim import build


def percent(cpu: float, seconds: float) -> float:
    return round(100 * cpu / seconds, 2)


def ratio(cpu: float, other: float) -> float | None:
    return round(cpu / other, 2) if other else None


def measure(seed: int, seconds: float, settle: float = 20.0) -> dict[str, object]:
    """The monitor and `lobstr run watch` side by side on the demo of ``seed``."""
    app_world, cli_world, floor_world = (build("demo", seed=seed, speed=4.0)
                                         for _ in range(3))
    maps = next(s for s in cli_world.squids.values() if s.name.startswith("Google Maps"))
    run_id = maps.run_ids[0]
    with (tempfile.TemporaryDirectory() as folder, simulator(app_world) as app_server,
          simulator(cli_world) as cli_server):
        home = Path(folder)
        cli_env = (f"LOBSTR_TOKEN={TOKEN} LOBSTR_API_BASE={cli_server.base_url} "
                   f"XDG_CONFIG_HOME={home}")
        with floor_beside(app_server, floor_world, home) as floor:
            app, _ = start(f"{LOBSTR_TUI}", home, env=monitor_env(app_server, home))
            cli, _ = start(f"{LOBSTR_CLI} run watch {run_id}", home, env=cli_env)
            try:
                started = time.monotonic()
                app_process, cli_process = app_pid(app), app_pid(cli)
                wait_screen(app, lambda s: "Google Maps FR" in s and "live" in s,
                            "the monitor")
                time.sleep(max(0.0, settle - (time.monotonic() - started)))
                first = time.monotonic() - started
                app_first, cli_first = cpu_seconds(app_process), cpu_seconds(cli_process)
                floor_first, floor_answers_first = floor.cpu(), floor.answers()
                requests_first = len(app_server.log)
                since = time.monotonic()
                time.sleep(seconds)
                elapsed = time.monotonic() - since
                app_cpu = cpu_seconds(app_process) - app_first
                cli_cpu = cpu_seconds(cli_process) - cli_first
                floor_cpu = floor.cpu() - floor_first
                answers = len(app_server.log) - requests_first
                floor_answers = floor.answers() - floor_answers_first
            finally:
                stop(app)
                stop(cli)
    return {
        "seed": seed,
        "first_s": round(first, 1),
        "first_cpu_percent": percent(app_first, first),
        "first_requests_per_min": round(60 * requests_first / first, 1),
        "first_cli_cpu_percent": percent(cli_first, first),
        "cpu_percent": percent(app_cpu, elapsed),
        "cli_run_watch_cpu_percent": percent(cli_cpu, elapsed),
        "ratio_to_run_watch": ratio(app_cpu, cli_cpu),
        "requests_per_min": round(60 * answers / elapsed, 1),
        "cpu_ms_per_answer": round(1000 * app_cpu / max(answers, 1), 1),
        **floor_figures(floor_cpu, floor_answers, elapsed, app_cpu),
        "floor_ratio_to_run_watch": ratio(floor_cpu, cli_cpu),
        "seconds": round(elapsed, 1),
    }


def run(seconds: float = 60.0, settle: float = 20.0) -> dict[str, dict[str, object]]:
    """Seed 1 (the demo) and seed 7 (busier)."""
    return {f"seed_{seed}": measure(seed, seconds, settle) for seed in (1, 7)}


def main() -> int:
    return bench_main("CPU watching one run, beside lobstr run watch", run,
                      seconds=(float, 60.0), settle=(float, 20.0))


if __name__ == "__main__":
    raise SystemExit(main())
