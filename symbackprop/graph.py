"""Front ends: a spec -> its ``Graph`` (``dag.py``). A layered network (``spec.Network``)
is built here, a graph of formulas (``formula_spec.FormulaGraph``) in ``formula_graph.py``;
``build_graph`` picks the front end by the spec's class name, the one place that does.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import naming, ops
from .dag import Graph, Node
from .formula_graph import build_formula_graph
from .layers.graph import build_tensor_graph
from .naming import Quantity
from .numeric import Values
from .errors import SpecError
from .spec import Network
from .spelling import Entry, Spellings, resolve


def build_graph(spec) -> Graph:
    """The Graph of a spec, by the front end of its class (``Network``, ``FormulaGraph``)."""
    return FRONT_ENDS[type(spec).__name__](spec)


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
    # per_example: the loss of one example, no 1/N (the mean is taken over the batch's
    # gradients); per_batch: one sample's term of the mean, 1/N included
    per_example = net.notation.mean == "per_example"
    count = sp.Integer(1) if per_example else S(table.count)
    term = loss.term([S(t) for t in table.targets], [S(q) for q in feeds], count)
    inputs = [t.key for t in table.targets] + [q.key for q in feeds]
    if not per_example:
        inputs.append(table.count.key)
    add(table.loss, net.loss, inputs, term)
    if net.loss == "softmax_ce":
        denom = sp.Add(*[sp.exp(S(z)) for z in table.pre[-1]])
        rewrites[table.loss.key] = {sp.exp(S(z)) / denom: S(h) for z, h in zip(table.pre[-1], out)}

    example, seeded = _example(net, table)
    return Graph(
        nodes=nodes, latex=latex, loss=table.loss.key,
        params=tuple(q.key for q in table.params),
        inputs=tuple(q.key for q in table.inputs), targets=tuple(q.key for q in table.targets),
        spec=net, table=table, rewrites=rewrites,
        name=net.name, title=net.title, layers=net.layers, sizes=net.sizes, loss_name=net.loss,
        partial=net.notation.derivative == "partial", detail=net.detail,
        example=example, seeded=seeded,
        mean_outside=per_example or not loss.has_mean,
        learning_rate=net.example.learning_rate if net.example else None,
        sample=lambda rng, n=1: _sample(net, table, rng, n),
        # the flattened loss grows with the edges: expansions are shown up to this many
        expandable=sum(len(n.inputs) for n in nodes.values()) <= EXPAND_MAX_EDGES,
    )


# A layered page shows each step expanded to inputs and weights up to this many edges.
EXPAND_MAX_EDGES = 200


def _example(net: Network, table) -> tuple[Values, tuple[str, ...]]:
    """The worked example and the keys it seeded (the inputs and targets too when the spec
    has no [example]). The spec's [example]
    is kept as given (inputs, targets, every parameter it names, in any spelling the
    names allow); parameters it does not name are seeded round numbers, never 0 (a zero
    weight or input makes whole rows of gradients trivially 0)."""
    rng = np.random.default_rng(7)
    seeded = {q.key: float(np.round(rng.uniform(-1, 1), 1) or 0.5) for q in table.params}
    X = np.round(rng.uniform(-1, 1, size=(1, len(table.inputs))), 1)
    X[X == 0] = 0.5
    if net.loss == "softmax_ce":
        T = np.eye(len(table.targets))[:1]
    elif net.loss == "bce":
        T = np.ones((1, 1))
    else:
        T = np.round(rng.uniform(-1, 1, size=(1, len(table.targets))), 1)
    ex = net.example
    if ex is None:  # the inputs and targets are seeded too
        return Values(X, T, seeded), _io_keys(table) + tuple(seeded)
    given = resolve(dict(ex.params), parameter_spellings(table), ex.where, "[example] params")
    if net.loss == "softmax_ce" and abs(sum(ex.targets) - 1) > 1e-9:
        raise SpecError(f"[example] targets must sum to 1 for softmax_ce (one-hot or a "
                        f"distribution), got {sum(ex.targets)}", ex.where)
    params = {k: given.get(k, v) for k, v in seeded.items()}
    return Values([ex.inputs], [ex.targets], params), tuple(k for k in seeded if k not in given)


def _io_keys(table) -> tuple[str, ...]:
    return tuple(q.key for q in table.inputs + table.targets)


def parameter_spellings(table) -> Spellings:
    """The spellings a user may write for the parameters of a layered network: the page's
    names, and in a notation profile the lesson's names too (a spec's [example])."""
    also: dict[str, list[str]] = {}
    for name, q in table.aliases:
        also.setdefault(q.key, []).append(name)
    return Spellings(Entry(q.key, q.latex, (q.latex, *also.get(q.key, ()))) for q in table.params)


def _sample(net: Network, table, rng, n: int = 1) -> Values:
    """A random point: parameters as ``reference.init_params`` draws them, then ``n``
    samples of inputs and targets valid for the loss (``verify.sample``)."""
    from . import reference
    from .verify import sample

    keys = {("weight", q.layer, q.row, q.col) if q.kind == "weight"
            else ("bias", q.layer, q.row, 0): q.key for q in table.params}
    params = reference.flatten(net, reference.init_params(net, rng, scale=0.8))
    X, T = sample(net, rng, n)
    return Values(X, T, {keys[k]: v for k, v in params.items()})


FRONT_ENDS = {"Network": _build_layered, "FormulaGraph": build_formula_graph,
              "TensorNetwork": build_tensor_graph}
