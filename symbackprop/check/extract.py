"""The equations of a file, each with the line it starts on.

- Markdown (.md): every ``$$…$$`` and ``\\[…\\]`` display block, ```` ```math ```` fence
  and bare equation environment (``\\begin{align}``); other code fences and inline ``$…$``
  are skipped.
- LaTeX (.tex): equation, align, gather, multline (and their starred forms), ``\\[…\\]``
  and ``$$…$$``; comments are dropped.
- Plain text (.txt and anything else): one equation per line; blank lines and lines
  starting with # are skipped.

Inside a display, rows split at ``\\\\`` (not inside ``cases`` or a matrix: one claim); a row that starts with ``=`` continues the
previous equation (``&= …`` in an align), one that starts with +, -, \\cdot or \\times
(after any ``\\quad``) continues its right side; several equations on one row split at ``\\quad``, ``\\qquad``, ``\\text{…}``,
``\\Rightarrow``, ``\\therefore`` and the like.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_CHARS = 2_000_000   # a larger file is refused
MAX_EQUATIONS = 5_000        # equations judged per file; the rest are reported once


class InputError(ValueError):
    """A file that cannot be used at all (unreadable, not text, too large)."""


@dataclass(frozen=True)
class Equation:
    line: int
    text: str
    mode: str = "latex"       # latex | ascii
    text_only: bool = False   # a display block with no math in it


def read(path) -> str:
    try:  # never blocks: a FIFO, socket or device is refused before a byte is read
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path}: not a regular file")
        data = fh.read(MAX_FILE_CHARS * 4 + 1)  # bounded: a huge file is not read whole
    if len(data) > MAX_FILE_CHARS * 4:
        raise InputError(f"{path}: too large (more than {MAX_FILE_CHARS * 4} bytes)")
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    if len(text) > MAX_FILE_CHARS:
        raise InputError(f"{path}: too large ({len(text)} characters; limit {MAX_FILE_CHARS})")
    return text


def kind_of(path) -> str:
    suffix = Path(str(path)).suffix.lower()
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    if suffix in (".tex", ".latex", ".ltx"):
        return "latex"
    return "text"


def extract(text: str, kind: str) -> list[Equation]:
    lines = _Lines(text)
    if kind == "markdown":
        blocks = markdown_blocks(text)
    elif kind == "latex":
        blocks = latex_blocks(text)
    else:
        return text_lines(text)
    out = []
    for start, body, joined in blocks:
        eqs = block_equations(body, start, lines, joined)
        lead = len(body) - len(body.lstrip())
        out.extend(eqs if eqs else [Equation(lines.at(start + lead), body.strip(), "latex", True)])
    return out


class _Lines:
    def __init__(self, text):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


# ---------------------------------------------------------------------------- blocks

_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([A-Za-z0-9_+-]*)[^\n]*$", re.M)


def markdown_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(offset, content, joined) of each display block, in file order."""
    masked = list(text)
    blocks = []
    pos = 0
    while True:
        m = _FENCE.search(text, pos)
        if not m:
            break
        fence, lang = m.group(1), m.group(2).lower()
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{%d,}[ \t]*$" % len(fence), re.M)
        end = close.search(text, m.end())
        stop = end.start() if end else len(text)
        after = end.end() if end else len(text)
        if lang == "math":
            blocks.append((m.end() + 1, text[m.end() + 1:stop], False))
        for i in range(m.start(), after):
            if masked[i] != "\n":
                masked[i] = " "
        pos = after
    masked = "".join(masked)
    pairs = _pairs(masked, _DISPLAY_MARKS, _DISPLAY_CLOSE)
    for a, b in pairs:
        blocks.append((a, text[a:b], False))
    # a bare \begin{align} ... \end{align} (KaTeX and MathJax render it in Markdown too),
    # outside the display blocks already taken
    if "\\begin" in masked:
        taken = list(masked)
        for a, b in pairs:
            taken[a - 2:b + 2] = " " * (b + 2 - max(a - 2, 0))
        for a, b, joined in _environments("".join(taken)):
            blocks.append((a, text[a:b], joined))
    return sorted(blocks, key=lambda b: b[0])


