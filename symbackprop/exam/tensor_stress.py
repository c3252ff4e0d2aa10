"""The NumPy reference's answers to a tensor exam's variant (``exam --stress`` and the
tests): forward values and parameter gradients by ``reference_layers`` (hand-written
loops, no shared code with the derivation) from key.json's values alone; a batch-norm
input's gradient by a central difference of the reference's loss over the layers from
the batch norm on, its input entry moved."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import reference_layers as ref
from ..layers.tensors import from_tensors

H = 1e-6  # the central difference's step


def _softmax(y):
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def bn_entries(g, layer: int, shape, B: int) -> dict:
    """{batch-norm input key: (sample, index)}: the builder's order (``layers/batchnorm``:
    channel by channel, then sample by sample, entries in row-major order)."""
    order = [(n, idx) for c in range(shape[0]) for n in range(B)
             for idx in np.ndindex(*shape) if idx[0] == c]
    hats = [k for k, node in g.nodes.items()
            if node.op == "normalise" and g.layer_of.get(k) == layer]
    return {g.nodes[h].inputs[0]: at for h, at in zip(hats, order)}


def _tail(net, tensors, l):
    """The network from layer ``l`` on, its parameters renumbered from 1."""
    sub = replace(net, shape=net.shapes[l - 2] if l > 1 else net.shape,
                  layers=net.layers[l - 1:], shapes=net.shapes[l - 1:])
    params = {}
    for name, arr in tensors.items():
        n, _, rest = name.partition(".")
        if int(n) >= l:
            params[f"{int(n) - l + 1}.{rest}"] = arr
    return sub, params


def reference_answers(net, d, variant: dict) -> dict:
    """{(kind, target latex): value} of a tensor exam's variant."""
    g = d.graph
    vals = variant["values"]
    tensors = {k: np.asarray(v, dtype=float) for k, v in vals["tensors"].items()}
    X = np.asarray(vals["inputs"], dtype=float)
    T = np.asarray(vals["targets"], dtype=float)
    loss, grads = ref.backward(net, tensors, X, T)
    y, caches = ref.forward(net, tensors, X)
    y = y.reshape(y.shape[0], -1)
    if net.loss == "softmax_ce":
        y = _softmax(y)
    outs = [k for k, node in g.nodes.items() if node.kind == "output"]
    out = {("forward", g.latex[k]): v for k, v in zip(outs, y.reshape(-1))}
    out["forward", g.latex[g.loss]] = loss
    lr = variant["learning_rate"]
    for k, v in from_tensors(g, grads).items():
        out["gradient", g.latex[k]] = v
        if lr:
            out["update", g.latex[k]] = vals["params"][g.latex[k]] - lr * v
    asked = {a["target"] for a in variant["answers"] if a["kind"] == "gradient"}
    for l, layer in enumerate(net.layers, 1):
        if layer.kind != "batchnorm":
            continue
        x = caches[l - 1][0]
        sub, params = _tail(net, tensors, l)
        for k, (n, idx) in bn_entries(g, l, x.shape[1:], x.shape[0]).items():
            if g.latex[k] not in asked:
                continue
            moved = []
            for h in (H, -H):
                xm = x.copy()
                xm[(n, *idx)] += h
                moved.append(ref.loss(sub, params, xm, T))
            out["gradient", g.latex[k]] = (moved[0] - moved[1]) / (2 * H)
    return out
