"""``lobstr-tui status``: the account's active runs and what ended lately, once.

For cron and monitoring checks: a table (or one JSON object) and an exit status that
says whether a run needs the person (paused, errored, or done with a failure reason).
Squids are read from the list; only those whose last run is active or began within
``--since`` have their runs read, and only running runs their stats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TextIO

from lobstr_tui.api import Run, RunStats, Squid, StatusKind, cell_width, credit_amount, fit
from lobstr_tui.api.text import duration_text
from lobstr_tui.monitor.derive.events import reason_phrase, short_id
from lobstr_tui.monitor.polling.alerts import iso_utc
from lobstr_tui.notify.command import encode_payload
from lobstr_tui.script.ending import needs_person
from lobstr_tui.script.lookup import all_squids
from lobstr_tui.script.output import run_fields
from lobstr_tui.script.polite import Polite

DEFAULT_SINCE = 24 * 3600.0
RUNS_READ = 20
"""How many of a squid's newest runs are read for what ended within ``--since``."""


@dataclass(frozen=True, slots=True)
class Row:
    """One run of the report."""

    squid: Squid
    run: Run
    stats: RunStats | None

    @property
    def attention(self) -> bool:
        """True when the run needs the person."""
        return needs_person(self.run)


async def gather(polite: Polite, since: float) -> list[Row]:
    """The active runs and those that ended within ``since`` seconds: those needing the
    person first, then the active ones, then the ended ones, newest first."""
    client = polite.client
    now = polite.clocks.wall()
    start = now - timedelta(seconds=since)
    rows: list[Row] = []
    for squid in await all_squids(polite):
        status = squid.last_run_status
        recent = squid.last_run_at is not None and squid.last_run_at >= start
        if not recent and (status is None or not status.is_active):
            continue
        page = await polite.call("runs", partial(client.runs_page, squid.id, limit=RUNS_READ))
        for run in page.items:
            if run.status.is_active or _ended_since(run, start):
                stats = None
                if run.status.kind is StatusKind.RUNNING:
                    stats = await polite.call("runs", partial(client.run_stats, run.id))
                rows.append(Row(squid, run, stats))
    rows.sort(key=lambda row: (not row.attention, not row.run.status.is_active,
                               -_when(row.run).timestamp()))
    return rows


def _ended_since(run: Run, start: datetime) -> bool:
    moment = run.ended_at or run.started_at or run.created_at
    return moment is not None and moment >= start


def _when(run: Run) -> datetime:
    return run.ended_at or run.started_at or run.created_at or datetime.min.replace(tzinfo=UTC)


def write_json(rows: list[Row], out: TextIO, *, at: datetime, since: float) -> None:
    """One JSON object on one line."""
    runs = [{"squid": {"id": row.squid.id, "name": row.squid.name},
             "run": run_fields(row.run, row.stats) | {
                 "started_at": None if row.run.started_at is None
                 else iso_utc(row.run.started_at),
                 "ended_at": None if row.run.ended_at is None else iso_utc(row.run.ended_at)},
             "needs_attention": row.attention} for row in rows]
    out.write(encode_payload({"at": iso_utc(at), "since_seconds": since,
                              "needs_attention": sum(row.attention for row in rows),
                              "runs": runs}).decode("ascii"))


HEADERS = ("", "SQUID", "RUN", "STATUS", "DONE", "RESULTS", "CREDITS", "WHEN", "REASON")


def table_rows(rows: list[Row], *, now: datetime) -> list[tuple[str, ...]]:
    """The cells of each row, as text."""
    cells: list[tuple[str, ...]] = []
    for row in rows:
        run = row.run
        fields = run_fields(run, row.stats)
        percent = fields["percent"]
        done = f"{percent:.0f}%" if isinstance(percent, float | int) else ""
        moment = run.ended_at or run.started_at or run.created_at
        when = "" if moment is None else duration_text(
            (now - moment).total_seconds()) + " ago"
        cells.append(("!" if row.attention else "", fit(row.squid.name, 32), short_id(run.id),
                      run.status.label, done, f"{fields['results']:,}",
                      credit_amount(run.credit_used), when,
                      fit(reason_phrase(run.done_reason, run.done_reason_desc), 60)))
    return cells


RIGHT = frozenset({"DONE", "RESULTS", "CREDITS"})
MIN_REASON = 24
"""Narrower than this, a run's reason goes on a line of its own under it."""


def _aligned(line: tuple[str, ...], widths: list[int]) -> str:
    padded = [" " * (size - cell_width(text)) + text if name in RIGHT else
              text + " " * (size - cell_width(text))
              for name, text, size in zip(HEADERS, line, widths, strict=True)]
    return "  ".join(padded).rstrip()


def write_table(rows: list[Row], out: TextIO, *, now: datetime, since: float,
                width: int | None = None) -> None:
    """A plain text table (no escape sequences), then one line of totals. On a
    terminal ``width`` columns wide, the reasons are cut to fit it, or go on a line of
    their own under their run when the terminal is too narrow for them."""
    cells = [HEADERS, *table_rows(rows, now=now)]
    widths = [max(cell_width(line[i]) for line in cells) for i in range(len(HEADERS))]
    below = False
    if width is not None:
        room = width - sum(widths[:-1]) - 2 * (len(HEADERS) - 1)
        below = room < min(MIN_REASON, widths[-1])
        widths[-1] = 0 if below else min(widths[-1], room)
        used = sum(widths) + 2 * (len(HEADERS) - 1 - below)
        widths[1] = max(12, widths[1] - max(0, used - width))  # squid names give way
    for line in cells:
        reason = line[-1]
        shown = tuple(fit(text, size) for text, size in zip(line, widths, strict=True))
        text = _aligned(shown, widths)
        out.write((fit(text, width) if width is not None else text) + "\n")
        if below and reason and line is not cells[0] and width is not None:
            out.write(fit("   " + reason, width) + "\n")
    active = sum(row.run.status.is_active for row in rows)
    attention = sum(row.attention for row in rows)
    out.write(f"{active} active, {len(rows) - active} ended in the last "
              f"{duration_text(since)}; {attention} need{'s' if attention == 1 else ''} "
              "attention\n")
