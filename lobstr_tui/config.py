"""Where the token and base URL come from: environment first, then the official CLI's file,
whose ``[auth] token`` is the ``default`` profile next to any ``[profiles.NAME]`` (other
lobstr.io accounts, chosen with ``--profile`` or ``LOBSTR_PROFILE``).

The token is read, never written, and never put in a message.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from lobstr_tui.api.secret import Token
from lobstr_tui.api.urls import DEFAULT_BASE_URL, normalise_base_url

TOKEN_PAGE = "https://app.lobstr.io/dashboard/api"


class ConfigError(Exception):
    """The config file exists but cannot be used; the message is one line."""


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/lobstr/config.toml``, default ``~/.config/lobstr/config.toml``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lobstr" / "config.toml"


DEFAULT_PROFILE = "default"
"""The profile of ``LOBSTR_TOKEN`` and ``[auth] token``, as the official CLI writes it."""
PROFILE_ENV = "LOBSTR_PROFILE"
PROFILE_KEYS = ("token", "token_env", "base_url")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_CONVENTIONAL_ENV = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class Profile:
    """One lobstr.io account of the config file.

    ``token`` is hidden from ``repr``; ``token_source`` says where it came from, for
    messages (``LOBSTR_TOKEN``, the variable ``token_env`` names, or the file and
    table); ``problem``, when set, is why the profile cannot be used (one line, never a
    character of the token)."""

    name: str
    token: Token | None = field(repr=False)
    token_source: str | None
    base_url: str
    token_env: str | None = None
    problem: str | None = None

    @property
    def usable(self) -> bool:
        """True when the profile has a token that can be sent."""
        return self.problem is None and bool(self.token)


@dataclass(frozen=True)
class Settings:
    """The resolved token (hidden from ``repr``), base URL and any warnings;
    ``token_source`` says where the token came from (``LOBSTR_TOKEN`` or the config
    file's path), for messages."""

    token: Token | None = field(repr=False)
    token_source: str | None
    base_url: str
    warnings: tuple[str, ...] = ()
    profile: str = "default"
    """The profile in use (``default``: ``LOBSTR_TOKEN`` or ``[auth] token``)."""
    chosen: bool = False
    """The profile was named (``--profile`` or ``LOBSTR_PROFILE``)."""
    profiles: tuple[Profile, ...] = field(default=(), repr=False)
    """Every profile of the config file, ``default`` first (for switching)."""


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
                     base_url: str | None = None, profile: str | None = None) -> Settings:
    """The profile to use, with every profile of the config file (see :func:`read_profiles`).

    ``profile`` (``--profile``), else ``LOBSTR_PROFILE``, names one; without a name the
    ``default`` profile is used: token from ``LOBSTR_TOKEN``, else ``[auth] token`` (no
    token at all: ``token`` is None). Base URL from the argument, else the profile's
    ``base_url``, else ``LOBSTR_API_BASE``, else the public API. A profile that cannot
    be used (unknown name, no token, unset ``token_env``, a token that cannot be sent)
    raises :class:`ConfigError`."""
    environ = os.environ if env is None else env
    path = config_path(environ)
    data, warnings = _read_config(path)
    fallback = _fallback_url(environ, base_url)
    profiles = read_profiles(data, path, environ, fallback=fallback,
                             override=bool(base_url))
    wanted = profile if profile is not None else (environ.get(PROFILE_ENV) or None)
    if wanted is None:
        current = next((p for p in profiles if p.name == DEFAULT_PROFILE), None)
        if current is None:
            return Settings(token=None, token_source=None, base_url=fallback,
                            warnings=tuple(warnings), profiles=profiles)
    else:
        current = next((p for p in profiles if p.name == wanted), None)
        if current is None:
            raise ConfigError(unknown_profile(wanted, "--profile" if profile is not None
                                              else PROFILE_ENV, profiles, path))
    if current.problem is not None:
        raise ConfigError(current.problem)
    return Settings(token=current.token, token_source=current.token_source,
                    base_url=current.base_url, warnings=tuple(warnings),
                    profile=current.name, chosen=wanted is not None, profiles=profiles)


