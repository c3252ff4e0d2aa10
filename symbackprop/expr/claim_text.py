"""The text of a claim before and around the grammar: LaTeX typesetting that does not
change the meaning removed (``normalize_latex``), and written names read into ``Name``
nodes (``latex_name``: w_1^{[2]}, y_{pred}^{(n)}; ``ascii_name``: w1[2], y_true)."""

from __future__ import annotations

import re

from .ast import Name
from .vocabulary import CLAIM_WORDS


class ParseError(ValueError):
    """Text that is not an expression of the claim grammar, or one beyond the bounds."""

    def __init__(self, message, col=None):
        super().__init__(message)
        self.message = message
        self.col = col


# ---------------------------------------------------------------------------- names

_SUB = re.compile(r"_\s*(\{[^{}]*\}|[A-Za-z0-9])")
_LAYER = re.compile(r"\^\s*\{\s*\[([^{}\[\]]*)\]\s*\}")
_SAMPLE = re.compile(r"\^\s*\{\s*\(([^{}()]*)\)\s*\}")
_BASE = re.compile(r"\\mathrm\{[A-Za-z][A-Za-z0-9]*\}|\\[A-Za-z]+|[A-Za-z]")


def strip_braces(s: str) -> str:
    """A script's argument without spaces and its outer braces: '{ 1 }' -> '1'."""
    s = re.sub(r"\s+", "", s)
    return s[1:-1] if s.startswith("{") and s.endswith("}") else s


def latex_name(text: str, col=0) -> Name:
    base = _BASE.match(text).group(0)
    rest = text[len(base):]
    subs = [strip_braces(m) for m in _SUB.findall(rest)]
    layers = [re.sub(r"\s+", "", m) for m in _LAYER.findall(rest)]
    samples = [re.sub(r"\s+", "", m) for m in _SAMPLE.findall(rest)]
    if len(subs) > 1 or len(layers) > 1 or len(samples) > 1:
        raise ParseError(f"{text.strip()}: more than one subscript or superscript", col)
    if base.startswith(r"\mathrm{"):
        base = base[len(r"\mathrm{"):-1]
    return Name(base, subs[0] if subs else None, layers[0] if layers else None,
                samples[0] if samples else None, False, col)


def ascii_name(text: str, col=0) -> Name:
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9]+)\])?", text.strip())
    return Name(m.group(1), None, m.group(2), None, True, col)


# ---------------------------------------------------------------------------- normalizing

_DELIMS = {r"\{": "(", r"\}": ")", r"\lbrace": "(", r"\rbrace": ")", "(": "(", ")": ")",
           "[": "[", "]": "]", "|": "|", ".": "", r"\lvert": "|", r"\rvert": "|",
           r"\langle": "(", r"\rangle": ")"}
_SIZED = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*(\\[{}]|\\lbrace|\\rbrace|\\[lr]vert|"
                    r"\\[lr]angle|[()\[\].|])")
_IN_SCRIPT = re.compile(r"([_^])\s*\{\s*\\(?:text|mathrm|textrm|mathit|rm)\s*\{([^{}]*)\}\s*\}"
                        r"|([_^])\s*\\(?:text|mathrm|textrm|mathit|rm)\s*\{([^{}]*)\}")
_WRAPPERS = re.compile(r"\\(text|mathrm|textrm|mathit|operatorname|rm)\s*\{\s*([A-Za-z]+)\s*\}")
_DROP = re.compile(r"\\(?:displaystyle|textstyle|nonumber|notag|limits|quad|qquad)"
                   r"(?![A-Za-z])|\\[,;:! >]|~|&")
# an evaluation bar: \left. f \right|_{x = 1} reads as f (the point is the worked example)
_BAR = re.compile(r"\\(?:right|[bB]igg?r?|Big)\s*(?:\||\\vert)\s*_\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\S)"
                  r"(?:\s*\^\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\S))?")
# \tanh^2(z): the square of \tanh(z), not \tanh of z squared
_POWER_CALL = re.compile(r"(\\(?:tanh|sigma|sin|cos|exp|log|ln|sinh|cosh))\s*\^\s*"
                         r"(\{\s*\d\s*\}|\d)\s*(?=\()")
_MAX = re.compile(r"\\max\s*(?=\()")
# an inline derivative \partial L/\partial w_1 (or dL/dw_1) -> \frac{\partial L}{\partial w_1}
_NAME_TEXT = r"(?:\\[A-Za-z]+|[A-Za-z])(?:\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?(?:\s*\^\s*\{[^{}]*\})?"
_INLINE = re.compile(r"(?<![A-Za-z\\])(\\partial\s*|d)(%s)\s*/\s*(\\partial\s*|d)(%s)"
                     % (_NAME_TEXT, _NAME_TEXT))
# \frac{d\sigma(z)}{dz}: the derivative applied to \sigma(z), as \frac{d}{dz}\sigma(z)
_FRAC_CALL = re.compile(r"\\frac\s*\{\s*(\\partial|d)\s*(\\[A-Za-z]+\s*\((?:[^(){}]|\{[^{}]*\})*\))"
                        r"\s*\}\s*\{\s*((?:\\partial|d)\s*(?:[^{}]|\{[^{}]*\})+)\}")
_LABEL = re.compile(r"\\(?:label|tag)\s*\{[^{}]*\}")


