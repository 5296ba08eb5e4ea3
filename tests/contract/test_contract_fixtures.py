"""Models and error extraction against every response body of the public API reference."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lobstr_tui.api import (
    Balance,
    BusinessError,
    DownloadInfo,
    Me,
    NotFoundError,
    Page,
    RateLimit,
    RateLimitedError,
    Run,
    RunCredits,
    RunStats,
    RunTask,
    Squid,
    StatusKind,
    UnauthorizedError,
)
from lobstr_tui.api.errors import error_for_response
from tests.conftest import FIXTURES


def _fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        pytest.fail(f"the API reference fixtures are missing: expected {FIXTURES} "
                    "(a copy of the reference bodies kept in the repository)")
    return sorted(FIXTURES.glob("*.json"))


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


SUCCESS_PARSERS = {
    "GET_me__": Me.from_api,
    "GET_user_balance__": Balance.from_api,
    "GET_squids__": lambda d: Page.from_api(d, Squid.from_api),
    "GET_squids_id__": Squid.from_api,
    "GET_runs_by_squid__": lambda d: Page.from_api(d, Run.from_api),
    "GET_runs_id__": Run.from_api,
    "GET_runs_id_stats__": RunStats.from_api,
    "GET_runs_id_credits__": RunCredits.from_api,
    "GET_runs_id_download__": DownloadInfo.from_api,
    "GET_runtasks_by_run__": lambda d: Page.from_api(d, RunTask.from_api),
    "POST_runs__": Run.from_api,
    "POST_runs_id_abort__": Run.from_api,
}

EXPECTED_TYPES: dict[str, type] = {
    "GET_me__": Me, "GET_user_balance__": Balance, "GET_squids__": Page,
    "GET_squids_id__": Squid, "GET_runs_by_squid__": Page, "GET_runs_id__": Run,
    "GET_runs_id_stats__": RunStats, "GET_runs_id_credits__": RunCredits,
    "GET_runs_id_download__": DownloadInfo, "GET_runtasks_by_run__": Page,
    "POST_runs__": Run, "POST_runs_id_abort__": Run,
}


def _error_status(name: str) -> int | None:
    match = re.search(r"_(\d{3})(?:_|$)", name)
    if match:
        return int(match.group(1))
    if name.startswith("ERROR_"):
        return 400
    return None


def test_every_fixture_is_covered() -> None:
    files = _fixture_files()
    assert len(files) >= 40, f"expected the full fixture set, found {len(files)}"
    unclassified = [
        f.name for f in files
        if _error_status(f.name) is None
        and not any(f.name.startswith(prefix) for prefix in SUCCESS_PARSERS)
    ]
    assert unclassified == []


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.name)
def test_fixture_parses(path: Path) -> None:
    body = json.loads(path.read_text())
    status = _error_status(path.name)
    if status is None:
        prefix = max((p for p in SUCCESS_PARSERS if path.name.startswith(p)), key=len)
        model = SUCCESS_PARSERS[prefix](body)
        expected = EXPECTED_TYPES[prefix]
        assert isinstance(model, expected), f"{path.name} parsed as {type(model).__name__}"
        if isinstance(model, Page):
            assert len(model.items) == len(body["data"]), "every item of the page parsed"
    else:
        error = error_for_response(status, path.read_bytes())
        assert error.status_code == status
        assert error.message and not error.message.startswith("HTTP ")
        assert error.message in json.dumps(body, ensure_ascii=False)


def test_run_list_fixture_values() -> None:
    page = Page.from_api(_load("GET_runs_by_squid__docs-list-runs.json"), Run.from_api)
    assert page.total_results == 4 and page.total_pages == 1 and not page.has_next
    first = page.items[0]
    assert first.id == "381cfbb47e474782857ddc035298b6f3"
    assert first.status.kind is StatusKind.DONE and first.is_done
    assert first.duration == pytest.approx(8.0415)
    assert first.started_at == datetime(2025, 2, 4, 10, 25, 13, tzinfo=UTC)
    assert first.done_reason == "tasks_done" and first.reason is not None
    assert first.export_done is True and first.email_done is None


def test_get_run_fixture_string_duration_and_naive_timestamps() -> None:
    run = Run.from_api(_load("GET_runs_id__docs-get-run.json"))
    assert run.duration == pytest.approx(50.1833)
    assert run.created_at == datetime(2025, 2, 4, 10, 26, 50, 847633, tzinfo=UTC)
    assert run.email_done is False
    assert run.total_unique_results == 40


def test_stats_fixture_quirks() -> None:
    stats = RunStats.from_api(_load("GET_runs_id_stats__docs-get-run-stats.json"))
    assert stats.percent_done == 100.0
    assert not stats.eta.known and stats.eta.raw == "∞"
    assert stats.duration == pytest.approx(15.175532)
    assert stats.current_task is None
    assert stats.total_requests is None
    assert (stats.total_tasks, stats.total_tasks_done, stats.results_total) == (10, 10, 138)


def test_credits_fixture_breakdown_and_average() -> None:
    credits = RunCredits.from_api(_load("GET_runs_id_credits__docs-get-run-credits.json"))
    assert [line.function for line in credits.breakdown] == ["base", "get_phone_numbers"]
    assert credits.average_per_result == pytest.approx(116 / 20)
    assert credits.share(credits.breakdown[1]) == pytest.approx(36 / 116)
    assert credits.rates["credits_per_row"] == 4.0
    assert credits.base_function_label == "Export Listings (No Phone)"


def test_squid_fixtures_upper_case_status() -> None:
    page = Page.from_api(_load("GET_squids__docs-list-squids.json"), Squid.from_api)
    assert page.has_next and page.total_pages == 4 and page.limit == 10
    squid = page.items[0]
    assert squid.last_run_status is not None
    assert squid.last_run_status.kind is StatusKind.DONE
    assert squid.last_run_status.raw == "DONE"
    assert squid.last_run_at == datetime(2025, 3, 5, 9, 27, 17, 12423, tzinfo=UTC)
    detail = Squid.from_api(_load("GET_squids_id__docs-get-squid-details.json"))
    assert detail.last_run == "eebce7802e7740979a0b8450de10c99e"
    assert detail.last_run_is_done is True and detail.to_complete is False


def test_me_fixtures_both_shapes() -> None:
    short = Me.from_api(_load("GET_me__docs-authentication.json"))
    full = Me.from_api(_load("GET_me__docs-user-me.json"))
    assert short.display_name == full.display_name == "John Doe"
    assert short.email_verified is None and full.email_verified is True
    assert full.plan_names == ()


def test_balance_fixture_remaining() -> None:
    balance = Balance.from_api(_load("GET_user_balance__docs-get-balance.json"))
    assert balance.remaining == 10000 - 1550
    assert (balance.used_slots, balance.total_available_slots) == (3, 20)


def test_abort_and_start_fixtures() -> None:
    aborted = Run.from_api(_load("POST_runs_id_abort__docs-abort-run.json"))
    assert aborted.status.kind is StatusKind.UPLOADING and aborted.is_done
    assert aborted.done_reason == "aborted"
    started = Run.from_api(_load("POST_runs__docs-start-run.json"))
    assert started.status.kind is StatusKind.PENDING and started.duration == 0


def test_download_fixture() -> None:
    info = DownloadInfo.from_api(_load("GET_runs_id_download__docs-download-run.json"))
    assert info.url is not None and info.url.startswith("https://s3.") and not info.processing


def test_error_fixture_classes() -> None:
    start = error_for_response(400, (FIXTURES / "POST_runs_400__docs-start-run.json").read_bytes())
    assert isinstance(start, BusinessError)
    assert start.error_type == "RunInProgress"
    assert start.message == "A run is already active for this squid"
    auth = error_for_response(
        401, (FIXTURES / "ERROR_401_list_accounts__docs-list-accounts.json").read_bytes())
    assert isinstance(auth, UnauthorizedError) and auth.message == "Invalid token."
    missing = error_for_response(
        404, (FIXTURES / "GET_runs_id_404__docs-get-run.json").read_bytes())
    assert isinstance(missing, NotFoundError) and missing.message == "Run not found"
    limited = error_for_response(
        429, (FIXTURES / "ERROR_429__docs-rate-limiting.json").read_bytes(), retry_after=45)
    assert isinstance(limited, RateLimitedError)
    assert limited.error_type == "RateLimitExceeded" and limited.retry_after == 45


def test_rate_limit_header_fixture() -> None:
    lines = (FIXTURES / "ERROR_429_headers__docs-rate-limiting.headers.txt").read_text()
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines.splitlines() if ":" in line)}
    limit = RateLimit.from_headers(headers)
    assert (limit.limit, limit.remaining, limit.reset_at, limit.retry_after) == (
        120, 0, 1716909300.0, 45.0)


def test_envelope_text_fixtures_have_documented_keys() -> None:
    for name in ("ENVELOPE__docs-pagination.txt", "ENVELOPE__docs-pagination_2.txt"):
        text = (FIXTURES / name).read_text().replace("[...]", "[]")
        body = json.loads(text)
        page = Page.from_api(body, Run.from_api)
        assert page.total_results == body["total_results"]
        assert page.warning == body.get("warning")


def test_repository_copy_matches_the_reference_folder() -> None:
    """The copy in tests/fixtures/docs stays byte-identical to the team's reference
    folder, when that folder is beside the repository (a clone alone has only the copy)."""
    reference = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "docs"
    if not reference.is_dir():
        pytest.skip(f"no reference folder at {reference} to compare with")
    mine = {p.name: p.read_bytes() for p in FIXTURES.iterdir()}
    theirs = {p.name: p.read_bytes() for p in reference.iterdir()}
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []
