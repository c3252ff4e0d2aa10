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
from .base import Builder, entries
from .network import TensorNetwork

# A page shows each step expanded to leaves up to this many edges (as graph.py does).
EXPAND_MAX_EDGES = 200


def build_tensor_graph(net: TensorNetwork) -> Graph:
    B = net.batch if net.coupled else 1  # samples in the graph
    b = Builder(batch=B)
    xs = []
    for n in range(B):
        b.sample = n
        x = np.empty(net.shape, dtype=object)
        for idx in entries(net.shape):
            x[idx] = b.key("x", idx)
            b.leaf(x[idx], b.sub("x", idx), "input")
        xs.append(x)
    inputs = tuple(k for x in xs for k in x.reshape(-1))
    for l, layer in enumerate(net.layers, 1):
        b.current = l
        b.block_inputs.update({(l, n): x for n, x in enumerate(xs)})
        if getattr(layer, "couples", False):
            xs = layer.build_batch(b, l, xs)
            continue
        for n in range(B):
            b.sample = n
            xs[n] = layer.build(b, l, xs[n])
    outs = [[k for k in x.reshape(-1)] for x in xs]
    K = len(outs[0])
    S = b.sym
    rewrites, targets, terms = dict(b.rewrites), [], []
    loss = ops.LOSSES[net.loss]
    for n, out in enumerate(outs):
        mark = "" if B == 1 else f"^{{({n + 1})}}"
        y_names = [f"y_{{pred}}{mark}"] if K == 1 else \
            [f"y_{{pred,{k + 1}}}{mark}" for k in range(K)]
        t_names = [f"y_{{true}}{mark}"] if K == 1 else \
            [f"y_{{true,{k + 1}}}{mark}" for k in range(K)]
        tag = "" if B == 1 else f"n{n + 1}_"
        ts = [f"t{tag}{k + 1}" for k in range(K)]
        for t, name in zip(ts, t_names):
            b.leaf(t, name, "target")
        targets += ts
        if net.loss == "softmax_ce":  # y_k = softmax(z)_k; the loss is written in the z
            denom = sp.Add(*[sp.exp(S(z)) for z in out])
            for k, (z, name) in enumerate(zip(out, y_names)):
                b.add(f"y{tag}{k + 1}", name, "softmax", out, sp.exp(S(z)) / denom,
                      kind="output")
            rewrites.setdefault("L", {}).update(
                {sp.exp(S(z)) / denom: S(f"y{tag}{k + 1}") for k, z in enumerate(out)})
        else:
            for k, name in zip(out, y_names):
                b.nodes[k] = replace(b.nodes[k], kind="output")
                b.latex[k] = name
        # one sample's term; over a batch in the graph, the mean is taken here
        terms.append(loss.term([S(t) for t in ts], [S(q) for q in out],
                               S("N") if B == 1 else sp.Integer(B)))
    b.leaf("N", "N", "count")
    b.current = len(net.layers) + 1
    b.sample = 0
    total = terms[0] if B == 1 else sp.Add(*terms) / (1 if loss.has_mean else B)
    b.add("L", "E" if net.loss == "half_sse" else "L", net.loss,
          targets + [k for out in outs for k in out] + (["N"] if B == 1 else []), total,
          kind="loss")
    targets = tuple(targets)
    nodes = b.nodes
    # parameters first among the leaves, as the layered front end orders them
    g = Graph(
        nodes=nodes, latex=b.latex, loss="L", params=tuple(b.params), inputs=inputs,
        targets=targets, spec=net, rewrites=rewrites, name=net.name, title=net.title,
        loss_name=net.loss, partial=net.notation.derivative == "partial", detail=net.detail,
        mean_outside=not loss.has_mean,  # ½ SSE's E: the batch takes the terms' mean
        expandable=sum(len(n.inputs) for n in nodes.values()) <= EXPAND_MAX_EDGES,
        tensors=dict(b.tensors), layer_of=dict(b.layer_of), oracle=_oracle,
    )
    g.example = _example(g, net)
    g.sample = lambda rng, n=1: sample(g, net, rng, n)
    return g


def _example(g: Graph, net: TensorNetwork) -> Values:
    """Seeded round numbers for the worked example (one sample)."""
    rng = np.random.default_rng(7)
    params = {k: float(np.round(rng.uniform(-1, 1), 1) or 0.5) for k in g.params}
    if _vocab(net):  # ids cycling through the vocabulary: a token repeats once T > V
        X = (np.arange(net.shape[0]) % _vocab(net)).astype(float)[None]
    else:
        X = np.round(rng.uniform(-1, 1, size=(1, len(g.inputs))), 1)
    B = net.batch if net.coupled else 1
    T = _targets(net, len(g.targets) // B, rng, B, rounded=True).reshape(1, -1)
    return Values(X, T, params)


def _targets(net, K, rng, n, rounded=False):
    if net.loss == "softmax_ce":
        return np.eye(K)[rng.integers(0, K, size=n)]
    if net.loss == "bce":
        return rng.integers(0, 2, size=(n, K)).astype(float)
    T = rng.uniform(-1, 1, size=(n, K))
    return np.round(T, 1) if rounded else T


def sample(g: Graph, net: TensorNetwork, rng, n: int = 1) -> Values:
    """A random point: parameters ~ N(0, 0.5²), n samples of inputs ~ N(0, 1), valid targets.
    A graph over a batch holds its ``net.batch`` samples in one row (``n`` is ignored)."""
    params = {k: float(v) for k, v in zip(g.params, rng.normal(0, 0.5, size=len(g.params)))}
    if net.coupled:
        B = net.batch
        X = rng.normal(size=(1, len(g.inputs)))
        return Values(X, _targets(net, len(g.targets) // B, rng, B).reshape(1, -1), params)
    X = _ids(net, rng, n) if _vocab(net) else rng.normal(size=(n, len(g.inputs)))
    return Values(X, _targets(net, len(g.targets), rng, n), params)


def _vocab(net) -> int:
    """The count of token ids when the input is token ids (an embedding first), else 0."""
    return getattr(net.layers[0], "num_embeddings", 0)


def _ids(net, rng, n):
    """n samples of token ids, as floats (the graph's inputs are numbers)."""
    return rng.integers(0, _vocab(net), size=(n, net.shape[0])).astype(float)


def _oracle(*args, **kwargs):
    """The tensor network's numeric check (``layers/check.py``), loaded when a check runs:
    building a graph does not load the verifier."""
    from .check import check_tensor_network

    return check_tensor_network(*args, **kwargs)