def _fallback_url(environ: Mapping[str, str], base_url: str | None) -> str:
    """The base URL of a profile without its own: ``--base-url``, else
    ``LOBSTR_API_BASE``, else the public API (checked)."""
    if base_url:
        url, url_source = base_url, "--base-url"
    elif environ.get("LOBSTR_API_BASE"):
        url, url_source = environ["LOBSTR_API_BASE"], "LOBSTR_API_BASE"
    else:
        url, url_source = DEFAULT_BASE_URL, "default"
    return check_base_url(url, url_source)


def unknown_profile(name: str, source: str, profiles: Sequence[Profile], path: Path) -> str:
    """One line: the name asked for is not a profile; the known ones."""
    known = ", ".join(p.name for p in profiles) or "none"
    return (f"{source}: unknown profile {name[:40]!r} (known: {known}; a profile is a "
            f"[profiles.NAME] table in {path})")


def read_profiles(data: Mapping[str, object], path: Path, environ: Mapping[str, str], *,
                  fallback: str, override: bool = False) -> tuple[Profile, ...]:
    """Every profile: ``default`` first (when it has a token: ``LOBSTR_TOKEN``, ``[auth]
    token`` or ``[profiles.default]``), then each ``[profiles.NAME]`` in file order.

    A file that is wrong (``[profiles.X]`` not a table, an unknown key, a value of the
    wrong type, a bad ``base_url``) raises :class:`ConfigError`; a profile whose token
    cannot be had (none given, ``token_env`` naming an unset variable, characters that
    cannot be sent) gets its ``problem`` instead, said when it is chosen. ``fallback`` is
    the base URL of a profile without its own; with ``override`` (``--base-url``) it is
    every profile's. No message shows a character of a token."""
    auth = data.get("auth", {})
    if not isinstance(auth, dict):
        raise ConfigError(f"{path}: [auth] must be a table")
    auth_token = auth.get("token")
    if auth_token is not None and not isinstance(auth_token, str):
        raise ConfigError(f"{path}: [auth] token must be a string")
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: profiles must be a table of [profiles.NAME] tables")
    profiles: list[Profile] = []
    for name, table in tables.items():
        if not _PROFILE_NAME.fullmatch(name):
            raise ConfigError(f"{path}: the profile name {name[:40]!r} is not allowed (up "
                              f"to 32 letters, digits, '-', '_' or '.')")
        if not isinstance(table, dict):
            # Never the value: it may be the token, written in the wrong place.
            raise ConfigError(f"{path}: [profiles.{name}] must be a table (with token, "
                              f"token_env or base_url under it)")
        profiles.append(_profile(name, table, path, environ, fallback, override))
    default = next((p for p in profiles if p.name == DEFAULT_PROFILE), None)
    if default is not None and auth_token and (default.token or default.token_env):
        raise ConfigError(f"{path}: [auth] token and [profiles.default] both give the "
                          f"default profile's token; keep one")
    # The default profile's token, as before profiles: LOBSTR_TOKEN, else [auth] token.
    env_token = environ.get("LOBSTR_TOKEN") or None
    for token, source in ((auth_token, str(path)), (env_token, "LOBSTR_TOKEN")):
        if token:
            problem = (_token_problem(token.strip(), source) if token.strip() else
                       _blank_token(source, path, in_file=bool(auth_token)))
            default = Profile(DEFAULT_PROFILE, Token(token), source,
                              default.base_url if default is not None else fallback,
                              problem=problem)
    named = [p for p in profiles if p.name != DEFAULT_PROFILE]
    return tuple([default, *named] if default is not None else named)


