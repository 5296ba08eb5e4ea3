"""``lobstr-tui wait`` and ``status`` as installed commands, against a simulator in this
process: piped (plain lines, no escape bytes, no carriage return), in a pty (one line
redrawn in place), JSON lines, usage mistakes, the exit statuses a script sees."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world
from tests.wait_support import shop_squid

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")
LIMIT = 60.0


@pytest.fixture
def world() -> World:
    """One squid and one run in progress, on a clock the test moves."""
    built = manual_world("empty")
    built.start_run(shop_squid(built).id)
    built.clock.advance(15)
    return built


def run_id(world: World) -> str:
    return next(iter(world.runs))


def environment(server: SimServer | None, tmp_path: Path, *,
                base: str | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("LOBSTR_TOKEN", "LOBSTR_API_BASE", "LOBSTR_PROFILE")}
    return {**clean, "LOBSTR_TOKEN": TOKEN, "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "LOBSTR_API_BASE": base or (server.base_url if server else "")}


def lobstr(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LOBSTR_TUI), *args], env=env, capture_output=True, text=True,
                          timeout=LIMIT, stdin=subprocess.DEVNULL, check=False)


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + LIMIT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def reads_of(server: SimServer, run: str) -> int:
    return sum(1 for entry in list(server.log) if entry.path == f"runs/{run}")


def finish(world: World, run: str) -> None:
    world.finish_run(run)
    world.clock.advance(30)


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_piped_plain_lines_and_exit_0(server: SimServer, world: World,
                                      tmp_path: Path) -> None:
    run = run_id(world)
    process = subprocess.Popen([str(LOBSTR_TUI), "wait", run, "--poll", "2"],
                               env=environment(server, tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    wait_until(lambda: reads_of(server, run) >= 2, "two reads of the run")
    finish(world, run)
    out, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 0, err
    assert b"\x1b" not in out + err and b"\r" not in out + err
    lines = out.decode().splitlines()
    assert lines[0].startswith(f"run {run[:6]} running")
    assert lines[-1].startswith(f"run {run[:6]} done: tasks_done")


def test_json_lines_parse_one_by_one(server: SimServer, world: World,
                                     tmp_path: Path) -> None:
    run = run_id(world)
    process = subprocess.Popen([str(LOBSTR_TUI), "wait", run[:8], "--json", "--poll", "2"],
                               env=environment(server, tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    wait_until(lambda: reads_of(server, run) >= 2, "two reads of the run")
    world.fail_run(run, "the crawler \x1b[31mcrashed\x1b[0m")
    out, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 1, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events][-2:] == ["run.error", "run.end"]
    assert events[0]["event"] in ("run.running", "run.progress")
    assert events[-1]["exit_status"] == 1 and events[-1]["verdict"] == "failed"
    assert "\x1b" not in out


def test_a_terminal_gets_one_line_redrawn_in_place(server: SimServer, world: World,
                                                   tmp_path: Path) -> None:
    run = run_id(world)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = environment(server, tmp_path) | {"TERM": "xterm-256color"}
    process = subprocess.Popen([str(LOBSTR_TUI), "wait", run, "--poll", "2"], env=env,
                               stdout=slave, stderr=slave, stdin=slave, close_fds=True)
    os.close(slave)
    seen = bytearray()

    def read_some() -> None:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            with contextlib.suppress(OSError):  # the child closed the terminal
                seen.extend(os.read(master, 65536))

    def redrawn() -> bool:
        read_some()
        return seen.count(b"\r\x1b[2K") >= 3

    try:
        wait_until(redrawn, "the line redrawn")
        finish(world, run)
        deadline = time.monotonic() + LIMIT
        while process.poll() is None and time.monotonic() < deadline:
            read_some()
        read_some()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=LIMIT)
        os.close(master)
    assert process.returncode == 0
    text = seen.decode(errors="replace")
    assert "read " in text and " ago" in text
    last = text.rsplit("\r\x1b[2K", 1)[-1]
    assert last.startswith(f"run {run[:6]} done")
    redraws = [part.removesuffix("\r") for part in text.split("\x1b[2K") if "\n" not in part]
    assert redraws and all(len(part) < 80 for part in redraws)  # never wraps at 80


def test_interrupted_says_the_run_keeps_going(server: SimServer, world: World,
                                              tmp_path: Path) -> None:
    run = run_id(world)
    process = subprocess.Popen([str(LOBSTR_TUI), "wait", run, "--poll", "2"],
                               env=environment(server, tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    wait_until(lambda: reads_of(server, run) >= 2, "two reads of the run")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 130
    assert f"run {run[:6]} is still running on lobstr.io (it keeps going)" in out
    assert "Traceback" not in out + err


def test_an_ended_run_is_answered_at_once(server: SimServer, world: World,
                                          tmp_path: Path) -> None:
    run = run_id(world)
    finish(world, run)
    done = lobstr(["wait", run, "--json"], environment(server, tmp_path))
    assert done.returncode == 0
    assert json.loads(done.stdout.splitlines()[-1])["verdict"] == "ok"
    assert reads_of(server, run) == 1


def test_download_prints_the_path_last(server: SimServer, world: World,
                                       tmp_path: Path) -> None:
    run = run_id(world)
    finish(world, run)
    done = lobstr(["wait", run, "--download", str(tmp_path), "--quiet"],
               environment(server, tmp_path))
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.strip())
    assert saved.parent == tmp_path
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,") and len(rows) == 1 + world.runs[run].total_results
    again = lobstr(["wait", run, "--download", str(tmp_path), "--quiet"],
                environment(server, tmp_path))
    assert again.returncode == 7
    assert again.stdout == "" and "already exists" in again.stderr


def test_timeout_exits_3(server: SimServer, world: World, tmp_path: Path) -> None:
    done = lobstr(["wait", run_id(world), "--timeout", "3s", "--poll", "2"],
               environment(server, tmp_path))
    assert done.returncode == 3
    assert "timed out after 3s" in done.stdout and "keeps going" in done.stdout


def test_a_refused_token_exits_4(server: SimServer, world: World, tmp_path: Path) -> None:
    env = environment(server, tmp_path) | {"LOBSTR_TOKEN": "tok_wrong_and_secret_42"}
    done = lobstr(["wait", run_id(world)], env)
    assert done.returncode == 4
    assert "refused the token" in done.stderr
    assert "tok_wrong_and_secret_42" not in done.stdout + done.stderr
    status = lobstr(["status"], env)
    assert status.returncode == 4


def test_unreachable_past_the_allowance_exits_5(tmp_path: Path, closed_port: int) -> None:
    env = environment(None, tmp_path, base=f"http://127.0.0.1:{closed_port}/v1/")
    done = lobstr(["wait", "0123456789abcdef", "--give-up-after", "3s", "--json"], env)
    assert done.returncode == 5
    end = json.loads(done.stdout.splitlines()[-1])
    assert end["verdict"] == "unreachable" and end["run"] is None
    assert "could not be reached" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "said"), [
    ([], "give a RUN_ID or --squid"),
    (["abc123", "--squid", "x"], "give a RUN_ID or --squid"),
    (["abc123", "--launch"], "--launch needs --squid"),
    (["abc123", "--timeout", "soon"], "not a duration"),
    (["abc123", "--json", "--quiet"], "do not go together"),
    (["abc123", "--download", "/no/such/folder"], "no such folder"),
    (["abc"], "at least 6"),
])
def test_usage_mistakes_exit_2(server: SimServer, tmp_path: Path, args: list[str],
                               said: str) -> None:
    done = lobstr(["wait", *args], environment(server, tmp_path))
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr


def test_status_table_and_json(server: SimServer, world: World, tmp_path: Path) -> None:
    env = environment(server, tmp_path)
    quiet = lobstr(["status"], env)
    assert quiet.returncode == 0
    assert "Shop reviews" in quiet.stdout and "running" in quiet.stdout
    assert "\x1b" not in quiet.stdout
    world.pause_run(run_id(world), "cookies_expired")
    paused = lobstr(["status", "--json"], env)
    assert paused.returncode == 1
    report = json.loads(paused.stdout)
    assert report["needs_attention"] == 1
    assert report["runs"][0]["run"]["status"] == "paused"
    assert report["runs"][0]["run"]["done_reason"] == "cookies_expired"


def test_help_names_the_subcommands(tmp_path: Path) -> None:
    done = lobstr(["--help"], environment(None, tmp_path))
    assert done.returncode == 0
    said = " ".join(done.stdout.split()).replace("- ", "-")
    assert "lobstr-tui wait --help" in said and "lobstr-tui status --help" in said
    wait_help = lobstr(["wait", "--help"], environment(None, tmp_path))
    assert "130 interrupted" in " ".join(wait_help.stdout.split())


def test_sigterm_is_an_interruption_too(server: SimServer, world: World,
                                        tmp_path: Path) -> None:
    run = run_id(world)
    process = subprocess.Popen([str(LOBSTR_TUI), "wait", run, "--poll", "2", "--json"],
                               env=environment(server, tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    wait_until(lambda: reads_of(server, run) >= 2, "two reads of the run")
    process.terminate()
    out, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 130, err
    end = json.loads(out.splitlines()[-1])
    assert end["verdict"] == "interrupted" and "keeps going" in end["message"]
