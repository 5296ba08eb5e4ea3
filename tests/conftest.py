"""Shared fixtures: the simulator on loopback HTTP and a client pointed at it."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lobstr_tui.api import LobstrClient
from lobstr_tui.sim import SimClock, SimServer, World, build

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "docs"
"""The API reference's response bodies (a copy kept in the repository)."""
FROZEN_START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
TOKEN = "sim-test-token-7f3c9a"

# Log lines show local clock times: pin the zone so screens are the same everywhere.
os.environ["TZ"] = "UTC"
time.tzset()


def manual_world(scenario: str = "demo", *, seed: int = 1, **options: object) -> World:
    """A scenario world on a manual clock starting at a fixed instant."""
    return build(scenario, seed=seed, clock=SimClock(start=FROZEN_START, manual=True),
                 **options)


@pytest.fixture
def world() -> World:
    """The demo world, frozen in time until a test advances it."""
    return manual_world()


SERIAL_MODULES = frozenset({"test_e2e_tmux", "test_bench_smoke", "test_browser_harness",
                            "test_serve_browser"})
"""Modules whose tests share one tmux server or measure the machine: under
``pytest -n 2 --dist loadgroup`` (make test) they all run on one worker, one at a time."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the tmux and benchmark tests together on one xdist worker."""
    for item in items:
        module = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        if module in SERIAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("serial"))


QUIRKS_MODULES = frozenset({"test_ui", "test_app_wiring"})
"""Test modules of the app whose tests run twice: against the plain simulator and against
one that sends, at random, every documented variant of the API's answers (--quirks)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the app's Pilot tests against the quirks mode too."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "server" in metafunc.fixturenames and module in QUIRKS_MODULES:
        metafunc.parametrize("server", ["plain", "quirks"], indirect=True)


@pytest.fixture
def server(world: World, request: pytest.FixtureRequest) -> Iterator[SimServer]:
    """The simulator serving ``world`` on 127.0.0.1 with a test token (in quirks mode
    when the test is parametrized so)."""
    quirks = getattr(request, "param", "plain") == "quirks"
    with SimServer(world, token=TOKEN, quirks=quirks) as running:
        yield running


@pytest.fixture
async def client(server: SimServer) -> AsyncIterator[LobstrClient]:
    """A lobstr.io client talking to the simulator over loopback HTTP."""
    async with LobstrClient(TOKEN, server.base_url, timeout=5.0) as api:
        yield api
