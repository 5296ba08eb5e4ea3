"""The CSV export engine against the simulator over loopback HTTP.

The waits between questions are injected: each one moves the simulated world's clock by
the seconds asked, so an uploading run finishes exactly as it would, and nothing here
waits on real time but the HTTP round trips.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from lobstr_tui.api import DownloadInfo, ForbiddenError, LobstrClient, ProtocolError
from lobstr_tui.monitor import Event, Snapshot
from lobstr_tui.monitor.model.export_status import ExportOutcome, ExportPhase, ExportStatus
from lobstr_tui.monitor.polling.export import (
    MAX_WAIT_SECONDS,
    STILL_RUNNING,
    Export,
    Sleep,
    export_file_name,
    safe_stem,
)
from lobstr_tui.sim import FaultPlan, SimServer, World, parse_spec
from lobstr_tui.sim.entities import SimRun
from lobstr_tui.sim.views import result_row
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import run_for, settle
from tests.monitor.test_scheduler import watching

RUNNING_MAPS_RUN = next(run.id for run in manual_world().runs.values()
                        if run.status == "running")
"""The demo's running Google Maps run (the seeded demo world's ids are the same each
time it is built)."""


def finished_run(world: World, squid_name: str = "Google Maps FR restaurants") -> SimRun:
    """The newest finished, exported run of a squid (big enough for several chunks)."""
    squid = next(s for s in world.squids.values() if s.name == squid_name)
    return next(world.runs[r] for r in squid.run_ids
                if world.runs[r].status == "done" and world.runs[r].export_done)


def errored_run(world: World) -> SimRun:
    """A run that errored and will never have an export (lobstr.io answers 404)."""
    return next(r for r in world.runs.values()
                if r.status == "error" and r.export_done is False)


@dataclass
class WorldWaits:
    """The injected sleep: records each wait and moves the world's clock by it."""

    world: World
    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.world.clock.advance(seconds)


async def wait_forever(seconds: float) -> None:
    """A retry wait that only a cancellation ends."""
    await asyncio.get_running_loop().create_future()


async def no_wait(seconds: float) -> None:
    """The sleep of an export that should never need one: fail instead of hanging."""
    raise AssertionError(f"the export waited {seconds} s where it should not")


@dataclass
class Harness:
    """An export with every status it published."""

    export: Export
    statuses: list[ExportStatus]

    @property
    def phases(self) -> list[ExportPhase]:
        """The phases in order, each run of the same phase once."""
        seen: list[ExportPhase] = []
        for status in self.statuses:
            if not seen or seen[-1] is not status.phase:
                seen.append(status.phase)
        return seen

    def messages(self, outcome: ExportOutcome) -> list[str]:
        return [s.message for s in self.statuses] + [outcome.message]


def make_export(client: LobstrClient, run_id: str, directory: Path, *,
                squid_name: str = "Google Maps FR restaurants", run_active: bool = False,
                sleep: Sleep | None = None,
                on_status: Callable[[Export, ExportStatus], None] | None = None,
                patience: float = 600.0) -> Harness:
    statuses: list[ExportStatus] = []
    holder: list[Export] = []

    def changed(status: ExportStatus) -> None:
        statuses.append(status)
        if on_status is not None:
            on_status(holder[0], status)

    export = Export(client, run_id=run_id, squid_name=squid_name, run_active=run_active,
                    directory=directory, sleep=sleep or no_wait,
                    on_change=changed, patience=patience)
    holder.append(export)
    return Harness(export, statuses)


def files_in(directory: Path) -> list[Path]:
    """Every file in ``directory``, hidden temporary parts included."""
    return sorted(directory.iterdir())


def requests_to(server: SimServer, suffix: str) -> list[str]:
    return [e.path for e in list(server.log) if e.path.endswith(suffix)]


def expected_rows(world: World, run: SimRun) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in result_row(world, run, i).items()}
            for i in range(run.total_results)]


