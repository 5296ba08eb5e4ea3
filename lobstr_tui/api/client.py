"""The async lobstr.io client: one ``httpx.AsyncClient``, typed models, typed errors."""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextvars import ContextVar
from typing import IO, Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import httpx

from lobstr_tui.api.account_models import Balance, Me, Squid
from lobstr_tui.api.early import EarlyReads
from lobstr_tui.api.errors import (
    ApiError,
    LobstrError,
    NetworkError,
    ProtocolError,
    error_for_response,
)
from lobstr_tui.api.paging import MAX_PAGES, Page, PageWalk
from lobstr_tui.api.prefetch import EarlyRead, Prefetch
from lobstr_tui.api.ratelimit import RateLimit, RequestRecord, path_prefix
from lobstr_tui.api.run_models import DownloadInfo, ResultRow, Run, RunCredits, RunStats, RunTask
from lobstr_tui.api.secret import Token
from lobstr_tui.api.text import bounded
from lobstr_tui.api.urls import (
    DEFAULT_BASE_URL,
    USER_AGENT,
    normalise_base_url,
    request_headers,
)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

EXPORT_CHUNK_BYTES = 64 * 1024
EXPORT_MAX_REDIRECTS = 5

T = TypeVar("T")
ResponseHook = Callable[[RequestRecord], None]
ExportProgress = Callable[[int, int | None], None]
"""Called with (bytes received so far, total bytes or None when the host did not say)."""


ACCEPTED_AGE: ContextVar[float | None] = ContextVar("accepted_age", default=None)
"""How old an answer the request being made may get, in seconds (its poll period): sent
as ``Cache-Control: max-age`` by a client made with ``age_hints`` (a served viewer's,
whose proxy shares answers between viewers); never to lobstr.io itself."""


def _transport(early: Prefetch | None) -> httpx.AsyncHTTPTransport:
    """The real transport, with the SSL context made with the early reads when there
    were some (making one takes a while)."""
    context = early.ssl_context() if early is not None else None
    return httpx.AsyncHTTPTransport(verify=context or True)


def segment(identifier: str) -> str:
    """An id as one URL path segment: percent-encoded, so that ``/``, ``?`` or ``..``
    in an id can never reach another path."""
    text = quote(identifier, safe="")
    return "%2E%2E" if text == ".." else "%2E" if text == "." else text


