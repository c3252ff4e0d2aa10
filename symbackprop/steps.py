"""Chain-rule steps as data. A derivation is a list of these; templates turn them into
prose, ``eval`` turns them into numbers.

Each step is d(of)/d(wrt) for two node keys of the graph. ``expr`` is the value in
named form: a SymPy expression in the graph's node symbols, where an upstream gradient
that was derived as its own step appears as a symbol of its own (dL/dh_1^{[1]}), never
re-expanded (``grad_symbol``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy as sp


def grad_symbol(of: str, wrt: str) -> sp.Symbol:
    """The symbol standing for an upstream gradient d(of)/d(wrt) derived as its own step."""
    return sp.Symbol(f"d{of}__d{wrt}", real=True)


def grad_of(symbol: sp.Symbol) -> tuple[str, str] | None:
    """(of, wrt) for a symbol made by ``grad_symbol``, else None."""
    name = symbol.name
    if name.startswith("d") and "__d" in name:
        of, wrt = name[1:].split("__d", 1)
        return of, wrt
    return None


@dataclass(frozen=True, eq=False)
class Step:
    of: str
    wrt: str
    # derived once as a step of its own and cited by name (dL/dh_1^{[1]}, δ_1^{[2]})
    named: ClassVar[bool] = False

    def eval(self, env: dict, cache: dict | None = None):
        """The numeric value; ``env`` maps symbols to numbers or arrays (node values).
        The steps it is made of are evaluated first, from an explicit stack: cited sums
        nest as deep as a graph branches (a graph spec of hundreds of nodes)."""
        cache = {} if cache is None else cache
        stack = [(self, False)]
        while stack:
            step, ready = stack.pop()
            if step in cache:
                continue
            parts = [p for p in step.parts() if p not in cache]
            if ready or not parts:  # its parts are cached: _eval does not recurse
                cache[step] = step._eval(env, cache)
            else:
                stack.append((step, True))
                stack.extend((p, False) for p in parts)
        return cache[self]

    def parts(self) -> tuple:
        """The steps this one is computed from."""
        return ()


@dataclass(frozen=True, eq=False)
class Local(Step):
    """∂of/∂wrt = expr: the local derivative of one node with respect to one input."""

    expr: sp.Expr

    def _eval(self, env, cache):
        return _number(self.expr, env)

    def __repr__(self):
        return f"Local(d{self.of}/d{self.wrt} = {self.expr})"


@dataclass(frozen=True, eq=False)
class Cite(Step):
    """A factor calculated previously: ``step`` is not recomputed, only named."""

    step: Step

    @property
    def expr(self):
        return self.step.expr

    @property
    def symbol(self):
        """How the cited factor stands in a named-form product."""
        return grad_symbol(self.of, self.wrt) if self.step.named else self.step.expr

    def _eval(self, env, cache):
        return self.step.eval(env, cache)

    def parts(self):
        return (self.step,)

    def __repr__(self):
        return f"Cite(d{self.of}/d{self.wrt})"


@dataclass(frozen=True, eq=False)
class Chain(Step):
    """d(of)/d(wrt) = Π factors (the chain rule along one path); ``product`` is the
    product of the factors' values as written, ``expr`` the same tidied."""

    factors: tuple[Step, ...]
    product: sp.Expr
    expr: sp.Expr

    def _eval(self, env, cache):
        out = 1.0
        for f in self.factors:
            out = out * f.eval(env, cache)
        return out

    def parts(self):
        return self.factors

    def __repr__(self):
        chain = " · ".join(f"d{f.of}/d{f.wrt}" for f in self.factors)
        return f"Chain(d{self.of}/d{self.wrt} = {chain} = {self.expr})"


@dataclass(frozen=True, eq=False)
class Delta(Chain):
    """δ = dL/dz of one unit (z its weighted sum): a single chain, derived once as a step
    of its own and cited by name, so a weight's gradient reads δ_j^{[l]} h_i^{[l-1]}."""

    named: ClassVar[bool] = True

    def __repr__(self):
        return "Delta" + super().__repr__()[len("Chain"):]


@dataclass(frozen=True, eq=False)
class Sum(Step):
    """d(of)/d(wrt) = Σ over the paths through each consumer of wrt (multivariate
    chain rule): one Chain per consumer."""

    terms: tuple[Chain, ...]
    expr: sp.Expr
    named: ClassVar[bool] = True

    def _eval(self, env, cache):
        out = 0.0
        for t in self.terms:
            out = out + t.eval(env, cache)
        return out

    def parts(self):
        return self.terms

    def __repr__(self):
        return f"Sum(d{self.of}/d{self.wrt} = {' + '.join(map(repr, self.terms))})"


def _number(expr, env):
    if expr.is_Number:
        return float(expr)
    fn = _compiled(expr)
    return fn(*[env[s] for s in fn.args])


_CACHE: dict = {}


def _compiled(expr):
    """A lambdified ``expr``, its arguments in a sorted, deterministic order."""
    fn = _CACHE.get(expr)
    if fn is None:
        from .numeric import lambdify_sorted

        fn = _CACHE[expr] = lambdify_sorted(expr)
    return fn
