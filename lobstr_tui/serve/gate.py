"""Who may open the served cockpit: the Host, the Origin, the secret, the session.

Binding to loopback does not keep a web page out: browsers let any site open a websocket
to ``ws://127.0.0.1:8000`` (no same-origin policy for websockets), a sandboxed frame
sends ``Origin: null``, and a rebound DNS name reaches the server with its own Host. So
every request to the served cockpit passes this gate, in this order:

1. **Host**: only the names this serve answers to (loopback with the port, the ``--host``
   address, the host of ``--serve-public-url``). Anything else is a rebinding attempt.
2. **Origin**: when a browser sends one, it must be the page's own origin (an allowed
   host with the right scheme and port, or the public URL's). ``null`` and foreign
   origins are refused before anything else happens, a viewer process least of all.
3. **The secret**: a token made for this launch (printed once, in the URL to open) or
   the password of ``--serve-password-file`` (HTTP Basic). Either is traded for a
   session cookie (``HttpOnly``, ``SameSite=Strict``) that the page, its websocket and
   its downloads carry. A program without an Origin needs the secret like anyone else.
4. **Slowing**: an address that keeps giving a wrong password waits, longer each time.

Nothing here imports a web framework: :class:`Knock` is what the server read off a
request, :class:`Verdict` what it should answer. Refusals are counted by reason and
described for the log with the address and reason only, never a secret or a query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SESSION_COOKIE = "lobstr_tui_session"
TOKEN_PARAM = "token"
MAX_SESSIONS = 1_000
"""Sessions kept at most (the oldest are forgotten): a bound for a serve left open."""
FREE_FAILURES = 5
"""Wrong passwords an address may give before it is slowed."""
FIRST_WAIT = 2.0
MAX_WAIT = 60.0
FAILURE_MEMORY = 15 * 60.0
"""A failure older than this is forgotten."""
MAX_ADDRESSES = 10_000
"""Addresses remembered at most, for failures and for log lines (the oldest go)."""
LOG_LINES = 10
"""Log lines a minute at most for one address and reason."""
TOKEN_SESSION = "launch-token"
PASSWORD_SESSION = "password"
"""The session of a request that showed the secret itself instead of a cookie (a
program): every such request of one launch is one session."""


@dataclass(frozen=True, slots=True)
class Knock:
    """What the gate needs of one request."""

    remote: str
    host: str | None
    origin: str | None
    route: str
    """``index``, ``websocket``, ``download``, ``static`` or ``other``."""
    token: str | None = field(default=None, repr=False)
    cookie: str | None = field(default=None, repr=False)
    authorization: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Let the request through (``status`` 0), or answer it with a refusal."""

    status: int = 0
    reason: str = ""
    """For the log and the counts: short, fixed words (never anything the client sent)."""
    message: str = ""
    """The one-line body of a refusal."""
    session: str | None = field(default=None, repr=False)
    """The request's session when let through."""
    new_cookie: str | None = field(default=None, repr=False)
    """A session to give the browser as a cookie (the secret was just shown)."""
    trade_token: bool = False
    """The page was opened with the launch's token: answer with the cookie and a page
    that drops the token from the address bar."""
    retry_after: float = 0.0
    challenge: bool = False
    """Ask for HTTP Basic credentials (``WWW-Authenticate``)."""

    @property
    def allowed(self) -> bool:
        return self.status == 0


def host_form(host: str, port: int, scheme: str = "http") -> str:
    """``host:port`` as a Host header has it (IPv6 in brackets, lower case); the port is
    left out when it is the scheme's default, as browsers do."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        if ipaddress.ip_address(name).version == 6:
            name = f"[{name}]"
    except ValueError:
        pass
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def _own_names() -> set[str]:
    """This machine's name and addresses (for a serve on every interface)."""
    names: set[str] = set()
    try:
        hostname = socket.gethostname()
        names.add(hostname)
        for info in socket.getaddrinfo(hostname, None):
            names.add(str(info[4][0]))
    except OSError:
        pass
    return names


def printable(value: str | None, limit: int = 80) -> str:
    """A client's header made safe for one log line: printable ASCII, cut short."""
    if value is None:
        return "none"
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in value)
    return repr(cleaned[:limit] + ("..." if len(cleaned) > limit else ""))


