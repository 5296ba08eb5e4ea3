"""The lobstr.io HTTP contract: async client, immutable models, typed errors.

This package never imports Textual.
"""

import sys
from typing import TYPE_CHECKING

from lobstr_tui.lazy import on_demand

if "httpx" not in sys.modules:
    # httpx's own command line (httpx._main), which this program never runs, imports
    # click, rich's progress bars and more when httpx is imported: ~40 ms before the
    # first frame. Marked as absent, httpx puts a stub in its place.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from lobstr_tui.api.account_models import Balance, Me, Squid
    from lobstr_tui.api.client import LobstrClient
    from lobstr_tui.api.errors import (
        ApiError,
        BusinessError,
        ForbiddenError,
        LobstrError,
        NetworkError,
        NotFoundError,
        ParseError,
        ProtocolError,
        RateLimitedError,
        ServerError,
        UnauthorizedError,
    )
    from lobstr_tui.api.fields import Eta
    from lobstr_tui.api.paging import Page, PageWalk, WalkEnd
    from lobstr_tui.api.ratelimit import RateLimit, RequestRecord
    from lobstr_tui.api.reasons import DoneReason, ReasonCategory, Severity, explain
    from lobstr_tui.api.run_models import (
        CreditLine,
        DownloadInfo,
        FilterCredit,
        ResultRow,
        Run,
        RunCredits,
        RunStats,
        RunTask,
    )
    from lobstr_tui.api.secret import Token
    from lobstr_tui.api.status import RunStatus, StatusKind
    from lobstr_tui.api.text import cell_width, clean, credit_amount, fit
    from lobstr_tui.api.urls import DEFAULT_BASE_URL, normalise_base_url

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiError",
    "Balance",
    "BusinessError",
    "CreditLine",
    "DoneReason",
    "DownloadInfo",
    "Eta",
    "FilterCredit",
    "ForbiddenError",
    "LobstrClient",
    "LobstrError",
    "Me",
    "NetworkError",
    "NotFoundError",
    "Page",
    "PageWalk",
    "ParseError",
    "ProtocolError",
    "RateLimit",
    "RateLimitedError",
    "ReasonCategory",
    "RequestRecord",
    "ResultRow",
    "Run",
    "RunCredits",
    "RunStats",
    "RunStatus",
    "RunTask",
    "ServerError",
    "Severity",
    "Squid",
    "StatusKind",
    "Token",
    "UnauthorizedError",
    "WalkEnd",
    "cell_width",
    "clean",
    "credit_amount",
    "explain",
    "fit",
    "normalise_base_url",
]

# Imported on first use (see lobstr_tui.lazy): the command sends its first reads
# before httpx and the rest are imported.
__getattr__ = on_demand(__name__, {
    "account_models": ("Balance", "Me", "Squid"),
    "client": ("LobstrClient",),
    "urls": ("DEFAULT_BASE_URL", "normalise_base_url"),
    "errors": ("ApiError", "BusinessError", "ForbiddenError", "LobstrError", "NetworkError",
        "NotFoundError", "ParseError", "ProtocolError", "RateLimitedError", "ServerError",
        "UnauthorizedError"),
    "fields": ("Eta",),
    "paging": ("Page", "PageWalk", "WalkEnd"),
    "ratelimit": ("RateLimit", "RequestRecord"),
    "reasons": ("DoneReason", "ReasonCategory", "Severity", "explain"),
    "run_models": ("CreditLine", "DownloadInfo", "FilterCredit", "ResultRow", "Run", "RunCredits",
        "RunStats", "RunTask"),
    "secret": ("Token",),
    "status": ("RunStatus", "StatusKind"),
    "text": ("cell_width", "clean", "credit_amount", "fit"),
}, __all__)
