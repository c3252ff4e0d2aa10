"""The independent numeric oracle: a hand-written NumPy forward and backward pass.

Classic matrix backpropagation for a layered ``Network`` spec. It shares no code with the
symbolic path (no sympy, no naming table), so the derivation engine can be checked against it,
and it is itself checked against central finite differences of its own loss (``numeric_grad``).

One row per sample; for a batch of N samples and layers l = 1..L (``net.layers[l-1]``):

    X (N, n_in), T (N, K), W[l-1] (units_l, units_{l-1}): W[l-1][j, i] joins i to unit j
    z^{[l]} = h^{[l-1]} W^T + b        (h^{[0]} = X; b: none, per unit, or one shared scalar)
    a^{[l]} = act(z^{[l]})
    h^{[l]} = a^{[l]}, or h^{[l-1]} + a^{[l]} on a residual layer;   Y = h^{[L]}

Losses are means over the N samples and sums over the K outputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the oracle imports nothing of the package
    from .spec import Network

LEAKY_SLOPE = 0.01


# ------------------------------------------------------------------------- activations


def _sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(z):
    return np.logaddexp(0, z)  # log(1 + e^z) without overflow


_erf = np.vectorize(math.erf, otypes=[float])


def _Phi(z):
    """The standard normal distribution function."""
    return 0.5 * (1 + _erf(z / math.sqrt(2)))


def _phi(z):
    """Its density."""
    return np.exp(-z * z / 2) / math.sqrt(2 * math.pi)


# name -> (f(z), f'(z)); relu'(0) = 0 and leaky_relu'(0) = LEAKY_SLOPE by convention.
ACTIVATIONS = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                   lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)),
    "softplus": (_softplus, _sigmoid),
    "gelu": (lambda z: z * _Phi(z), lambda z: _Phi(z) + z * _phi(z)),
    "silu": (lambda z: z * _sigmoid(z), lambda z: _sigmoid(z) * (1 + z * (1 - _sigmoid(z)))),
    "elu": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
            lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))),
}


# ------------------------------------------------------------------------- data


@dataclass
class Params:
    W: list[np.ndarray]  # W[l-1]: (units_l, units_{l-1})
    b: list[np.ndarray | None]  # b[l-1]: None, (units_l,), or () for a shared bias

    def copy(self):
        """A deep copy as float arrays."""
        return type(self)([np.array(w, dtype=float) for w in self.W],
                          [None if b is None else np.array(b, dtype=float) for b in self.b])


class Grads(Params):
    """dL/dW and dL/db, shaped like the parameters (also readable as ``dW``, ``db``)."""

    @property
    def dW(self):
        return self.W

    @property
    def db(self):
        return self.b


@dataclass
class Cache:
    """Everything the forward pass computed; lists are indexed l-1."""

    x: np.ndarray  # (N, n_in)
    z: list[np.ndarray]  # pre-activations
    a: list[np.ndarray]  # act(z)
    h: list[np.ndarray]  # unit outputs; h[-1] is the network output
    p: np.ndarray | None = None  # softmax probabilities (softmax_ce only)

    @property
    def y(self):
        return self.h[-1]


@dataclass
class Deltas:
    """Per-layer dL/dz^{[l]} and dL/dh^{[l]} (each (N, units_l), indexed l-1), and dL/dX."""

    dz: list[np.ndarray]
    dh: list[np.ndarray]
    dx: np.ndarray


# ------------------------------------------------------------------------- parameters


def init_params(net: Network, rng=None, scale: float = 0.5) -> Params:
    """Normal(0, scale^2) weights and biases; ``rng`` is a Generator or a seed."""
    rng = np.random.default_rng(rng)
    W, b = [], []
    for n_prev, layer in zip(net.sizes, net.layers):
        W.append(scale * rng.standard_normal((layer.size, n_prev)))
        shape = {"none": None, "per_unit": (layer.size,), "shared": ()}[layer.bias]
        b.append(None if shape is None else np.asarray(scale * rng.standard_normal(shape)))
    return Params(W, b)


def _check(net: Network, params: Params):
    if len(params.W) != len(net.layers) or len(params.b) != len(net.layers):
        raise ValueError(f"params have {len(params.W)} layers, the network {len(net.layers)}")
    for l, (n_prev, layer, w, b) in enumerate(zip(net.sizes, net.layers, params.W, params.b), 1):
        if np.shape(w) != (layer.size, n_prev):
            raise ValueError(f"W of layer {l} has shape {np.shape(w)}, "
                             f"expected {(layer.size, n_prev)}")
        want = {"none": None, "per_unit": (layer.size,), "shared": ()}[layer.bias]
        if (b is None) != (want is None) or (b is not None and np.shape(b) != want):
            raise ValueError(f"bias of layer {l} ({layer.bias}) has shape "
                             f"{None if b is None else np.shape(b)}, expected {want}")


def flatten(net: Network, tree: Params) -> dict[tuple[str, int, int, int], float]:
    """Params or Grads -> {(kind, layer, row j, col i): value}; layers 1-based, a shared
    bias is ("bias", l, 0, 0) and a per-unit bias ("bias", l, j, 0)."""
    out = {}
    for l, (w, b) in enumerate(zip(tree.W, tree.b), 1):
        for (j, i), v in np.ndenumerate(np.asarray(w)):
            out["weight", l, j, i] = float(v)
        if b is not None:
            for j, v in enumerate(np.ravel(b)):
                out["bias", l, j, 0] = float(v)
    return out


def from_flat(net: Network, mapping) -> Params:
    """The reverse of ``flatten``: every key must be present, and no other."""
    template = init_params(net, 0)
    keys = set(flatten(net, template))
    missing, extra = keys - set(mapping), set(mapping) - keys
    if missing or extra:
        raise ValueError(f"missing {sorted(missing)[:5]}, unknown {sorted(extra)[:5]}")
    for (kind, l, j, i), v in mapping.items():
        if kind == "weight":
            template.W[l - 1][j, i] = v
        elif template.b[l - 1].shape == ():
            template.b[l - 1][()] = v
        else:
            template.b[l - 1][j] = v
    return template


# ------------------------------------------------------------------------- forward


def _batch(v, width: int, what: str) -> np.ndarray:
    """1-D (one sample) or 2-D (N, width) -> float (N, width)."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != width:
        raise ValueError(f"{what} has shape {v.shape}, expected (N, {width}) or ({width},)")
    return v


