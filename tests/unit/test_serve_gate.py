"""The served cockpit's gate, decided without a server: the Host allowlist, the Origin
check, this launch's token traded for a session, the password and the slowing of an
address that keeps getting it wrong (on a fake clock), and the environment the viewers
inherit. The same refusals over real HTTP and websockets are in test_serve_security."""

from __future__ import annotations

import asyncio
import base64

import pytest

from lobstr_tui.api import Token
from lobstr_tui.serve import gate as gate_module
from lobstr_tui.serve.gate import (
    FIRST_WAIT,
    FREE_FAILURES,
    MAX_WAIT,
    PASSWORD_SESSION,
    TOKEN_SESSION,
    Gate,
    Knock,
    host_form,
    printable,
)
from lobstr_tui.serve.server import VIEWER_SESSION, SessionDownloads, scrub_environment


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def knock(host: str | None = "127.0.0.1:8000", **given: str | None) -> Knock:
    fields: dict[str, str | None] = {"origin": None, "route": "index"}
    fields.update(given)
    route = fields.pop("route") or "index"
    return Knock(remote="127.0.0.1", host=host, route=route, **fields)


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"me:{password}".encode()).decode()


def test_each_launch_has_its_own_token_of_at_least_128_bits() -> None:
    tokens = {Gate(host="127.0.0.1", port=8000).token for _ in range(20)}
    assert len(tokens) == 20
    for token in tokens:
        assert token is not None and len(token) * 6 >= 128  # url-safe base64: 6 bits each
    assert Gate(host="127.0.0.1", port=8000, password="pw").token is None


def test_host_allowlist_loopback_host_and_public_url() -> None:
    gate = Gate(host="127.0.0.1", port=8000, token="t")
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"):
        assert gate.decide(knock(host, token="t")).allowed, host
    for host in ("evil.example:8000", "127.0.0.1:8001", "localhost", "127.0.0.1", None,
                 "127.0.0.1.evil.example:8000", ""):
        verdict = gate.decide(knock(host, token="t"))
        assert (verdict.status, verdict.reason) == (403, "foreign Host"), host
    assert gate.refusals["foreign Host"] == 7

    lan = Gate(host="192.168.7.4", port=9000, token="t",
               public_url="https://cockpit.example.com")
    for host in ("192.168.7.4:9000", "cockpit.example.com", "localhost:9000",
                 "cockpit.example.com:9000"):
        assert lan.decide(knock(host, token="t")).allowed, host
    assert not lan.decide(knock("cockpit.example.com:8443", token="t")).allowed

    everywhere = Gate(host="0.0.0.0", port=8000, token="t", extra_names=["box", "10.1.2.3"])
    assert everywhere.decide(knock("box:8000", token="t")).allowed
    assert everywhere.decide(knock("10.1.2.3:8000", token="t")).allowed
    assert not everywhere.decide(knock("evil.example:8000", token="t")).allowed
    assert not everywhere.decide(knock("0.0.0.0:8000", token="t")).allowed
    assert host_form("::1", 8000) == "[::1]:8000"
    assert host_form("Example.COM", 443, "https") == "example.com"


def test_origin_must_be_the_pages_own() -> None:
    gate = Gate(host="127.0.0.1", port=8000, token="t",
                public_url="https://cockpit.example.com/lobstr")
    for origin in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000",
                   "https://cockpit.example.com"):
        assert gate.decide(knock(origin=origin, token="t", route="websocket")).allowed
    refused = {
        "http://evil.example": "foreign Origin",
        "http://evil.example:8000": "foreign Origin",
        "https://127.0.0.1:8000": "foreign Origin",  # the wrong scheme
        "http://127.0.0.1:9999": "foreign Origin",  # the wrong port
        "http://cockpit.example.com": "foreign Origin",
        "null": "null Origin",
        "": "foreign Origin",
    }
    for origin, reason in refused.items():
        verdict = gate.decide(knock(origin=origin, token="t", route="websocket"))
        assert (verdict.status, verdict.reason) == (403, reason), origin
    # Refused whatever else the request carries: the secret does not open a foreign page.
    session = gate.decide(knock(token="t")).new_cookie
    verdict = gate.decide(knock(origin="http://evil.example", cookie=session, route="websocket"))
    assert verdict.reason == "foreign Origin"


