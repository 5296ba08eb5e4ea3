"""What to say when the API was never reached: where it was looked for, what to check."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

CHECK = ("check the network, the URL (--base-url, LOBSTR_API_BASE or the profile's "
         "base_url) and any proxy "
         "(HTTPS_PROXY, HTTP_PROXY, NO_PROXY)")


def shown_url(url: str) -> str:
    """``url`` as it may be shown: without credentials (``user:password@``), a query or
    a fragment, where a secret could hide (the token itself is never in the URL)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(the API base URL)"
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"***@{host}" if "@" in parts.netloc else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def unreachable_text(url: str, detail: str | None) -> str:
    """The banner while nothing was ever read from ``url``: the failure, the retrying,
    and what to check."""
    why = f" ({detail})" if detail else ""
    return (f"Cannot reach {shown_url(url)}{why}: nothing has been read from it yet; "
            f"retrying. {CHECK[0].upper()}{CHECK[1:]}.")
