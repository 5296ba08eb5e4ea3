"""The first frame's reads, sent with the standard library as soon as the command knows
where to connect.

The squid list, the user and the balance are the first frame's data. Sent with httpx,
they could only leave once httpx was imported and an SSL context made (~0.3 s after the
start); :class:`Prefetch` sends them from threads with ``http.client`` a few
milliseconds after the command has read its settings, while httpx, the poll loop and
Textual are imported. The poll loop's client later takes each answer, once, for the
same URL (see :mod:`.early`); a read that failed here is simply sent again by the loop.

For an https URL, the SSL context the reads need is made in their thread too and handed
to the loop's client, with the same trust as httpx's own (``SSL_CERT_FILE``,
``SSL_CERT_DIR``, else certifi's bundle).
"""

from __future__ import annotations

import http.client
import os
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from lobstr_tui.api.secret import Token
from lobstr_tui.api.urls import normalise_base_url, request_headers

EarlyRead = tuple[str, Mapping[str, Any] | None]
"""A GET to send early: its path under the base URL and its query."""

CONNECT_SECONDS = 5.0
READ_SECONDS = 10.0
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the API answered to an early read: its status, headers and whole body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class EarlyReadFailed(Exception):
    """An early read got no usable answer (the loop sends it again)."""


def send_first_reads(token: Token | str, base_url: str, reads: Iterable[EarlyRead],
                     ) -> Prefetch:
    """``reads`` of ``base_url`` sent now, for the client made later with ``early=``."""
    return Prefetch(normalise_base_url(base_url), request_headers(token), reads).start()


def url_key(url: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    """A URL as scheme, host, path and sorted query: the same read however its query
    was written."""
    parts = urlsplit(url)
    return (parts.scheme.lower(), parts.netloc.lower(), parts.path,
            tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))))


def proxied() -> bool:
    """True when the environment names a proxy: httpx would go through it, these reads
    would not, so none is sent early."""
    return any(os.environ.get(name) or os.environ.get(name.upper())
               for name in _PROXY_VARIABLES)


def trusted_context() -> ssl.SSLContext:
    """A verifying SSL context with httpx's default trust."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # httpx's own dependency

    return ssl.create_default_context(cafile=certifi.where())


class Prefetch:
    """The first reads of ``base_url`` with ``headers``, sent from threads by
    :meth:`start`; each answer is taken once (:meth:`take`)."""

    def __init__(self, base_url: str, headers: Mapping[str, str],
                 reads: Iterable[EarlyRead]) -> None:
        self.base_url = base_url
        self._headers = dict(headers)
        self._urls = [base_url + path + (f"?{urlencode(dict(query))}" if query else "")
                      for path, query in reads]
        self._answers: dict[tuple[Any, ...], Future[Answer]] = {}
        self._context: Future[ssl.SSLContext] = Future()

    def start(self) -> Prefetch:
        """Send the reads now (nothing, behind a proxy), and make the SSL context."""
        secure = urlsplit(self.base_url).scheme == "https"
        urls = [] if proxied() else self._urls
        answers = [self._answers.setdefault(url_key(url), Future()) for url in urls]
        try:
            threading.Thread(target=self._run, args=(secure, urls, answers), daemon=True,
                             name="lobstr-early-reads").start()
        except RuntimeError as error:  # no thread to be had: nothing is sent early
            self._answers.clear()
            self._context.set_exception(EarlyReadFailed(str(error)))
        return self

    def _run(self, secure: bool, urls: list[str], answers: list[Future[Answer]]) -> None:
        context = None
        if secure:  # the reads need it: made first
            _settle(self._context, trusted_context)
            if self._context.exception() is not None:
                for answer in answers:
                    answer.set_exception(EarlyReadFailed("no SSL context"))
                return
            context = self._context.result()
        for url, answer in zip(urls, answers, strict=True):
            try:
                threading.Thread(target=_settle, args=(answer, self._fetch, url, context),
                                 daemon=True, name="lobstr-early-read").start()
            except RuntimeError as error:  # no thread to be had: the loop sends it
                answer.set_exception(EarlyReadFailed(str(error)))

    def _fetch(self, url: str, context: ssl.SSLContext | None) -> Answer:
        parts = urlsplit(url)
        if context is not None:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.netloc, timeout=CONNECT_SECONDS, context=context)
        else:
            connection = http.client.HTTPConnection(parts.netloc, timeout=CONNECT_SECONDS)
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(READ_SECONDS)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", target, headers=self._headers)
            response = connection.getresponse()
            body = response.read()
            headers = tuple(response.getheaders())
        finally:
            connection.close()
        encoding = dict((k.lower(), v) for k, v in headers).get("content-encoding", "")
        if encoding.strip().lower() not in ("", "identity"):
            raise EarlyReadFailed(f"an encoded body ({encoding[:20]})")
        return Answer(response.status, headers, body)

    def take(self, url: str) -> Future[Answer] | None:
        """The early answer for ``url``, the first time it is asked for; else None."""
        return self._answers.pop(url_key(url), None)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The SSL context made for these reads (waited for), or None when there was
        none (an http URL: made while the frame is drawn, it slowed the drawing) or it
        failed: the client makes its own."""
        if urlsplit(self.base_url).scheme != "https":
            return None
        try:
            return self._context.result()
        except Exception:
            return None

    def settle(self) -> None:
        """Block until every read has its answer or its error (each within the
        timeouts)."""
        wait(list(self._answers.values()))


def _settle(future: Future[Any], work: Callable[..., Any], *args: Any) -> None:
    """Run ``work(*args)`` and put its result or its error in ``future``."""
    try:
        future.set_result(work(*args))
    except Exception as error:  # any failure: the loop sends the read again
        future.set_exception(error)
