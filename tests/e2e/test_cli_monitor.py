"""The `lobstr-tui` command's failures: clear one-line messages, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lobstr_tui import __version__
from lobstr_tui.cli import build_parser
from lobstr_tui.config import resolve_settings
from lobstr_tui.launch import alert_settings, run_monitor
from lobstr_tui.monitor import Snapshot
from lobstr_tui.notify import AlertSettings

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")
SECRET = "tok_secret_do_not_print_91"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("LOBSTR_TOKEN", "LOBSTR_API_BASE", "XDG_CONFIG_HOME")}
    return subprocess.run([str(LOBSTR_TUI), *args], env={**clean, **env}, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)


def test_missing_token_explains_how_to_set_one(tmp_path: Path) -> None:
    done = run([], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert "no API token found" in done.stderr and "LOBSTR_TOKEN" in done.stderr
    assert str(tmp_path / "lobstr" / "config.toml") in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "\x1b[?1049h" not in done.stdout, "the terminal was never taken over"


@pytest.mark.parametrize("url", ["ftp://example.test/v1/", "not a url", "http://"])
def test_bad_base_url(tmp_path: Path, url: str) -> None:
    done = run(["--base-url", url], {"LOBSTR_TOKEN": SECRET, "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "http(s) URL" in done.stderr
    assert SECRET not in done.stderr + done.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["--poll", "1"], "at least 2"),
    (["--poll", "soon"], "not a number"),
    (["--bogus"], "unrecognized arguments"),
    (["--theme", "neon-pink"], "unknown theme"),
    (["--budget", "5"], "argument --budget: must be at least 10"),
    (["--notify", "email"], "argument --notify: invalid choice: 'email'"),
    (["--credits-warn", "-1"], "argument --credits-warn: must be at least 0"),
    (["--serve-allow-actions"], "--serve-allow-actions only applies to --serve"),
    (["--serve", "--all-profiles"], "--all-profiles does not apply to --serve"),
])
def test_bad_arguments_one_line_exit_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    done = run(args, {"LOBSTR_TOKEN": SECRET, "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and fragment in done.stderr
    assert "Traceback" not in done.stderr


def test_malformed_config_file(tmp_path: Path) -> None:
    config = tmp_path / "lobstr" / "config.toml"
    config.parent.mkdir()
    config.write_text('[auth\ntoken = "x"\n')
    config.chmod(0o600)
    done = run([], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not valid TOML" in done.stderr


def test_version() -> None:
    done = run(["--version"], {})
    assert done.returncode == 0 and done.stdout.strip() == f"lobstr-tui {__version__}"


def test_token_from_config_file_and_env_precedence(tmp_path: Path) -> None:
    config = tmp_path / "lobstr" / "config.toml"
    config.parent.mkdir()
    config.write_text('[auth]\ntoken = "from-file"\n')
    config.chmod(0o600)
    from_file = resolve_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert from_file.token is not None and from_file.token.reveal() == "from-file"
    assert from_file.warnings == ()
    assert "from-file" not in repr(from_file)
    from_env = resolve_settings({"XDG_CONFIG_HOME": str(tmp_path), "LOBSTR_TOKEN": "env",
                                 "LOBSTR_API_BASE": "http://127.0.0.1:9/v1/"})
    assert from_env.token is not None and from_env.token.reveal() == "env" and from_env.base_url == "http://127.0.0.1:9/v1/"
    config.chmod(0o644)
    loose = resolve_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert len(loose.warnings) == 1 and "chmod 600" in loose.warnings[0]


# -- the board, the budget and the alerts ------------------------------------------------


@pytest.mark.parametrize(("args", "fragment"), [
    (["--budget", "9"], "argument --budget: must be at least 10"),
    (["--budget", "301"], "argument --budget: must be at most 300"),
    (["--budget", "30.5"], "argument --budget: not a whole number: '30.5'"),
    (["--credits-warn", "nan"], "argument --credits-warn: must be a finite number"),
    (["--credits-warn", "lots"], "argument --credits-warn: not a number: 'lots'"),
    (["--notify", "email"], "argument --notify: invalid choice: 'email' (choose from "),
    (["--notify"], "argument --notify: expected one argument"),
    (["--notify-cmd", "  "], "argument --notify-cmd: the command is empty"),
    (["--no-bell=yes"], "argument --no-bell: ignored explicit argument 'yes'"),
    (["--serve", "--serve-password-file", "/nonexistent/pw"],
     "argument --serve-password-file: cannot read '/nonexistent/pw'"),
    (["--serve", "--serve-max-viewers", "0"], "argument --serve-max-viewers: must be at least 1"),
    (["--serve", "--port", "70000"], "argument --port: must be between 0 and 65535"),
    (["--serve", "--serve-public-url", "cockpit.example.com"],
     "argument --serve-public-url: not an http(s) URL with a host: 'cockpit.example.com'"),
    (["--serve", "--serve-public-url", "https://x.example/?token=1"],
     "argument --serve-public-url: give the URL alone, without a query or a fragment"),
    (["--serve", "--serve-public-url", "https://x.example:port"],
     "argument --serve-public-url: not a port in 'https://x.example:port'"),
    (["--serve", "--serve-public-url", "https://me:hunter2@x.example"],
     "argument --serve-public-url: give the URL without credentials: 'https://***@x.example'"),
    (["--download-dir", "/nonexistent/dir"], "argument --download-dir: no such folder"),
])
def test_alert_and_budget_flags_refuse_bad_values_in_one_line(
        args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("lobstr-tui: error: ") and err.count("\n") == 1
    assert fragment in err, err


def test_alert_flags_default_to_toast_log_and_bell() -> None:
    args = build_parser().parse_args([])
    assert (args.board, args.budget, args.credits_warn) == (False, 30, None)
    assert alert_settings(args) == AlertSettings(bell=True, desktop=False, command=None,
                                                 credits_warn=None)


def test_alert_flags_reach_the_app_and_the_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    class RecordingApp:
        """Stands in for LobstrApp: records how it was built, runs at once."""

        return_code = 0
        snapshot = Snapshot(taken_at=datetime(2026, 1, 1, tzinfo=UTC))  # nothing failed

        def __init__(self, scheduler: object, **options: object) -> None:
            seen.update(options, scheduler=scheduler)

        def run(self) -> None:
            pass

    monkeypatch.setattr("lobstr_tui.ui.app.LobstrApp", RecordingApp)
    monkeypatch.setattr("lobstr_tui.launch.stderr_is_terminal", lambda: True)
    args = build_parser().parse_args([
        "--demo", "--board", "--budget", "60", "--credits-warn", "500", "--no-bell",
        "--notify", "desktop", "--notify-cmd", "cat > /dev/null"])
    assert run_monitor(args) == 0
    assert seen["alerts"] == AlertSettings(bell=False, desktop=True, command="cat > /dev/null",
                                           credits_warn=500.0)
    assert seen["start_board"] is True
    assert seen["scheduler"].policy.budget_per_minute == 60  # type: ignore[attr-defined]


def test_standard_error_redirected_says_where_the_screen_goes(tmp_path: Path) -> None:
    # Textual draws on standard error: redirected to a file, nothing could be seen.
    done = run(["--demo"], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert "standard error is not a terminal" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout
