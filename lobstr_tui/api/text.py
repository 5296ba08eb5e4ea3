"""Untrusted text from the API, made safe and measurable for a terminal.

Every string lobstr.io sends may be shown, and a terminal obeys what it is sent: an ESC
starts an escape sequence (a new window title, a cleared screen), C1 bytes do the same
on some terminals, bidi controls reorder what follows. :func:`clean` turns each of them
into a visible placeholder, so that what the API sent is shown, never obeyed:

=====================================  ===============================================
C0 controls U+0000–U+001F              Unicode Control Pictures: ␀ … ␛ (ESC) … ␟
DEL U+007F                             ␡
newlines ``\\r\\n``, ``\\r``, ``\\n``,
U+2028, U+2029                         ⏎ (one per line break)
tab                                    a space
C1 controls U+0080–U+009F              � (U+FFFD)
bidi controls U+202A–U+202E,
U+2066–U+2069, U+200E, U+200F, U+061C  ``⟪U+202E⟫``: the code point, visibly
lone surrogates (invalid UTF-16)       �
=====================================  ===============================================

:func:`cell_width` measures text in terminal cells (East Asian Wide and Fullwidth
characters, which include most emoji, take 2; combining marks and zero-width characters
take 0) and :func:`fit` cuts text to a number of cells. :func:`credit_amount` is how
every screen, dialog, log line and alert writes an amount of credits. Standard library
only.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
NEWLINE_MARK = "⏎"
INVALID_MARK = "\N{REPLACEMENT CHARACTER}"

BIDI_CONTROLS = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
"""Code points that change the display order of the text after them."""


def _table() -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\N{SYMBOL FOR DELETE}"
    table[ord("\t")] = " "
    for code in (ord("\n"), ord("\r"), 0x2028, 0x2029):
        table[code] = NEWLINE_MARK
    for code in range(0x80, 0xA0):
        table[code] = INVALID_MARK
    for code in BIDI_CONTROLS:
        table[code] = f"⟪U+{code:04X}⟫"
    for code in range(0xD800, 0xE000):
        table[code] = INVALID_MARK
    return table


_PLACEHOLDERS = _table()


def clean(text: str) -> str:
    """``text`` with every control, escape and bidi character made visible (see the
    module's table). Idempotent: cleaning clean text changes nothing."""
    if text.isprintable():
        # isprintable() is False for every character the table replaces (categories
        # Cc, Cf, Cs, Zl, Zp): the common case costs one scan.
        return text
    return text.replace("\r\n", "\n").translate(_PLACEHOLDERS)


def char_width(char: str) -> int:
    """Terminal cells of one character: 2 wide, 0 combining or zero-width, else 1."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return 0
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if 0x1160 <= code <= 0x11FF:  # Hangul medial vowels and final consonants join
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def cell_width(text: str) -> int:
    """Width of ``text`` in terminal cells (not ``len``: ``"日本"`` is 4, ``"é"`` as
    ``e`` plus a combining accent is 1)."""
    if text.isascii():
        return sum(1 for c in text if " " <= c < "\x7f")
    return sum(char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending with ``…`` when it was cut."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    room = width - cell_width(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        w = char_width(char)
        if used + w > room:
            break
        kept.append(char)
        used += w
    return "".join(kept) + ELLIPSIS


def fit_middle(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells in the middle (``google.com/maps/…+lyon``):
    labels that share a long start keep what tells them apart."""
    if cell_width(text) <= width or width < 12:
        return fit(text, width)
    tail_room = (width - cell_width(ELLIPSIS)) // 2
    tail: list[str] = []
    used = 0
    for char in reversed(text):
        w = char_width(char)
        if used + w > tail_room:
            break
        tail.append(char)
        used += w
    head = fit(text[: len(text) - len(tail)], width - used)
    return head + "".join(reversed(tail))


def bounded(text: str, width: int) -> str:
    """:func:`clean` then :func:`fit`: untrusted text ready for one line of ``width``."""
    return fit(clean(text), width)


CREDIT_DECIMALS = 2
"""lobstr.io charges fractions of a credit (0.5 a phone number): no more are shown."""


def credit_amount(value: float) -> str:
    """An amount of credits, the same way everywhere: ``7,700`` (a whole number has no
    ``.0``), ``1,795.5`` and ``0.25`` (a fraction only when there is one, at most two
    decimals, no trailing zeros), thousands separated by commas. Float noise such as
    ``2594.0000001`` reads ``2,594``."""
    rounded = round(value, CREDIT_DECIMALS) + 0.0  # + 0.0: -0.0 reads 0
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.{CREDIT_DECIMALS}f}".rstrip("0")


def duration_text(seconds: float) -> str:
    """A duration the same way everywhere (the cockpit, the scripts): ``45s``,
    ``2m 03s``, ``1h 04m``, ``2d 03h``; two units at most, a negative one as 0s."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        return f"{hours // 24}d {hours % 24:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
