"""The computational graph as data: named nodes, each defined by a small SymPy
expression of the symbols of its inputs (h_1 = x_1 w_1 + x_2 w_3 + x_3 w_5,
L = (y_true - y_pred)^2/N), and what the graph's consumers need to know about the spec
it came from (the worked example, a sampler of valid points, size guards).

Nothing here is ever composed into one big expression unless asked (``flat``): the
derivation works on the local definitions only. The front ends that build a Graph are
``graph.py`` (a layered network) and ``formula_graph.py`` (a graph of formulas).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .sizes import flat_sizes


@dataclass(frozen=True)
class Node:
    name: str  # canonical key, also the SymPy symbol's name
    op: str  # "leaf", "linear", "add", "softmax", "formula", an activation or a loss
    inputs: tuple[str, ...] = ()
    expr: sp.Expr | None = None  # definition in the symbols of ``inputs``
    kind: str = "node"  # the naming kind: input, target, weight, bias, unit, loss, ...
    # for a sum of products (linear, add): input -> its coefficient, the local derivative
    coeffs: tuple[tuple[str, sp.Expr], ...] = ()

    def __repr__(self):
        return f"Node({self.name} = {self.op}({', '.join(self.inputs)}))"


@dataclass
class Graph:
    """Nodes in topological order, with the lesson's LaTeX name of each."""

    nodes: dict[str, Node]
    latex: dict[str, str]  # key -> LaTeX name
    loss: str  # key of the node differentiated (L, E, or a graph's output)
    params: tuple[str, ...]  # what dL/d· is derived for, in print order
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    spec: object = None  # the spec read by the front end (for the NumPy reference)
    table: object = None  # naming.Names for layered networks
    # what consumers need from the spec, filled in by the front end
    name: str = "network"
    title: str | None = None
    layers: tuple = ()  # spec.Layer of each layer; () for a graph of formulas
    sizes: tuple[int, ...] = ()  # units per layer, the inputs first; a graph: its inputs
    loss_name: str | None = None  # the loss function's name; None: the output itself
    partial: bool = False  # notation: ∂ rather than d
    detail: str = "auto"  # "all": a large page shows every step
    example: object = None  # numeric.Values: the worked example of the lesson page
    learning_rate: float | None = None  # the worked example's gradient-descent step
    seeded: tuple[str, ...] = ()  # leaves of the example the spec did not give (seeded)
    # the loss node is one example's loss (no 1/N): a batch's loss and gradients are the
    # mean of the samples' values, not their sum (½ SSE's E, [notation] mean = per_example)
    mean_outside: bool = False
    sample: Callable | None = None  # (numpy Generator) -> numeric.Values, a valid point
    # size guard: whether flattening a node to leaves (``flat``) stays cheap
    expandable: bool = True
    # local rewrites applied to derivatives of a node: exp(z_k)/Σ exp(z_j) -> y_k
    rewrites: dict[str, dict] = field(default_factory=dict)
    # a tensor network (``layers/``): "<layer>.<PyTorch name>" -> array of parameter keys,
    # each computed node's layer, and its own numeric check (d, **options) -> verify.Report
    tensors: dict | None = None
    layer_of: dict = field(default_factory=dict)
    oracle: Callable | None = None
    _flat: dict = field(default_factory=dict, repr=False)
    _fns: dict = field(default_factory=dict, repr=False)  # lambdified node definitions

    def __post_init__(self):
        self.symbols = {k: sp.Symbol(k, real=True) for k in self.nodes}
        consumers = {k: [] for k in self.nodes}
        for node in self.nodes.values():
            for i in node.inputs:
                consumers[i].append(node.name)
        self.consumers = {k: tuple(v) for k, v in consumers.items()}
        self.by_symbol = {s: k for k, s in self.symbols.items()}

    def sym(self, key: str) -> sp.Symbol:
        return self.symbols[key]

    def local(self, of: str, wrt: str) -> sp.Expr:
        """∂of/∂wrt with the other inputs of ``of`` held fixed, in named form."""
        node = self.nodes[of]
        if node.coeffs:  # ∂(Σ a_i w_i + b)/∂a_i = w_i, ∂/∂w_i = a_i, ∂/∂b = 1
            return dict(node.coeffs)[wrt]
        d = sp.diff(node.expr, self.symbols[wrt])
        if node.op not in ("linear", "add"):
            d = d.subs(self.rewrites.get(of, {node.expr: self.symbols[of]}))
        return d

    def flat(self, key: str) -> sp.Expr:
        """The node as an expression of leaves only (inputs, targets, parameters, N).
        Exponential in depth for wide networks: callers guard by size."""
        if key not in self._flat:
            for name, node in self.nodes.items():
                if name in self._flat:
                    continue
                if node.op == "leaf":
                    self._flat[name] = self.symbols[name]
                else:
                    self._flat[name] = node.expr.xreplace(
                        {self.symbols[i]: self._flat[i] for i in node.inputs}
                    )
                if name == key:
                    break
        return self._flat[key]

    def leaves(self, kind=None) -> tuple[str, ...]:
        return tuple(k for k, n in self.nodes.items()
                     if n.op == "leaf" and (kind is None or n.kind == kind))

    @property
    def computed(self) -> tuple[str, ...]:
        return tuple(k for k, n in self.nodes.items() if n.op != "leaf")

    def size(self) -> int:
        """Edges of the graph: the measure that guards expensive symbolic work."""
        return sum(len(n.inputs) for n in self.nodes.values())

    def flat_size(self, key: str) -> int:
        """How many nodes the expression tree of ``flat(key)`` would have, counted on the
        graph without building it (building it is exponential in depth where nodes are
        shared: a1 = tanh(a0 b0), b1 = a0 + b0, ...). Callers guard symbolic work with it."""
        return flat_sizes(self)[key]
