"""Numbers in one voice (issue 21), driven against the simulator at the sizes they were
seen at."""

from __future__ import annotations

from textual.widgets import Static

from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from tests.ui_support import make_app, select_squid, wait_for

QUIET = "Amazon reviews headphones"


async def test_the_abort_dialog_of_a_pending_run_counts_results_not_tasks(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        target = await select_squid(pilot, app, QUIET)
        run = world.start_run(target)
        assert run.status == "pending" and len(run.tasks) > 0
        await wait_for(pilot, lambda: any(r.id == run.id for r in app.snapshot.runs),
                       what="the pending run in the runs table")
        assert world.runs[run.id].status == "pending"
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        body = "\n".join(app.screen.lines)
        assert "results    0 so far" in body, body
        assert "credits    0 used so far" in body, body
        await pilot.press("n")


async def test_an_aborted_run_reads_the_tasks_it_finished_not_100_percent(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        target = await select_squid(pilot, app, QUIET)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="launch")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(world.squids[target].run_ids) > 0
                       and world.runs[world.squids[target].run_ids[0]].is_active
                       and app.snapshot.selected_run is not None
                       and app.snapshot.selected_run.id == world.squids[target].run_ids[0],
                       what="the launched run selected")
        run = world.runs[world.squids[target].run_ids[0]]
        while run.tasks_done < 2:
            world.clock.advance(1)
            world.advance()
        await wait_for(pilot, lambda: app.snapshot.stats is not None
                       and app.snapshot.stats.id == run.id
                       and app.snapshot.stats.total_tasks_done >= 2, what="two tasks done")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="abort")
        await pilot.press("y")
        await wait_for(pilot, lambda: world.runs[run.id].status == "uploading", what="abort")
        world.clock.advance(10)
        finished = sum(t.status == "completed" for t in run.tasks)
        total = len(run.tasks)
        assert 2 <= finished < total
        progress = app.query_one("#progress-text", Static)
        await wait_for(pilot, lambda: "■ aborted" in str(progress.render())
                       and f"{finished}/{total}" in str(progress.render()),
                       what=f"aborted after {finished}/{total}", limit=15)
        text = str(progress.render())
        assert "100%" not in text and f"{total}/{total}" not in text, text
