"""Where the token and base URL come from: environment first, then the official CLI's file.

The token is read, never written, and never put in a message.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lobstr_tui.api.client import DEFAULT_BASE_URL, normalise_base_url
from lobstr_tui.api.secret import Token

TOKEN_PAGE = "https://app.lobstr.io/dashboard/api"


class ConfigError(Exception):
    """The config file exists but cannot be used; the message is one line."""


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/lobstr/config.toml``, default ``~/.config/lobstr/config.toml``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lobstr" / "config.toml"


@dataclass(frozen=True)
class Settings:
    """The resolved token (hidden from ``repr``), base URL and any warnings;
    ``token_source`` says where the token came from (``LOBSTR_TOKEN`` or the config
    file's path), for messages."""

    token: Token | None = field(repr=False)
    token_source: str | None
    base_url: str
    warnings: tuple[str, ...] = ()


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_WHERE = re.compile(r"\((at line \d+, column \d+|at end of document)\)")


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """The parser's message without the characters it quotes from the file: they may
    be characters of the token (``Illegal character '\\x01'``)."""
    text = str(exc)
    where = _WHERE.search(text)
    what = _QUOTED.sub("…", _WHERE.sub("", text)).strip() or "syntax error"
    return f"{what}, {where.group(1)}" if where else what


def _read_config(path: Path) -> tuple[dict[str, object], list[str]]:
    warnings: list[str] = []
    if not path.exists():
        return {}, warnings
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(f"cannot read {path}: it is a directory, not a file")
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"warning: {path} is readable by other users; "
                            f"run: chmod 600 {path}")
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM, as some Windows editors write, is fine
    except UnicodeDecodeError as exc:
        # Never the byte itself: it may be part of the token.
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path} is not UTF-8 text (line {line}); "
                          f"save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({_toml_problem(exc)})") from None
    return data, warnings


def check_token(token: str, source: str) -> None:
    """Raise :class:`ConfigError` unless every character of ``token`` can be sent in an
    HTTP header (printable ASCII). The message never shows any character of it."""
    if all(" " <= char <= "~" for char in token):
        return
    if any(char in "\r\n" for char in token):
        kind = "a line break"
    elif any(ord(char) > 0x9F for char in token):
        kind = "a non-ASCII character"
    else:
        kind = "a control character"
    raise ConfigError(f"the token in {source} contains {kind}, which cannot be sent in an "
                      f"HTTP header; copy it again from {TOKEN_PAGE}")


def check_base_url(url: str, source: str) -> str:
    """The base URL, checked (http(s), a host, a port in 1-65535, no spaces or control
    characters) and given a trailing slash; else :class:`ConfigError` saying what is
    wrong and where the URL came from (``source``)."""
    text = url.strip()
    shown = repr(text[:80])

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"{source}: the API base URL {problem}, got {shown}")

    try:
        parts = urlsplit(text)
    except ValueError:
        raise bad("has a bad host") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        try:
            normalise_base_url(text)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    if any(char.isspace() or not char.isprintable() for char in text):
        raise bad("contains spaces or control characters")
    try:
        port = parts.port
    except ValueError:
        raise bad("has a bad port (the port must be 1-65535)") from None
    if not parts.hostname:
        raise bad("has no host")
    if port == 0:
        raise bad("has a bad port (the port must be 1-65535)")
    return normalise_base_url(text)


def resolve_settings(env: Mapping[str, str] | None = None,
                     base_url: str | None = None) -> Settings:
    """Token from ``LOBSTR_TOKEN``, else ``[auth] token`` in the config file; base URL
    from the argument, else ``LOBSTR_API_BASE``, else the public API."""
    environ = os.environ if env is None else env
    path = config_path(environ)
    data, warnings = _read_config(path)
    token = environ.get("LOBSTR_TOKEN") or None
    source = "LOBSTR_TOKEN" if token else None
    if token is None:
        auth = data.get("auth", {})
        if not isinstance(auth, dict):
            raise ConfigError(f"{path}: [auth] must be a table")
        value = auth.get("token")
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: [auth] token must be a string")
        if value:
            token, source = value.strip(), str(path)
    if token and source:
        check_token(token.strip(), source)
    if base_url:
        url, url_source = base_url, "--base-url"
    elif environ.get("LOBSTR_API_BASE"):
        url, url_source = environ["LOBSTR_API_BASE"], "LOBSTR_API_BASE"
    else:
        url, url_source = DEFAULT_BASE_URL, "default"
    return Settings(token=Token(token) if token else None, token_source=source,
                    base_url=check_base_url(url, url_source), warnings=tuple(warnings))


NO_TOKEN_MESSAGE = (
    "lobstr-tui: no API token found. Set one with\n"
    "  export LOBSTR_TOKEN=...        (from " + TOKEN_PAGE + ")\n"
    "or put it in {path} as\n"
    "  [auth]\n"
    '  token = "..."\n'
    "or try the bundled simulator: lobstr-tui --demo"
)
