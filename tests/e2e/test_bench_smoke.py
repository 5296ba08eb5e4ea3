"""Quick versions of every benchmark: each must produce its figures (targets are checked
in docs/benchmarks.md from `make bench`, never here)."""

from __future__ import annotations

from bench import board, day, economy, far_start, idle, scale, startup, tty_bytes, watch_cpu


def test_startup_benchmark_produces_figures() -> None:
    figures = startup.run(runs=1)
    assert figures["app_first_frame_s"] > 0 and figures["cli_squid_ls_s"] > 0
    assert figures["ratio_app_to_cli"] > 0
    assert figures["bare_textual_first_frame_s"] > 0
    assert figures["floor_textual_httpx_one_request_s"] > 0 and figures["ratio_app_to_floor"] > 0


def test_economy_benchmark_produces_figures() -> None:
    figures = economy.run(seconds=11.0)  # longer than the 5 s stats period
    app, cli = figures["lobstr_tui"], figures["lobstr_run_watch"]
    assert isinstance(app, dict) and isinstance(cli, dict)
    assert app["requests_per_min"] > 0 and cli["requests_per_min"] > 0
    assert "GET runs/{id}/stats" in app["by_endpoint_per_min"]
    assert app["http_429"] == 0


def test_idle_benchmark_produces_figures() -> None:
    figures = idle.run(seconds=1.0)
    for case in ("nothing_active", "watching_running_run_speed_4"):
        # A share of the machine's two cores (an idle app may well round to 0.0).
        cpu = figures[case]["cpu_percent"]
        assert figures[case]["rss_mb"] > 10 and isinstance(cpu, float) and 0 <= cpu <= 200


def test_scale_benchmark_produces_figures() -> None:
    figures = scale.run(squids=100, runs=120, events_count=2000, presses=6)
    assert figures["first_frame_s"] > 0 and figures["rss_mb_app_and_sim"] > 10
    for key in ("cursor_p95_ms", "filter_p95_ms", "switch_p95_ms"):
        assert 0 < figures[key] < 2000, key
    flood = figures["log_flood"]
    assert isinstance(flood, dict) and flood["events"] == 2000 and flood["seconds"] > 0


def test_day_benchmark_produces_figures() -> None:
    figures = day.run(hours=0.25)
    assert figures["simulated_hours"] == 0.25
    assert isinstance(figures["requests"], int) and figures["requests"] > 0
    assert isinstance(figures["runs_ended"], int) and figures["runs_ended"] > 0
    assert isinstance(figures["runs_started"], int) and figures["runs_started"] >= 10
    for key in ("rss_start_mb", "rss_end_mb", "rss_peak_mb"):
        assert isinstance(figures[key], float) and figures[key] > 10, key
    for key in ("tasks_start", "tasks_end", "tasks_max", "threads_start", "threads_end",
                "gc_objects_start", "gc_objects_end"):
        assert isinstance(figures[key], int) and figures[key] > 0, key
    samples = figures["samples"]
    assert isinstance(samples, list) and len(samples) == 4
    assert samples[-1]["hour"] == 0.25


def test_board_benchmark_produces_figures() -> None:
    figures = board.run(seconds=2.0, warm_up=1.0)
    assert figures["active_runs"] == 10 and figures["rows_seen"] == 10
    # Over the quick version's 2 s the rows may all be between reads (their first reads
    # went at once, in the warm-up): the requests are counted over the busiest 5 minutes.
    assert 0 < figures["cpu_percent"] < 200 and figures["requests_per_min"] >= 0
    # Ages as read off the board's Age column: whole seconds, never negative (how old
    # they may be is a figure for docs/benchmarks.md, not a test).
    for key in ("worst_row_age_s", "warm_up_worst_row_age_s"):
        assert isinstance(figures[key], int) and figures[key] >= 0, key
    assert figures["rss_mb"] > 10
    assert figures["http_429"] >= 0 and figures["busiest_5_min_requests_per_min"] > 0
    assert figures["every_row_on_screen_after_s"] > 0 and figures["cpu_ms_per_answer"] > 0
    # The floor beside it was fed the board's requests (its figures, not their size).
    assert figures["floor_requests_per_min"] >= 0 and figures["floor_cpu_percent"] >= 0
    assert figures["floor_cpu_ms_per_answer"] >= 0 and figures["ratio_app_to_floor"] >= 0


def test_far_start_benchmark_produces_figures() -> None:
    figures = far_start.run(runs=1)
    assert figures["app_first_frame_s"] > 0 and figures["latency_s"] == far_start.LATENCY
    assert figures["bare_textual_first_frame_s"] > 0 and figures["cli_squid_ls_s"] > 0
    assert isinstance(figures["app_minus_bare_in_round_trips"], float)


def test_terminal_bytes_benchmark_produces_figures() -> None:
    figures = tty_bytes.run(seconds=3.0, warm_up=1.0)
    for case in ("watching_running_run_speed_1", "nothing_active"):
        assert figures[case]["kib_per_min"] > 0 and figures[case]["seconds"] >= 3.0
        assert figures[case]["changed_cells_per_min"] >= 0
        assert figures[case]["floor_kib_per_min"] >= 0


def test_watch_cpu_benchmark_produces_figures() -> None:
    figures = watch_cpu.run(seconds=3.0, settle=5.0)
    for seed in ("seed_1", "seed_7"):
        case = figures[seed]
        assert isinstance(case["cpu_percent"], float) and case["cpu_percent"] >= 0
        assert isinstance(case["cli_run_watch_cpu_percent"], float)
        assert isinstance(case["first_requests_per_min"], float)
        assert case["first_requests_per_min"] > 0
        # The floor beside them (the monitor's requests sent again): its figures produced.
        assert isinstance(case["floor_cpu_percent"], float) and case["floor_cpu_percent"] >= 0
        assert isinstance(case["floor_cpu_ms_per_answer"], float)
        assert isinstance(case["floor_requests_per_min"], float)
        assert "ratio_app_to_floor" in case and "floor_ratio_to_run_watch" in case
