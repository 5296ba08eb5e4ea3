"""Ready-made worlds: ``demo``, ``empty`` and ``large``."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lobstr_tui.sim import demo_script
from lobstr_tui.sim.clock import SimClock
from lobstr_tui.sim.entities import SimRun, SimSquid
from lobstr_tui.sim.world import World

SCENARIOS = ("demo", "empty", "large")

_MAPS = "Google Maps Search Export"
_LINKEDIN = "LinkedIn Sales Navigator Search Export"

# (name, crawler, task-url pattern, tasks, results per task, concurrency, extra options)
_DEMO_SQUIDS: tuple[tuple[str, str, str, int, int, int, dict[str, Any]], ...] = (
    ("Google Maps FR restaurants", _MAPS,
     "https://www.google.com/maps/search/restaurant+{i}/@48.85,2.35,14z", 24, 45, 3,
     {"functions": {"get_phone_numbers": 0.5}, "base_label": "Export Listings",
      "results_per_second": 1.0}),
    ("LinkedIn leads SaaS CTOs", _LINKEDIN,
     "https://www.linkedin.com/sales/search/people?query=cto-{i}", 12, 25, 1,
     {"base_rate": 2.0}),
    ("Instagram posts #coffee", "Instagram Hashtag Posts Scraper",
     "https://www.instagram.com/explore/tags/coffee{i}/", 10, 60, 2, {}),
    ("Amazon reviews headphones", "Amazon Reviews Scraper",
     "https://www.amazon.com/product-reviews/B0{i:08d}", 8, 80, 2, {}),
    ("Indeed jobs Paris data", "Indeed Jobs Scraper",
     "https://fr.indeed.com/jobs?q=data&l=Paris&start={i}0", 15, 30, 1, {}),
    ("Airbnb listings Lisbon", "Airbnb Listings Scraper",
     "https://www.airbnb.com/s/Lisbon/homes?page={i}", 6, 50, 1, {}),
    ("Booking hotels Rome", "Booking Hotels Scraper",
     "https://www.booking.com/searchresults.html?ss=Rome&offset={i}", 9, 40, 1,
     {"functions": {"collect_reviews": 1.0}}),
    ("Google SERP competitors", "Google Search Export",
     "https://www.google.com/search?q=competitor+{i}", 20, 10, 2, {}),
    ("TikTok videos skincare", "TikTok Hashtag Scraper",
     "https://www.tiktok.com/tag/skincare{i}", 10, 35, 1, {}),
    ("Trustpilot reviews fintech", "Trustpilot Reviews Scraper",
     "https://www.trustpilot.com/review/fintech{i}.example", 7, 70, 1, {}),
    ("YouTube comments launch", "YouTube Comments Scraper",
     "https://www.youtube.com/watch?v=launch{i}", 5, 90, 1, {}),
    ("Leboncoin immo Lyon", "Leboncoin Listings Scraper",
     "https://www.leboncoin.fr/recherche?category=9&locations=Lyon&page={i}", 12, 35, 1, {}),
)

_HISTORY: tuple[tuple[str, str | None, float], ...] = (
    ("done", "tasks_done", 1.0),
    ("done", "last_page_reached", 1.0),
    ("aborted", "aborted", 0.4),
    ("done", "tasks_done", 1.0),
    ("error", None, 0.3),
    ("done", "no_credits_left", 0.7),
    ("done", "website_inaccessible", 0.5),
)


def _tasks(pattern: str, count: int, per_task: int) -> list[tuple[dict[str, Any], int]]:
    return [({"url": pattern.format(i=i + 1)}, per_task + (i * 7) % 11) for i in range(count)]


_FAILURES: tuple[tuple[str, str | None, float], ...] = (
    ("error", None, 0.3),
    ("aborted", "aborted", 0.4),
    ("done", "website_inaccessible", 0.5),
    ("done", "no_credits_left", 0.7),
)
DRIFT_PACE = 0.3
"""The demo's Google Maps run collects at this share of its usual pace: it drifts slow,
so its ``slow`` flag and alert show within the demo's first minutes."""


