"""Start-up on a far API: every request answered after 0.25 s (the simulator's
``--faults '*:latency=0.25'``). Process start → first frame with the squid list filled
(tmux 120x40), beside a bare Textual app's first frame, the floor (Textual, httpx and
one request for the squids: ``floor_app.py``) and the official `lobstr squid ls` against
the same slow simulator, then the app again with every answer at once (what the
latency adds); medians of N, in the same run.

    python -m bench.far_start --runs 5
"""

from __future__ import annotations

import compileall
import tempfile
from pathlib import Path

from bench.common import bench_main, median, simulator
from bench.startup import REPO, samples, time_to_first_frame
from lobstr_tui.sim import build
from lobstr_tui.sim.faults import FaultPlan, parse_spec

LATENCY = 0.25


def run(runs: int = 5, latency: float = LATENCY) -> dict[str, float]:
    """Medians of the app, the bare app and the CLI, and the app's round trips."""
    compileall.compile_dir(REPO / "lobstr_tui", quiet=1)
    plan = FaultPlan(seed=1)
    near: list[float] = []
    timed: dict[str, list[float]] = {}
    with (tempfile.TemporaryDirectory() as folder,
          simulator(build("demo", seed=1), faults=plan) as server):
        home = Path(folder)
        for _ in range(runs):
            for rule in parse_spec(f"*:latency={latency:g}"):
                plan.add(rule)
            for name, seconds in samples(server, home, 1).items():
                timed.setdefault(name, []).extend(seconds)
            # The same app with every answer at once (what the latency adds), in turn
            # with the others: two app runs in a row overlap the first one's exit.
            plan.clear()
            near.append(time_to_first_frame(server, home, "Google Maps FR"))
    app, bare, floor, cli = timed["app"], timed["bare"], timed["floor"], timed["cli"]
    return {
        "latency_s": latency,
        "runs": runs,
        "app_first_frame_s": round(median(app), 3),
        "bare_textual_first_frame_s": round(median(bare), 3),
        "app_minus_bare_in_round_trips": round((median(app) - median(bare)) / latency, 2),
        "floor_textual_httpx_one_request_s": round(median(floor), 3),
        "app_without_latency_s": round(median(near), 3),
        "latency_added_in_round_trips": round((median(app) - median(near)) / latency, 2),
        "cli_squid_ls_s": round(median(cli), 3),
        "ratio_app_to_cli": round(median(app) / median(cli), 2),
        "app_min_s": round(min(app), 3),
        "app_max_s": round(max(app), 3),
    }


def main() -> int:
    return bench_main("start-up on a far API", run, runs=(int, 5))


if __name__ == "__main__":
    raise SystemExit(main())
