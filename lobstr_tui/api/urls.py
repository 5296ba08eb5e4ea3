"""The API's base URL (standard library only: the command reads it before httpx is
imported)."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.lobstr.io/v1/"


def normalise_base_url(base_url: str) -> str:
    """Validate a base URL (http or https with a host) and give it a trailing slash."""
    text = base_url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the API base URL must be an http(s) URL, got {text[:80]!r}")
    return text if text.endswith("/") else text + "/"
