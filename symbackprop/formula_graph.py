"""A graph spec as a Graph: inputs are leaves (and the parameters: the output is
differentiated by them), each formula node a Node whose expr is its formula in the
symbols of the names it uses (q = x + y, f = q z)."""

from __future__ import annotations

import sympy as sp

from . import formula, ops
from .formula_spec import FormulaGraph, latex_name
from .graph import Graph, Node


def build_formula_graph(net: FormulaGraph) -> Graph:
    symbols = {k: sp.Symbol(k, real=True) for k in net.inputs}
    nodes = {k: Node(k, "leaf", (), None, "input") for k in net.inputs}
    for key, tree in net.trees().items():
        expr = formula.to_sympy(tree, symbols, ops.FUNCTIONS, where=key)
        kind = "output" if key == net.output else "node"
        nodes[key] = Node(key, "formula", tuple(sorted(formula.names(tree))), expr, kind)
        symbols[key] = sp.Symbol(key, real=True)
    return Graph(nodes=nodes, latex={k: latex_name(k) for k in nodes}, loss=net.output,
                 params=tuple(net.inputs), inputs=(), targets=(), spec=net, table=None)
