"""Start-up of the `lobstr-tui` command: every way it can refuse to start ends with one
line on stderr and exit status 2, never a traceback and never a character of the token;
a token rejected by the API before anything was fetched ends the app the same way."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from lobstr_tui.config import ConfigError, resolve_settings
from lobstr_tui.sim import SimServer
from tests.conftest import TOKEN

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")
SECRET = "tok_secret_do_not_print_91"
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def clean_env(env: dict[str, str], home: Path) -> dict[str, str]:
    """The test's environment without the user's token, URL or config, plus ``env``."""
    kept = {k: v for k, v in os.environ.items()
            if k not in ("LOBSTR_TOKEN", "LOBSTR_API_BASE", "XDG_CONFIG_HOME",
                         "XDG_STATE_HOME")}
    return {**kept, "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"), **env}


def run(args: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    """The installed command without a terminal (every case here stops before the UI)."""
    return subprocess.run([str(LOBSTR_TUI), *args], env=clean_env(env, home),
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, check=False)


def run_on_terminal(command: list[str], env: dict[str, str], home: Path,
                    limit: float = 60.0, *, type_when: tuple[str, bytes] | None = None,
                    ) -> tuple[int, str]:
    """Run ``command`` on a pseudo-terminal of 100x30 until it exits; its exit status
    and everything it wrote (Textual draws on stderr, so both go to the terminal).
    ``type_when=(text, keys)`` types ``keys`` once ``text`` has been written."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                               env={**clean_env(env, home), "TERM": "xterm-256color"},
                               start_new_session=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"still running after {limit}s: "
                                     f"{b''.join(chunks)[-400:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal, the program is gone
                break
            if not data:
                break
            chunks.append(data)
            if type_when is not None and type_when[0].encode() in b"".join(chunks):
                os.write(master, type_when[1])
                type_when = None
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def after_the_app(output: str) -> list[str]:
    """The non-empty lines written after the app gave the terminal back."""
    tail = output.rsplit("\x1b[?1049l", 1)[-1]
    return [line for line in ANSI.sub("", tail).replace("\r", "").split("\n") if line.strip()]


def assert_one_line_exit_2(done: subprocess.CompletedProcess[str], fragment: str,
                           *, secret: str = SECRET) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("lobstr-tui: error: ") and fragment in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert secret not in done.stderr + done.stdout
    assert done.stdout == "", "the terminal was never taken over"


def write_config(home: Path, content: bytes) -> Path:
    path = home / "config" / "lobstr" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    path.chmod(0o600)
    return path


# -- the config file -----------------------------------------------------------------


def test_config_file_not_utf8_names_the_line_never_the_byte(tmp_path: Path) -> None:
    token = "tok_\xe9t\xe9_91"
    path = write_config(tmp_path, b'[auth]\ntoken = "' + token.encode("latin-1") + b'"\n')
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, f"{path} is not UTF-8 text (line 2)", secret="\xe9")
    assert "0xe9" not in done.stderr and "\\xe9" not in done.stderr


def test_config_file_invalid_toml_never_quotes_the_token(tmp_path: Path) -> None:
    path = write_config(tmp_path, b'[auth]\ntoken = "tok\x01Zq"\n')
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, f"{path} is not valid TOML (Illegal character")
    assert "line 2, column" in done.stderr
    for shown in ("\\x01", "\x01", "Zq"):
        assert shown not in done.stderr


def test_config_file_that_is_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "config" / "lobstr" / "config.toml"
    path.mkdir(parents=True)
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, f"cannot read {path}: it is a directory")


def test_config_file_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process: as root (CI containers) chmod 000 does not stop a read.
    path = write_config(tmp_path, b'[auth]\ntoken = "x"\n')

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError) as caught:
        resolve_settings({"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert str(caught.value) == f"cannot read {path}: Permission denied"


# -- the token -----------------------------------------------------------------------


@pytest.mark.parametrize(("token", "kind"), [
    ("tok_\u00e9t\u00e9_secret", "a non-ASCII character"),
    ("tok_\u200bsecret", "a non-ASCII character"),
    ("tok_se\ncret", "a line break"),
    ("tok_se\x01cret", "a control character"),
    ("tok_se\x7fcret", "a control character"),
])
def test_token_that_cannot_go_in_a_header_from_the_environment(
        tmp_path: Path, token: str, kind: str) -> None:
    done = run([], {"LOBSTR_TOKEN": token}, tmp_path)
    assert_one_line_exit_2(done, f"the token in LOBSTR_TOKEN contains {kind}, which "
                                 "cannot be sent in an HTTP header")
    odd = [char for char in token if not "\x20" < char < "\x7f"]
    assert odd and not any(char in done.stderr for char in odd if char != "\n")
    assert "tok_" not in done.stderr and "cret" not in done.stderr


def test_token_that_cannot_go_in_a_header_from_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[auth]\ntoken = "tok_\u00fcber_secret"\n'.encode())
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, f"the token in {path} contains a non-ASCII character")
    assert "\u00fc" not in done.stderr and "secret" not in done.stderr.replace(str(path), "")


@pytest.mark.parametrize("blank", [" ", "   ", "\t", " \n "])
def test_blank_token_in_the_environment_is_said_blank(tmp_path: Path, blank: str) -> None:
    """Issue 21: a LOBSTR_TOKEN of spaces was 'no token for the default profile; choose
    a profile with --profile NAME (known: default)', the very profile without one."""
    done = run([], {"LOBSTR_TOKEN": blank}, tmp_path)
    assert_one_line_exit_2(done, "LOBSTR_TOKEN is set but blank (white space only): "
                                 "export LOBSTR_TOKEN=...")
    assert "--profile" not in done.stderr and "known: default" not in done.stderr


def test_blank_token_in_the_environment_beside_a_token_in_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, f'[auth]\ntoken = "{SECRET}"\n[profiles.work]\n'
                                  f'token = "{SECRET}2"\n'.encode())
    done = run([], {"LOBSTR_TOKEN": "  "}, tmp_path)
    assert_one_line_exit_2(done, "LOBSTR_TOKEN is set but blank")
    assert f"or unset it to use [auth] token in {path}" in done.stderr
    assert "--profile default" not in done.stderr