def test_the_token_is_traded_for_a_session_cookie() -> None:
    gate = Gate(host="127.0.0.1", port=8123, token="launch-secret")
    missing = gate.decide(knock("127.0.0.1:8123"))
    assert (missing.status, missing.reason) == (403, "no secret")
    assert "link" in missing.message and "launch-secret" not in missing.message
    wrong = gate.decide(knock("127.0.0.1:8123", token="launch-secreT"))
    assert (wrong.status, wrong.reason) == (403, "wrong token")
    traded = gate.decide(knock("127.0.0.1:8123", token="launch-secret"))
    assert traded.allowed and traded.trade_token and traded.new_cookie
    assert traded.new_cookie != "launch-secret"
    header = gate.cookie_header(traded.new_cookie)
    assert header.startswith(f"lobstr_tui_session_8123={traded.new_cookie};")
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Secure" not in header
    # The cookie alone opens the page, the websocket and the downloads of that session.
    for route in ("index", "websocket", "download", "static"):
        verdict = gate.decide(knock("127.0.0.1:8123", cookie=traded.new_cookie, route=route))
        assert verdict.allowed and verdict.session == traded.new_cookie
    assert not gate.decide(knock("127.0.0.1:8123", cookie="made-up", route="websocket")).allowed
    # A program shows the token itself: one session for all its requests.
    assert gate.decide(knock("127.0.0.1:8123", token="launch-secret", route="websocket")
                       ).session == TOKEN_SESSION
    assert gate.refusals == {"no secret": 2, "wrong token": 1}
    assert Gate(host="127.0.0.1", port=1, public_url="https://x.example").cookie_header(
        "s").endswith("; Secure")


def test_wrong_passwords_are_slowed_on_a_fake_clock() -> None:
    clock = Clock()
    gate = Gate(host="127.0.0.1", port=8000, password="open sesame", clock=clock)
    asked = gate.decide(knock())
    assert (asked.status, asked.reason, asked.challenge) == (401, "no password", True)
    for _ in range(FREE_FAILURES):
        wrong = gate.decide(knock(authorization=basic("guess")))
        assert (wrong.status, wrong.reason) == (401, "wrong password")
    # Then the address waits before its next password is even looked at (the right one
    # too), longer after each new failure.
    slowed = gate.decide(knock(authorization=basic("open sesame")))
    assert (slowed.status, slowed.reason) == (429, "too many wrong passwords")
    assert slowed.retry_after == pytest.approx(FIRST_WAIT)
    clock.t += FIRST_WAIT / 2
    assert gate.decide(knock(authorization=basic("open sesame"))).retry_after == \
        pytest.approx(FIRST_WAIT / 2)
    clock.t += FIRST_WAIT / 2
    assert gate.decide(knock(authorization=basic("guess"))).reason == "wrong password"
    again = gate.decide(knock(authorization=basic("guess")))
    assert again.retry_after == pytest.approx(FIRST_WAIT * 2)
    # The wait is capped, and another address is not slowed by this one.
    for _ in range(20):
        clock.t += MAX_WAIT
        gate.decide(knock(authorization=basic("guess")))
    capped = gate.decide(knock(authorization=basic("guess")))
    assert capped.status == 429 and capped.retry_after <= MAX_WAIT
    other = Knock(remote="10.0.0.9", host="127.0.0.1:8000", origin=None, route="index",
                  authorization=basic("open sesame"))
    assert gate.decide(other).allowed
    # After the wait the right password opens, gives a session and forgets the failures.
    clock.t += MAX_WAIT
    right = gate.decide(knock(authorization=basic("open sesame")))
    assert right.allowed and right.new_cookie
    assert gate.decide(knock(authorization=basic("guess"))).reason == "wrong password"
    assert gate.decide(knock(authorization=basic("open sesame"))).allowed
    # A program with the password and no cookie: one session for its requests.
    assert gate.decide(knock(authorization=basic("open sesame"), route="download")
                       ).session == PASSWORD_SESSION
    # A token in the address is no way in when a password is asked.
    assert gate.decide(knock(token="anything")).reason == "no password"


