"""Expressions and names in the writer's notation: the lesson's LaTeX (through the
project's printer) or plain ASCII, whichever the writer used."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..derive import tidy
from ..render.printer import LessonPrinter
from .expr_size import SHOW_CHARS, small, symbols_in
from .truth import Truth, deriv_of

EXPAND_MAX_OPS = 80     # the expected expression is shown in leaves only up to this size
EXPAND_MAX_EDGES = 200  # ... and only for a graph of at most so many edges


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


# ---------------------------------------------------------------------------- a wrong claim

def counterexample(truth, points, ref: Side, claim: Side, p, s, batch, w, t) -> dict:
    """The point (the leaves both sides depend on), the forward values of the
    intermediates involved, and both values. ``shown``: the names a reader needs."""
    keys = set(ref.names) | set(claim.names)
    for side in (ref, claim):
        for pair in side.derivs:
            keys |= set(pair)
        keys |= {k for k in (side.of, side.wrt) if k}
    nodes = truth.g.nodes
    leaves = set()
    for k in keys:
        leaves |= {a for a in truth.ancestors[k] | {k} if nodes[a].op == "leaf"}
    named = set(claim.names) | set(ref.names)
    pairs = ([(ref.of, ref.wrt)] if ref.form == "derivative" else []) + ref.derivs
    for pair in pairs:  # the names in the correct values of the derivatives
        named |= {truth.key_of[x] for x in symbols_in(truth.total(*pair)) if x in truth.key_of}
    ascii = claim.ascii
    point, where = {}, {}
    count = int(points.count[p, 0])
    for k, node in nodes.items():
        if batch and k not in truth.shared:
            if k in leaves and node.op == "leaf":  # each sample's value, to reproduce the sum
                point[truth.show(k, ascii)] = [_pick(points.env[truth.sym[k]], p, n)
                                               for n in range(count)]
            continue
        if k in leaves:
            point[truth.show(k, ascii)] = _pick(points.env[truth.sym[k]], p, s)
        elif k in named and node.op != "leaf":
            where[truth.show(k, ascii)] = _pick(points.env[truth.sym[k]], p, s)
    for v in sorted(ref.expr.free_symbols | claim.expr.free_symbols, key=str):
        if v.name.startswith("free:"):  # a free variable of a function's identity
            point[v.name[len("free:"):]] = _pick(points.env[v], p, s)
    shown = [truth.show(k, ascii) for k in nodes if k in named and not (batch and k not in truth.shared)]
    out = {"point": point, "where": where, "claimed": float(w), "expected": float(t),
           "shown": shown}
    if batch:
        out["samples"] = count
    return out


def _pick(a, p, s) -> float:
    a = np.asarray(a)
    v = a[p, s if a.shape[1] > 1 else 0]
    return float(round(float(v), 10))


def expected(truth: Truth, ref: Side, claim: Side) -> str | None:
    """The correct right side, in the writer's terms: intermediates kept when the claim
    uses them, expanded into inputs and parameters when it does not."""
    if ref.form == "derivative":
        e = truth.total(ref.of, ref.wrt)
    elif ref.form == "node" and truth.g.nodes[ref.of].op != "leaf":
        e = truth.g.nodes[ref.of].expr
    elif ref.derivs:  # an explicit derivative, a chain: the network's values of its parts
        e = ref.expr.xreplace({s: truth.total(*deriv_of(s)) for s in ref.expr.free_symbols
                               if deriv_of(s)})
    else:
        return None
    if not small(e):  # a deep tensor network's gradient: too long to print (expr_size.py)
        return None
    leaves_only = not claim.derivs and all(truth.g.nodes[k].op == "leaf" for k in claim.names)
    if leaves_only and claim.names and truth.g.size() <= EXPAND_MAX_EDGES:
        flat = truth.flat(e)
        if sp.count_ops(flat) <= EXPAND_MAX_OPS:
            e = flat
    try:
        e = tidy(e)
    except Exception:
        pass
    text = show(truth, e, claim.ascii, tidy=True)
    # a tensor network's gradient written out in its inputs runs to pages: the counterexample
    # (the correct value) is shown instead
    return f"{ref.text} = {text}" if len(text) <= SHOW_CHARS else None