def _profile(name: str, table: Mapping[str, object], path: Path,
             environ: Mapping[str, str], fallback: str, override: bool) -> Profile:
    where = f"[profiles.{name}]"
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            raise ConfigError(f"{path}: {where} has an unknown key {key[:30]!r} (known: "
                              f"{', '.join(PROFILE_KEYS)})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where} {key} must be a string")
    token = str(table.get("token", "")).strip()
    token_env = str(table.get("token_env", "")).strip() or None
    url = table.get("base_url")
    if isinstance(url, str) and url.strip() and not override:
        base_url = check_base_url(url, f"{path} {where} base_url")
    else:
        base_url = fallback
    if token and token_env:
        raise ConfigError(f"{path}: {where} has both token and token_env; keep one")
    if token_env is not None:
        if "_" not in token_env and len(token_env) >= 20:
            # Most likely the token itself, in the wrong key: never repeated.
            raise ConfigError(f"{path}: {where} token_env must name an environment "
                              f"variable, not hold the token (use token = \"...\")")
        if not _ENV_NAME.fullmatch(token_env):
            raise ConfigError(f"{path}: {where} token_env must be the name of an "
                              f"environment variable (letters, digits and _)")
        value = (environ.get(token_env) or "").strip()
        if not value:
            # Named only when it looks like a variable's name by convention (upper
            # case): a token put there by mistake is never repeated.
            variable = token_env if _CONVENTIONAL_ENV.fullmatch(token_env) else None
            said = (f"token_env names {variable}, which is not set (or is empty); export "
                    f"{variable}=..." if variable else
                    "the variable that token_env names is not set (or is empty)")
            return Profile(name, None, variable, base_url, token_env=variable,
                           problem=f"profile {name}: {said} (from {TOKEN_PAGE})")
        variable = token_env if _CONVENTIONAL_ENV.fullmatch(token_env) else None
        source = variable or f"the variable token_env names in {where}"
        return Profile(name, Token(value), source, base_url, token_env=variable,
                       problem=_token_problem(value, source))
    source = f"{path} {where}"
    if not token:
        return Profile(name, None, None, base_url,
                       problem=f"profile {name} has no token: add token = \"...\" or "
                               f"token_env = \"VARIABLE\" under {where} in {path}")
    return Profile(name, Token(token), source, base_url,
                   problem=_token_problem(token, source))


def _blank_token(source: str, path: Path, *, in_file: bool) -> str:
    """Why the default profile has no token when its token is only spaces: ``source``
    (``LOBSTR_TOKEN`` or the config file) gives one, blank; ``in_file``: the file's
    ``[auth] token`` is set too (a blank LOBSTR_TOKEN hides it)."""
    if source != "LOBSTR_TOKEN":
        return (f"[auth] token in {path} is blank (white space only): put the token there, "
                f"or export LOBSTR_TOKEN=... (from {TOKEN_PAGE})")
    instead = f", or unset it to use [auth] token in {path}" if in_file else ""
    return (f"LOBSTR_TOKEN is set but blank (white space only): export LOBSTR_TOKEN=... with "
            f"the token (from {TOKEN_PAGE}){instead}")


def _token_problem(token: str, source: str) -> str | None:
    """Why ``token`` cannot be sent (see :func:`check_token`), or None."""
    try:
        check_token(token, source)
    except ConfigError as exc:
        return str(exc)
    return None


NO_TOKEN_MESSAGE = (
    "lobstr-tui: no API token found. Set one with\n"
    "  export LOBSTR_TOKEN=...        (from " + TOKEN_PAGE + ")\n"
    "or put it in {path} as\n"
    "  [auth]\n"
    '  token = "..."\n'
    "or try the bundled simulator: lobstr-tui --demo"
)


def every_profile(settings: Settings) -> Settings:
    """``--all-profiles``: ``settings`` when every profile can be used, shown first the
    one chosen (else ``default``, else the first); else :class:`ConfigError` saying
    which cannot."""
    for profile in settings.profiles:
        if profile.problem is not None:
            raise ConfigError(f"--all-profiles: {profile.problem}")
        if not profile.token:
            raise ConfigError(f"--all-profiles: profile {profile.name} has no token")
    if settings.token or not settings.profiles:
        return settings
    first = settings.profiles[0]
    return replace(settings, token=first.token, token_source=first.token_source,
                   base_url=first.base_url, profile=first.name)


def no_default_message(settings: Settings, path: Path) -> str:
    """One line: no profile was chosen and the default one has no token, but named
    profiles exist."""
    names = ", ".join(p.name for p in settings.profiles)
    return (f"no token for the default profile (LOBSTR_TOKEN, or [auth] token in {path}); "
            f"choose a profile with --profile NAME or LOBSTR_PROFILE (known: {names})")
