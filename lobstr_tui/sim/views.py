"""JSON bodies of the simulated API, with the documented shapes and quirks.

Run statuses are lower-case on runs and UPPER-case on a squid's ``last_run_status``;
``duration`` is float seconds on lists, start and abort, and a timedelta string on
``runs/{id}`` and stats (always with microseconds, as in the reference bodies);
``percent_done`` is a ``"NN%"`` string; ``eta`` is ``"∞"`` when unknown; timestamps mix
``Z``, naive-with-microseconds and naive-to-the-second forms, each where the reference
bodies have it; balance figures are whole numbers.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from lobstr_tui.sim.entities import SimRun, SimRunTask, SimSquid
from lobstr_tui.sim.world import World


def iso_z(value: datetime | None) -> str | None:
    """``2025-02-04T10:25:13Z`` (seconds, Z)."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_naive(value: datetime | None) -> str | None:
    """``2025-03-05T09:27:17.012423`` (naive, microseconds)."""
    return None if value is None else value.replace(tzinfo=None).isoformat(
        timespec="microseconds")


def iso_naive_seconds(value: datetime | None) -> str | None:
    """``2025-02-10T14:31:10`` (naive, whole seconds: the stats body's form)."""
    return None if value is None else value.replace(tzinfo=None).isoformat(
        timespec="seconds")


