"""A side's form (the parse module's docstring lists them) and the Side record: what a
side of an equation is, once built in the network's symbols."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..expr.ast import Deriv, Neg, Walker, operands, walk
from .numbers import SampleSum
from .truth import Truth, deriv_of


@dataclass
class Side:
    text: str
    expr: sp.Expr
    form: str
    of: str | None = None          # derivative, expr_derivative: d(of)/d(wrt); node: the key
    wrt: str | None = None
    inner: sp.Expr | None = None   # expr_derivative: the expression differentiated
    ascii: bool = False
    names: frozenset = frozenset()  # node keys written directly
    factors: tuple = ()             # chain: per product, the (of, wrt) pairs in written order
    batch: bool = False             # has a sum over the samples

    @property
    def derivs(self) -> list[tuple[str, str]]:
        out = [deriv_of(s) for s in self.expr.free_symbols]
        return sorted(p for p in out if p)


class _Form(Walker):
    """A side's form, by the class of its top node (the module's docstring lists them)."""

    def _walk_Deriv(self, ast, side, builder):
        if ast.expr is None:
            side.form = "derivative"
            side.of, side.wrt = deriv_of(side.expr) or (None, None)
            if side.of is None:  # d h/d h = 1 or an unknown name
                side.form = "expression"
        else:
            side.form, side.wrt = "expr_derivative", builder.key(ast.wrt)
            side.inner = builder.expr(ast.expr)

    def _walk_Name(self, ast, side, builder):
        if side.expr in builder.truth.key_of:
            side.form, side.of = "node", builder.truth.key_of[side.expr]
        else:
            self._walk_Node(ast, side, builder)

    def _walk_Node(self, ast, side, builder):
        if not side.expr.free_symbols and not any(type(n) is Deriv for n in walk(ast)):
            # a decimal is a value at one point (the worked example); 0 or 1/2 is an identity
            side.form = "number" if re.search(r"\d?\.\d", side.text) else "constant"
            return
        chains = _chains(ast, builder)
        if chains:
            side.form, side.factors = "chain", chains


_FORM = _Form()


def build_side(truth: Truth, text: str, ast, builder: Builder, ascii: bool) -> Side:
    expr = builder.expr(ast)
    side = Side(text, expr, "expression", ascii=ascii, batch=expr.has(SampleSum))
    side.names = frozenset(truth.key_of[s] for s in expr.free_symbols if s in truth.key_of)
    _FORM(ast, side, builder)
    return side


class _Factor(Walker):
    """One factor of a product in a chain: a number is skipped (None), a derivative of
    two names is its (of, wrt) pair, anything else means the side is no chain (False)."""

    def _walk_Num(self, f, builder):
        return None

    def _walk_Deriv(self, f, builder):
        if f.expr is not None:
            return False
        of, wrt = builder.key(f.of), builder.key(f.wrt)
        return False if of is None or wrt is None else (of, wrt)

    def _walk_Node(self, f, builder):
        return False


_FACTOR = _Factor()


def _chains(ast, builder) -> tuple:
    """For a product of derivatives (or a sum of such products): the (of, wrt) pairs of
    each product in written order; () when the side is anything else."""
    out = []
    for term in operands(ast, "+-"):
        while type(term) is Neg:  # a sign does not change which derivatives are multiplied
            term = term.x
        pairs = []
        for f in operands(term, "*"):
            pair = _FACTOR(f, builder)
            if pair is False:
                return ()
            if pair is not None:
                pairs.append(pair)
        if not pairs:
            return ()
        out.append(tuple(pairs))
    return tuple(out)


__all__ = ["Side", "build_side"]