# Display delimiters, found in one pass and paired left to right: a regex with a lazy
# ``(.+?)`` between them rescans the rest of the file from every unclosed opener, which
# is quadratic in a file of nothing but ``\[``.
_DISPLAY_MARKS = re.compile(r"\$\$|\\\[|\\\]")
_DISPLAY_CLOSE = {"$$": "$$", "\\[": "\\]"}


def _pairs(text: str, marks, close: dict) -> list[tuple[int, int]]:
    """(start, end) of the content between each opener and the first closer of its kind
    after it, openers inside a pair skipped and empty contents dropped: linear time."""
    out, opened, content = [], None, 0
    for m in marks.finditer(text):
        tok = m.group(0)
        if opened is None:
            if tok in close:
                opened, content = close[tok], m.end()
        elif tok == opened:
            if m.start() > content:
                out.append((content, m.start()))
            opened = None
    return out


_ENVS = "equation|align|gather|multline|flalign|eqnarray|alignat|displaymath|math"
_TEX_MARKS = re.compile(r"\\begin\{(%s)(\*?)\}|\\end\{(?:%s)\*?\}|\$\$|\\\[|\\\]"
                        % (_ENVS, _ENVS))


_ENV_MARKS = re.compile(r"\\begin\{(%s)(\*?)\}|\\end\{(?:%s)\*?\}" % (_ENVS, _ENVS))


def _environments(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, joined) of each top-level equation environment's content."""
    out, opened = [], None
    for m in _ENV_MARKS.finditer(text):
        if opened is None:
            if m.group(1) is not None:
                opened = (f"\\end{{{m.group(1)}{m.group(2)}}}", m.end(), m.group(1) == "multline")
        elif m.group(0) == opened[0]:
            if m.start() > opened[1]:
                out.append((opened[1], m.start(), opened[2]))
            opened = None
    return out


def latex_blocks(text: str) -> list[tuple[int, str, bool]]:
    # comments out, offsets kept
    text = re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)
    blocks, opened = [], None
    # one pass over every delimiter: an environment's \\end must match its \\begin,
    # \\[ pairs with \\] and $$ with $$, and nothing opens inside an open block
    for m in _TEX_MARKS.finditer(text):
        tok = m.group(0)
        if opened is None:
            if m.group(1) is not None:
                opened = (f"\\end{{{m.group(1)}{m.group(2)}}}", m.end(), m.group(1) == "multline")
            elif tok in _DISPLAY_CLOSE:
                opened = (_DISPLAY_CLOSE[tok], m.end(), False)
        elif tok == opened[0]:
            if m.start() > opened[1]:
                blocks.append((opened[1], text[opened[1]:m.start()], opened[2]))
            opened = None
    return blocks


def text_lines(text: str) -> list[Equation]:
    out = []
    for i, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("//"):
            continue
        dollars = line.startswith("$")
        line = line.strip("$").strip()
        if not line:
            continue
        mode = "latex" if dollars or re.search(r"[\\{}]", line) else "ascii"
        out.append(Equation(i, line, mode, "=" not in line))
    return out


# ---------------------------------------------------------------------------- rows

_WRAP = re.compile(r"\\(?:begin|end)\{(?:aligned|alignedat|split|gathered|array|"
                   r"align\*?|equation\*?|gather\*?)\}(?:\{[^{}]*\})?")