def forward(net: Network, params: Params, X) -> Cache:
    _check(net, params)
    x = _batch(X, net.inputs, "X")
    c = Cache(x, [], [], [])
    prev = x
    for layer, w, b in zip(net.layers, params.W, params.b):
        z = prev @ np.asarray(w, dtype=float).T
        if b is not None:
            z = z + b  # broadcasts a per-unit vector or a shared scalar
        a = ACTIVATIONS[layer.activation][0](z)
        h = prev + a if layer.residual else a
        c.z.append(z)
        c.a.append(a)
        c.h.append(h)
        prev = h
    if net.loss == "softmax_ce":
        s = c.y - c.y.max(axis=1, keepdims=True)  # stable: softmax is shift-invariant
        c.p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    return c


def _sigmoid_out(net: Network) -> bool:
    """True when y = sigmoid(z) exactly (bce output not behind a skip connection)."""
    return not net.layers[-1].residual


def _loss(net: Network, c: Cache, T: np.ndarray) -> float:
    N, Y = len(T), c.y
    if net.loss == "mse":
        return float(np.sum((T - Y) ** 2) / N)
    if net.loss == "half_sse":
        return float(0.5 * np.sum((T - Y) ** 2) / N)
    if net.loss == "bce":
        if _sigmoid_out(net):  # log y = -softplus(-z), log(1-y) = -softplus(z): no log(0)
            z = c.z[-1]
            return float(np.sum(T * _softplus(-z) + (1 - T) * _softplus(z)) / N)
        return float(-np.sum(T * np.log(Y) + (1 - T) * np.log(1 - Y)) / N)
    if net.loss == "huber":  # delta = 1: r^2/2 inside |r| <= 1, |r| - 1/2 outside
        r = np.abs(T - Y)
        return float(np.sum(np.where(r <= 1, 0.5 * r * r, r - 0.5)) / N)
    if net.loss == "softmax_ce":
        s = Y - Y.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-np.sum(T * log_p) / N)
    raise ValueError(f"unknown loss {net.loss!r}")