def file_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# -- the file ---------------------------------------------------------------------------


async def test_the_file_holds_the_runs_rows(client: LobstrClient, server: SimServer,
                                            world: World, tmp_path: Path) -> None:
    run = finished_run(world)
    h = make_export(client, run.id, tmp_path)
    outcome = await h.export.run()
    assert outcome.phase is ExportPhase.DONE and outcome.ok
    assert outcome.path == tmp_path / f"Google-Maps-FR-restaurants-{run.id}.csv"
    assert run.total_results > 1000
    assert file_rows(outcome.path) == expected_rows(world, run)
    assert outcome.size == outcome.path.stat().st_size
    assert files_in(tmp_path) == [outcome.path], "no temporary file left behind"
    assert h.phases == [ExportPhase.ASKING, ExportPhase.DOWNLOADING, ExportPhase.DONE]
    assert len(requests_to(server, "/download")) == 1


async def test_download_progress_counts_up_to_the_content_length(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    h = make_export(client, finished_run(world).id, tmp_path)
    outcome = await h.export.run()
    assert outcome.path is not None
    size = outcome.path.stat().st_size
    progress = [s for s in h.statuses if s.phase is ExportPhase.DOWNLOADING and s.received]
    assert len(progress) >= 2, "a file over 64 KiB arrives in several chunks"
    received = [s.received for s in progress]
    assert received == sorted(received) and received[-1] == size
    assert {s.total for s in progress} == {size}
    assert progress[0].fraction is not None and 0 < progress[0].fraction < 1
    assert h.statuses[-1].phase is ExportPhase.DONE and h.statuses[-1].fraction == 1.0
    assert h.statuses[-1].received == size


async def test_no_authorization_header_goes_to_the_export_file(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    outcome = await make_export(client, finished_run(world).id, tmp_path).export.run()
    assert outcome.ok
    exports = [e for e in list(server.log) if e.prefix == "exports"]
    api_calls = [e for e in list(server.log) if e.prefix != "exports"]
    assert len(exports) == 1 and exports[0].authorization is None
    assert api_calls and all(e.authorization == f"Token {TOKEN}" for e in api_calls)


# -- waiting for lobstr.io ------------------------------------------------------------------


async def test_an_uploading_run_is_waited_for_then_downloaded(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    run = world.finish_run(RUNNING_MAPS_RUN)
    assert run.status == "uploading" and run.total_results > 0
    waits = WorldWaits(world)
    h = make_export(client, run.id, tmp_path, sleep=waits)
    outcome = await h.export.run()
    assert outcome.ok, outcome.message
    assert waits.seconds == [2.0, 4.0], "exponential backoff while the upload lasts 4 s"
    assert len(requests_to(server, "/download")) == 3
    assert h.phases == [ExportPhase.ASKING, ExportPhase.PREPARING,
                        ExportPhase.DOWNLOADING, ExportPhase.DONE]
    preparing = [s for s in h.statuses if s.phase is ExportPhase.PREPARING]
    assert [s.progress for s in preparing if s.retry_in] == [0, 50]
    assert [s.retry_in for s in preparing if s.retry_in] == [2.0, 4.0]
    assert "preparing the export (50 %); asking again in 4 s" in preparing[-2].message
    assert world.runs[run.id].status == "done"
    assert outcome.path is not None
    assert file_rows(outcome.path) == expected_rows(world, world.runs[run.id])


async def test_an_export_that_never_comes_is_given_up_within_the_patience(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    waits = WorldWaits(world)
    h = make_export(client, errored_run(world).id, tmp_path, sleep=waits, patience=20.0)
    outcome = await h.export.run()
    assert outcome.phase is ExportPhase.FAILED and outcome.path is None
    assert waits.seconds == [2.0, 4.0, 8.0, 6.0], "the last wait ends at the patience"
    assert len(requests_to(server, "/download")) == 5
    assert "not ready" in outcome.message and "giving up" in outcome.message
    assert files_in(tmp_path) == []


async def test_the_default_patience_is_ten_minutes_of_capped_backoff(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    waits = WorldWaits(world)
    outcome = await make_export(client, errored_run(world).id, tmp_path,
                                sleep=waits).export.run()
    assert outcome.phase is ExportPhase.FAILED and "10 min" in outcome.message
    assert waits.seconds[:5] == [2.0, 4.0, 8.0, 16.0, 30.0]
    assert max(waits.seconds) == MAX_WAIT_SECONDS and sum(waits.seconds) == 600.0


async def test_a_429_is_waited_out_for_its_retry_after(world: World, tmp_path: Path) -> None:
    faults = FaultPlan(parse_spec("runs/:ratelimit=7*1"))
    with SimServer(world, token=TOKEN, faults=faults) as server:
        async with LobstrClient(TOKEN, server.base_url, timeout=5.0) as client:
            waits = WorldWaits(world)
            h = make_export(client, finished_run(world).id, tmp_path, sleep=waits)
            outcome = await h.export.run()
    assert outcome.ok, outcome.message
    assert waits.seconds == [7.0]
    assert len(requests_to(server, "/download")) == 2
    assert any(s.message == "rate-limited by lobstr.io; asking again in 7 s"
               for s in h.statuses)


async def test_network_errors_end_in_a_plain_message(world: World, tmp_path: Path) -> None:
    faults = FaultPlan(parse_spec("runs/:drop"))
    with SimServer(world, token=TOKEN, faults=faults) as server:
        async with LobstrClient(TOKEN, server.base_url, timeout=5.0) as client:
            waits = WorldWaits(world)
            outcome = await make_export(client, finished_run(world).id, tmp_path,
                                        sleep=waits).export.run()
    assert outcome.phase is ExportPhase.FAILED
    assert outcome.message.startswith("could not reach lobstr.io: ")
    assert "Traceback" not in outcome.message and "httpx" not in outcome.message
    assert waits.seconds == [2.0, 4.0] and len(requests_to(server, "/download")) == 3
    assert files_in(tmp_path) == []


async def test_a_rejected_token_fails_without_showing_it(
        server: SimServer, world: World, tmp_path: Path) -> None:
    wrong = "tok_wrong_never_shown_5150"
    async with LobstrClient(wrong, server.base_url, timeout=5.0) as client:
        h = make_export(client, finished_run(world).id, tmp_path)
        outcome = await h.export.run()
    assert outcome.phase is ExportPhase.FAILED
    assert "token was rejected" in outcome.message
    assert all(wrong not in m for m in h.messages(outcome))
    assert [e for e in list(server.log) if e.prefix == "exports"] == []


# -- refusals and the file in the way -----------------------------------------------


async def test_an_active_run_is_refused_without_a_request(
        client: LobstrClient, server: SimServer, tmp_path: Path) -> None:
    h = make_export(client, RUNNING_MAPS_RUN, tmp_path, run_active=True)
    outcome = await h.export.run()
    assert outcome.phase is ExportPhase.REFUSED and outcome.message == STILL_RUNNING
    assert list(server.log) == []
    assert files_in(tmp_path) == []
    assert [s.phase for s in h.statuses] == [ExportPhase.REFUSED]


async def test_a_missing_folder_fails_without_a_request(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    outcome = await make_export(client, finished_run(world).id,
                                tmp_path / "nope").export.run()
    assert outcome.phase is ExportPhase.FAILED and "does not exist" in outcome.message
    assert list(server.log) == []


def file_in_the_way(world: World, tmp_path: Path) -> tuple[SimRun, Path]:
    """A finished run, and a file of mine where its export would be saved."""
    run = finished_run(world)
    target = tmp_path / export_file_name("Google Maps FR restaurants", run.id)
    target.write_bytes(b"keep me")
    return run, target


async def test_an_existing_file_is_kept_unless_overwrite(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    run, target = file_in_the_way(world, tmp_path)
    h = make_export(client, run.id, tmp_path)
    first = await h.export.run()
    assert first.phase is ExportPhase.EXISTS and first.path == target
    assert "already exists" in first.message
    assert target.read_bytes() == b"keep me" and list(server.log) == []
    again = await h.export.run(overwrite=True)
    assert again.ok and again.path == target
    assert file_rows(target) == expected_rows(world, run)
    assert files_in(tmp_path) == [target]


async def test_a_file_that_appears_during_the_download_is_not_replaced(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    run = finished_run(world)
    target = tmp_path / export_file_name("Google Maps FR restaurants", run.id)

    def someone_writes(export: Export, status: ExportStatus) -> None:
        if status.phase is ExportPhase.DOWNLOADING and not target.exists():
            target.write_bytes(b"theirs")

    outcome = await make_export(client, run.id, tmp_path,
                                on_status=someone_writes).export.run()
    assert outcome.phase is ExportPhase.EXISTS
    assert target.read_bytes() == b"theirs" and files_in(tmp_path) == [target]


# -- cancel ----------------------------------------------------------------------------


async def test_cancel_during_the_preparing_wait_leaves_no_file(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    run = world.finish_run(RUNNING_MAPS_RUN)
    waiting = asyncio.Event()

    def note(export: Export, status: ExportStatus) -> None:
        if status.phase is ExportPhase.PREPARING and status.retry_in:
            waiting.set()

    h = make_export(client, run.id, tmp_path, sleep=wait_forever, on_status=note)
    task = asyncio.create_task(h.export.run())
    await waiting.wait()
    running_while_waiting = h.export.running
    h.export.cancel()
    outcome = await task
    assert outcome.phase is ExportPhase.CANCELLED and outcome.path is None
    assert running_while_waiting and not h.export.running
    assert h.statuses[-1].phase is ExportPhase.CANCELLED
    assert files_in(tmp_path) == []
    assert len(requests_to(server, "/download")) == 1
    assert [e for e in list(server.log) if e.prefix == "exports"] == []
    assert not task.cancelled()


async def test_cancel_during_the_download_leaves_no_file(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    def cancel_on_first_chunk(export: Export, status: ExportStatus) -> None:
        if status.phase is ExportPhase.DOWNLOADING and status.received:
            export.cancel()

    h = make_export(client, finished_run(world).id, tmp_path,
                    on_status=cancel_on_first_chunk)
    outcome = await h.export.run()
    assert outcome.phase is ExportPhase.CANCELLED
    assert ExportPhase.DOWNLOADING in h.phases
    assert files_in(tmp_path) == [], "neither the file nor its temporary part"


async def test_cancel_before_run_ends_it_at_once(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    h = make_export(client, finished_run(world).id, tmp_path)
    h.export.cancel()
    outcome = await h.export.run()
    assert outcome.phase is ExportPhase.CANCELLED and list(server.log) == []


async def test_cancelling_the_callers_task_goes_through_and_cleans_up(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    run = world.finish_run(RUNNING_MAPS_RUN)
    waiting = asyncio.Event()

    def note(export: Export, status: ExportStatus) -> None:
        if status.retry_in:
            waiting.set()

    h = make_export(client, run.id, tmp_path, sleep=wait_forever, on_status=note)
    task = asyncio.create_task(h.export.run())
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not h.export.running and files_in(tmp_path) == []


# -- untrusted names and secrets ---------------------------------------------------


async def test_a_hostile_squid_name_gives_a_safe_file_in_the_folder(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    run = finished_run(world)
    h = make_export(client, run.id, tmp_path, squid_name="../../etc/x\x1b]2;t\x07")
    outcome = await h.export.run()
    assert outcome.ok and outcome.path is not None
    assert outcome.path.parent == tmp_path
    assert outcome.path.name == f"etc-x-2-t-{run.id}.csv"
    assert files_in(tmp_path) == [outcome.path]
    assert not (tmp_path.parent.parent / "etc").exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("Google Maps FR restaurants", "Google-Maps-FR-restaurants"),
    ("../../etc/passwd", "etc-passwd"),
    ("..", "squid"),
    ("", "squid"),
    ("\x1b[2J\x07", "2J"),
    (".bashrc", "bashrc"),
    ("a\\b/c:d", "a-b-c-d"),
    ("evil\u202egnp.exe", "evil-gnp.exe"),
    ("a...b", "a.b"),
    ("Café Zürich", "Café-Zürich"),
    ("ＡＢＣ／ｄｅｆ", "ABC-def"),
])
def test_safe_stem(name: str, expected: str) -> None:
    assert safe_stem(name) == expected


def test_safe_stem_caps_the_length_in_bytes() -> None:
    stem = safe_stem("é" * 300 + "x")
    assert len(stem.encode()) <= 100 and set(stem) == {"é"}
    assert len(export_file_name("y" * 1000, "z" * 1000).encode()) <= 255


async def test_an_expired_link_is_asked_for_again_once(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    run = finished_run(world)
    expired: list[bool] = []

    def let_the_link_expire(export: Export, status: ExportStatus) -> None:
        if status.phase is ExportPhase.DOWNLOADING and not expired:
            expired.append(True)
            world.clock.advance(400)  # the simulator's links last 300 s

    h = make_export(client, run.id, tmp_path, on_status=let_the_link_expire)
    outcome = await h.export.run()
    assert outcome.ok, outcome.message
    assert len(requests_to(server, "/download")) == 2
    assert len([e for e in list(server.log) if e.prefix == "exports"]) == 2
    assert file_rows(tmp_path / f"Google-Maps-FR-restaurants-{run.id}.csv") == (
        expected_rows(world, run))


class RecordingClient(LobstrClient):
    """Remembers every signed URL given, and spoils the signature of the first
    ``spoil`` of them."""

    def __init__(self, token: str, base_url: str, *, spoil: int = 0) -> None:
        super().__init__(token, base_url, timeout=5.0)
        self.spoil = spoil
        self.urls: list[str] = []

    async def download_info(self, run_id: str, *, file_format: str = "csv") -> DownloadInfo:
        info = await super().download_info(run_id, file_format=file_format)
        url = info.url
        if url is not None:
            if self.spoil > 0:
                self.spoil -= 1
                url = url.replace("Signature=", "Signature=0")
            self.urls.append(url)
        return replace(info, url=url)


async def test_a_refused_file_fails_naming_only_the_host(
        server: SimServer, world: World, tmp_path: Path) -> None:
    client = RecordingClient(TOKEN, server.base_url, spoil=2)
    async with client:
        h = make_export(client, finished_run(world).id, tmp_path)
        outcome = await h.export.run()
    assert outcome.phase is ExportPhase.FAILED
    assert outcome.message == ("download failed: 127.0.0.1 refused the export download "
                               "(HTTP 403) (the link may have expired)")
    assert len(client.urls) == 2, "asked once more for a fresh link"
    assert files_in(tmp_path) == []
    for text in h.messages(outcome):
        assert TOKEN not in text
        assert not any(url in text for url in client.urls)
        assert "Signature" not in text and "/exports/" not in text and "Expires" not in text


async def test_no_message_ever_shows_the_token_or_the_link(
        server: SimServer, world: World, tmp_path: Path) -> None:
    run = world.finish_run(RUNNING_MAPS_RUN)
    client = RecordingClient(TOKEN, server.base_url, spoil=1)
    async with client:
        h = make_export(client, run.id, tmp_path, sleep=WorldWaits(world))
        outcome = await h.export.run()
    assert outcome.ok and len(client.urls) == 2
    texts = [*h.messages(outcome), repr(outcome), repr(h.statuses)]
    assert any("downloading from 127.0.0.1" in t for t in texts)
    for text in texts:
        assert TOKEN not in text
        assert not any(url in text or url.split("?")[1] in text for url in client.urls)


# -- the client's streaming download ----------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.csv?Signature=s3"])
async def test_stream_export_fetches_only_http_urls(client: LobstrClient, server: SimServer,
                                                    url: str) -> None:
    sink = io.BytesIO()
    with pytest.raises(ProtocolError) as caught:
        await client.stream_export(url, sink)
    assert caught.value.message == "the export address is not an http(s) URL"
    assert sink.getvalue() == b"" and list(server.log) == []


async def test_stream_export_errors_carry_the_host_only(
        client: LobstrClient, world: World) -> None:
    info = await client.download_info(finished_run(world).id)
    assert info.url is not None
    spoiled = info.url.replace("Signature=", "Signature=0")
    with pytest.raises(ForbiddenError) as caught:
        await client.stream_export(spoiled, io.BytesIO())
    assert caught.value.status_code == 403
    assert "127.0.0.1" in caught.value.message
    assert "Signature" not in str(caught.value) and "exports" not in repr(caught.value)


async def test_cancel_applies_to_a_second_run_after_exists(
        client: LobstrClient, server: SimServer, world: World, tmp_path: Path) -> None:
    run, target = file_in_the_way(world, tmp_path)
    h = make_export(client, run.id, tmp_path)
    assert (await h.export.run()).phase is ExportPhase.EXISTS
    task = asyncio.create_task(h.export.run(overwrite=True))
    h.export.cancel()  # before the second run has sent anything
    outcome = await task
    assert outcome.phase is ExportPhase.CANCELLED
    assert target.read_bytes() == b"keep me" and list(server.log) == []


async def test_cancel_from_the_done_status_does_not_undo_the_file(
        client: LobstrClient, world: World, tmp_path: Path) -> None:
    def cancel_when_done(export: Export, status: ExportStatus) -> None:
        if status.phase is ExportPhase.DONE:
            export.cancel()

    outcome = await make_export(client, finished_run(world).id, tmp_path,
                                on_status=cancel_when_done).export.run()
    assert outcome.ok and outcome.path is not None
    assert files_in(tmp_path) == [outcome.path]


async def test_a_download_waits_for_the_schedulers_budget_and_shows_in_the_snapshot(
        server: SimServer, world: World, tmp_path: Path) -> None:
    # The download is a job of the scheduler: with the minute's budget spent, its
    # question to lobstr.io waits for the window to slide, like any poll.
    shown: list[ExportStatus | None] = []

    def listen(snap: Snapshot, found: list[Event]) -> None:
        shown.append(snap.export)

    async for watch in watching(server, world):
        scheduler = watch.scheduler
        await settle(scheduler)
        scheduler.listener = listen
        now = watch.clock.monotonic()
        for _ in range(int(scheduler.budget.per_minute)):
            scheduler.budget.record(now, essential=False)
        run = finished_run(world)
        future = scheduler.downloads.start(run_id=run.id, squid_name="Google Maps",
                                           directory=tmp_path, run_active=False,
                                           patience=600.0)
        await run_for(watch.clock, scheduler, 30)
        assert not any(p.endswith("/download") for _, _, p, _ in watch.sent)
        for _ in range(120):  # bounded: a simulated second at a time
            if future.done():
                break
            await run_for(watch.clock, scheduler, 1)
        asked = [t - now for t, _, p, _ in watch.sent if p.endswith("/download")]
        assert asked and asked[0] >= 59.0, asked
        outcome = future.result()
        assert outcome.ok and outcome.path is not None and outcome.path.exists()
        phases = [status.phase for status in shown if status is not None]
        assert ExportPhase.ASKING in phases and ExportPhase.DONE in phases
        assert shown[-1] is None and scheduler.snapshot.export is None