def test_blank_token_in_the_config_file_is_said_blank(tmp_path: Path) -> None:
    path = write_config(tmp_path, b'[auth]\ntoken = "   "\n')
    done = run([], {}, tmp_path)
    assert_one_line_exit_2(done, f"[auth] token in {path} is blank (white space only)")
    assert "--profile" not in done.stderr


# -- --poll ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "fragment"), [
    ("nan", "must be a finite number"),
    ("inf", "must be a finite number"),
    ("-1", "must be at least 2"),
    ("1.99", "must be at least 2"),
    ("abc", "not a number: 'abc'"),
    ("1e308", "must be at most 3600"),
])
def test_poll_must_be_a_finite_number_of_seconds_at_least_2(
        tmp_path: Path, value: str, fragment: str) -> None:
    done = run([f"--poll={value}"], {"LOBSTR_TOKEN": SECRET}, tmp_path)
    assert_one_line_exit_2(done, f"argument --poll: {fragment}")


# -- the base URL --------------------------------------------------------------------


@pytest.mark.parametrize(("url", "fragment"), [
    ("http://127.0.0.1:99999/v1/", "has a bad port (the port must be 1-65535)"),
    ("http://127.0.0.1:0/v1/", "has a bad port"),
    ("http://127.0.0.1:http/v1/", "has a bad port"),
    ("ftp://x", "must be an http(s) URL"),
    ("http://[::1/v1/", "has a bad host"),
    ("http://:8750/v1/", "has no host"),
    ("http://exa mple.test/v1/", "contains spaces or control characters"),
])
def test_bad_base_url_from_the_environment(tmp_path: Path, url: str, fragment: str) -> None:
    done = run([], {"LOBSTR_TOKEN": SECRET, "LOBSTR_API_BASE": url}, tmp_path)
    assert_one_line_exit_2(done, f"LOBSTR_API_BASE: the API base URL {fragment}")
    assert repr(url) in done.stderr


def test_bad_port_from_the_option_names_the_option(tmp_path: Path) -> None:
    done = run(["--base-url", "http://127.0.0.1:70000/"], {"LOBSTR_TOKEN": SECRET}, tmp_path)
    assert_one_line_exit_2(done, "--base-url: the API base URL has a bad port")


# -- the first answer ------------------------------------------------------------------


def test_token_rejected_on_the_first_request_exits_2_with_how_to_fix(
        tmp_path: Path, server: SimServer) -> None:
    code, output = run_on_terminal(
        [str(LOBSTR_TUI)], {"LOBSTR_TOKEN": SECRET, "LOBSTR_API_BASE": server.base_url},
        tmp_path)
    assert code == 2, output[-600:]
    lines = after_the_app(output)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"lobstr-tui: error: {server.base_url} rejected the token "
                               "from LOBSTR_TOKEN")
    assert "export LOBSTR_TOKEN=" in lines[0]
    assert SECRET not in output and "Traceback" not in output
    assert server.token == TOKEN and SECRET != TOKEN


def test_token_from_the_file_rejected_says_which_file(tmp_path: Path,
                                                       server: SimServer) -> None:
    path = write_config(tmp_path, f'[auth]\ntoken = "{SECRET}"\n'.encode())
    code, output = run_on_terminal([str(LOBSTR_TUI)], {"LOBSTR_API_BASE": server.base_url},
                                   tmp_path)
    assert code == 2, output[-600:]
    lines = after_the_app(output)
    assert len(lines) == 1, lines
    assert f"rejected the token from {path}" in lines[0]
    assert f"under [auth] token in {path}" in lines[0]
    assert SECRET not in output


def test_a_good_token_runs_until_q_and_exits_0(tmp_path: Path, server: SimServer) -> None:
    code, output = run_on_terminal(
        [str(LOBSTR_TUI)], {"LOBSTR_TOKEN": TOKEN, "LOBSTR_API_BASE": server.base_url},
        tmp_path, type_when=("Google Maps FR", b"q"))
    assert code == 0, output[-600:]
    assert after_the_app(output) == []
    assert not (tmp_path / "state").exists(), "no crash report"


def test_quitting_before_the_api_was_ever_reached_exits_5(tmp_path: Path) -> None:
    """Issue 21: an unreachable base URL opened an empty cockpit that retried for ever
    and exited 0 when quit. The banner says it; quitting says it once more and exits 5."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/"
    # The port is closed again: nothing listens there.
    code, output = run_on_terminal([str(LOBSTR_TUI)],
                                   {"LOBSTR_TOKEN": SECRET, "LOBSTR_API_BASE": url},
                                   tmp_path, type_when=("Cannot reach", b"q"))
    assert code == 5, output[-600:]
    lines = after_the_app(output)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"lobstr-tui: error: {url} was never reached (could not "
                               "connect to 127.0.0.1:"), lines[0]
    assert "check the network, the URL" in lines[0] and "proxy" in lines[0]
    assert SECRET not in output and "Traceback" not in output
