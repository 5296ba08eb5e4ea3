"""Startup: process start → first frame with the squid list filled, against the simulator.

Beside it, the official CLI's one-shot `lobstr squid ls` against the same simulator (time
to complete output). Both measured in the same run; medians of N.

    python bench/startup.py --runs 10
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import LOBSTR_CLI, LOBSTR_TUI, cli_env, median, monitor_env, simulator
from bench.terminal import screen, start, stop_and_wait
from lobstr_tui.sim import SimServer, build

REPO = Path(__file__).resolve().parent.parent


def time_to_first_frame(server: SimServer, home: Path, marker: str,
                        size: tuple[int, int] = (120, 40), limit: float = 30.0,
                        command: str | None = None) -> float:
    """Seconds from starting `lobstr-tui` (or ``command``) in tmux to ``marker`` on
    screen."""
    started = time.monotonic()
    name, _ = start(command or f"{LOBSTR_TUI}", home, env=monitor_env(server, home),
                    size=size)
    try:
        while time.monotonic() - started < limit:
            if marker in screen(name):
                return time.monotonic() - started
            time.sleep(0.005)
        raise RuntimeError(f"{marker!r} never appeared")
    finally:
        stop_and_wait(name)


def time_cli_listing(server: SimServer, home: Path) -> float:
    """Seconds for `lobstr squid ls` to complete."""
    started = time.monotonic()
    done = subprocess.run([str(LOBSTR_CLI), "squid", "ls"], env=cli_env(server, home),
                          capture_output=True, text=True, timeout=60, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0 or "Google Maps FR" not in done.stdout:
        raise RuntimeError(f"lobstr squid ls failed: {done.stderr[-300:]}")
    return elapsed


def samples(server: SimServer, home: Path, runs: int) -> dict[str, list[float]]:
    """``runs`` first frames each of the app, the bare app and the floor, and ``runs``
    listings of `lobstr squid ls`, taken in turn against ``server``."""
    timed: dict[str, list[float]] = {"app": [], "bare": [], "floor": [], "cli": []}
    bare_command = f"{sys.executable} {REPO / 'bench' / 'bare_app.py'}"
    floor_command = f"{sys.executable} {REPO / 'bench' / 'floor_app.py'}"
    for _ in range(runs):
        timed["app"].append(time_to_first_frame(server, home, "Google Maps FR"))
        timed["bare"].append(time_to_first_frame(server, home, "Google Maps FR",
                                                 command=bare_command))
        timed["floor"].append(time_to_first_frame(server, home, "Google Maps FR",
                                                  command=floor_command))
        timed["cli"].append(time_cli_listing(server, home))
    return timed


def run(runs: int = 10) -> dict[str, float]:
    """Both medians, the ratio and the raw samples' spread."""
    # As installed: pip compiles a package's bytecode when it installs it; an editable
    # install under PYTHONDONTWRITEBYTECODE would compile ~100 modules at every start.
    compileall.compile_dir(REPO / "lobstr_tui", quiet=1)
    with tempfile.TemporaryDirectory() as folder, simulator(build("demo", seed=1)) as server:
        timed = samples(server, Path(folder), runs)
    app, bare, floor, cli = timed["app"], timed["bare"], timed["floor"], timed["cli"]
    return {
        "bare_textual_first_frame_s": round(median(bare), 3),
        "ratio_app_to_bare_textual": round(median(app) / median(bare), 2),
        "floor_textual_httpx_one_request_s": round(median(floor), 3),
        "ratio_app_to_floor": round(median(app) / median(floor), 2),
        "runs": runs,
        "app_first_frame_s": round(median(app), 3),
        "app_min_s": round(min(app), 3),
        "app_max_s": round(max(app), 3),
        "cli_squid_ls_s": round(median(cli), 3),
        "ratio_app_to_cli": round(median(app) / median(cli), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="startup benchmark")
    parser.add_argument("--runs", type=int, default=10)
    print(json.dumps(run(parser.parse_args().runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
