"""What the demo world does by itself once it starts, so that watching it shows every
status change: a scheduled launch, a run crashing, a paused run resuming, another run
pausing for a different reason and resuming, runs finishing.

Times are seconds of *work* (wall seconds times the world's ``speed``). Nothing here
changes the world at its start instant, and nothing happens before :data:`FIRST_LAUNCH`
(tests that move a manual clock by a minute or two see the demo as it always was).
At speed 1 (seed 1): 1:30 the scheduled Google SERP squid launches, 2:10 that run
crashes (error), 2:30 the LinkedIn run's cookies are re-synced and it resumes, 3:20 the
Google Maps run pauses for ``too_many_requests`` and resumes 45 s later, about 4:05 the
LinkedIn run finishes (uploading, done). The Google Maps run drifts slow (it collects at
``scenarios.DRIFT_PACE`` of its usual pace): its ``slow`` flag shows within 4 minutes and
it finishes after about 20.
At ``--speed 10`` all of it takes a tenth of the time.
"""

from __future__ import annotations

from datetime import timedelta

from lobstr_tui.sim.entities import SimRun, SimSquid
from lobstr_tui.sim.world import World

FIRST_LAUNCH = 90.0
SERP_CRASH = 130.0
COOKIES_RESYNCED = 150.0
MAPS_THROTTLED = 200.0
MAPS_THROTTLE_LASTS = 45.0

SERP_CRASH_MESSAGE = ("Crawler crashed: Google served an unusual results page. Our team is "
                      "on it; the run resumes once fixed.")
THROTTLE_MESSAGE = ("Google Maps is refusing requests for a while; the run waits and "
                    "resumes by itself")


def install(world: World, *, scheduled: SimSquid, paused: SimRun, running: SimRun) -> None:
    """Script the demo's next minutes: ``scheduled`` is the squid on a schedule,
    ``paused`` the run waiting for re-synced cookies, ``running`` the one progressing."""
    scheduled.next_launch_at = world.now + timedelta(seconds=FIRST_LAUNCH / world.speed)

    def crash_scheduled_run(w: World) -> None:
        run = w.active_run(scheduled)
        if run is not None and run.status == "running":
            w.fail_run(run.id, SERP_CRASH_MESSAGE)

    def resync_cookies(w: World) -> None:
        if paused.status == "paused" and paused.done_reason == "cookies_expired":
            w.resume_run(paused.id)

    def throttle(w: World) -> None:
        if running.status == "running":
            w.pause_run(running.id, "too_many_requests", THROTTLE_MESSAGE,
                        resume_after=MAPS_THROTTLE_LASTS)

    world.after_work(SERP_CRASH, crash_scheduled_run)
    world.after_work(COOKIES_RESYNCED, resync_cookies)
    world.after_work(MAPS_THROTTLED, throttle)
