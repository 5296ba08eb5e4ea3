"""Property-based: arbitrary JSON into every model parser raises only the typed ParseError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lobstr_tui.api import (
    Balance,
    DownloadInfo,
    Me,
    Page,
    ParseError,
    ResultRow,
    Run,
    RunCredits,
    RunStats,
    RunTask,
    Squid,
)

KEYS = ["id", "status", "duration", "percent_done", "eta", "started_at", "ended_at",
        "created_at", "total_results", "credit_used", "is_done", "export_done", "data",
        "breakdown", "rates", "plan", "available", "consumed", "s3", "params", "name",
        "last_run_status", "total_pages", "page", "limit", "current_task", "filter_breakdown",
        "function", "credits", "attempts", "reset_time", "progress"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=12) | st.sampled_from(["∞", "75%", "0:00:01.5", "2025-02-04T10:25:13Z",
                                              "DONE", "nan", "inf", "1e400"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=20,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=12)

PARSERS: list[Callable[[Any], object]] = [
    Squid.from_api, Run.from_api, RunStats.from_api, RunCredits.from_api, RunTask.from_api,
    Balance.from_api, Me.from_api, ResultRow.from_api, DownloadInfo.from_api,
    lambda d: Page.from_api(d, Run.from_api), lambda d: Page.from_api(d, Squid.from_api),
]
PARSED: list[type] = [Squid, Run, RunStats, RunCredits, RunTask, Balance, Me, ResultRow,
                      DownloadInfo, Page, Page]
"""What each parser gives when it does not raise."""


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(objects, json_values), which=st.integers(0, len(PARSERS) - 1))
def test_parsers_raise_only_parse_error(body: Any, which: int) -> None:
    try:
        result = PARSERS[which](body)
    except ParseError as error:
        assert error.message
    else:
        assert isinstance(result, PARSED[which]), (which, result)
