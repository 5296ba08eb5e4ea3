"""Where the API is and what every request to it carries (standard library only: the
command sends its first reads before httpx is imported)."""

from __future__ import annotations

from urllib.parse import urlsplit

from lobstr_tui import __version__
from lobstr_tui.api.secret import Token

DEFAULT_BASE_URL = "https://api.lobstr.io/v1/"
USER_AGENT = f"lobstr-tui/{__version__}"


def normalise_base_url(base_url: str) -> str:
    """Validate a base URL (http or https with a host) and give it a trailing slash."""
    text = base_url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the API base URL must be an http(s) URL, got {text[:80]!r}")
    return text if text.endswith("/") else text + "/"


def request_headers(token: Token | str) -> dict[str, str]:
    """The headers of every request to the API."""
    return {"Authorization": "Token " + (token.reveal() if isinstance(token, Token)
                                         else token),
            "User-Agent": USER_AGENT, "Accept": "application/json"}