def timedelta_text(seconds: float) -> str:
    """``0:00:50.183300``: a timedelta as the API prints it, always with microseconds
    (Python's ``str(timedelta)`` drops them when they are zero; the API's never are)."""
    micros = round(max(0.0, seconds) * 1_000_000)
    days, rest = divmod(micros, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    whole, fraction = divmod(rest, 1_000_000)
    text = f"{hours}:{minutes:02d}:{whole:02d}.{fraction:06d}"
    if days:
        return f"{days} day{'s' if days > 1 else ''}, {text}"
    return text


def crawler_icon(crawler_name: str) -> str:
    """The crawler's icon URL (the docs' example host and form)."""
    slug = "-".join(crawler_name.lower().split())
    return f"https://cdn.lobstr.io/icons/{slug}.png"


def run_duration(world: World, run: SimRun) -> float:
    """Seconds the run has been (or was) going."""
    if run.started_at is None:
        return 0.0
    end = run.ended_at or world.now
    return max(0.0, (end - run.started_at).total_seconds())


def squid_body(world: World, squid: SimSquid, *, detail: bool = False,
               download_url: str | None = None) -> dict[str, Any]:
    """A squid list item, or (``detail``) the squid detail body. ``download_url`` is the
    signed export URL of the last run, when there is one (the router signs it)."""
    last = world.runs[squid.run_ids[0]] if squid.run_ids else None
    body: dict[str, Any] = {
        "id": squid.id,
        # The detail's reference body has a naive microsecond created_at, the list's a Z.
        "created_at": iso_naive(squid.created_at) if detail else iso_z(squid.created_at),
        "name": squid.name,
        "is_ready": squid.is_ready,
        "is_active": squid.is_active,
        "concurrency": squid.concurrency,
        "params": squid.params,
        "crawler": squid.crawler,
        "crawler_name": squid.crawler_name,
        "icon": crawler_icon(squid.crawler_name),
        "last_run_status": last.status.upper() if last else None,
        "total_runs": len(squid.run_ids),
        "last_run_at": iso_naive(last.created_at) if last else None,
        "next_launch_at": iso_z(squid.next_launch_at),
        "schedule": squid.schedule,
        "schedule_time": None,
        "to_complete": any(t.is_active for t in squid.tasks),
        "export_unique_results": True,
        "no_line_breaks": True,
        "is_public": False,
        "download_url": download_url,
        "google_sheet_fields": {"url": None, "append": False, "is_active": False},
        "ftp_fields": {"host": None, "port": 22, "is_active": False},
        "s3_fields": {"bucket": None, "is_active": False},
        "webhook_fields": {"url": None, "is_active": False},
    }
    if detail:
        body.update({
            "email": world.account.email,
            "export_runs": True,
            "notifications": True,
            "notifications_params": {"run_notify": None},
            "slack_fields": {"url": None, "is_active": False},
            "last_run": last.id if last else None,
            "last_run_done_reason": last.done_reason if last else None,
            "last_run_is_done": last.is_done if last else None,
            "message": squid.message,
            "chain": None,
        })
    return body


def run_body(world: World, run: SimRun, *, string_duration: bool = False) -> dict[str, Any]:
    """A run: list item / start / abort (float duration) or ``runs/{id}`` (string)."""
    seconds = run_duration(world, run)
    duration: float | str
    if string_duration:
        duration = timedelta_text(seconds)
    else:
        duration = 0 if run.started_at is None else round(seconds, 4)
    fmt = iso_naive if string_duration else iso_z
    body: dict[str, Any] = {
        "id": run.id,
        "object": "run",
        "squid": run.squid_id,
        "is_done": run.is_done,
        "created_at": fmt(run.created_at),
        "started_at": fmt(run.started_at or run.created_at),
        "ended_at": fmt(run.ended_at),
        "next_launch_at": None,
        "duration": duration,
        "credit_used": round(run.credit_used, 4),
        "origin": run.origin,
        "force_launch": False,
        "status": run.status,
        "export_done": run.export_done,
        "export_count": run.export_count,
        "export_time": fmt(run.export_time),
        "email_done": run.email_done,
        "email_time": None,
        "total_results": run.total_results,
        "total_unique_results": run.unique_results,
        "done_reason": run.done_reason,
        "done_reason_desc": run.done_reason_desc,
    }
    if string_duration:
        # Only the GET runs/{id} reference body has it (null there).
        body["email_verification"] = None
    return body


def percent_done(run: SimRun) -> float:
    """Progress in percent, from finished tasks and the current task's share."""
    if not run.tasks:
        return 100.0 if run.is_done else 0.0
    done = 0.0
    for task in run.tasks:
        if task.status not in ("pending", "running"):
            done += 1
        elif task.expected_results > 0:
            done += task.collected / task.expected_results
    return min(100.0, 100.0 * done / len(run.tasks))


def _percent_text(value: float) -> str:
    if value <= 0:
        return "0.0%"
    return f"{math.floor(value)}%"


def current_task(run: SimRun) -> SimRunTask | None:
    """The task being collected right now."""
    if run.status != "running":
        return None
    return next((t for t in run.tasks if t.status == "running"), None)


def stats_body(world: World, run: SimRun) -> dict[str, Any]:
    """``runs/{id}/stats``: no status field; duration as a string; percent as text."""
    seconds = run_duration(world, run)
    pct = percent_done(run)
    eta = "∞"
    if run.status == "running" and 0 < pct < 100 and seconds > 0:
        eta = timedelta_text(int(seconds / pct * (100 - pct)))
    task = current_task(run)
    done = run.tasks_done
    return {
        "id": run.id,
        "object": "run",
        "duration": timedelta_text(seconds),
        "ended_at": iso_naive_seconds(run.ended_at),
        "eta": eta,
        "is_done": run.is_done,
        "percent_done": _percent_text(pct),
        "started_at": iso_naive_seconds(run.started_at),
        "total_requests": run.total_requests,
        "total_results": run.total_results,
        "total_tasks": len(run.tasks),
        "total_tasks_done": done,
        "total_tasks_left": len(run.tasks) - done,
        "current_task": (task.params.get("url") or str(task.params)) if task else "",
        "results_total": sum(t.expected_results for t in run.tasks),
        "results_done": run.total_results,
        "updated_at": iso_naive_seconds(world.now),
    }


def credits_body(world: World, run: SimRun) -> dict[str, Any]:
    """``runs/{id}/credits``: breakdown sorted by credits, rates, labels."""
    squid = world.squids[run.squid_id]
    ordered = sorted(run.credits.items(), key=lambda item: item[1][0], reverse=True)
    breakdown = [{"function": name, "credits": round(entry[0], 4), "attempts": int(entry[1])}
                 for name, entry in ordered]
    rates: dict[str, float] = {"credits_per_row": squid.base_rate, **squid.functions}
    colours = {squid.base_label or "base": {"bg_color": "#EAFBF3", "txt_color": "#0F9F5F"}}
    for name in squid.functions:
        colours[name] = {"bg_color": "#EEF2F7", "txt_color": "#62748A"}
    return {
        "run_id": run.id,
        "total_credits": round(run.credit_used, 4),
        "total_results": run.total_results,
        "breakdown": breakdown,
        "rates": rates,
        "function_colors": colours,
        "base_function_label": squid.base_label,
        "filter_breakdown": [],
    }


def runtask_body(task: SimRunTask, run_id: str) -> dict[str, Any]:
    """One ``runtasks`` item."""
    return {
        "object": "runtask",
        "id": task.id,
        "started_at": iso_z(task.started_at),
        "ended_at": iso_z(task.ended_at),
        "total_results": task.expected_results,
        "last_result": task.collected,
        "total_pages": task.total_pages,
        "done_reason": task.done_reason,
        "last_page": task.last_page,
        "status": task.status,
        "run": run_id,
        "task": task.task_id,
        "params": task.params,
        "last_collection_at": iso_z(task.last_collection_at),
        "done_reason_desc": task.done_reason_desc,
    }


def me_body(world: World) -> dict[str, Any]:
    """``me``, the user-me shape with a current-plan entry."""
    account = world.account
    return {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "email_verified": True,
        "plan": [{"type": "current", "name": account.plan_name, "status": "active",
                  "total_credits": round(account.available),
                  "total_consumed": round(account.consumed), "is_legacy": False}],
        "login_count": 42,
        "profile_image": None,
        "is_staff": False,
        "credit_interval": account.interval,
    }


def balance_body(world: World) -> dict[str, Any]:
    """``user/balance``: ``available`` is not reduced by ``consumed``; the figures are
    whole credits, as in the reference body (the world counts fractions)."""
    account = world.account
    return {
        "id": "price_sim_professional",
        "object": "plan",
        "name": account.plan_name,
        "available": round(account.available),
        "consumed": round(account.consumed),
        "bonus_credit": round(account.bonus_credit),
        "rollover_credit": round(account.rollover_credit),
        "rollover_credit_expires_at": None,
        "interval": account.interval,
        "used_slots": world.used_slots,
        "total_available_slots": account.total_slots,
        "has_unpaid_bill": account.has_unpaid_bill,
        "reset_time": iso_z(account.reset_time),
    }


_COLUMNS: dict[str, tuple[str, ...]] = {
    "Google Maps Search Export": ("name", "address", "rating", "reviews_count", "phone"),
    "LinkedIn Sales Navigator Search Export": ("full_name", "title", "company", "location"),
}
_DEFAULT_COLUMNS = ("title", "url", "position", "value")


def result_row(world: World, run: SimRun, index: int) -> dict[str, Any]:
    """A deterministic scraped row ``index`` of a run, with crawler-specific columns."""
    squid = world.squids[run.squid_id]
    rng = random.Random(f"{run.id}:{index}")
    row: dict[str, Any] = {
        "id": f"{rng.getrandbits(128):032x}",
        "object": "result",
        "squid": run.squid_id,
        "run": run.id,
        "scraping_time": iso_z((run.started_at or run.created_at) + timedelta(seconds=index)),
    }
    for column in _COLUMNS.get(squid.crawler_name, _DEFAULT_COLUMNS):
        if column in ("rating",):
            row[column] = round(rng.uniform(3.0, 5.0), 1)
        elif column in ("reviews_count", "position"):
            row[column] = rng.randint(1, 999)
        else:
            row[column] = f"{column.replace('_', ' ')} {index + 1}"
    return row


def envelope(items: list[Any], *, total: int, page: int, limit: int, base_url: str,
             path: str, query: dict[str, str]) -> dict[str, Any]:
    """The pagination envelope with full ``next``/``previous`` URLs."""
    total_pages = max(1, math.ceil(total / limit))

    def link(number: int) -> str:
        return f"{base_url}{path}?{urlencode({**query, 'limit': limit, 'page': number})}"

    start = (page - 1) * limit
    return {
        "total_results": total,
        "limit": limit,
        "page": page,
        "total_pages": total_pages,
        "result_from": start + 1 if items else 0,
        "result_to": start + len(items),
        "data": items,
        "next": link(page + 1) if page < total_pages else None,
        "previous": link(page - 1) if 1 < page <= total_pages + 1 else None,
    }
