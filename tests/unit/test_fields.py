"""The tolerant field readers: every quirk of lobstr-api.md, and typed failure otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lobstr_tui.api import ParseError, Run, RunStats, RunStatus, StatusKind, explain
from lobstr_tui.api import fields as f
from lobstr_tui.api.reasons import CATALOG, ReasonCategory


@pytest.mark.parametrize(("value", "seconds"), [
    (8.0415, 8.0415), (0, 0.0), ("0:00:50.183300", 50.1833), ("1:02:03", 3723.0),
    ("2 days, 0:00:01", 172801.0), ("12", 12.0), (None, None), ("", None),
])
def test_duration_shapes(value: object, seconds: float | None) -> None:
    result = f.duration({"duration": value})
    assert result == (None if seconds is None else pytest.approx(seconds))


def test_negative_duration_is_kept_as_received() -> None:
    assert f.duration({"duration": -3}) == -3.0, "kept (and reported as odd), not a parse error"


@pytest.mark.parametrize("value", ["soon", [1], {"a": 1}, True])
def test_duration_garbage_is_a_parse_error(value: object) -> None:
    with pytest.raises(ParseError):
        f.duration({"duration": value})


@pytest.mark.parametrize(("value", "pct"), [
    ("75%", 75.0), ("0.0%", 0.0), ("100%", 100.0), (42.5, 42.5), (130, 130.0), ("", None),
    (None, None), (" 12 % ", 12.0),
])
def test_percent_shapes(value: object, pct: float | None) -> None:
    assert f.percent({"percent_done": value}) == pct


@pytest.mark.parametrize(("value", "seconds"), [
    ("∞", None), ("", None), ("0s", 0.0), ("2 minutes", 120.0), ("0:01:10", 70.0),
    ("1h 5m", 3900.0), (None, None), (90, 90.0), ("whenever", None),
])
def test_eta_shapes(value: object, seconds: float | None) -> None:
    eta = f.eta({"eta": value})
    assert eta.seconds == seconds
    assert eta.known is (seconds is not None)


def test_eta_keeps_raw_text_when_unreadable() -> None:
    assert f.eta({"eta": "whenever"}).raw == "whenever"


def test_eta_wrong_type_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        f.eta({"eta": ["x"]})


def test_timestamps_naive_and_zulu_are_utc() -> None:
    naive = f.timestamp({"t": "2025-03-05T09:27:17.012423"}, "t")
    zulu = f.timestamp({"t": "2025-03-05T09:27:17Z"}, "t")
    offset = f.timestamp({"t": "2025-03-05T10:27:17+01:00"}, "t")
    assert naive == datetime(2025, 3, 5, 9, 27, 17, 12423, tzinfo=UTC)
    assert zulu == offset == datetime(2025, 3, 5, 9, 27, 17, tzinfo=UTC)
    with pytest.raises(ParseError):
        f.timestamp({"t": "yesterday"}, "t")


@pytest.mark.parametrize(("raw", "kind"), [
    ("done", StatusKind.DONE), ("DONE", StatusKind.DONE), ("Uploading", StatusKind.UPLOADING),
    ("finished", StatusKind.DONE), ("success", StatusKind.DONE), ("paused", StatusKind.PAUSED),
    ("exploding", StatusKind.UNKNOWN),
])
def test_status_normalisation(raw: str, kind: StatusKind) -> None:
    status = RunStatus.parse(raw)
    assert status.kind is kind
    assert status.raw == raw


def test_unknown_status_keeps_its_words() -> None:
    status = RunStatus.parse("Exploding")
    assert status.label == "Exploding"
    assert not status.is_active and not status.is_terminal and status.phase == "unknown"


def test_run_with_unknown_status_and_extra_fields_parses() -> None:
    run = Run.from_api({"id": "a" * 32, "status": "teleporting", "brand_new_field": [1, 2],
                        "duration": 0, "export_done": None, "email_done": None})
    assert run.status.label == "teleporting" and run.duration == 0.0 and run.export_done is None


def test_abort_answer_with_only_a_status() -> None:
    run = Run.from_api({"status": "aborted"}, default_id="b" * 32)
    assert run.id == "b" * 32 and run.status.kind is StatusKind.ABORTED and run.is_done


def test_stats_null_current_task_and_zero_results_total() -> None:
    stats = RunStats.from_api({"current_task": None, "results_total": 0, "eta": "",
                               "percent_done": 3})
    assert stats.current_task is None and stats.results_total is None
    assert stats.percent_done == 3.0 and not stats.eta.known


def test_every_documented_reason_is_in_the_catalog() -> None:
    documented = """tasks_done last_page_reached aborted no_credits_left deactivated
    website_inaccessible premium_plan_needed module_under_maintenance request_failed
    export_failed export_fix last_invoice_not_paid maintenance_fees_not_paid batch_wait
    emails_verified slots_limit_exceeded too_many_requests no_accounts no_account_available
    account_blocked account_too_many_requests cookies_expired wrong_credentials logged_out
    checkpoint_reached challenge_required otp_needed non_premium sales_seat_required
    limit_exceeded""".split()
    missing = [slug for slug in documented if slug not in CATALOG]
    assert missing == []
    assert explain("cookies_expired").category is ReasonCategory.ACCOUNT
    assert "re-sync" in (explain("cookies_expired").action or "")
    assert explain("no_credits_left").category is ReasonCategory.BILLING


def test_unknown_reason_gets_a_generic_entry_with_its_slug() -> None:
    entry = explain("moon_in_retrograde")
    assert not entry.known
    assert entry.slug == "moon_in_retrograde"
    assert "moon_in_retrograde" in entry.explanation
