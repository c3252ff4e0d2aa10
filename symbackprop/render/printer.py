"""LaTeX in the lesson's notation: SymPy's LatexPrinter with the naming table as
``symbol_names`` and products laid out the way the lesson writes them,
-\\frac{2 w_1^{[2]} x_1}{N}\\left(y_{true} - y_{pred}\\right): the coefficient and
the plain factors as one fraction, each sum after it in parentheses."""

from __future__ import annotations

import math
import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import precedence_traditional

from ..ops import LATEX


class LessonPrinter(LatexPrinter):
    def __init__(self, names: dict, prefer_positive=(), settings=None, negative=()):
        """``names``: symbol -> LaTeX name. ``prefer_positive``: symbols that a sum
        keeps positive when flipping its sign costs nothing ((y_true - y_pred) for
        MSE, (y_pred - y_true) for cross-entropy). ``negative``: symbols named by a
        negative number (the worked example's values), bracketed only where their place
        needs it: 0.5 \\cdot (-0.2), (-0.2)^{2}, but \\tanh(-0.2) and (-0.2 + 0.5)."""
        super().__init__(dict(settings or {}, symbol_names=names))
        self.prefer = frozenset(prefer_positive)
        self.negative = frozenset(negative)
        # The place of what prints next: first inside a bracket just opened (a negative
        # number there needs no parentheses of its own). ``_lead`` is set by the method
        # that opens the bracket; ``_print`` hands it to the one expression it prints.
        self._lead = self._at_lead = False

    def _print(self, expr, **kwargs):
        self._at_lead, self._lead = self._lead, False
        return super()._print(expr, **kwargs)

    def _first(self, expr) -> str:
        """``expr`` printed first inside a bracket."""
        self._lead = True
        return self._print(expr)

    def _print_Symbol(self, expr, style="plain"):
        s = super()._print_Symbol(expr, style)
        # a power's base, a factor, a later term: -0.2 in parentheses
        return rf"\left({s}\right)" if expr in self.negative and not self._at_lead else s

    def parenthesize(self, item, level, is_neg=False, strict=False) -> str:
        prec = precedence_traditional(item)
        if (is_neg and strict) or prec < level or (not strict and prec <= level):
            return self._add_parens(self._first(item))
        return self._print(item)

    def _flip(self, add: sp.Add) -> bool:
        neg = sum(1 for t in add.args if t.could_extract_minus_sign())
        pos = len(add.args) - neg
        if neg != pos:
            return neg > pos
        for t in add.args:
            if t.free_symbols & self.prefer:
                # a constant stays positive: y (1 - y), never -y (y - 1)
                n = next((c for c in add.args if c.is_Number), None)
                return n.is_negative if n is not None else t.could_extract_minus_sign()
        return False

    def _print_Add(self, expr, order=None):
        lead = self._at_lead
        terms = list(expr.as_ordered_terms())
        terms.sort(key=lambda t: t.could_extract_minus_sign())  # stable: positives first
        out = ""
        for i, t in enumerate(terms):
            # the first term stands where the sum does (unless its sign comes first)
            self._lead = lead and i == 0 and not t.could_extract_minus_sign()
            s = self._print(-t) if t.could_extract_minus_sign() else self._print(t)
            negative = t.could_extract_minus_sign() != s.startswith("- ")
            s = s[2:] if s.startswith("- ") else s  # a flipped group carries its own sign
            if negative:
                out += f" - {s}" if i else f"- {s}"
            else:
                out += f" + {s}" if i else s
        return out

    def _print_Mul(self, expr):
        lead = self._at_lead
        coeff, factors = expr.as_coeff_mul()
        coeff = sp.Rational(coeff) if coeff.is_Rational else coeff
        if not coeff.is_Rational:  # a float coefficient: leave it to SymPy
            return super()._print_Mul(expr)
        num, den, groups = [], [], []
        for f in factors:
            base, e = f.as_base_exp()
            if e.is_Rational and e.is_negative:
                den.append(base ** (-e))
            elif base.is_Add and e.is_Rational and e != 1:
                groups.append(f)  # (y_true - y_pred)^2 after the fraction
            elif f.is_Add:
                k, rest = f.primitive()
                if self._flip(rest):
                    k, rest = -k, -rest
                coeff *= k
                groups.append(rest)
            else:
                num.append(f)
        sign = "- " if coeff < 0 else ""
        coeff = abs(coeff)
        top = [str(coeff.p)] if coeff.p != 1 else []
        # the first factor stands where the product does, unless a sign, a coefficient
        # or a fraction comes first
        lead = lead and not sign and coeff == 1 and not den
        top += [self._factor(f, lead and i == 0) for i, f in enumerate(num)]
        bottom = [str(coeff.q)] if coeff.q != 1 else []
        # a lone denominator needs no parentheses: \frac{1}{e^{-z} + 1}
        bottom += [self._print(den[0])] if len(den) == 1 and not bottom else [
            self._factor(f) for f in den]
        body = _juxtapose(top)
        if bottom:
            body = rf"\frac{{{body or '1'}}}{{{' '.join(bottom)}}}"
        elif not body and not groups:
            body = "1"
        for grp in groups:
            paren = self._print(grp) if grp.is_Pow else rf"\left({self._first(grp)}\right)"
            body = f"{body} {paren}" if body else paren
        return sign + body

    def _factor(self, f, lead=False):
        if f.is_Add:
            return rf"\left({self._first(f)}\right)"
        self._lead = lead
        return self._print(f)

    def _call(self, name, expr, exp=None):
        arg = self._first(expr.args[0])
        if not _one_bracket(arg):  # σ(a + b), and σ((a - b)(c + d)) with its own
            arg = rf"\left({arg}\right)"
        head = rf"{name}^{{{exp}}}" if exp else name
        return head + arg

    def _print_Function(self, expr, exp=None):
        # the project's own functions by their record's LaTeX name (σ, relu, Φ, ...)
        name = LATEX.get(type(expr).__name__)
        if name is None:
            # SymPy's own \\tanh{\\left(x \\right)}: its one argument opens a bracket
            generic = not hasattr(self, f"_print_{type(expr).__name__}")
            self._lead = generic and len(expr.args) == 1
            return super()._print_Function(expr, exp)
        return self._call(name, expr, exp)

    # SymPy's \\log{\\left(x \\right)} and \\max\\left(x, y\\right): the first argument
    # opens a bracket
    def _print_log(self, expr, exp=None):
        self._lead = True
        return super()._print_log(expr, exp)

    def _print_Max(self, expr, exp=None):
        self._lead = True
        return super()._print_Max(expr, exp)

    def _print_Min(self, expr, exp=None):
        self._lead = True
        return super()._print_Min(expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        # The step function as the relu slope, with the stated convention H(0) = 0.
        return rf"\mathbb{{1}}\left[{self._print(expr.args[0])} > 0\right]"


def _one_bracket(tex: str) -> bool:
    """Whether ``tex`` is one bracket \\left( ... \\right) from end to end, not two side
    by side like \\left(a - b\\right) \\left(c + d\\right)."""
    if not (tex.startswith(r"\left(") and tex.endswith(r"\right)")):
        return False
    depth = 0
    for m in re.finditer(r"\\left\(|\\right\)", tex):
        depth += 1 if m.group() == r"\left(" else -1
        if depth == 0:
            return m.end() == len(tex)
    return False


def _juxtapose(items: list[str]) -> str:
    """Factors side by side, with a dot where two numbers would run together
    (2 \\cdot 0.731059^{2}, never 2 0.731059^{2})."""
    out = ""
    for t in items:
        if out and t[:1].isdigit():
            out += r" \cdot " + t
        else:
            out += f" {t}" if out else t
    return out


def number(x: float, digits: int = 6) -> str:
    """A number as a page prints it: up to ``digits`` significant digits, no exponent
    for ordinary magnitudes, -0 printed as 0."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-4 <= abs(x) < 1e7:
        s = f"{x:.{digits}g}"
        if "e" in s:
            s = f"{x:.{max(digits - int(math.floor(math.log10(abs(x)))) - 1, 0)}f}"
        return s
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return rf"{mant} \times 10^{{{int(exp)}}}"