def loss(net: Network, params: Params, X, T) -> float:
    c = forward(net, params, X)
    return _loss(net, c, _batch(T, net.outputs, "T"))


# ------------------------------------------------------------------------- backward


def _backprop(net: Network, params: Params, X, T):
    c = forward(net, params, X)
    T = _batch(T, net.outputs, "T")
    if len(T) != len(c.x):
        raise ValueError(f"X has {len(c.x)} samples, T has {len(T)}")
    N, Y = len(T), c.y
    # g = dL/dY, the seed of the backward sweep
    out_dz = None  # dL/dz^{[L]} when the textbook shortcut applies
    if net.loss == "mse":
        g = -2 * (T - Y) / N
    elif net.loss == "half_sse":
        g = -(T - Y) / N
    elif net.loss == "huber":
        g = -np.clip(T - Y, -1.0, 1.0) / N
    elif net.loss == "bce":
        with np.errstate(divide="ignore", invalid="ignore"):  # y(1-y) is 0 at saturation
            g = (Y - T) / (N * Y * (1 - Y))
        if _sigmoid_out(net):
            out_dz = (Y - T) / N  # = g * y(1-y), exact even where g is not finite
    else:  # softmax_ce on the logits Y: d/dY_k of -sum_m t_m log p_m = p_k sum_m t_m - t_k,
        g = (c.p * T.sum(axis=1, keepdims=True) - T) / N  # i.e. (p - t)/N for targets summing to 1

    dW, db, dz, dh = [], [], [], []
    for l in reversed(range(len(net.layers))):
        layer = net.layers[l]
        prev = c.x if l == 0 else c.h[l - 1]
        dh.append(g)
        if l == len(net.layers) - 1 and out_dz is not None:
            d = out_dz
        else:
            d = g * ACTIVATIONS[layer.activation][1](c.z[l])
        dz.append(d)
        dW.append(d.T @ prev)  # sum over samples of d_j * h_i
        db.append({"none": None, "per_unit": d.sum(axis=0), "shared": np.array(d.sum())}
                  [layer.bias])
        g = d @ np.asarray(params.W[l], dtype=float)  # dL/dh^{[l-1]} through z
        if layer.residual:
            g = g + dh[-1]  # the skip h^{[l-1]} -> h^{[l]} has local derivative 1
    grads = Grads(dW[::-1], db[::-1])
    return _loss(net, c, T), grads, Deltas(dz[::-1], dh[::-1], g)


def backward(net: Network, params: Params, X, T) -> tuple[float, Grads]:
    """(loss, gradients of the loss with respect to every parameter)."""
    value, grads, _ = _backprop(net, params, X, T)
    return value, grads


def layer_deltas(net: Network, params: Params, X, T) -> Deltas:
    """dL/dz and dL/dh per layer: their sizes show vanishing or exploding gradients."""
    return _backprop(net, params, X, T)[2]


def numeric_grad(net: Network, params: Params, X, T, eps: float = 1e-6) -> Grads:
    """Central finite differences of ``loss``, one parameter at a time."""
    p = params.copy()
    out = Grads([np.zeros_like(w) for w in p.W], [None if b is None else np.zeros_like(b)
                                                   for b in p.b])
    for arrays, grads in ((p.W, out.W), (p.b, out.b)):
        for arr, grad in zip(arrays, grads):
            if arr is None:
                continue
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + eps
                up = loss(net, p, X, T)
                arr[idx] = old - eps
                down = loss(net, p, X, T)
                arr[idx] = old
                grad[idx] = (up - down) / (2 * eps)
    return out
