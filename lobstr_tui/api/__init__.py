"""The lobstr.io HTTP contract: async client, immutable models, typed errors.

This package never imports Textual.
"""

from lobstr_tui.api.account_models import Balance, Me, Squid
from lobstr_tui.api.client import DEFAULT_BASE_URL, LobstrClient, normalise_base_url
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
