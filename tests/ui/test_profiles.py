"""Several lobstr.io accounts (profiles): ``[profiles.NAME]`` in config.toml, ``--profile``
and ``LOBSTR_PROFILE``, ``p`` to switch in the app, ``--all-profiles`` for one board and
one alert stream across accounts. Bad input is one line, exit 2, never a token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from lobstr_tui.config import ConfigError, Settings, every_profile, resolve_settings
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.derive.merged_board import merged_board
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.help_screen import app_key_rows
from lobstr_tui.ui.screens.profile_screen import ProfileScreen
from lobstr_tui.ui.services.profiles import ONLY_ONE
from lobstr_tui.ui.widgets.board_table import BoardTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.top_bar import TopBar, top_bar_parts
from tests.conftest import FROZEN_START, manual_world
from tests.e2e.test_startup import (
    LOBSTR_TUI,
    after_the_app,
    assert_one_line_exit_2,
    run,
    run_on_terminal,
    write_config,
)
from tests.ui_support import make_app, make_profiles_app, wait_for

ALPHA = "tok_alpha_secret_4b1d"
BRAVO = "tok_bravo_secret_9e27"
WORK = "tok_work_secret_c3a8"
HOME = "tok_home_secret_77f0"
HEX = "7dd5c0ac0e6c4bd5b8f0d0e8a8c1f2a3b4c5d6e7"
"""What a lobstr.io token looks like."""
SECRETS = (ALPHA, BRAVO, WORK, HOME, HEX)


def config(tmp_path: Path, text: str) -> dict[str, str]:
    """Write ``config.toml`` under a temporary XDG_CONFIG_HOME; the environment for it."""
    path = tmp_path / "lobstr" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return {"XDG_CONFIG_HOME": str(tmp_path)}


def names(settings: Settings) -> list[str]:
    return [p.name for p in settings.profiles]


def assert_no_token_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret.rsplit("_", 1)[-1] not in text, "not even the token's end"


TWO = f'''
[auth]
token = "{WORK}"

[profiles.home]
token = "{HOME}"
base_url = "http://127.0.0.1:9001/v1"

[profiles.ci]
token_env = "LOBSTR_CI_TOKEN"
'''


# -- config.toml -------------------------------------------------------------------------


def test_the_auth_token_is_the_default_profile(tmp_path: Path) -> None:
    env = config(tmp_path, f'[auth]\ntoken = "{WORK}"\n')
    settings = resolve_settings(env)
    assert settings.profile == "default" and not settings.chosen
    assert names(settings) == ["default"]
    assert settings.token is not None and settings.token.reveal() == WORK
    assert settings.token_source == str(tmp_path / "lobstr" / "config.toml")
    assert WORK not in repr(settings) + repr(settings.profiles)


def test_named_profiles_in_file_order_after_the_default(tmp_path: Path) -> None:
    env = config(tmp_path, TWO)
    settings = resolve_settings(env)
    assert names(settings) == ["default", "home", "ci"]
    assert settings.profile == "default"
    home = resolve_settings(env, profile="home")
    assert home.chosen and home.profile == "home"
    assert home.token is not None and home.token.reveal() == HOME
    assert home.base_url == "http://127.0.0.1:9001/v1/"
    assert home.token_source == f"{tmp_path / 'lobstr' / 'config.toml'} [profiles.home]"


def test_token_env_reads_the_variable_it_names(tmp_path: Path) -> None:
    env = {**config(tmp_path, TWO), "LOBSTR_CI_TOKEN": f"  {ALPHA}\n"}
    settings = resolve_settings(env, profile="ci")
    assert settings.token is not None and settings.token.reveal() == ALPHA
    assert settings.token_source == "LOBSTR_CI_TOKEN"


def test_lobstr_profile_picks_and_the_option_wins(tmp_path: Path) -> None:
    env = {**config(tmp_path, TWO), "LOBSTR_PROFILE": "home"}
    assert resolve_settings(env).profile == "home"
    assert resolve_settings(env).chosen
    assert resolve_settings(env, profile="default").profile == "default"


def test_lobstr_token_is_the_default_profile_only(tmp_path: Path) -> None:
    env = {**config(tmp_path, TWO), "LOBSTR_TOKEN": ALPHA}
    default = resolve_settings(env)
    assert default.token is not None and default.token.reveal() == ALPHA
    assert default.token_source == "LOBSTR_TOKEN"
    home = resolve_settings(env, profile="home")
    assert home.token is not None and home.token.reveal() == HOME


def test_base_url_option_then_profile_then_environment(tmp_path: Path) -> None:
    env = {**config(tmp_path, TWO), "LOBSTR_API_BASE": "http://127.0.0.1:9002/v1/"}
    assert resolve_settings(env, profile="home").base_url == "http://127.0.0.1:9001/v1/"
    assert resolve_settings(env).base_url == "http://127.0.0.1:9002/v1/"
    assert resolve_settings(env, profile="home", base_url="http://127.0.0.1:9003/"
                            ).base_url == "http://127.0.0.1:9003/"


def test_a_profile_that_cannot_be_used_does_not_stop_the_others(tmp_path: Path) -> None:
    env = config(tmp_path, TWO)  # LOBSTR_CI_TOKEN is not set
    settings = resolve_settings(env, profile="home")
    ci = next(p for p in settings.profiles if p.name == "ci")
    assert not ci.usable and ci.problem is not None
    assert "LOBSTR_CI_TOKEN, which is not set" in ci.problem
    with pytest.raises(ConfigError, match="--all-profiles: profile ci: token_env names"):
        every_profile(settings)


def test_all_profiles_without_a_default_starts_on_the_first(tmp_path: Path) -> None:
    env = config(tmp_path, f'[profiles.home]\ntoken = "{HOME}"\n'
                           f'[profiles.work]\ntoken = "{WORK}"\n')
    settings = resolve_settings(env)
    assert settings.token is None and names(settings) == ["home", "work"]
    first = every_profile(settings)
    assert first.profile == "home" and first.token is not None
    assert first.token.reveal() == HOME


@pytest.mark.parametrize(("text", "env", "profile", "fragment"), [
    (TWO, {}, "nope", "--profile: unknown profile 'nope' (known: default, home, ci;"),
    (TWO, {"LOBSTR_PROFILE": "nope"}, None, "LOBSTR_PROFILE: unknown profile 'nope'"),
    ("", {}, "work", "unknown profile 'work' (known: none;"),
    ('[profiles.empty]\nbase_url = "http://127.0.0.1:9001/"\n', {}, "empty",
     'profile empty has no token: add token = "..." or token_env = "VARIABLE" under '
     "[profiles.empty]"),
    (TWO, {}, "ci", "profile ci: token_env names LOBSTR_CI_TOKEN, which is not set"),
    ('[profiles.ci]\ntoken_env = "lower_case_var"\n', {}, "ci",
     "profile ci: the variable that token_env names is not set"),
    (f'[profiles.ci]\ntoken_env = "{HEX}"\n', {}, "ci",
     "token_env must name an environment variable, not hold the token"),
    (f'[profiles.ci]\ntoken_env = "{WORK}-x"\n', {}, "ci",
     "token_env must be the name of an environment variable"),
    (f'[profiles.home]\ntoken = "{HOME}"\nbase_url = "http://127.0.0.1:99999/"\n', {},
     "home", "[profiles.home] base_url: the API base URL has a bad port"),
    (f'[profiles]\nhome = "{HOME}"\n', {}, "home", "[profiles.home] must be a table"),
    (f'profiles = "{HOME}"\n', {}, None, "profiles must be a table of [profiles.NAME] tables"),
    (f'[profiles.home]\ntokn = "{HOME}"\n', {}, "home",
     "[profiles.home] has an unknown key 'tokn' (known: token, token_env, base_url)"),
    ('[profiles.home]\ntoken = 12345\n', {}, "home", "[profiles.home] token must be a string"),
    (f'[profiles.home]\ntoken = "{HOME}"\ntoken_env = "HOME_TOKEN"\n', {}, "home",
     "[profiles.home] has both token and token_env; keep one"),
    (f'[auth]\ntoken = "{WORK}"\n[profiles.default]\ntoken = "{HOME}"\n', {}, None,
     "[auth] token and [profiles.default] both give the default profile's token"),
    (f'[profiles."my home"]\ntoken = "{HOME}"\n', {}, None,
     "the profile name 'my home' is not allowed"),
    (f'[profiles.home]\ntoken = "{HOME}\u00e9"\n', {}, "home",
     "[profiles.home] contains a non-ASCII character, which cannot be sent"),
    ('[profiles.ci]\ntoken_env = "CI_TOKEN"\n', {"CI_TOKEN": f"{ALPHA}\x01"}, "ci",
     "the token in CI_TOKEN contains a control character"),
])
def test_bad_profiles_say_what_is_wrong_in_one_line_without_the_token(
        tmp_path: Path, text: str, env: dict[str, str], profile: str | None,
        fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings({**config(tmp_path, text), **env}, profile=profile)
    message = str(caught.value)
    assert fragment in message, message
    assert "\n" not in message
    assert_no_token_in(message)


# -- the command line ----------------------------------------------------------------------


def test_unknown_profile_exits_2_naming_the_known_ones(tmp_path: Path) -> None:
    write_config(tmp_path, TWO.encode())
    done = run(["--profile", "nope"], {"LOBSTR_TOKEN": ALPHA}, tmp_path)
    assert_one_line_exit_2(done, "--profile: unknown profile 'nope' (known: default, home, "
                                 "ci;", secret=ALPHA)
    assert_no_token_in(done.stderr)


def test_all_profiles_with_an_unset_token_env_exits_2(tmp_path: Path) -> None:
    write_config(tmp_path, TWO.encode())
    done = run(["--all-profiles"], {}, tmp_path)
    assert_one_line_exit_2(done, "--all-profiles: profile ci: token_env names "
                                 "LOBSTR_CI_TOKEN, which is not set", secret=WORK)
    assert_no_token_in(done.stderr)


def test_named_profiles_but_no_default_token_says_how_to_choose(tmp_path: Path) -> None:
    write_config(tmp_path, f'[profiles.home]\ntoken = "{HOME}"\n'.encode())
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, "no token for the default profile", secret=HOME)
    assert "--profile NAME or LOBSTR_PROFILE (known: home)" in done.stderr


def test_profiles_do_not_apply_to_the_demo(tmp_path: Path) -> None:
    done = run(["--demo", "--all-profiles"], {}, tmp_path)
    assert_one_line_exit_2(done, "--profile and --all-profiles do not apply to --demo")


# -- two accounts: two simulators, each with its own token ------------------------------


def bravo_world() -> World:
    """Another account: other ids (another seed) and squid names that say so."""
    world = manual_world(seed=2)
    for squid in world.squids.values():
        squid.name = f"Bravo {squid.name}"
    return world


@pytest.fixture
def alpha() -> Iterator[SimServer]:
    with SimServer(manual_world(), token=ALPHA) as running:
        yield running


@pytest.fixture
def bravo() -> Iterator[SimServer]:
    with SimServer(bravo_world(), token=BRAVO) as running:
        yield running


def two_accounts(tmp_path: Path, alpha: SimServer, bravo: SimServer, *,
                 bravo_token: str = BRAVO) -> Path:
    return write_config(tmp_path, (
        f'[profiles.alpha]\ntoken = "{ALPHA}"\nbase_url = "{alpha.base_url}"\n\n'
        f'[profiles.bravo]\ntoken = "{bravo_token}"\nbase_url = "{bravo.base_url}"\n'
    ).encode())


def tokens_seen(server: SimServer) -> set[str | None]:
    return {entry.authorization for entry in list(server.log)}


@pytest.mark.parametrize(("args", "env", "chosen", "other"), [
    (["--profile", "bravo"], {}, "bravo", "alpha"),
    ([], {"LOBSTR_PROFILE": "alpha"}, "alpha", "bravo"),
])
def test_the_chosen_profile_talks_to_its_own_account(
        tmp_path: Path, alpha: SimServer, bravo: SimServer, args: list[str],
        env: dict[str, str], chosen: str, other: str) -> None:
    two_accounts(tmp_path, alpha, bravo)
    servers = {"alpha": (alpha, ALPHA), "bravo": (bravo, BRAVO)}
    # The squid list's first squid of each account: its name shows once squids are read.
    seen = "Bravo Google Maps" if chosen == "bravo" else "Google Maps FR"
    code, output = run_on_terminal([str(LOBSTR_TUI), *args], env, tmp_path,
                                   type_when=(seen, b"q"))
    assert code == 0, output[-600:]
    assert after_the_app(output) == []
    used, unused = servers[chosen], servers[other]
    assert len(used[0].log) > 0
    assert tokens_seen(used[0]) == {f"Token {used[1]}"}
    assert len(unused[0].log) == 0, "the other account was never asked"
    assert f"profile {chosen}" in output, "the header names the profile"
    for secret in (ALPHA, BRAVO):
        assert secret not in output


def test_a_profile_token_rejected_says_which_profile(tmp_path: Path, alpha: SimServer,
                                                    bravo: SimServer) -> None:
    path = two_accounts(tmp_path, alpha, bravo, bravo_token=HOME)
    code, output = run_on_terminal([str(LOBSTR_TUI), "--profile", "bravo"], {}, tmp_path)
    assert code == 2, output[-600:]
    lines = after_the_app(output)
    assert len(lines) == 1, lines
    assert f"rejected the token from {path} [profiles.bravo]" in lines[0]
    assert f"put a valid one under [profiles.bravo] in {path}" in lines[0]
    assert_no_token_in(output)


# -- in the app: p switches ------------------------------------------------------------


def header(app: object) -> str:
    return str(app.main.query_one(TopBar).render())  # type: ignore[attr-defined]


async def test_p_switches_to_the_other_account(alpha: SimServer, bravo: SimServer) -> None:
    app = make_profiles_app({"alpha": (alpha, ALPHA), "bravo": (bravo, BRAVO)}, "alpha")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded
                       and app.snapshot.selected_run is not None, what="alpha's squids")
        assert "profile alpha" in header(app)
        assert not any(s.name.startswith("Bravo") for s in app.snapshot.squids)
        old = app.scheduler
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="picker")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.profile_switcher.current == "bravo", what="switched")
        await wait_for(pilot, lambda: app.snapshot.squids_loaded
                       and app.snapshot.selected_run is not None, what="bravo's runs")
        assert app.scheduler is not old
        assert all(s.name.startswith("Bravo ") for s in app.snapshot.squids)
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == len(app.snapshot.squids)
                       and "Bravo" in str(options.get_option_at_index(0).prompt),
                       what="the squid list shows bravo's squids")
        assert app.snapshot.selected_squid_id in {s.id for s in bravo.world.squids.values()}
        assert "profile bravo" in header(app)
        log = app.query_one(EventLog)
        log.flush()
        assert any("switched to profile bravo" in text for text in log.texts)
        # The old account's polling stopped: nothing more reaches alpha.
        await wait_for(pilot, lambda: not app.profile_switcher.closing, what="alpha closed")
        asked_alpha, asked_bravo = len(alpha.log), len(bravo.log)
        await wait_for(pilot, lambda: len(bravo.log) >= asked_bravo + 20,
                       what="bravo polled on")
        assert len(alpha.log) == asked_alpha
        assert tokens_seen(bravo) == {f"Token {BRAVO}"}
        assert tokens_seen(alpha) == {f"Token {ALPHA}"}


async def test_the_picker_cancels_and_lists_what_cannot_open(alpha: SimServer,
                                                              bravo: SimServer) -> None:
    app = make_profiles_app({"alpha": (alpha, ALPHA), "bravo": (bravo, BRAVO)}, "alpha",
                            unusable={"ci": "profile ci: token_env names CI, which is not set"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Profile" in titles
        rows = app_key_rows(app)
        assert any(row.keys == "p" and "profile" in row.what for row in rows)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), what="picker")
        options = app.screen.query_one("#profile-options")
        assert options.get_option("ci").disabled  # type: ignore[attr-defined]
        assert "token_env names CI" in str(options.get_option("ci").prompt)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProfileScreen), what="closed")
        assert app.profile_switcher.current == "alpha" and len(bravo.log) == 0


async def test_p_with_one_profile_says_how_to_add_one(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
        assert "profile" not in header(app), "one profile: the header is as before"
        assert not any(row.keys == "p" for row in app_key_rows(app))
        await pilot.press("p")
        await wait_for(pilot, lambda: any(ONLY_ONE in str(n.message)
                                          for n in app._notifications), what="the toast")
        assert any(str(n.message) == "only one profile: add [profiles.NAME] to config.toml"
                   for n in app._notifications)
        assert not isinstance(app.screen, ProfileScreen)


# -- --all-profiles: one board, one alert stream -------------------------------------------


def board_rows(app: object) -> list[dict[str, str]]:
    table = app.screen.query_one(BoardTable)  # type: ignore[attr-defined]
    return [dict(zip(table.column_keys, (c.plain for c in table.get_row_at(i)), strict=True))
            for i in range(table.row_count)]


async def test_all_profiles_board_and_alerts_name_the_profile(
        alpha: SimServer, bravo: SimServer) -> None:
    app = make_profiles_app({"alpha": (alpha, ALPHA), "bravo": (bravo, BRAVO)}, "alpha",
                            together=True)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        running = app.profile_switcher.running
        assert set(running) == {"alpha", "bravo"}
        assert running["alpha"].budget is not running["bravo"].budget, "a budget each"
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="board")
        await wait_for(pilot, lambda: {r.get("profile") for r in board_rows(app)}
                       == {"alpha", "bravo"}, limit=15, what="rows of both profiles")
        rows = board_rows(app)
        assert app.screen.query_one(BoardTable).column_keys[0] == "profile"
        assert all(r["squid"].startswith("Bravo ") == (r["profile"] == "bravo") for r in rows)
        assert tokens_seen(bravo) == {f"Token {BRAVO}"}
        # A pause on the account not shown is an alert naming its profile.
        world = bravo.world
        run = next(r for r in world.runs.values() if r.status == "running")
        await wait_for(pilot, lambda: any(row.run.id == run.id
                                          for row in running["bravo"].snapshot.board),
                       limit=15, what="bravo's running run followed")
        world.pause_run(run.id, "cookies_expired", "session expired")
        await wait_for(pilot, lambda: "run.paused" in app.alert_delivery.delivered,
                       limit=15, what="the pause alert")
        toasts = [str(n.message) for n in app._notifications]
        assert any(t.startswith("bravo: ") and "cookies_expired" in t for t in toasts), toasts
        log = app.query_one(EventLog)
        log.flush()
        assert any("bravo: " in t and "cookies_expired" in t for t in log.texts)
        # Enter on a bravo row: the main screen shows bravo, on that squid and run.
        table = app.screen.query_one(BoardTable)
        table.move_cursor(row=next(i for i, r in enumerate(board_rows(app))
                                   if r["profile"] == "bravo"))
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        assert key.startswith("bravo/"), "rows of two accounts are keyed by profile too"
        target = next(row for row in running["bravo"].snapshot.board
                      if row.run.id == key.removeprefix("bravo/"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.profile_switcher.current == "bravo"
                       and app.snapshot.selected_squid_id == target.squid_id
                       and app.snapshot.selected_run_id == target.run.id,
                       what="bravo's squid and run shown")
        assert not isinstance(app.screen, BoardScreen)
        assert "profile bravo" in header(app)


# -- pieces ------------------------------------------------------------------------------


def test_the_header_names_the_profile_only_when_it_is_named() -> None:
    plain = Snapshot(taken_at=FROZEN_START)
    assert [text for _, text in top_bar_parts(plain)] == ["lobstr"]
    named = Snapshot(taken_at=FROZEN_START, profile="work")
    assert [text for _, text in top_bar_parts(named)] == ["lobstr", "profile work"]


def test_merged_board_names_each_row_and_note() -> None:
    from types import MappingProxyType

    from lobstr_tui.api import Run
    from lobstr_tui.monitor.model.baseline import Flag, FlagKind
    from lobstr_tui.monitor.model.board import BoardRow

    def row(run_id: str, name: str, eta: float) -> BoardRow:
        run = Run.from_api({"id": run_id, "status": "running", "squid": "s" + run_id})
        return BoardRow(squid_id="s" + run_id, squid_name=name, run=run, stats=None,
                        read_at=FROZEN_START, results_per_minute=None, rate_history=(),
                        credits_used=None, eta_seconds=eta, needs_person=False)

    work = Snapshot(taken_at=FROZEN_START, profile="work", board=(row("1", "A", 60.0),),
                    budget_note="slow: 10 active runs", board_since=FROZEN_START)
    slow = Flag(FlagKind.SLOW, 2.4, 300.0, 18)
    home = Snapshot(taken_at=FROZEN_START, profile="home", board=(row("2", "B", 30.0),),
                    board_since=FROZEN_START - timedelta(minutes=5),
                    anomalies=MappingProxyType({"2": (slow,)}))
    merged = merged_board(work, [work, home])
    assert dict(merged.anomalies) == {"2": (slow,)}, "another account's run's flags too"
    assert [(r.profile, r.run.id) for r in merged.board] == [("home", "2"), ("work", "1")]
    assert merged.budget_note == "work: slow: 10 active runs"
    assert merged.board_since == FROZEN_START - timedelta(minutes=5)
    assert merged.profile == "work" and work.board[0].profile is None


def test_alerts_name_their_profile_in_text_and_payload() -> None:
    from lobstr_tui.monitor import Event, EventKind, Level
    from lobstr_tui.ui.services.profiles import named

    alert = Event(FROZEN_START, EventKind.STATUS, "run 3f2a1b running → paused", Level.WARNING,
                  alert="run.paused", payload={"event": "run.paused"})
    line = Event(FROZEN_START, EventKind.PROGRESS, "run 3f2a1b 50%")
    shown = named(Snapshot(taken_at=FROZEN_START, profile="home"), [alert, line])
    assert shown[0].text == "home: run 3f2a1b running → paused"
    assert shown[0].payload == {"event": "run.paused", "profile": "home"}
    assert shown[1] is line, "only alerts are named"
    assert named(Snapshot(taken_at=FROZEN_START), [alert]) == [alert]
    assert alert.payload == {"event": "run.paused"}, "the event itself is unchanged"