# "&\quad \cdot …": a row that goes on with an operator continues the row above
_INDENT = re.compile(r"^(?:\\q?quad\s*|\\[,;:!]\s*)+")
_CONTINUES = re.compile(r"^(?:[-+*]|\\cdot(?![A-Za-z])|\\times(?![A-Za-z]))")
_ROW = re.compile(r"\\\\(?:\s*\[[^\]]*\])?")
_SEPARATORS = re.compile(r",?\s*\\q?quad(?![A-Za-z])|\\(?:text|mbox|textrm|textit|intertext)\s*\{[^{}]*\}"
                         r"|\\(?:Rightarrow|implies|therefore|Longrightarrow|because|iff|hence)(?![A-Za-z])"
                         r"|(?<!\\);")
# a case split or a matrix is one claim: its rows and columns are kept together
_WHOLE = re.compile(r"\\begin\{(cases|dcases|[bpvBV]?matrix|smallmatrix)\}.*?\\end\{\1\}", re.S)
_ROW_MARK, _COL_MARK, _TEXT_MARK = "\x01", "\x02", "\x03"


def _protect(body: str) -> str:
    return _WHOLE.sub(lambda m: re.sub(r"\\q?quad(?![A-Za-z])", " ", m.group(0))
                      .replace("\\\\", _ROW_MARK + " ").replace("&", _COL_MARK)
                      .replace("\\text", _TEXT_MARK), body)


def _restore(text: str) -> str:
    return text.replace(_ROW_MARK + " ", "\\\\").replace(_ROW_MARK, "\\\\") \
        .replace(_COL_MARK, "&").replace(_TEXT_MARK, "\\text")


def _depths(s: str) -> list[int]:
    """The nesting depth at each character (an opening bracket counts as outside)."""
    out, d = [], 0
    for i, ch in enumerate(s):
        escaped = i and s[i - 1] == "\\"
        if ch in "})]" and not escaped:
            d -= 1
        out.append(d)
        if ch in "{([" and not escaped:
            d += 1
    return out


def _pieces(s: str, offset: int, pattern) -> list[tuple[int, str]]:
    """``s`` split at the matches of ``pattern`` outside any brackets."""
    depth = _depths(s)
    out, start = [], 0
    for m in pattern.finditer(s):
        if depth[m.start()] != 0:
            continue
        out.append((offset + start, s[start:m.start()]))
        start = m.end()
    out.append((offset + start, s[start:]))
    return out


def _last_side(text: str) -> str:
    depth = _depths(text)
    cuts = [i for i, ch in enumerate(text) if ch == "=" and depth[i] == 0]
    return text[cuts[-1] + 1:] if cuts else text


def block_equations(body: str, start: int, lines: _Lines, joined: bool) -> list[Equation]:
    if "\\begin" in body:
        body = _protect(body)
    body = _WRAP.sub(lambda m: " " * len(m.group(0)), body)
    if joined:  # multline: one equation over several rows
        rows = [(start, _ROW.sub(lambda m: " " * len(m.group(0)), body))]
    else:
        rows = _pieces(body, start, _ROW)
    merged: list[list] = []
    for off, row in rows:
        clean = row.replace("&", " ").strip()
        if not clean:
            continue
        lead = len(row) - len(row.lstrip())
        head = _INDENT.sub("", clean)
        # "&\quad (y_{true} - y_{pred})": an aligned row indented under the right side,
        # with no '=' of its own, goes on with the product of the row above
        factor = row.lstrip().startswith("&") and head != clean.strip() and \
            not _last_side(head) != head
        if merged and (_CONTINUES.match(head) or factor) and not merged[-1][2]:
            merged[-1][1] += " " + head
            continue
        merged.append([off + lead, clean, False])
    out: list[Equation] = []
    previous = None
    for off, row, _ in merged:
        for seg_off, seg in _pieces(row, off, _SEPARATORS):
            text = seg.strip().strip(",.").strip()
            if not text or not re.search(r"[A-Za-z0-9]", text):
                continue
            if text.startswith("=") and previous is not None:
                text = _last_side(previous).strip() + " " + text
            lead = len(seg) - len(seg.lstrip())
            out.append(Equation(lines.at(seg_off + lead), _restore(text), "latex"))
            previous = text
    return out
