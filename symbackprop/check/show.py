"""Expressions and names in the writer's notation: the lesson's LaTeX (through the
project's printer) or plain ASCII, whichever the writer used."""

from __future__ import annotations

import sympy as sp

from ..render.printer import LessonPrinter
from .truth import Truth, deriv_of


def frac(truth: Truth, of: str, wrt: str, ascii: bool) -> str:
    if ascii:
        return f"d{truth.show(of, True)}/d{truth.show(wrt, True)}"
    d = r"\partial " if truth.partial else "d"
    return rf"\frac{{{d}{truth.latex[of]}}}{{{d}{truth.latex[wrt]}}}"


def show(truth: Truth, expr, ascii: bool = False, tidy: bool = False) -> str:
    """``expr`` printed with the network's names; derivative placeholders as fractions;
    ``tidy``: common factors pulled out first (ASCII has no printer that does it)."""
    names = {}
    for s in expr.free_symbols:
        pair = deriv_of(s)
        if pair:
            names[s] = frac(truth, *pair, ascii)
        elif s in truth.key_of:
            names[s] = truth.show(truth.key_of[s], ascii)
    if ascii:
        e = expr.xreplace({s: sp.Symbol(n) for s, n in names.items()})
        return sp.sstr(sp.factor_terms(e) if tidy else e)
    prefer = [truth.sym[k] for k in truth.g.targets]
    return LessonPrinter(names, prefer).doprint(expr)
