"""The independent NumPy oracle of batch and layer normalisation in training mode (part of
``reference_layers``), each in the compact form a teacher writes: shares no code with
the symbolic path."""

from __future__ import annotations

import numpy as np

BN_EPS = 1e-5


def _bn_stats(x):
    """Per channel (axis 1) over the batch and every position: mean, biased variance."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes).reshape(shape)
    var = ((x - mu) ** 2).mean(axis=axes).reshape(shape)
    return axes, shape, mu, var


def bn_forward(p, l, x):
    _, shape, mu, var = _bn_stats(x)
    xhat = (x - mu) / np.sqrt(var + BN_EPS)
    return p[f"{l}.weight"].reshape(shape) * xhat + p[f"{l}.bias"].reshape(shape)


def bn_backward(p, l, x, dy, grads):
    """The compact form: with m entries per channel and x̂ = (x − μ)/√(σ² + ε),
    dL/dx = γ/(m √(σ² + ε)) · (m dy − Σ dy − x̂ Σ dy x̂), sums over the channel's entries."""
    axes, shape, mu, var = _bn_stats(x)
    m = x.size // x.shape[1]
    inv = 1 / np.sqrt(var + BN_EPS)
    xhat = (x - mu) * inv
    grads[f"{l}.weight"] = (dy * xhat).sum(axis=axes)
    grads[f"{l}.bias"] = dy.sum(axis=axes)
    s1 = dy.sum(axis=axes).reshape(shape)
    s2 = (dy * xhat).sum(axis=axes).reshape(shape)
    return p[f"{l}.weight"].reshape(shape) * inv / m * (m * dy - s1 - xhat * s2)


def ln_forward(p, l, x):
    """Each sample over all its entries: (a − μ)/√(σ² + ε), scaled and shifted per entry."""
    flat = x.reshape(x.shape[0], -1)
    mu = flat.mean(axis=1, keepdims=True)
    var = ((flat - mu) ** 2).mean(axis=1, keepdims=True)
    xhat = ((flat - mu) / np.sqrt(var + BN_EPS)).reshape(x.shape)
    return p[f"{l}.weight"] * xhat + p[f"{l}.bias"]


def ln_backward(p, l, x, dy, grads):
    """The compact form per sample: dL/da = (1/(m √(σ² + ε))) (m ĝ − Σ ĝ − â Σ ĝ â),
    ĝ = γ ⊙ dy, sums over the sample's m entries."""
    N = x.shape[0]
    flat = x.reshape(N, -1)
    m = flat.shape[1]
    mu = flat.mean(axis=1, keepdims=True)
    var = ((flat - mu) ** 2).mean(axis=1, keepdims=True)
    inv = 1 / np.sqrt(var + BN_EPS)
    xhat = (flat - mu) * inv
    dyf = dy.reshape(N, -1)
    grads[f"{l}.weight"] = (dyf * xhat).sum(axis=0).reshape(x.shape[1:])
    grads[f"{l}.bias"] = dyf.sum(axis=0).reshape(x.shape[1:])
    gh = dyf * p[f"{l}.weight"].reshape(1, -1)
    dx = inv / m * (m * gh - gh.sum(axis=1, keepdims=True)
                    - xhat * (gh * xhat).sum(axis=1, keepdims=True))
    return dx.reshape(x.shape)
