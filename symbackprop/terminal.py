"""Text bound for a terminal made inert: control characters (escape sequences, carriage
returns, backspaces, C1 controls) and the bidirectional overrides that reorder what is
shown are printed as visible escapes, so a submission or a file name cannot move the
cursor, recolour the screen, retitle the window or hide text."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates,
# the line and paragraph separators
# (and the lone surrogates that stand for the bytes of a file name that is not UTF-8)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\u2028\u2029\ud800-\udfff]")


def printable(text) -> str:
    """``text`` with every control character shown as ``\\xNN`` or ``\\uNNNN``."""
    return _CONTROL.sub(_show, str(text))


def printable_line(text) -> str:
    """As ``printable``, with newlines and tabs shown too: one line for an error message."""
    return printable(text).replace("\t", "\\t").replace("\n", "\\n")


def _show(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable_json(text: str) -> str:
    """JSON text with the same characters as ``\\uNNNN`` escapes (still the same JSON:
    outside its strings JSON text holds none of them)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
