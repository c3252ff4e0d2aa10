"""An equation's text before any grammar: its sides (a = b = c, after \\therefore and
words like "so"), its mode (LaTeX or ASCII), and what the checker does not judge
(relations other than '=', matrix notation)."""

from __future__ import annotations

import re

APPROX = (r"\approx", "≈", r"\simeq", r"\doteq")   # a rounded number: judged as one
OTHER_RELATIONS = (r"\neq", r"\ne", r"\leq", r"\geq", r"\le", r"\ge", r"\lt", r"\gt",
                   r"\sim", r"\propto", r"\equiv", r"\in", r"\to", r"\mapsto", "<", ">")
PREFIXES = (r"\therefore", r"\Rightarrow", r"\implies", r"\Longrightarrow", r"\Leftrightarrow",
            r"\iff", r"\hence", r"\because")
PREFIX_WORDS = ("so", "thus", "hence", "then", "therefore", "and", "where", "with", "let", "define",
                "set")
MATRIX = (r"\mathbf", r"\boldsymbol", r"\bm{", r"\vec", r"\nabla", r"\odot", r"\otimes",
          r"\top", "^T", "^{T}", r"\begin{bmatrix", r"\begin{pmatrix")
UNICODE = str.maketrans({"−": "-", "–": "-", "·": "*", "×": "*", "⋅": "*", "’": "'"})
UNICODE_ASCII = str.maketrans({"∂": "d", "σ": "sigma", "Σ": "sum", "ŷ": "y_pred", "δ": "delta"})
UNICODE_LATEX = str.maketrans({"∂": r"\partial ", "σ": r"\sigma ", "Σ": r"\sum ", "ŷ": "y_{pred}",
                               "δ": r"\delta ", "η": r"\eta ", "≈": r"\approx "})


class NotChecked(Exception):
    """The text is not a claim the checker judges; the message says why."""


class Unreadable(Exception):
    """The text is meant as a claim but cannot be read: a syntax error, an unknown name."""


# ---------------------------------------------------------------------------- splitting

def _top_level(text: str):
    """(index, char) of the characters outside (), [], {}."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{" and not (i and text[i - 1] == "\\"):
            depth += 1
        elif ch in ")]}" and not (i and text[i - 1] == "\\"):
            depth -= 1
        elif depth == 0:
            yield i, ch


def split_sides(text: str) -> list[str]:
    """The sides of an equation a = b = c, after any leading \\therefore; NotChecked when
    it is not an equality at all."""
    return split_relations(text)[0]


def unbalanced(s: str) -> tuple[int, str] | None:
    """(column, what was expected) of the first unbalanced brace, or None."""
    stack = []
    pairs = {"{": "}"}
    for i, ch in enumerate(s):
        if ch in pairs and not (i and s[i - 1] == "\\"):
            stack.append((i, ch))
        elif ch == "}" and not (i and s[i - 1] == "\\"):
            if not stack:
                return i + 1, "no '{' before this '}'"
            stack.pop()
    if stack:
        i, ch = stack[-1]
        return i + 1, f"'{pairs[ch]}' to close the '{ch}' at column {i + 1}"
    return None


def split_relations(text: str) -> tuple[list[str], list[str]]:
    """The sides of a = b \\approx c and the relation of each link ('=' or 'approx')."""
    s = text.strip()
    bad = unbalanced(s)
    if bad is not None:
        raise Unreadable(f"cannot read: unbalanced braces at column {bad[0]}: expected {bad[1]}")
    s = re.sub(r":=|\\coloneqq|\\triangleq|\\stackrel\{[^{}]*\}\{=\}|\\overset\{[^{}]*\}\{=\}", "=", s)
    while True:
        stripped = s.lstrip()
        for p in PREFIXES:
            if stripped.startswith(p) and not stripped[len(p):len(p) + 1].isalpha():
                stripped = stripped[len(p):]
                break
        else:
            m = re.match(r"(?i)(%s)\b[\s,:]*" % "|".join(PREFIX_WORDS), stripped)
            if m and "=" in stripped[m.end():]:
                stripped = stripped[m.end():]
            else:
                break
        s = stripped
    s = s.strip().rstrip(".,;").strip()
    top = "".join(ch if depth_ok else " " for depth_ok, ch in _mask(s))
    for rel in OTHER_RELATIONS:
        pat = re.escape(rel) + (r"(?![A-Za-z])" if rel[0] == "\\" else "")
        if re.search(pat, top):
            raise NotChecked(f"not an equality ({rel.lstrip(chr(92))}): only '=' is checked")
    for a in APPROX:  # \\approx at the top level counts as a cut, marked
        pat = re.escape(a) + (r"(?![A-Za-z])" if a[0] == "\\" else "")
        s = re.sub(pat, lambda m: "\x00" + " " * (len(m.group(0)) - 1), s)
    cuts = [(i, ch) for i, ch in _top_level(s) if ch in "=\x00"]
    if not cuts:
        raise NotChecked("not an equation (no '=')")
    parts, rels, start = [], [], 0
    for i, ch in cuts:
        parts.append(s[start:i])
        rels.append("=" if ch == "=" else "approx")
        start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts], rels


def _mask(s):
    top = {i for i, _ in _top_level(s)}
    return [(i in top, ch) for i, ch in enumerate(s)]


def matrix_notation(text: str) -> bool:
    return any(m in text for m in MATRIX)


def mode_of(text: str) -> str:
    return "latex" if re.search(r"[\\{}]", text) else "ascii"
