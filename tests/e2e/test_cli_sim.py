"""The `lobstr-tui sim` command: arguments, and a real standalone server process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from lobstr_tui.cli import main

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")


@pytest.mark.parametrize("argv", [
    ["sim", "--port", "99999"], ["sim", "--speed", "0"], ["sim", "--scenario", "nope"],
    ["sim", "--faults", "runs:explode"], ["sim", "--bogus"], ["sim", "--quirks=yes"],
])
def test_bad_sim_arguments_exit_2_with_one_line(argv: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_standalone_sim_serves_and_prints_its_url() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(LOBSTR_TUI), "sim", "--port", str(port), "--seed", "1", "--speed", "10",
         "--scenario", "demo", "--token", "T0k", "--faults", "results:latency=0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == f"http://127.0.0.1:{port}/v1/"
        reply = httpx.get(line + "squids", headers={"Authorization": "Token T0k"}, timeout=5)
        assert reply.status_code == 200 and reply.json()["total_results"] == 12
        assert httpx.get(line + "squids", timeout=5).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in err and "T0k" not in err


def test_standalone_sim_with_quirks_sends_the_other_shapes() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(LOBSTR_TUI), "sim", "--port", str(port), "--seed", "3", "--quirks"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        shapes = set()
        with httpx.Client(base_url=base, headers={"Authorization": "Token demo"},
                          timeout=5) as http:
            for _ in range(40):  # me allows 60 a minute
                shapes.add("plan" in http.get("me").json())
                if len(shapes) == 2:
                    break
        assert shapes == {True, False}, "both documented shapes of me"
    finally:
        proc.send_signal(signal.SIGTERM)  # stops as cleanly as Ctrl+C
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "quirks" in err and "Traceback" not in err
