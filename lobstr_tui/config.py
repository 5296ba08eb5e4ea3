"""Where the token and base URL come from: environment first, then the official CLI's file.

The token is read, never written, and never put in a message.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lobstr_tui.api.client import DEFAULT_BASE_URL
from lobstr_tui.api.secret import Token


class ConfigError(Exception):
    """The config file exists but cannot be used; the message is one line."""


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/lobstr/config.toml``, default ``~/.config/lobstr/config.toml``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lobstr" / "config.toml"


@dataclass(frozen=True)
class Settings:
    """The resolved token (hidden from ``repr``), base URL and any warnings."""

    token: Token | None = field(repr=False)
    token_source: str | None
    base_url: str
    warnings: tuple[str, ...] = ()


def _read_config(path: Path) -> tuple[dict[str, object], list[str]]:
    warnings: list[str] = []
    if not path.exists():
        return {}, warnings
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"warning: {path} is readable by other users; "
                            f"run: chmod 600 {path}")
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return data, warnings


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
    url = base_url or environ.get("LOBSTR_API_BASE") or DEFAULT_BASE_URL
    return Settings(token=Token(token) if token else None, token_source=source, base_url=url,
                    warnings=tuple(warnings))


NO_TOKEN_MESSAGE = (
    "lobstr-tui: no API token found. Set one with\n"
    "  export LOBSTR_TOKEN=...        (from https://app.lobstr.io/dashboard/api)\n"
    "or put it in {path} as\n"
    "  [auth]\n"
    '  token = "..."\n'
    "or try the bundled simulator: lobstr-tui --demo"
)