def _past_runs(world: World, squid: SimSquid, index: int) -> None:
    """10 to 30 finished daily runs with a natural spread of duration and results (a
    squid's own seeded generator: the world's is left as it was), and a few failures."""
    rng = random.Random(1000 + index)
    results = sum(task.expected_results for task in squid.tasks if task.is_active)
    usual = results / (squid.results_per_second * squid.concurrency) + 7.0
    runs = 10 + (index * 7) % 21
    for n in range(runs):
        if (index + n) % 9 == 4:
            status, reason, fraction = _FAILURES[(index + n) // 9 % len(_FAILURES)]
        else:
            status, reason, fraction = "done", ("tasks_done", "last_page_reached")[n % 2], 1.0
        slow = 1.6 if rng.random() < 0.08 else 1.0  # now and then a slow day
        world.add_history_run(
            squid, status=status, done_reason=reason, fraction=fraction,
            started_at=world.now - timedelta(days=runs - n, hours=index, minutes=7 * (n % 5)),
            duration=round(usual * fraction * slow * rng.uniform(0.85, 1.2), 1),
            share=rng.uniform(0.88, 1.0),
            done_reason_desc=("Crawler crashed on an unexpected page layout"
                              if status == "error" else None),
            origin="schedule" if n % 3 == 2 else "user",
        )


def _backdate(run: SimRun, started_at: datetime) -> None:
    """Make a just-launched run look as if it started at ``started_at``."""
    run.status = "running"
    run.created_at = started_at - timedelta(seconds=3)
    run.started_at = started_at


def build_demo(world: World) -> World:
    """A dozen squids of different crawlers with a past of 10 to 30 runs each; one run
    progressing (slower than usual: see :data:`DRIFT_PACE`), one paused for
    ``cookies_expired``, one errored; credits being spent."""
    now = world.now
    world.account.consumed = 1550.0
    for index, (name, crawler, pattern, count, per_task, concurrency, options) in enumerate(
            _DEMO_SQUIDS):
        squid = world.add_squid(name, crawler, tasks=_tasks(pattern, count, per_task),
                                concurrency=concurrency,
                                created_at=now - timedelta(days=90 + index), **options)
        _past_runs(world, squid, index)
    squids = list(world.squids.values())
    maps, linkedin, instagram = squids[0], squids[1], squids[2]

    running = world.start_run(maps.id)
    _backdate(running, now - timedelta(seconds=40))
    world.advance_run_for(running, 40)
    running.pace = DRIFT_PACE

    paused = world.start_run(linkedin.id)
    _backdate(paused, now - timedelta(minutes=12))
    world.advance_run_for(paused, 90)
    world.pause_run(paused.id, "cookies_expired",
                    "The LinkedIn account's session cookies expired")

    errored = world.start_run(instagram.id)
    _backdate(errored, now - timedelta(minutes=30))
    world.advance_run_for(errored, 60)
    world.fail_run(errored.id, "Crawler crashed: Instagram changed its page layout. "
                               "Our team is on it; the run resumes once fixed.")

    # A squid on a schedule keeps the demo moving over hours; the script makes the first
    # minutes show every status change (see demo_script).
    google = squids[7]
    google.schedule = "every 15 minutes"
    google.schedule_every = 15 * 60.0
    demo_script.install(world, scheduled=google, paused=paused, running=running)
    # One squid that cannot launch (no tasks), one that is not ready.
    for task in squids[10].tasks:
        task.is_active = False
    squids[11].is_ready = False
    squids[11].message = "Set the crawler's required parameters before launching."
    return world


def build_empty(world: World) -> World:
    """An account with no squids at all."""
    return world


def build_large(world: World, *, squids: int = 2000, runs: int = 5000) -> World:
    """Many squids and one squid with a long run history, for scale work."""
    now = world.now
    big = world.add_squid("Big history squid", _MAPS,
                          tasks=_tasks("https://maps.example/{i}", 5, 20), concurrency=1)
    for n in range(runs):
        status, reason, fraction = _HISTORY[n % len(_HISTORY)]
        world.add_history_run(big, status=status, done_reason=reason, fraction=fraction,
                              started_at=now - timedelta(hours=runs - n), duration=300)
    for i in range(max(0, squids - 1)):
        squid = world.add_squid(f"Squid {i + 1:05d}", _MAPS if i % 2 else "Google Search Export",
                                tasks=_tasks("https://example.test/{i}", 2, 10))
        if i % 10 == 0:
            world.add_history_run(squid, status="done", done_reason="tasks_done",
                                  started_at=now - timedelta(days=1), duration=100)
    first = list(world.squids.values())[1]
    world.start_run(first.id)
    return world


_BUILDERS: dict[str, Callable[..., World]] = {
    "demo": build_demo,
    "empty": build_empty,
    "large": build_large,
}


def build(name: str, *, seed: int = 1, speed: float = 1.0, clock: SimClock | None = None,
          **options: Any) -> World:
    """Create the world of a named scenario."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown scenario {name!r} (one of {', '.join(SCENARIOS)})")
    world = World(seed=seed, speed=speed, clock=clock)
    return _BUILDERS[name](world, **options)
