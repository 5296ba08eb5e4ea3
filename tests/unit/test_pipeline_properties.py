"""Property-based: any API body, through client → monitor → snapshot → the widgets'
render functions, raises nothing but the client's typed errors."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lobstr_tui.api import LobstrClient, LobstrError
from lobstr_tui.monitor import Connection, LinkState, Snapshot, derive_events
from lobstr_tui.ui.widgets.run_detail import banner_text, progress_text, run_line
from lobstr_tui.ui.widgets.runs_table import run_cells
from lobstr_tui.ui.widgets.squid_list import squid_prompt
from lobstr_tui.ui.widgets.tabs.credits_panel import credits_lines
from lobstr_tui.ui.widgets.tabs.event_log import event_line
from lobstr_tui.ui.widgets.top_bar import top_bar_text
from tests.unit.test_properties import objects

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
RUN = "r" * 32
ENDPOINTS = ["me", "balance", "squids", "squid", "runs", "run", "stats", "credits", "tasks",
             "start", "abort"]


async def call(client: LobstrClient, endpoint: str) -> object:
    calls = {
        "me": client.me, "balance": client.balance,
        "squids": lambda: client.squids_page(), "squid": lambda: client.squid("s"),
        "runs": lambda: client.runs_page("s"), "run": lambda: client.run(RUN),
        "stats": lambda: client.run_stats(RUN), "credits": lambda: client.run_credits(RUN),
        "tasks": lambda: client.run_tasks_page(RUN), "start": lambda: client.start_run("s"),
        "abort": lambda: client.abort_run(RUN),
    }
    return await calls[endpoint]()


def place(snapshot: Snapshot, endpoint: str, value: Any) -> Snapshot:
    """Put a parsed value where the scheduler would."""
    if endpoint == "me":
        return replace(snapshot, me=value)
    if endpoint == "balance":
        return replace(snapshot, balance=value)
    if endpoint == "squids":
        return replace(snapshot, squids=value.items, squids_loaded=True)
    if endpoint == "squid":
        return replace(snapshot, squids=(value,), squids_loaded=True,
                       selected_squid_id=value.id)
    if endpoint == "runs":
        first = value.items[0].id if value.items else None
        return replace(snapshot, runs=value.items, runs_squid_id="s", selected_squid_id="s",
                       selected_run_id=first, runs_total=value.total_results)
    if endpoint in ("run", "start", "abort"):
        return replace(snapshot, runs=(value,), runs_squid_id="s", selected_squid_id="s",
                       selected_run_id=value.id)
    if endpoint == "stats":
        return replace(snapshot, stats=value)
    if endpoint == "credits":
        return replace(snapshot, credits=value)
    return replace(snapshot, tasks=value.items)


def render_everything(snapshot: Snapshot) -> None:
    top_bar_text(snapshot, NOW)
    for squid in snapshot.squids:
        squid_prompt(squid, None, 30)
    for run in snapshot.runs:
        run_cells(run, NOW, lambda name: "")
        banner_text(run)
        progress_text(run, snapshot.stats)
        run_line(run, snapshot.stats)
    credits_lines(snapshot.credits, snapshot.selected_run, snapshot.stats, snapshot.balance,
                  NOW)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), body=objects, first=objects)
async def test_any_body_renders_or_is_a_typed_error(endpoint: str, body: dict[str, Any],
                                                    first: dict[str, Any]) -> None:
    bodies = [first, body]

    def answer(request: httpx.Request) -> httpx.Response:
        payload = bodies.pop(0) if bodies else body
        return httpx.Response(200, content=json.dumps(payload, default=str).encode())

    base = Snapshot(taken_at=NOW, connection=Connection(LinkState.LIVE))
    async with LobstrClient("t", "http://127.0.0.1:9/v1/",
                            transport=httpx.MockTransport(answer)) as client:
        snapshots = [base]
        for _ in range(2):
            try:
                value = await call(client, endpoint)
            except LobstrError:
                continue
            snapshots.append(place(snapshots[-1], endpoint, value))
    for previous, current in pairwise(snapshots):
        for event in derive_events(previous, current):
            assert event_line(event)
        render_everything(current)
