"""A graph spec as a Graph: inputs are leaves (and the parameters: the output is
differentiated by them), each formula node a Node whose expr is its formula in the
symbols of the names it uses (q = x + y, f = q z)."""

from __future__ import annotations

import sympy as sp

from . import ops
from .expr import names, to_sympy
from .formula_spec import FormulaGraph, latex_name
from .graph import Graph, Node


def build_formula_graph(net: FormulaGraph) -> Graph:
    symbols = {k: sp.Symbol(k, real=True) for k in net.inputs}
    nodes = {k: Node(k, "leaf", (), None, "input") for k in net.inputs}
    for key, tree in net.trees().items():
        expr = to_sympy(tree, symbols, ops.FUNCTIONS, where=key)
        kind = "output" if key == net.output else "node"
        nodes[key] = Node(key, "formula", tuple(sorted(names(tree))), expr, kind)
        symbols[key] = sp.Symbol(key, real=True)
    return Graph(nodes=nodes, latex={k: latex_name(k) for k in nodes}, loss=net.output,
                 params=tuple(net.inputs), inputs=(), targets=(), spec=net, table=None)


def flat_size(g: Graph, key: str) -> int:
    """How many nodes the expression tree of ``g.flat(key)`` would have, counted on the
    graph without building it (building it is exponential in depth where nodes are
    shared: a1 = tanh(a0 b0), b1 = a0 + b0, ...). Callers guard symbolic work with it."""
    sizes: dict[str, int] = {}
    for k, node in g.nodes.items():
        if node.op == "leaf":
            sizes[k] = 1
        else:
            sizes[k] = _tree_size(node.expr, {g.sym(i): sizes[i] for i in node.inputs})
        if k == key:
            return sizes[k]
    raise KeyError(key)


def _tree_size(expr, leaves: dict) -> int:
    """Nodes of ``expr``'s tree, each symbol in ``leaves`` counted as that many."""
    total, stack = 0, [expr]
    while stack:
        e = stack.pop()
        if e in leaves:
            total += leaves[e]
        else:
            total += 1
            stack.extend(e.args)
    return total
