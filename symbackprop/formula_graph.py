"""Front end of a graph spec: its formulas as a Graph. Inputs are leaves (and the
parameters: the output is differentiated by them), each formula node a Node whose expr is
its formula in the symbols of the names it uses (q = x + y, f = q z)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import ops
from .dag import Graph, Node
from .errors import SpecError
from .expr import names, to_sympy
from .formula_spec import FormulaGraph, latex_name
from .numeric import Values

# A graph's steps are shown in its inputs alone while its output's tree is this small.
EXPAND_MAX_SIZE = 200


def build_formula_graph(net: FormulaGraph) -> Graph:
    symbols = {k: sp.Symbol(k, real=True) for k in net.inputs}
    nodes = {k: Node(k, "leaf", (), None, "input") for k in net.inputs}
    texts = dict(net.nodes)
    for key, tree in net.trees().items():
        expr = to_sympy(tree, symbols, ops.FUNCTIONS, where=key)
        if expr.has(sp.zoo, sp.nan, sp.oo, sp.I):  # log(0) * x, sqrt(-1) * x
            raise SpecError(f"{key} = {texts[key]!r} has no finite real value: it contains "
                            f"{_bad(expr)}", dict(net.where).get(key, f"node {key}"))
        kind = "output" if key == net.output else "node"
        nodes[key] = Node(key, "formula", tuple(sorted(names(tree))), expr, kind)
        symbols[key] = sp.Symbol(key, real=True)
    positive = net.positive_domain()
    g = Graph(nodes=nodes, latex={k: latex_name(k) for k in nodes}, loss=net.output,
              params=tuple(net.inputs), inputs=(), targets=(), spec=net, table=None,
              name=net.name, title=net.title, sizes=(len(net.inputs),),
              partial=net.notation.derivative == "partial", detail=net.detail,
              example=_example(net, positive),
              seeded=() if net.example is not None else tuple(net.inputs),
              sample=lambda rng, n=1: _sample(net.inputs, positive, rng))
    # flattening a deep graph's shared nodes is exponential: sized on the graph first
    g.expandable = g.flat_size(g.loss) <= EXPAND_MAX_SIZE
    return g


def _bad(expr) -> str:
    """What makes a node's formula undefined, in words a formula's author reads."""
    if expr.has(sp.I):
        return "the square root of a negative number (or another complex value)"
    return "log(0), a division by zero or another infinite value"


def _example(net: FormulaGraph, positive: bool) -> Values:
    """The worked example: the spec's [example], else seeded round numbers (positive where
    a formula needs it: log, sqrt, x^y)."""
    if net.example is not None:
        return Values(np.zeros((1, 0)), None, dict(net.example))
    rng = np.random.default_rng(7)
    lo, hi = (0.5, 2.0) if positive else (-2.0, 2.0)
    return Values(np.zeros((1, 0)), None,
                  {k: float(np.round(rng.uniform(lo, hi), 1) or 1.0) for k in net.inputs})


def _sample(keys, positive: bool, rng, n: int = 1) -> Values:
    """A random point: the inputs (a graph's parameters), in a formula's domain. A graph
    has no samples, so ``n`` is always one."""
    draw = rng.uniform(0.5, 2.0, size=len(keys)) if positive else rng.normal(size=len(keys))
    return Values(np.zeros((1, 0)), None, dict(zip(keys, draw)))