def test_failures_are_forgotten_after_a_quarter_of_an_hour() -> None:
    clock = Clock()
    gate = Gate(host="127.0.0.1", port=8000, password="pw", clock=clock)
    for _ in range(FREE_FAILURES + 1):
        gate.decide(knock(authorization=basic("nope")))
    assert gate.decide(knock(authorization=basic("pw"))).status == 429
    clock.t += 15 * 60 + 1
    assert gate.decide(knock(authorization=basic("pw"))).allowed


def test_many_addresses_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    monkeypatch.setattr(gate_module, "MAX_ADDRESSES", 3)
    gate = Gate(host="127.0.0.1", port=8000, password="pw", clock=Clock())
    for n in range(10):
        for _ in range(FREE_FAILURES):
            gate.decide(Knock(remote=f"10.0.0.{n}", host="127.0.0.1:8000", origin=None,
                              route="index", authorization=basic("nope")))
    # The last three addresses are slowed; the first ones were forgotten.
    def slowed(n: int) -> bool:
        return gate.decide(Knock(remote=f"10.0.0.{n}", host="127.0.0.1:8000", origin=None,
                                 route="index", authorization=basic("pw"))).status == 429
    assert [slowed(n) for n in (7, 8, 9)] == [True, True, True]
    assert not slowed(0)


def test_refusals_are_all_counted_but_logged_at_most_ten_a_minute() -> None:
    clock = Clock()
    gate = Gate(host="127.0.0.1", port=8000, token="t", clock=clock)
    logged = [gate.worth_logging("127.0.0.1", "foreign Origin") for _ in range(25)]
    assert logged == [True] * 10 + [False] * 15
    assert gate.worth_logging("127.0.0.1", "null Origin")  # another reason has its own
    assert gate.worth_logging("10.0.0.2", "foreign Origin")  # and another address
    clock.t += 61
    assert gate.worth_logging("127.0.0.1", "foreign Origin")


def test_log_text_of_a_client_header_is_one_safe_line() -> None:
    said = printable("http://evil.example\x1b[2J\n\u202eoops" + "x" * 200)
    assert "\x1b" not in said and "\n" not in said and "\u202e" not in said
    assert len(said) < 100 and said.endswith("...'")
    assert printable(None) == "none"


def test_the_viewers_environment_loses_every_variable_holding_the_token() -> None:
    secret = "abc123secret-0123456789"
    env = {"LOBSTR_TOKEN": secret, "MY_WORK_TOKEN": secret, "WRAPPED": f"Token {secret} ",
           "HOME": "/root", "LOBSTR_VIEWER_KEY": "k"}
    removed = scrub_environment(Token(secret), env)
    assert sorted(removed) == ["LOBSTR_TOKEN", "MY_WORK_TOKEN", "WRAPPED"]
    assert env == {"HOME": "/root", "LOBSTR_VIEWER_KEY": "k"}
    # A short token (the demo's) goes only where it is the whole value.
    env = {"DEMO_TOKEN": "demo", "PWD": "/home/demo", "LOBSTR_TOKEN": "demo"}
    assert sorted(scrub_environment(Token("demo"), env)) == ["DEMO_TOKEN", "LOBSTR_TOKEN"]
    assert env == {"PWD": "/home/demo"}


async def test_a_download_belongs_to_the_session_its_viewer_was_opened_by() -> None:
    downloads = SessionDownloads()

    async def offer(session: str, key: str) -> None:
        VIEWER_SESSION.set(session)  # as the websocket request sets it for its viewer
        await downloads.create_download(app_service=None, delivery_key=key,  # type: ignore[arg-type]
                                        file_name="runs.csv", open_method="download",
                                        mime_type="text/csv")

    await asyncio.gather(asyncio.create_task(offer("session-a", "k1")),
                         asyncio.create_task(offer("session-b", "k2")))
    assert downloads.owners == {"k1": "session-a", "k2": "session-b"}
    assert VIEWER_SESSION.get() is None  # each request's session stayed its own