def _host_of(exc: httpx.TransportError) -> str:
    """``host:port`` of the request that failed (the token is in a header, never here)."""
    try:
        url = exc.request.url
    except RuntimeError:  # an error raised without its request
        return "the API"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def export_host(url: str) -> str:
    """The host of a signed export URL, cleaned: all of the URL a message may show (its
    path and query carry the signature)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return bounded(host, 80) if host else "the export host"


def _export_refusal(status_code: int, host: str,
                    retry_after: float | None) -> ApiError:
    """The typed error for an HTTP error from the export host. Its body is left out: an
    S3 error page can echo the request, signature included."""
    kind = type(error_for_response(status_code, b""))
    hint = " (the link may have expired)" if status_code in (400, 403) else ""
    return kind(f"{host} refused the export download (HTTP {status_code}){hint}",
                status_code=status_code, retry_after=retry_after)


def _network_error(exc: httpx.TransportError) -> NetworkError:
    host = _host_of(exc)
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError(f"{host} did not answer in time", kind="timeout")
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text:
            return NetworkError(f"{host} refused the connection", kind="refused")
        return NetworkError(f"could not connect to {host}", kind="refused")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return NetworkError(f"the connection to {host} was reset", kind="reset")
    return NetworkError(f"network error with {host} ({type(exc).__name__})", kind="other")


class LobstrClient:
    """Async client for the lobstr.io REST API.

    Rate-limit headers of the latest response of each path prefix are kept in
    ``rate_limits``; ``on_response`` is called once for every finished request.
    The token is only ever put in the ``Authorization`` header of requests to the
    configured base URL.
    """

    def __init__(
        self,
        token: Token | str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        on_response: ResponseHook | None = None,
        age_hints: bool = False,
        early: Prefetch | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.age_hints = age_hints
        self.rate_limits: dict[str, RateLimit] = {}
        self.on_response = on_response
        self._headers = request_headers(token)
        self._early = EarlyReads((lambda: transport) if transport is not None
                                 else (lambda: _transport(early)), early)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers,
            timeout=timeout,
            transport=self._early,
            follow_redirects=False,
        )

    def send_early(self, reads: Iterable[EarlyRead]) -> None:
        """Send these GETs now, from threads; the first request for each of their URLs
        gets its answer (see :mod:`.prefetch`). The command sends them before this
        client is even made (:func:`.prefetch.send_first_reads`)."""
        self._early.prefetch = Prefetch(self.base_url, self._headers, reads).start()

    def release(self) -> None:
        """The first frame is drawn: requests other than the early reads may go."""
        self._early.release()

    def settle_early(self) -> None:
        """Block until the reads sent early are answered (a test's or benchmark's wait)."""
        if self._early.prefetch is not None:
            self._early.prefetch.settle()

    def __repr__(self) -> str:
        return f"LobstrClient(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> LobstrClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON or raise a typed error."""
        prefix = path_prefix(path)
        started = time.monotonic()
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        # Reported with its query: two lists on one path are two resources.
        shown = f"{path}?{urlencode(clean_params)}" if clean_params else path
        try:
            hint = ACCEPTED_AGE.get() if self.age_hints else None
            headers = {"Cache-Control": f"max-age={hint:g}"} if hint is not None else None
            response = await self._http.request(method, path, params=clean_params or None,
                                                json=body, headers=headers)
        except httpx.TransportError as exc:
            error = _network_error(exc)
            self._report(method, shown, prefix, None, started,
                         RateLimit(None, None, None, None), error)
            raise error from None
        rate_limit = RateLimit.from_headers(response.headers)
        if rate_limit.known:
            self.rate_limits[prefix] = rate_limit
        content = response.content
        error_obj: LobstrError | None = None
        if response.status_code >= 400:
            error_obj = error_for_response(response.status_code, content,
                                           retry_after=rate_limit.retry_after)
        elif response.status_code >= 300:
            error_obj = ProtocolError(f"unexpected redirect (HTTP {response.status_code})")
        else:
            try:
                decoded = json.loads(content) if content.strip() else {}
            except ValueError:
                error_obj = ProtocolError(
                    f"the API sent a reply that is not JSON (HTTP {response.status_code})")
        self._report(method, shown, prefix, response.status_code, started, rate_limit,
                     error_obj)
        if error_obj is not None:
            raise error_obj
        return decoded

    def _report(self, method: str, path: str, prefix: str, status: int | None,
                started: float, rate_limit: RateLimit, error: LobstrError | None) -> None:
        if self.on_response is None:
            return
        self.on_response(RequestRecord(
            method=method, path=path, prefix=prefix, status_code=status,
            elapsed=time.monotonic() - started, rate_limit=rate_limit,
            error=None if error is None else error.message,
        ))

    # -- account ---------------------------------------------------------------------

    async def me(self) -> Me:
        """The token's user (``GET me``)."""
        return Me.from_api(await self._request("GET", "me"))

    async def balance(self) -> Balance:
        """Credits and slots (``GET user/balance``)."""
        return Balance.from_api(await self._request("GET", "user/balance"))

    # -- squids ----------------------------------------------------------------------

    async def squids_page(self, *, page: int = 1, limit: int = 50,
                          name: str | None = None) -> Page[Squid]:
        """One page of squids; ``name`` is a case-insensitive partial match."""
        data = await self._request("GET", "squids",
                                   params={"page": page, "limit": limit, "name": name or None})
        return Page.from_api(data, Squid.from_api, page=page)

    async def iter_squids(self, *, name: str | None = None, limit: int = 100,
                          max_pages: int = MAX_PAGES) -> AsyncIterator[Squid]:
        """Every squid, page after page, each once (see :class:`PageWalk` for where the
        walk stops). This sends requests back to back: the monitor reads pages through
        its rate gate instead."""
        async for squid in self._iterate(
            lambda page: self.squids_page(page=page, limit=limit, name=name), max_pages
        ):
            yield squid

    async def all_squids(self, *, name: str | None = None, limit: int = 100) -> list[Squid]:
        """Every squid as a list."""
        return [squid async for squid in self.iter_squids(name=name, limit=limit)]

    async def squid(self, squid_id: str) -> Squid:
        """One squid's details (``GET squids/{id}``)."""
        return Squid.from_api(await self._request("GET", f"squids/{segment(squid_id)}"))

    # -- runs ------------------------------------------------------------------------

    async def runs_page(self, squid_id: str, *, page: int = 1, limit: int = 50) -> Page[Run]:
        """One page of a squid's runs, newest first."""
        data = await self._request("GET", "runs",
                                   params={"squid": squid_id, "page": page, "limit": limit})
        return Page.from_api(data, Run.from_api, page=page)

    async def run(self, run_id: str) -> Run:
        """One run (``GET runs/{id}``)."""
        return Run.from_api(await self._request("GET", f"runs/{segment(run_id)}"))

    async def run_stats(self, run_id: str) -> RunStats:
        """Live progress of a run."""
        return RunStats.from_api(await self._request("GET", f"runs/{segment(run_id)}/stats"))

    async def run_credits(self, run_id: str) -> RunCredits:
        """A run's credit breakdown."""
        return RunCredits.from_api(await self._request("GET", f"runs/{segment(run_id)}/credits"))

    async def run_tasks_page(self, run_id: str, *, page: int = 1,
                             limit: int = 50) -> Page[RunTask]:
        """One page of the tasks a run processed (``GET runtasks?run=``)."""
        data = await self._request("GET", "runtasks",
                                   params={"run": run_id, "page": page, "limit": limit})
        return Page.from_api(data, RunTask.from_api, page=page)

    async def start_run(self, squid_id: str) -> Run:
        """Launch a run of a squid (``POST runs``); the answer is the pending run."""
        return Run.from_api(await self._request("POST", "runs", body={"squid": squid_id}))

    async def abort_run(self, run_id: str) -> Run:
        """Abort a run; accepts the whole run or a bare ``{"status": ...}`` answer."""
        data = await self._request("POST", f"runs/{segment(run_id)}/abort")
        return Run.from_api(data, default_id=run_id)

    async def download_info(self, run_id: str, *, file_format: str = "csv") -> DownloadInfo:
        """The run's export: a signed URL, or ``processing`` while it is being built."""
        data = await self._request("GET", f"runs/{segment(run_id)}/download",
                                   params={"file_format": file_format})
        return DownloadInfo.from_api(data)

    async def results_page(self, run_id: str, *, page: int = 1,
                           limit: int = 50) -> Page[ResultRow]:
        """One page of a run's result rows."""
        data = await self._request("GET", "results",
                                   params={"run": run_id, "page": page, "page_size": limit,
                                           "limit": limit})
        return Page.from_api(data, ResultRow.from_api, page=page)

    async def fetch_export(self, url: str) -> bytes:
        """Fetch a signed export URL into memory (see :meth:`stream_export`: sent
        without the Authorization header, errors naming at most the host)."""
        buffer = io.BytesIO()
        await self.stream_export(url, buffer)
        return buffer.getvalue()

    async def stream_export(self, url: str, dest: IO[bytes],
                            on_progress: ExportProgress | None = None) -> int:
        """Stream a signed export URL into ``dest``, chunk by chunk; return the bytes
        written.

        Sent by a separate connection pool without the Authorization header: the URL may
        point at another host, and the token must never leave for one. Only http(s) URLs
        are fetched. ``on_progress(received, total)`` follows every chunk (``total`` from
        Content-Length, else None). Errors are typed and name at most the URL's host:
        :class:`NetworkError`, an :class:`ApiError` subclass for an HTTP error status
        (e.g. :class:`ForbiddenError` for an expired signature), :class:`ProtocolError`
        for a URL that is not http(s) or too many redirects. An ``OSError`` of ``dest``
        is raised as it is.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise ProtocolError("the export address is not an http(s) URL")
        host = export_host(url)
        written = 0
        try:
            async with httpx.AsyncClient(
                timeout=self._http.timeout, headers={"User-Agent": USER_AGENT},
                follow_redirects=True, max_redirects=EXPORT_MAX_REDIRECTS,
            ) as plain, plain.stream("GET", url) as response:
                if response.status_code >= 400:
                    limit = RateLimit.from_headers(response.headers)
                    raise _export_refusal(response.status_code, host, limit.retry_after)
                if response.status_code >= 300:
                    raise ProtocolError(f"{host} answered the export download with "
                                        f"HTTP {response.status_code}")
                total = _content_length(response)
                async for chunk in response.aiter_bytes(EXPORT_CHUNK_BYTES):
                    dest.write(chunk)
                    written += len(chunk)
                    if on_progress is not None:
                        on_progress(response.num_bytes_downloaded, total)
        except httpx.TransportError as exc:
            raise _network_error(exc) from None
        except httpx.TooManyRedirects:
            raise ProtocolError(f"{host} redirected the export download too many "
                                "times") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # e.g. a body that does not decode; the exception's text may hold the URL.
            raise ProtocolError(f"the export download from {host} failed "
                                f"({type(exc).__name__})") from None
        return written

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    async def _iterate(fetch: Callable[[int], Any], max_pages: int) -> AsyncIterator[Any]:
        walk: PageWalk[Any] = PageWalk(cap=max_pages)
        number: int | None = 1
        while number is not None:
            page: Page[Any] = await fetch(number)
            known = len(walk.items)
            number = walk.add(page)
            for item in walk.items[known:]:
                yield item


def _content_length(response: httpx.Response) -> int | None:
    """The body's size on the wire, when the answer states it."""
    try:
        value = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None