class Gate:
    """Decides every request to the served cockpit (see the module's text)."""

    def __init__(self, *, host: str, port: int, public_url: str | None = None,
                 password: str | None = None, token: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 extra_names: Iterable[str] | None = None) -> None:
        self.port = port
        self.password = password
        self.token = None if password else (token or secrets.token_urlsafe(32))
        self.clock = clock
        self.secure = bool(public_url and public_url.lower().startswith("https:"))
        names = {"localhost", "127.0.0.1", "::1"}
        if is_wildcard(host):  # no browser names 0.0.0.0: this machine's names instead
            names |= set(_own_names() if extra_names is None else extra_names)
        else:
            names.add(host)
        hosts = {host_form(name, port) for name in names}
        origins = {f"http://{form}" for form in hosts}
        if public_url:
            parts = urlsplit(public_url)
            scheme = parts.scheme.lower()
            public = host_form(parts.hostname or "", parts.port or (
                443 if scheme == "https" else 80), scheme)
            hosts.add(public)
            # A reverse proxy may also pass its own idea of the Host: the public name
            # with the port it listens on, written out.
            hosts.add(host_form(parts.hostname or "", parts.port or port))
            origins.add(f"{scheme}://{public}")
        self.hosts = frozenset(hosts)
        self.origins = frozenset(origins)
        self.cookie_name = f"{SESSION_COOKIE}_{port}"
        """Named for the port: two serves on one machine keep their own cookies."""
        self._sessions: OrderedDict[bytes, str] = OrderedDict()
        """Sessions by the digest of their value: a cookie is found by its digest (the
        lookup's time tells nothing of the secret), not compared with each in turn."""
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._logged: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self.refusals: Counter[str] = Counter()

    # -- the decision -------------------------------------------------------------------

    def decide(self, knock: Knock) -> Verdict:
        """Whether ``knock`` may go on; a refusal is counted."""
        verdict = self._decide(knock)
        if not verdict.allowed:
            self.refusals[verdict.reason] += 1
        return verdict

    def _decide(self, knock: Knock) -> Verdict:
        if knock.host is None or knock.host.strip().lower() not in self.hosts:
            return Verdict(403, "foreign Host",
                           "lobstr-tui: this address is not served here (Host not allowed)")
        if knock.origin is not None:
            if knock.origin.strip().lower() == "null":
                return Verdict(403, "null Origin",
                               "lobstr-tui: refused: a page with no origin (null)")
            if knock.origin.strip().lower().rstrip("/") not in self.origins:
                return Verdict(403, "foreign Origin",
                               "lobstr-tui: refused: another site's page cannot open this")
        if self.password is None and knock.token is not None and knock.route == "index":
            return self._by_token(knock)  # traded even with a cookie: off the address bar
        session = self._session_of(knock.cookie)
        if session is not None:
            return Verdict(session=session)
        if self.password is None:
            return self._by_token(knock)
        return self._by_password(knock)

    def _by_token(self, knock: Knock) -> Verdict:
        assert self.token is not None
        if knock.token is None:
            return Verdict(403, "no secret",
                           "lobstr-tui: open the link lobstr-tui --serve printed "
                           "(it holds this launch's token)")
        if not same_secret(knock.token, self.token):
            return Verdict(403, "wrong token",
                           "lobstr-tui: wrong or old token: open the link this launch of "
                           "lobstr-tui --serve printed")
        if knock.route == "index":
            session = self._new_session()
            return Verdict(session=session, new_cookie=session, trade_token=True)
        return Verdict(session=TOKEN_SESSION)

    def _by_password(self, knock: Knock) -> Verdict:
        assert self.password is not None
        wait = self._wait(knock.remote)
        if wait > 0:
            return Verdict(429, "too many wrong passwords",
                           f"lobstr-tui: too many wrong passwords: try again in "
                           f"{wait:.0f} s", retry_after=wait)
        given = _basic_password(knock.authorization)
        if given is None:
            return Verdict(401, "no password", "lobstr-tui: password required",
                           challenge=True)
        if not same_secret(given, self.password):
            self._failed(knock.remote)
            return Verdict(401, "wrong password", "lobstr-tui: password required",
                           challenge=True)
        self._failures.pop(knock.remote, None)
        if knock.route != "index":
            return Verdict(session=PASSWORD_SESSION)
        session = self._new_session()
        return Verdict(session=session, new_cookie=session)

    # -- sessions -----------------------------------------------------------------------

    def _new_session(self) -> str:
        session = secrets.token_urlsafe(32)
        self._sessions[_digest(session)] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return session

    def _session_of(self, cookie: str | None) -> str | None:
        return self._sessions.get(_digest(cookie)) if cookie else None

    def cookie_header(self, session: str) -> str:
        """The ``Set-Cookie`` value for ``session``."""
        return (f"{self.cookie_name}={session}; Path=/; HttpOnly; SameSite=Strict"
                + ("; Secure" if self.secure else ""))

    # -- slowing ------------------------------------------------------------------------

    def _recent(self, remote: str) -> list[float]:
        now = self.clock()
        kept = [at for at in self._failures.get(remote, []) if now - at < FAILURE_MEMORY]
        if kept:
            self._failures[remote] = kept
        else:
            self._failures.pop(remote, None)
        return kept

    def _failed(self, remote: str) -> None:
        self._failures[remote] = [*self._recent(remote), self.clock()][-64:]
        self._failures.move_to_end(remote)
        while len(self._failures) > MAX_ADDRESSES:  # many addresses: the oldest go
            self._failures.popitem(last=False)

    def worth_logging(self, remote: str, reason: str) -> bool:
        """Whether a refusal gets its log line: at most :data:`LOG_LINES` a minute for
        one address and reason (a page looping on ``new WebSocket`` would flood the
        log); every refusal is counted all the same."""
        now = self.clock()
        key = (remote, reason)
        recent = [at for at in self._logged.get(key, []) if now - at < 60.0]
        if len(recent) >= LOG_LINES:
            return False
        self._logged[key] = [*recent, now]
        self._logged.move_to_end(key)
        while len(self._logged) > MAX_ADDRESSES:
            self._logged.popitem(last=False)
        return True

    def _wait(self, remote: str) -> float:
        """Seconds ``remote`` must still wait before its next password is looked at."""
        recent = self._recent(remote)
        beyond = len(recent) - FREE_FAILURES
        if beyond < 0:
            return 0.0
        pause = min(MAX_WAIT, FIRST_WAIT * 2.0 ** beyond)
        return max(0.0, recent[-1] + pause - self.clock())


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison (the time does not tell how much of it matched)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"),
                               expected.encode("utf-8", "replace"))


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "replace")).digest()


def _basic_password(header: str | None) -> str | None:
    """The password of an HTTP Basic ``Authorization`` header, else None."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, _, given = decoded.partition(":")
    return given
