"""Request routing of the simulated API, independent of the HTTP server."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lobstr_tui.sim import errors as e
from lobstr_tui.sim import views as v
from lobstr_tui.sim.entities import SimRun, SimSquid
from lobstr_tui.sim.world import World

DEFAULT_LIMITS = {"squids": 10, "runs": 50, "runtasks": 50, "results": 50}
MAX_LIMIT = 100
EXPORT_TTL_SECONDS = 300


@dataclass
class Request:
    """What the router needs of an HTTP request."""

    method: str
    path: str  # below /v1/, without a leading slash
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    base_url: str = "http://127.0.0.1/v1/"  # for next/previous links


@dataclass
class Reply:
    """An answer: status, body (JSON-able, or bytes for files) and headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Handler = Callable[[Request, re.Match[str]], Reply]


class Router:
    """Maps ``METHOD path`` to world operations and renders documented bodies."""

    def __init__(self, world: World, *, secret: bytes = b"lobstr-tui-sim") -> None:
        self.world = world
        self.secret = secret
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"^me/?$"), self._me),
            ("GET", re.compile(r"^user/balance/?$"), self._balance),
            ("GET", re.compile(r"^squids/?$"), self._squids),
            ("GET", re.compile(r"^squids/(?P<id>[^/]+)/?$"), self._squid),
            ("GET", re.compile(r"^runs/?$"), self._runs),
            ("POST", re.compile(r"^runs/?$"), self._start),
            ("GET", re.compile(r"^runs/(?P<id>[^/]+)/?$"), self._run),
            ("GET", re.compile(r"^runs/(?P<id>[^/]+)/stats/?$"), self._stats),
            ("GET", re.compile(r"^runs/(?P<id>[^/]+)/credits/?$"), self._credits),
            ("GET", re.compile(r"^runs/(?P<id>[^/]+)/tasks/?$"), self._run_tasks_alias),
            ("POST", re.compile(r"^runs/(?P<id>[^/]+)/abort/?$"), self._abort),
            ("GET", re.compile(r"^runs/(?P<id>[^/]+)/download/?$"), self._download),
            ("GET", re.compile(r"^runtasks/?$"), self._runtasks),
            ("GET", re.compile(r"^results/?$"), self._results),
        ]

    def handle(self, request: Request) -> Reply:
        """Answer one authenticated API request."""
        self.world.advance()
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                try:
                    with self.world.locked():
                        return handler(request, match)
                except e.SimError as error:
                    return Reply(error.status, error.body, error.headers)
        if any(p.match(request.path) for _, p, _ in self.routes):
            return Reply(405, {"detail": f'Method "{request.method}" not allowed.'})
        return Reply(404, {"detail": "Not found."})

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def _paging(request: Request, prefix: str) -> tuple[int, int]:
        # As Django REST framework's PageNumberPagination does (the API's error bodies,
        # "Invalid page.", "Not found.", "Request was throttled...", are DRF's): a page
        # that is not a whole number from 1 answers 404 {"detail": "Invalid page."}, and
        # so does a page past the last one (see _page); a bad or missing limit falls back
        # to the endpoint's default, one above the maximum is cut to it.
        try:
            page = int(request.query.get("page", "1"))
        except ValueError:
            raise e.detail_error(404, "Invalid page.") from None
        if page < 1:
            raise e.detail_error(404, "Invalid page.")
        raw_limit = request.query.get("limit") or request.query.get("page_size") or ""
        limit = int(raw_limit) if raw_limit.isdigit() and int(raw_limit) > 0 else (
            DEFAULT_LIMITS[prefix])
        return page, min(limit, MAX_LIMIT)

    def _page(self, request: Request, prefix: str, items: list[Any],
              render: Callable[[Any], dict[str, Any]]) -> Reply:
        page, limit = self._paging(request, prefix)
        if page > 1 and (page - 1) * limit >= len(items):
            # Past the last page. Page 1 always exists: an empty list is one empty page
            # with result_from 0 and result_to 0 (Django's Paginator for no items).
            raise e.detail_error(404, "Invalid page.")
        chosen = items[(page - 1) * limit: page * limit]
        query = {k: val for k, val in request.query.items() if k not in ("page", "limit")}
        return Reply(200, v.envelope([render(x) for x in chosen], total=len(items), page=page,
                                     limit=limit, base_url=request.base_url,
                                     path=request.path.rstrip("/"), query=query))

    def _squid_or_404(self, squid_id: str) -> SimSquid:
        squid = self.world.squids.get(squid_id)
        if squid is None:
            raise e.detail_error(404, "Not found.")
        return squid

    def _run_or_404(self, run_id: str, shape: str = "error") -> SimRun:
        run = self.world.runs.get(run_id)
        if run is None:
            if shape == "detail":
                raise e.detail_error(404, "Run not found.")
            raise e.not_found_error("Run not found", "run_hash")
        return run

    # -- endpoints ---------------------------------------------------------------------

    def _me(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, v.me_body(self.world))

    def _balance(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, v.balance_body(self.world))

    def squid_body(self, squid: SimSquid, base_url: str, *,
                   detail: bool = False) -> dict[str, Any]:
        """A squid's body with its last run's signed ``download_url`` (also used by the
        control endpoints)."""
        last = self.world.runs[squid.run_ids[0]] if squid.run_ids else None
        url = self.export_url(last, base_url) if last is not None and last.export_done else None
        return v.squid_body(self.world, squid, detail=detail, download_url=url)

    def _squids(self, request: Request, match: re.Match[str]) -> Reply:
        name = request.query.get("name", "").strip().lower()
        squids = [s for s in self.world.squids.values() if name in s.name.lower()]
        squids.sort(key=lambda s: s.created_at, reverse=True)
        return self._page(request, "squids", squids,
                          lambda s: self.squid_body(s, request.base_url))

    def _squid(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, self.squid_body(self._squid_or_404(match["id"]), request.base_url,
                                          detail=True))

    def _runs(self, request: Request, match: re.Match[str]) -> Reply:
        squid_id = request.query.get("squid")
        if not squid_id:
            raise e.validation_error("You must provide the 'squid' parameter", "squid")
        squid = self.world.squids.get(squid_id)
        if squid is None:
            raise e.SimError(404, {"error": {"message": "Squid not found",
                                             "type": "SquidDoesNotExistException",
                                             "param": "squid"}})
        runs = [self.world.runs[run_id] for run_id in squid.run_ids]
        return self._page(request, "runs", runs, lambda r: v.run_body(self.world, r))

    def _start(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        squid_id = body.get("squid")
        if not isinstance(squid_id, str) or not squid_id:
            raise e.detail_error(400, "A required parameter squid is missing from the route.")
        run = self.world.start_run(squid_id)
        return Reply(200, v.run_body(self.world, run))

    def _run(self, request: Request, match: re.Match[str]) -> Reply:
        run = self._run_or_404(match["id"])
        return Reply(200, v.run_body(self.world, run, string_duration=True))

    def _stats(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, v.stats_body(self.world, self._run_or_404(match["id"])))

    def _credits(self, request: Request, match: re.Match[str]) -> Reply:
        run = self._run_or_404(match["id"], shape="detail")
        return Reply(200, v.credits_body(self.world, run))

    def _abort(self, request: Request, match: re.Match[str]) -> Reply:
        run = self.world.abort_run(match["id"])
        return Reply(200, v.run_body(self.world, run))

    def _runtasks(self, request: Request, match: re.Match[str]) -> Reply:
        run_id = request.query.get("run")
        if not run_id:
            raise e.validation_error("You must provide the 'run' parameter", "run")
        run = self._run_or_404(run_id)
        return self._page(request, "runtasks", run.tasks,
                          lambda t: v.runtask_body(t, run.id))

    def _run_tasks_alias(self, request: Request, match: re.Match[str]) -> Reply:
        request.query = {**request.query, "run": match["id"]}
        return self._runtasks(request, match)

    def _results(self, request: Request, match: re.Match[str]) -> Reply:
        run_id = request.query.get("run")
        squid_id = request.query.get("squid")
        if bool(run_id) == bool(squid_id):
            raise e.validation_error(
                "You must provide either 'squid' or 'run' parameter, not both or neither",
                "squid,run")
        if run_id:
            runs = [self._run_or_404(run_id)]
        else:
            runs = [self.world.runs[r] for r in self._squid_or_404(str(squid_id)).run_ids]
        task_id = request.query.get("task")
        rows = [(run, index) for run in runs for index in result_indexes(run, task_id)]
        return self._page(request, "results", rows,
                          lambda pair: v.result_row(self.world, pair[0], pair[1]))

    def _download(self, request: Request, match: re.Match[str]) -> Reply:
        run = self.world.runs.get(match["id"])
        if run is not None and run.status == "uploading":
            progress = int(100 * (1 - max(0.0, run.phase_left) / 4.0))
            return Reply(200, {"status": "processing", "progress": max(0, min(99, progress))})
        if run is None or not run.export_done:
            raise e.not_found_error("Run not found or export not ready", "run_hash")
        file_format = request.query.get("file_format", "csv")
        if file_format not in ("csv", "xlsx", "json", "jsonl"):
            raise e.validation_error("file_format must be csv, xlsx, json or jsonl",
                                     "file_format")
        return Reply(200, {"s3": self.export_url(run, request.base_url)})

    # -- exports (no auth: a signed URL, like S3) --------------------------------------

    def _epoch(self) -> float:
        # Export URLs expire on the world's clock, so that a manual clock decides too.
        return self.world.clock.now().timestamp()

    def export_url(self, run: SimRun, base_url: str) -> str:
        """A signed URL of the run's CSV export, valid for a few minutes."""
        expires = int(self._epoch()) + EXPORT_TTL_SECONDS
        root = base_url.rsplit("/v1/", 1)[0]
        return (f"{root}/exports/{run.id}.csv?response-content-disposition=attachment"
                f"&Expires={expires}&Signature={self.sign(run.id, expires)}")

    def sign(self, run_id: str, expires: int) -> str:
        """The signature of an export URL."""
        message = f"{run_id}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]

    def export(self, run_id: str, query: dict[str, str]) -> Reply:
        """Serve a signed export URL as a CSV file."""
        try:
            expires = int(query.get("Expires", "0"))
        except ValueError:
            expires = 0
        valid = hmac.compare_digest(self.sign(run_id, expires), query.get("Signature", ""))
        if not valid or expires < self._epoch():
            return Reply(403, b"<Error><Code>AccessDenied</Code></Error>",
                         content_type="application/xml")
        with self.world.locked():
            run = self.world.runs.get(run_id)
            if run is None:
                return Reply(404, b"<Error><Code>NoSuchKey</Code></Error>",
                             content_type="application/xml")
            rows = [v.result_row(self.world, run, i) for i in range(run.total_results)]
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return Reply(200, buffer.getvalue().encode(), content_type="text/csv")


def result_indexes(run: SimRun, task_id: str | None) -> range | list[int]:
    """Indexes of a run's result rows, all or those of one task (its hash, or the id of
    its run task). Tasks are collected one after the other, so task k's rows follow the
    rows of the tasks before it."""
    if not task_id:
        return range(run.total_results)
    indexes: list[int] = []
    start = 0
    for task in run.tasks:
        if task_id in (task.task_id, task.id):
            indexes.extend(range(start, start + task.collected))
        start += task.collected
    return indexes