def _unwrap(m) -> str:
    cmd, word = m.group(1), m.group(2)
    if word == "d":
        return "d"
    if word.lower() in CLAIM_WORDS:
        return "\\" + CLAIM_WORDS[word.lower()]
    if cmd in ("mathrm", "operatorname"):
        return r"\mathrm{" + word + "}"
    return word


# the words for the loss written in plain letters: one name, not L·o·s·s
_LOSS_WORD = re.compile(r"(?<![\\A-Za-z{])(Loss|loss|Cost|cost|Error|error)(?![A-Za-z}])")


def _closing(s: str, i: int) -> int:
    """The index of the bracket closing the one at ``i`` (-1 when it is never closed)."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] in "({[":
            depth += 1
        elif s[j] in ")}]":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _power_calls(s: str) -> str:
    """\\tanh^2(z) -> (\\tanh(z))^{2}."""
    for _ in range(s.count("^")):
        m = _POWER_CALL.search(s)
        if not m:
            break
        end = _closing(s, m.end())
        if end < 0:
            break
        power = m.group(2).strip("{} ")
        call = m.group(1) + s[m.end():end + 1]
        s = s[:m.start()] + "(" + call + ")^{" + power + "}" + s[end + 1:]
    return s


def _max_calls(s: str) -> str:
    """\\max(0, z) and \\max(z, 0) -> \\relu(z); other maxima are left to the grammar."""
    pos = 0
    while True:
        m = _MAX.search(s, pos)
        if not m:
            return s
        end = _closing(s, m.end())
        pos = m.end()
        if end < 0:
            return s
        inner = s[m.end() + 1:end]
        depth, cut = 0, None
        for j, ch in enumerate(inner):
            depth += ch in "({[" and 1 or ch in ")}]" and -1 or 0
            if ch == "," and depth == 0:
                cut = j
                break
        if cut is None:
            continue
        a, b = inner[:cut].strip(), inner[cut + 1:].strip()
        if a in ("0", "0.0") or b in ("0", "0.0"):
            arg = b if a in ("0", "0.0") else a
            s = s[:m.start()] + r"\relu(" + arg + ")" + s[end + 1:]


_CASES = re.compile(r"\\begin\{(cases|dcases)\}(.*?)\\end\{\1\}", re.S)
_CASE_WORDS = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*([A-Za-z ]*?)\s*,?\s*\}")


def _cases(m) -> str:
    """A case split as a sum of indicators: (v_1) 1[c_1] + (v_2)(1 - 1[c_1]) for
    ``v_1 & c_1 \\\\ v_2 & \\text{otherwise}``; left as it is when a condition is not one
    comparison (the checker then says it does not judge it)."""
    rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
    terms, conds = [], []
    for row in rows:
        if row.count("&") != 1:
            return m.group(0)
        v, c = row.split("&")
        c = _CASE_WORDS.sub(lambda w: " " + w.group(1) + " ", c)
        c = re.sub(r"(?<![A-Za-z])(if|for|when|where)(?![A-Za-z])", " ", c).strip().strip(",.;")
        if re.fullmatch(r"\s*(otherwise|else)\s*", c):
            ind = "(1" + "".join(f" - {x}" for x in conds) + ")"
        elif re.fullmatch(r"[^<>=]+(?:<|>|\\[lg]eq?(?![A-Za-z]))[^<>=]+", c):
            ind = r"\mathbb{1}[" + c + "]"
            conds.append(ind)
        else:
            return m.group(0)
        terms.append(f"({v.strip()}) {ind}")
    return "(" + " + ".join(terms) + ")" if terms else m.group(0)


def normalize_latex(text: str) -> str:
    """The same expression with the typesetting that does not change its meaning removed:
    \\left( \\right) -> ( ), \\cdot -> *, \\dfrac -> \\frac, spacing, \\text{pred} -> pred,
    \\operatorname{relu} -> \\relu, \\sigma^{\\prime} -> \\sigma'."""
    s = _LABEL.sub(" ", text)
    if r"\begin" in s:
        s = _CASES.sub(_cases, s)
    s = _BAR.sub(" ", s)
    if "/" in s:
        s = _INLINE.sub(lambda m: r"\frac{%s %s}{%s %s}" % (m.group(1).strip(), m.group(2),
                                                          m.group(3).strip(), m.group(4)), s)
    s = _FRAC_CALL.sub(lambda m: r"\frac{%s}{%s}%s" % (m.group(1), m.group(3), m.group(2)), s)
    s = _SIZED.sub(lambda m: _DELIMS[m.group(1)], s)
    s = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", s)
    s = re.sub(r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\(?:cdot|times|ast)(?![A-Za-z])", "*", s)
    s = re.sub(r"\\div(?![A-Za-z])", "/", s)
    s = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\\prime(?![A-Za-z])", "'", s)
    s = re.sub(r"\\hat\s*\{\s*y\s*\}|\\hat\s+y(?![A-Za-z])", "y_{pred}", s)
    s = _IN_SCRIPT.sub(lambda m: f"{m.group(1) or m.group(3)}{{{m.group(2) or m.group(4)}}}", s)
    s = _WRAPPERS.sub(_unwrap, s)
    s = _DROP.sub(" ", s)
    s = _LOSS_WORD.sub(r"\\mathrm{\1}", s)
    if "^" in s:
        s = _power_calls(s)
    if r"\max" in s:
        s = _max_calls(s)
    return s
