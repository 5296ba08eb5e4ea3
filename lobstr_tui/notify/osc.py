"""Desktop notifications through the terminal itself, so they reach the person over SSH.

The terminal turns a few bytes into its own notification; terminals disagree on which
bytes they read, so the sequence is chosen from the environment:

==========================  ==========================================================
OSC 9 (iTerm2)              ``ESC ] 9 ; title: body BEL``: one text, no title of its own
OSC 99 (kitty)              ``ESC ] 99 ; i=ID:d=0 ; title ESC \\`` then
                            ``ESC ] 99 ; i=ID:p=body ; body ESC \\``
OSC 777 (every other one)   ``ESC ] 777 ; notify ; title ; body BEL``: foot, Ghostty,
                            WezTerm, rxvt-unicode, VTE terminals with the notify patch
==========================  ==========================================================

Under tmux the sequence is wrapped for passthrough (``ESC P tmux ; … ESC \\`` with every
ESC inside doubled); tmux forwards it only with ``set -g allow-passthrough on``.

Titles and bodies carry squid names and API messages, which are untrusted: every control
character is removed (an ESC or BEL would end the sequence early and let the rest be
obeyed as the terminal's input), ``;`` becomes ``,`` where it separates fields, and the
text is cut to a length every terminal shows. Pure functions: writing the bytes, and
never while headless, is the app's job.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from lobstr_tui.api.text import BIDI_CONTROLS, fit

BELL = "\a"
"""The terminal bell."""

ESC = "\x1b"
ST = ESC + "\\"
"""String Terminator."""

TITLE_CELLS = 80
BODY_CELLS = 240
"""Longer texts are cut (with ``…``): notification popups show about this much."""

OSC_9 = "9"
OSC_99 = "99"
OSC_777 = "777"
PROTOCOLS = (OSC_9, OSC_99, OSC_777)

FORCE_VARIABLE = "LOBSTR_TUI_OSC"
"""An environment variable that picks the protocol (``9``, ``99`` or ``777``) when the
guess is wrong, e.g. inside tmux over SSH, where the terminal's name does not arrive."""

_SPACES = frozenset("\t\n\r\v\f\u0085\u2028\u2029")


def plain_text(text: str, cells: int, *, semicolons: bool = True) -> str:
    """``text`` safe inside an OSC string: line breaks and tabs become spaces, every
    other control character (C0, DEL, C1), bidi control and lone surrogate is removed,
    runs of spaces collapse, ``;`` becomes ``,`` unless ``semicolons``; at most
    ``cells`` terminal cells."""
    kept: list[str] = []
    for char in text:
        code = ord(char)
        if char in _SPACES:
            kept.append(" ")
        elif (code < 0x20 or 0x7F <= code < 0xA0 or code in BIDI_CONTROLS
              or 0xD800 <= code < 0xE000):
            continue
        elif char == ";" and not semicolons:
            kept.append(",")
        else:
            kept.append(char)
    return fit(" ".join("".join(kept).split()), cells)


def terminal_protocol(env: Mapping[str, str]) -> str:
    """Which OSC the terminal reads: :data:`FORCE_VARIABLE` if set to a known one, else
    ``9`` for iTerm2 (``TERM_PROGRAM=iTerm.app``, or ``LC_TERMINAL=iTerm2``, which
    iTerm2 sets and SSH forwards), ``99`` for kitty (``TERM=xterm-kitty`` or
    ``KITTY_WINDOW_ID``), else ``777``."""
    forced = env.get(FORCE_VARIABLE, "").strip()
    if forced in PROTOCOLS:
        return forced
    if env.get("TERM_PROGRAM") == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2":
        return OSC_9
    if env.get("TERM") == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return OSC_99
    return OSC_777


def osc_777(title: str, body: str) -> str:
    """``ESC ] 777 ; notify ; title ; body BEL`` (fields cleaned, ``;`` replaced)."""
    return (f"{ESC}]777;notify;{plain_text(title, TITLE_CELLS, semicolons=False)};"
            f"{plain_text(body, BODY_CELLS, semicolons=False)}{BELL}")


def osc_9(title: str, body: str) -> str:
    """``ESC ] 9 ; text BEL``, the text being ``title: body``. No ``;`` is left in it:
    Windows Terminal and ConEmu read ``9;4;…`` and the like as other commands."""
    text = f"{title}: {body}" if title and body else title or body
    return f"{ESC}]9;{plain_text(text, TITLE_CELLS + BODY_CELLS, semicolons=False)}{BELL}"


def osc_99(title: str, body: str) -> str:
    """kitty's notification: the title, then the body, joined by one identifier so
    kitty shows them as one notification (the payload after the second ``;`` is taken
    whole, so ``;`` stays)."""
    title_text = plain_text(title, TITLE_CELLS)
    body_text = plain_text(body, BODY_CELLS)
    if not body_text:
        return f"{ESC}]99;;{title_text}{ST}"
    # One identifier per text: kitty replaces a shown notification of the same id.
    digest = zlib.crc32("\n".join((title_text, body_text)).encode())
    ident = f"lobstr-{digest:08x}"
    return (f"{ESC}]99;i={ident}:d=0;{title_text}{ST}"
            f"{ESC}]99;i={ident}:d=1:p=body;{body_text}{ST}")


def tmux_passthrough(sequence: str) -> str:
    """``sequence`` wrapped so tmux hands it to the terminal outside it."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


_ENCODERS = {OSC_9: osc_9, OSC_99: osc_99, OSC_777: osc_777}


def desktop_sequence(title: str, body: str, *, env: Mapping[str, str]) -> str:
    """The bytes (as text) that make the terminal described by ``env`` (usually
    ``os.environ``) show a desktop notification; wrapped for tmux when ``TMUX`` is set."""
    sequence = _ENCODERS[terminal_protocol(env)](title, body)
    return tmux_passthrough(sequence) if env.get("TMUX") else sequence
