"""The API token, wrapped so that printing, logging or a traceback never shows it."""

from __future__ import annotations


class Token:
    """An API token. ``str()``, ``repr()`` and f-strings show a mask; ``reveal()`` is the
    one way to the value, used only to build the Authorization header."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value.strip()

    def reveal(self) -> str:
        """The real token, for the Authorization header and nothing else."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Token('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("lobstr-token", self._value))
