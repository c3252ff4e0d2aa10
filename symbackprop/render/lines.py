"""Long display equations broken over lines, never shrunk.

A LaTeX right-hand side is cut at its top-level + , - , \\cdot and = (outside every
brace and parenthesis), and the pieces are packed greedily into lines of at most
``WIDTH`` printed characters. ``broken`` joins them with an aligned environment's line
break, each continuation indented under the first line (``&\\quad + ...``); it is the
``broken`` filter of the templates, inside ``aligned`` (Markdown, KaTeX) or ``align*``
(LaTeX).
"""

from __future__ import annotations

import re

# Printed characters per display line: a 16 cm text width at 11 pt, with room for the
# left-hand side's indentation.
WIDTH = 64

_COMMANDS = re.compile(r"\\(left|right|cdot|mathbf|boldsymbol|operatorname|mathrm|"
                       r"displaystyle|quad|,|;)\b|\\frac|[{}\s&]")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}|[_^](.)")
# a top-level operator, or a product's next parenthesised factor: ") \left("
_TOP = re.compile(r" (\+|-|\\cdot|=|\\le) |(?<=[})]) (?=\\left\()")


def ink(tex: str) -> float:
    """Roughly how many characters wide ``tex`` prints: a fraction as its wider part,
    sub- and superscripts at 0.6, commands and braces not counted."""
    s = tex
    for _ in range(4):  # nested fractions, innermost first
        s = _FRAC.sub(lambda m: max(m.group(1), m.group(2), key=len), s)
    small = sum(len(_COMMANDS.sub("", a or b)) for a, b in _SCRIPT.findall(s))
    s = _SCRIPT.sub("", s)
    s = re.sub(r"\\[A-Za-z]+", "x", _COMMANDS.sub("", s))
    return len(s) + 0.6 * small


def pieces(tex: str) -> list[str]:
    """``tex`` cut before each top-level operator (outside every brace, parenthesis and
    environment): ["a", "+ b", "\\cdot c"]."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        c = tex[i]
        if tex.startswith(r"\begin{", i):  # an environment (cases, pmatrix) is one piece
            depth += 1
        elif tex.startswith(r"\end{", i):
            depth -= 1
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif depth == 0 and c == " ":
            m = _TOP.match(tex, i)
            if m and i > start:
                out.append(tex[start:i])
                start = i + 1
                i = max(m.end() - 1, i)
        i += 1
    out.append(tex[start:])
    return [p for p in out if p]


def lines(tex: str, first: float = 0, width: float = WIDTH) -> list[str]:
    """``tex`` packed into lines of at most ``width`` printed characters, the first line
    after a left-hand side ``first`` characters wide. A line breaks between the terms of
    a sum; a term too long for a line of its own is broken between its factors."""
    out, cur, room = [], "", width - first

    def push(p):
        nonlocal cur, room
        if cur and ink(cur) + ink(p) > room:
            out.append(cur)
            cur, room = p, width - 4
        else:
            cur = f"{cur} {p}" if cur else p

    for term in _terms(pieces(tex)):
        whole = " ".join(term)
        if cur and ink(cur) + ink(whole) > room and ink(whole) <= width - 4:
            out.append(cur)  # the whole term on the next line
            cur, room = whole, width - 4
        else:
            for p in term:
                push(p)
    return out + [cur]


def _terms(parts: list[str]) -> list[list[str]]:
    """The pieces grouped into the terms of the sum: a term starts at + - = or \\le, and
    runs on over its factors (\\cdot b, \\left(c\\right))."""
    terms: list[list[str]] = []
    for p in parts:
        if not terms or re.match(r"(\+|-|=|\\le) ", p):
            terms.append([p])
        else:
            terms[-1].append(p)
    return terms


def broken(tex: str, lhs: str = "") -> str:
    """``tex`` with aligned line breaks where it is too long for one line."""
    return r" \\ &\quad ".join(lines(tex, ink(lhs)))





def equation(rhs: str, lhs: str = "") -> str:
    """``lhs = rhs`` for a display, as one line when it fits, else an ``aligned`` block
    broken at the top-level operators of ``rhs``."""
    ls = lines(rhs, ink(lhs) + 2 if lhs else 0)
    if len(ls) == 1:
        return f"{lhs} = {rhs}" if lhs else rhs
    head = f"{lhs} &= " if lhs else "& "
    return r"\begin{aligned}" + "\n" + head + " \\\\\n&\\quad ".join(ls) + "\n" + r"\end{aligned}"
__all__ = ["WIDTH", "broken", "equation", "ink", "lines", "pieces"]
