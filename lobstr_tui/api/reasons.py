"""The done-reason catalog: what each ``done_reason`` slug means and what to do about it.

A paused run carries its reason too, so the same catalog explains pauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ReasonCategory(Enum):
    """Whose side a reason is on."""

    FINISHED = "finished"
    USER = "user"
    ACCOUNT = "account"
    BILLING = "billing"
    PLATFORM = "platform"
    TRANSIENT = "transient"
    UNKNOWN = "unknown"


class Severity(Enum):
    """How much the user should care."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class DoneReason:
    """One catalog entry: slug, category, severity, plain explanation and action."""

    slug: str
    category: ReasonCategory
    severity: Severity
    explanation: str
    action: str | None = None

    @property
    def known(self) -> bool:
        """False for slugs the catalog has never heard of."""
        return self.category is not ReasonCategory.UNKNOWN


_F, _U, _A, _B, _P, _T = (
    ReasonCategory.FINISHED, ReasonCategory.USER, ReasonCategory.ACCOUNT,
    ReasonCategory.BILLING, ReasonCategory.PLATFORM, ReasonCategory.TRANSIENT,
)
_OK, _INFO, _WARN, _ERR = Severity.OK, Severity.INFO, Severity.WARNING, Severity.ERROR

_RESYNC = "re-sync or replace the account linked to the squid in lobstr.io; the run resumes"

_ENTRIES: tuple[DoneReason, ...] = (
    DoneReason("tasks_done", _F, _OK, "all tasks were processed"),
    DoneReason("last_page_reached", _F, _OK, "pagination ended: there were no more pages"),
    DoneReason("aborted", _U, _INFO, "the run was stopped by a user",
               "partial results are still exported"),
    DoneReason("run_aborted", _U, _INFO, "the task stopped because its run was aborted"),
    DoneReason("deactivated", _U, _INFO, "the squid was deactivated",
               "reactivate the squid to run it again"),
    DoneReason("emails_verified", _F, _OK, "email verification finished"),
    DoneReason("batch_wait", _T, _INFO, "a batch is done; waiting for the batch timeout",
               "nothing: the run goes on by itself"),
    DoneReason("no_credits_left", _B, _WARN, "the account ran out of credits",
               "buy credits or wait for the credit reset; a paused run resumes then"),
    DoneReason("last_invoice_not_paid", _B, _ERR, "the last invoice is unpaid",
               "pay the open invoice in lobstr.io billing"),
    DoneReason("maintenance_fees_not_paid", _B, _ERR, "maintenance fees are unpaid",
               "pay the maintenance fees in lobstr.io billing"),
    DoneReason("premium_plan_needed", _B, _WARN, "this crawler needs a premium plan",
               "upgrade the plan"),
    DoneReason("slots_limit_exceeded", _B, _WARN, "the plan has no free slots",
               "wait for other runs to finish, lower concurrency or add slots"),
    DoneReason("website_inaccessible", _P, _WARN, "the target website was down or blocked",
               "try again later"),
    DoneReason("module_under_maintenance", _P, _WARN, "the crawler is under maintenance",
               "wait for lobstr.io to finish maintenance, then launch again"),
    DoneReason("request_failed", _T, _WARN, "a request failed; the run is paused for 6 hours",
               "nothing: it resumes by itself"),
    DoneReason("too_many_requests", _T, _WARN, "the target site rate-limited the crawler",
               "nothing: it resumes by itself; lower concurrency if it repeats"),
    DoneReason("export_failed", _P, _ERR, "exporting the results failed",
               "contact lobstr.io support if it is not regenerated"),
    DoneReason("export_fix", _P, _INFO, "the export was regenerated after a failure"),
    DoneReason("no_accounts", _A, _ERR, "no account is linked to the squid; the run closed",
               "link an account to the squid, then launch again"),
    DoneReason("no_account_available", _A, _INFO, "all linked accounts are busy",
               "nothing: it resumes when an account frees up; or link more accounts"),
    DoneReason("account_blocked", _A, _ERR, "the linked account was blocked by the platform",
               _RESYNC),
    DoneReason("account_too_many_requests", _A, _WARN,
               "the linked account sent too many requests", _RESYNC),
    DoneReason("cookies_expired", _A, _WARN, "the account's cookies expired",
               "re-sync the account in lobstr.io; the run resumes by itself"),
    DoneReason("wrong_credentials", _A, _ERR, "the account's credentials are wrong", _RESYNC),
    DoneReason("logged_out", _A, _WARN, "the account was logged out", _RESYNC),
    DoneReason("checkpoint_reached", _A, _WARN, "the platform asked the account for a check",
               "pass the checkpoint in a browser, then " + _RESYNC),
    DoneReason("challenge_required", _A, _WARN, "the platform wants a challenge solved",
               "solve it in a browser, then " + _RESYNC),
    DoneReason("otp_needed", _A, _WARN, "the account needs a one-time password",
               "enter the code in lobstr.io, then the run resumes"),
    DoneReason("non_premium", _A, _WARN, "the account lacks the platform's premium tier",
               "link a premium account"),
    DoneReason("sales_seat_required", _A, _WARN, "the account has no Sales Navigator seat",
               "link an account with a Sales Navigator seat"),
    DoneReason("limit_exceeded", _A, _INFO, "the account hit its daily or batch limit",
               "nothing: it resumes when the limit resets; or link more accounts"),
)

CATALOG: dict[str, DoneReason] = {entry.slug: entry for entry in _ENTRIES}


def explain(slug: str) -> DoneReason:
    """Return the catalog entry for a slug; unknown slugs get a generic entry."""
    key = slug.strip().lower()
    entry = CATALOG.get(key)
    if entry is not None:
        return entry
    return DoneReason(
        slug.strip(), ReasonCategory.UNKNOWN, Severity.INFO,
        f"lobstr.io reported '{slug.strip()}', which this version does not know",
        "check the run on lobstr.io",
    )


def is_failure(slug: str | None) -> bool:
    """True when a done run's reason says it did not do its job (``no_credits_left``,
    ``website_inaccessible``...): a warning or an error in the catalog. No reason, or a
    reason that only informs (``tasks_done``, ``export_fix``), is a success."""
    return bool(slug) and explain(slug or "").severity in (Severity.WARNING, Severity.ERROR)
