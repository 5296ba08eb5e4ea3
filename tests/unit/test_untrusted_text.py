"""Every string from the API is untrusted: cleaned at the parse boundary, measured in
terminal cells, ids kept usable in URLs, impossible values kept and named."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from lobstr_tui.api import (
    LobstrClient,
    Me,
    NotFoundError,
    Page,
    ParseError,
    Run,
    RunCredits,
    RunStats,
    RunStatus,
    RunTask,
    Squid,
    StatusKind,
)
from lobstr_tui.api.errors import MAX_MESSAGE_CELLS, error_for_response
from lobstr_tui.api.text import cell_width, clean, fit
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.hostile import ESCAPES
from tests.conftest import TOKEN

ID = "a" * 32


@pytest.mark.parametrize(("raw", "shown"), [
    ("Shop\x1b]2;owned\x1b\\", "Shop␛]2;owned␛\\"),
    ("\x1b[2Jgone", "␛[2Jgone"),
    ("bell\x07 nul\x00 del\x7f", "bell␇ nul␀ del␡"),
    ("a\r\nb\nc\rd", "a⏎b⏎c⏎d"),
    ("tab\there", "tab here"),
    ("csi\x9b31m", "csi\ufffd31m"),
    ("evil\u202egnp.exe", "evil⟪U+202E⟫gnp.exe"),
    ("iso\u2066x\u2069 lrm\u200e alm\u061c", "iso⟪U+2066⟫x⟪U+2069⟫ lrm⟪U+200E⟫ alm⟪U+061C⟫"),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("plain Café 日本 👍", "plain Café 日本 👍"),
])
def test_clean_makes_controls_visible(raw: str, shown: str) -> None:
    assert clean(raw) == shown
    assert clean(shown) == shown, "cleaning is idempotent"


def test_clean_leaves_nothing_a_terminal_would_obey() -> None:
    every = "".join(chr(c) for c in range(0x0, 0xA0)) + "\u202a\u202b\u202c\u202d\u202e"
    out = clean(every)
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs") for c in out)


@pytest.mark.parametrize(("text", "cells"), [
    ("abc", 3), ("日本語", 6), ("ｆｕｌｌ", 8), ("👍", 2), ("e\u0301", 1), ("a\u200db", 2),
    ("", 0), ("한글", 4),
])
def test_cell_width_counts_terminal_cells(text: str, cells: int) -> None:
    assert cell_width(text) == cells


@pytest.mark.parametrize(("text", "width", "fitted"), [
    ("abcdef", 6, "abcdef"), ("abcdef", 5, "abcd…"), ("日本語です", 6, "日本…"),
    ("日本語です", 5, "日本…"), ("👍👍👍", 4, "👍…"), ("abc", 0, ""), ("abc", 1, "…"),
])
def test_fit_cuts_to_cells_with_an_ellipsis(text: str, width: int, fitted: str) -> None:
    assert fit(text, width) == fitted
    assert cell_width(fit(text, width)) <= width


def test_every_free_text_field_is_cleaned_at_parse() -> None:
    bad = "x\x1b[2J\u202e\n"
    squid = Squid.from_api({"id": ID, "name": bad, "crawler_name": bad, "message": bad,
                            "last_run_status": bad, "schedule": bad})
    run = Run.from_api({"id": ID, "status": bad, "origin": bad, "done_reason": bad,
                        "done_reason_desc": bad})
    stats = RunStats.from_api({"id": ID, "current_task": bad, "eta": bad})
    credits = RunCredits.from_api({"run_id": ID, "total_credits": 3,
                                   "breakdown": [{"function": bad, "credits": 3}],
                                   "base_function_label": bad,
                                   "filter_breakdown": [{"name": bad, "display": bad}]})
    task = RunTask.from_api({"id": ID, "status": bad, "params": {"url": bad, bad: [bad]},
                             "done_reason": bad})
    me = Me.from_api({"first_name": bad, "last_name": bad, "email": bad,
                      "plan": [bad, {"type": "current", "name": bad}]})
    found = list(_strings((squid, run, stats, credits, task, me)))
    assert found, "the walk saw the strings"
    assert not [s for s in found if not s.isprintable()]
    assert squid.name == "x␛[2J⟪U+202E⟫⏎"
    assert task.label == "x␛[2J⟪U+202E⟫⏎"
    assert run.status.label == "x␛[2J⟪U+202E⟫⏎" and run.status.kind is StatusKind.UNKNOWN
    assert me.plan_names == ("x␛[2J⟪U+202E⟫⏎", "x␛[2J⟪U+202E⟫⏎")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def test_error_messages_are_clean_and_bounded() -> None:
    error = error_for_response(400, b'{"detail": "no\\u001b]2;owned\\u0007 way"}')
    assert error.message == "no␛]2;owned␇ way"
    huge = error_for_response(400, b'{"detail": "' + b"x" * 5000 + b'"}')
    assert cell_width(huge.message) == MAX_MESSAGE_CELLS and huge.message.endswith("…")


def test_unknown_status_words_stay_verbatim() -> None:
    queued = RunStatus.parse("QUEUED")
    assert (queued.kind, queued.label) == (StatusKind.UNKNOWN, "QUEUED")
    assert RunStatus.parse("DONE").label == "done", "documented words still normalise"


def test_impossible_values_are_kept_and_named() -> None:
    run = Run.from_api({"id": ID, "status": "done", "duration": -4.0, "total_results": -3})
    assert run.duration == -4.0 and run.total_results == -3
    assert run.oddities == ("duration -4.0", "total_results -3")
    stats = RunStats.from_api({"id": ID, "percent_done": "130%", "total_tasks": 10,
                               "total_tasks_done": 12, "eta": -5})
    assert stats.percent_done == 130.0 and stats.percent_clamped == 100.0
    assert stats.oddities == ("percent_done 130.0", "eta -5.0",
                              "total_tasks_done 12 > total_tasks 10")
    squid = Squid.from_api({"id": ID, "total_runs": -2})
    assert squid.oddities == ("total_runs -2",)
    normal = Run.from_api({"id": ID, "status": "running", "duration": "0:00:50.1"})
    assert normal.oddities == ()


@pytest.mark.parametrize("bad_id", ["\x1b[2J", "ab\u202ecd", "a\nb"])
def test_an_id_with_control_characters_is_an_unreadable_item(bad_id: str) -> None:
    page = Page.from_api({"data": [{"id": bad_id, "name": "x"}, {"id": ID, "name": "ok"}],
                          "total_results": 2}, Squid.from_api)
    assert [s.id for s in page.items] == [ID]
    assert len(page.skipped) == 1 and page.skipped[0].startswith("id '")
    assert page.skipped[0].isprintable()
    with pytest.raises(ParseError):
        Run.from_api({"id": bad_id, "status": "done"})


async def test_ids_are_one_percent_encoded_path_segment(server: SimServer,
                                                        client: LobstrClient) -> None:
    for odd in ("a/../../me", "x?squid=1", ".."):
        with pytest.raises(NotFoundError):
            await client.run(odd)
    paths = [entry.path for entry in list(server.log)[-3:]]
    assert paths == ["runs/a%2F..%2F..%2Fme", "runs/x%3Fsquid%3D1", "runs/%2E%2E"]


@pytest.fixture
async def hostile_client(world: World) -> AsyncIterator[LobstrClient]:
    with SimServer(world, token=TOKEN, hostile={ESCAPES}) as running:
        async with LobstrClient(TOKEN, running.base_url, timeout=5.0) as api:
            yield api


async def test_escape_sequences_from_a_hostile_server_never_survive_parsing(
        hostile_client: LobstrClient, world: World) -> None:
    squids = await hostile_client.all_squids()
    active = next(r for r in world.runs.values() if r.status == "running")
    parsed: list[Any] = [
        squids, await hostile_client.squid(squids[0].id), await hostile_client.me(),
        await hostile_client.balance(), await hostile_client.run_stats(active.id),
        await hostile_client.run_credits(active.id),
        await hostile_client.run_tasks_page(active.id)]
    strings = list(_strings(parsed))
    assert not [s for s in strings if not s.isprintable()]
    assert len(squids) == len(world.squids)
    assert all("␛]2;owned␛\\␛[2J⟪U+202E⟫\ufffd31m⏎line2" in s.name for s in squids)
    me = parsed[2]
    assert "␛]2;owned" in me.display_name
