"""The front end of a tensor network: ``TensorNetwork`` -> ``dag.Graph``, one scalar node
per tensor entry, each layer record adding its own (``build``). The derivation then runs
unchanged: a kernel entry used at many positions has many consumers, so its gradient is
derived as the sum over its uses, and the cost stays linear in the graph's edges."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from .. import ops
from ..dag import Graph
from ..numeric import Values
from .base import Builder, entries, key, sub
from .check import check_tensor_network
from .network import TensorNetwork

# A page shows each step expanded to leaves up to this many edges (as graph.py does).
EXPAND_MAX_EDGES = 200


def build_tensor_graph(net: TensorNetwork) -> Graph:
    b = Builder()
    x = np.empty(net.shape, dtype=object)
    for idx in entries(net.shape):
        x[idx] = key("x", idx)
        b.leaf(x[idx], sub("x", idx), "input")
    inputs = tuple(x.reshape(-1))
    for l, layer in enumerate(net.layers, 1):
        b.current = l
        x = layer.build(b, l, x)
    out = [k for k in x.reshape(-1)]
    K = len(out)
    softmax = net.loss == "softmax_ce"
    y_names = ["y_{pred}"] if K == 1 else [f"y_{{pred,{k + 1}}}" for k in range(K)]
    t_names = ["y_{true}"] if K == 1 else [f"y_{{true,{k + 1}}}" for k in range(K)]
    targets = tuple(f"t{k + 1}" for k in range(K))
    for t, name in zip(targets, t_names):
        b.leaf(t, name, "target")
    b.leaf("N", "N", "count")
    S = b.sym
    rewrites = {}
    if softmax:  # y_k = softmax(z)_k; the loss is written in the z (as graph.py does)
        denom = sp.Add(*[sp.exp(S(z)) for z in out])
        for k, (z, name) in enumerate(zip(out, y_names)):
            b.add(f"y{k + 1}", name, "softmax", out, sp.exp(S(z)) / denom, kind="output")
        rewrites["L"] = {sp.exp(S(z)) / denom: S(f"y{k + 1}") for k, z in enumerate(out)}
    else:
        for k, name in zip(out, y_names):
            b.nodes[k] = replace(b.nodes[k], kind="output")
            b.latex[k] = name
    loss = ops.LOSSES[net.loss]
    term = loss.term([S(t) for t in targets], [S(q) for q in out], S("N"))
    b.current = len(net.layers) + 1
    b.add("L", "E" if net.loss == "half_sse" else "L", net.loss,
          list(targets) + out + ["N"], term, kind="loss")
    nodes = b.nodes
    # parameters first among the leaves, as the layered front end orders them
    g = Graph(
        nodes=nodes, latex=b.latex, loss="L", params=tuple(b.params), inputs=inputs,
        targets=targets, spec=net, rewrites=rewrites, name=net.name, title=net.title,
        loss_name=net.loss, partial=net.notation.derivative == "partial", detail=net.detail,
        expandable=sum(len(n.inputs) for n in nodes.values()) <= EXPAND_MAX_EDGES,
        tensors=dict(b.tensors), layer_of=dict(b.layer_of), oracle=check_tensor_network,
    )
    g.example = _example(g, net)
    g.sample = lambda rng, n=1: sample(g, net, rng, n)
    return g


def _example(g: Graph, net: TensorNetwork) -> Values:
    """Seeded round numbers for the worked example (one sample)."""
    rng = np.random.default_rng(7)
    params = {k: float(np.round(rng.uniform(-1, 1), 1) or 0.5) for k in g.params}
    X = np.round(rng.uniform(-1, 1, size=(1, len(g.inputs))), 1)
    return Values(X, _targets(net, len(g.targets), rng, 1, rounded=True), params)


def _targets(net, K, rng, n, rounded=False):
    if net.loss == "softmax_ce":
        return np.eye(K)[rng.integers(0, K, size=n)]
    if net.loss == "bce":
        return rng.integers(0, 2, size=(n, K)).astype(float)
    T = rng.uniform(-1, 1, size=(n, K))
    return np.round(T, 1) if rounded else T


def sample(g: Graph, net: TensorNetwork, rng, n: int = 1) -> Values:
    """A random point: parameters ~ N(0, 0.5²), n samples of inputs ~ N(0, 1), valid targets."""
    params = {k: float(v) for k, v in zip(g.params, rng.normal(0, 0.5, size=len(g.params)))}
    X = rng.normal(size=(n, len(g.inputs)))
    return Values(X, _targets(net, len(g.targets), rng, n), params)
