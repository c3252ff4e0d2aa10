"""The computational graph: named nodes, each defined by a small SymPy expression of
the symbols of its inputs (h_1 = x_1 w_1 + x_2 w_3 + x_3 w_5, L = (y_true - y_pred)^2/N).

Nothing here is ever composed into one big expression unless asked (``flat``): the
derivation works on the local definitions only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from . import naming, ops
from .naming import Quantity
from .spec import Network


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
    spec: object = None
    table: object = None  # naming.Names for layered networks
    # local rewrites applied to derivatives of a node: exp(z_k)/Σ exp(z_j) -> y_k
    rewrites: dict[str, dict] = field(default_factory=dict)
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


def build_graph(net) -> Graph:
    if getattr(net, "kind", "layers") == "graph":
        from .formula_graph import build_formula_graph

        return build_formula_graph(net)
    return _build_layered(net)


def _build_layered(net: Network) -> Graph:
    table = naming.names(net)
    nodes: dict[str, Node] = {}
    latex: dict[str, str] = {}
    rewrites: dict[str, dict] = {}

    def add(q: Quantity, op: str, inputs=(), expr=None, coeffs=()):
        nodes[q.key] = Node(q.key, op, tuple(inputs), expr, q.kind, tuple(coeffs))
        latex[q.key] = q.latex

    def S(q: Quantity) -> sp.Symbol:
        return sp.Symbol(q.key, real=True)

    for q in table.inputs + table.targets:
        add(q, "leaf")
    for q in table.params:
        add(q, "leaf")
    add(table.count, "leaf")

    prev = table.inputs
    L = len(net.layers)
    for l, layer in enumerate(net.layers, 1):
        W, B = table.weights[l - 1], table.biases[l - 1]
        z_names, h_names = table.pre[l - 1], table.units[l - 1]
        softmax_out = l == L and net.loss == "softmax_ce"
        needs_z = layer.activation != "identity" or layer.residual or softmax_out
        for j, h in enumerate(h_names):
            terms = [(prev[i], W[j][i]) for i in range(len(prev))]
            lin_inputs = [a.key for a, _ in terms] + [w.key for _, w in terms]
            coeffs = [(a.key, S(w)) for a, w in terms] + [(w.key, S(a)) for a, w in terms]
            lin = sp.Add(*[S(a) * S(w) for a, w in terms])
            if B:
                b = B[0] if layer.bias == "shared" else B[j]
                lin += S(b)
                lin_inputs.append(b.key)
                coeffs.append((b.key, sp.Integer(1)))
            if not needs_z:
                add(h, "linear", lin_inputs, lin, coeffs)
                continue
            z = z_names[j]
            add(z, "linear", lin_inputs, lin, coeffs)
            if softmax_out:
                continue  # y_k = softmax(z)_k is added below, once all z exist
            if layer.residual:
                a = table.act[l - 1][j]
                if layer.activation == "identity":
                    a = z
                else:
                    add(a, layer.activation, [z.key], ops.FORWARD[layer.activation](S(z)))
                add(h, "add", [prev[j].key, a.key], S(prev[j]) + S(a),
                    [(prev[j].key, sp.Integer(1)), (a.key, sp.Integer(1))])
            else:
                add(h, layer.activation, [z.key], ops.FORWARD[layer.activation](S(z)))
        if softmax_out:
            denom = sp.Add(*[sp.exp(S(z)) for z in z_names])
            for z, h in zip(z_names, h_names):
                add(h, "softmax", [q.key for q in z_names], sp.exp(S(z)) / denom)
        prev = h_names

    out = table.units[-1]
    loss = ops.LOSSES[net.loss]
    feeds = table.pre[-1] if net.loss == "softmax_ce" else out
    term = loss.term([S(t) for t in table.targets], [S(q) for q in feeds], S(table.count))
    inputs = [t.key for t in table.targets] + [q.key for q in feeds] + [table.count.key]
    add(table.loss, net.loss, inputs, term)
    if net.loss == "softmax_ce":
        denom = sp.Add(*[sp.exp(S(z)) for z in table.pre[-1]])
        rewrites[table.loss.key] = {sp.exp(S(z)) / denom: S(h) for z, h in zip(table.pre[-1], out)}

    return Graph(
        nodes=nodes, latex=latex, loss=table.loss.key,
        params=tuple(q.key for q in table.params),
        inputs=tuple(q.key for q in table.inputs), targets=tuple(q.key for q in table.targets),
        spec=net, table=table, rewrites=rewrites,
    )
