"""A lesson's worked example in a profile's layout and conventions, from the independent
NumPy reference (``reference.py``): per layer W, b, Z, A and the backward pass's dZ, dA,
dW, db, transposed for the profile's sample layout and scaled for its mean convention.

The reference holds samples in rows and divides by N in its seed (dL/dz carries the 1/N
of the mean); Ng writes dZ per example (the 1/m sits in dW and db), Nielsen, Mazur and
Goodfellow treat one example (C_x), cs231n keeps the 1/N in ds as the reference does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import reference
from .base import Profile


@dataclass(frozen=True)
class LayerNumbers:
    W: np.ndarray
    b: np.ndarray | None
    Z: np.ndarray
    A: np.ndarray
    A_prev: np.ndarray
    dZ: np.ndarray
    dA: np.ndarray
    dW: np.ndarray
    db: np.ndarray | None
    slope: np.ndarray  # g'(Z), elementwise, in the layout
    W_new: np.ndarray | None  # W − η dW after one step, when the example has a rate η


@dataclass(frozen=True)
class Numbers:
    X: np.ndarray
    Y: np.ndarray
    cost: float
    layers: tuple[LayerNumbers, ...]
    P: np.ndarray | None  # softmax probabilities (softmax_ce), in the layout
    terms: np.ndarray | None  # each output's error ½(t − y)² (half_sse: Mazur's E_{o1})


def params_of(table, values) -> reference.Params:
    """The reference's parameters from a lesson's values (canonical keys)."""
    flat = {}
    for q in table.params:
        key = (("weight", q.layer, q.row, q.col) if q.kind == "weight"
               else ("bias", q.layer, q.row, 0))
        flat[key] = values.params[q.key]
    return flat


def numbers(profile: Profile, net, table, values, rate: float | None = None) -> Numbers:
    params = reference.from_flat(net, params_of(table, values))
    X, T = values.inputs, values.targets
    c = reference.forward(net, params, X)
    cost, grads = reference.backward(net, params, X, T)
    deltas = reference.layer_deltas(net, params, X, T)
    n = len(X)
    # Ng and the one-example books write dZ per example; cs231n keeps the reference's 1/N
    per_example = 1.0 if profile.mean == "seed" else float(n)
    grad_scale = float(n) if profile.mean == "none" else 1.0
    cols = profile.layout != "rows"

    def lay(a):  # samples in columns, or rows as the reference has them
        return np.asarray(a).T if cols else np.asarray(a)

    def weights(w):
        return np.asarray(w) if profile.weight_order == "out,in" else np.asarray(w).T

    layers = []
    for l in range(len(net.layers)):
        prev = c.x if l == 0 else c.h[l - 1]
        b, db = params.b[l], grads.b[l]
        layers.append(LayerNumbers(
            W=weights(params.W[l]), b=None if b is None else np.asarray(b),
            Z=lay(c.z[l]), A=lay(c.h[l]), A_prev=lay(prev),
            dZ=lay(deltas.dz[l] * per_example), dA=lay(deltas.dh[l] * per_example),
            dW=weights(grads.W[l]) * grad_scale,
            db=None if db is None else np.asarray(db) * grad_scale,
            slope=lay(reference.ACTIVATIONS[net.layers[l].activation][1](c.z[l])),
            W_new=None if rate is None else weights(params.W[l] - rate * grads.W[l]),
        ))
    return Numbers(X=lay(X), Y=lay(T), cost=cost,
                   layers=tuple(layers), P=None if c.p is None else lay(c.p),
                   terms=lay(0.5 * (T - c.y) ** 2) if net.loss == "half_sse" else None)
