"""SymPy expressions in Maxima syntax, for STACK's answer tests.

The network's quantities keep their symbol names (``x1``, ``w1_2_1``, ``h2_1``: valid
Maxima identifiers); the project's functions are written out in Maxima's elementary
functions (sigmoid as 1/(1+exp(-z)), relu as max(0, z), its slope as unit_step)."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from .. import ops

FUNCTIONS = {"Abs": "abs", "Heaviside": "unit_step", "Max": "max", "Min": "min"}


class MaximaPrinter(StrPrinter):
    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Function(self, expr):
        name = FUNCTIONS.get(type(expr).__name__, type(expr).__name__)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Heaviside(self, expr):  # relu's slope; H(0) is a kink no variant sits at
        return f"unit_step({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):
        (a, cond), (b, _) = expr.args[0], expr.args[1]
        return f"(if {self._print(cond)} then {self._print(a)} else {self._print(b)})"

    def _print_Exp1(self, expr):
        return "%e"

    def _print_Pi(self, expr):
        return "%pi"

    _print_Max = _print_Min = _print_Abs = _print_Function


def maxima(expr: sp.Expr) -> str:
    rewritten = ops.elementary(expr).replace(
        lambda e: type(e).__name__ == "relu", lambda e: sp.Max(0, e.args[0]))
    return MaximaPrinter().doprint(rewritten)


def names(g, expr: sp.Expr) -> list[dict]:
    """The quantities in ``expr``: how a student types each (its Maxima name) and how
    the sheet writes it (LaTeX), in the graph's order."""
    free = {s.name for s in expr.free_symbols}
    return [{"maxima": str(g.sym(k)), "latex": g.latex[k]} for k in g.nodes
            if str(g.sym(k)) in free]
