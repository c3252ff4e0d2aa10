"""Activations and losses: one registry line each.

``SLOPE[name](out, z)`` is the local derivative d act(z)/dz, written the way a teacher
writes it: in terms of the unit's own output where that is shortest (sigmoid:
h(1 - h), tanh: 1 - h^2). The SymPy functions below take their derivative from the
same table, so the whole engine has one definition of each slope; the oracle in
``verify.py`` differentiates the *elementary* rewrite (``ELEMENTARY``) instead, so
the two are independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

LEAKY_SLOPE = sp.Rational(1, 100)


class sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^{-z})"""

    def fdiff(self, argindex=1):
        return SLOPE["sigmoid"](self, self.args[0])



class relu(sp.Function):
    """relu(z) = max(0, z); relu'(0) = 0 by convention"""

    def fdiff(self, argindex=1):
        return SLOPE["relu"](self, self.args[0])



class leaky_relu(sp.Function):
    """leaky_relu(z) = z for z > 0, 0.01 z otherwise"""

    def fdiff(self, argindex=1):
        return SLOPE["leaky_relu"](self, self.args[0])



class softplus(sp.Function):
    """softplus(z) = log(1 + e^z)"""

    def fdiff(self, argindex=1):
        return SLOPE["softplus"](self, self.args[0])



def _step(z):
    """1 for z > 0, else 0: the relu slope with the convention relu'(0) = 0."""
    return sp.Heaviside(z, 0)


def _leaky_step(z):
    return sp.Piecewise((1, z > 0), (LEAKY_SLOPE, True))


# act(z)
FORWARD: dict[str, Callable] = {
    "identity": lambda z: z,
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softplus": softplus,
}

# d act(z) / dz, given out = act(z)
SLOPE: dict[str, Callable] = {
    "identity": lambda out, z: sp.Integer(1),
    "sigmoid": lambda out, z: out * (1 - out),
    "tanh": lambda out, z: 1 - out**2,
    "relu": lambda out, z: _step(z),
    "leaky_relu": lambda out, z: _leaky_step(z),
    "softplus": lambda out, z: sigmoid(z),
}

# The same functions in elementary form, for the independent sympy.diff oracle.
ELEMENTARY: dict[type, Callable] = {
    sigmoid: lambda z: 1 / (1 + sp.exp(-z)),
    relu: lambda z: sp.Piecewise((z, z > 0), (0, True)),
    leaky_relu: lambda z: sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True)),
    softplus: lambda z: sp.log(1 + sp.exp(z)),
}

# Functions a user formula may call (graph specs), by name.
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sigmoid": sigmoid, "relu": relu,
             "sin": sp.sin, "cos": sp.cos, "sqrt": sp.sqrt, "abs": sp.Abs}

# NumPy twins for lambdify.
NUMPY = {
    "sigmoid": lambda z: 1.0 / (1.0 + _np().exp(-z)),
    "relu": lambda z: _np().maximum(z, 0.0),
    "leaky_relu": lambda z: _np().where(z > 0, z, 0.01 * z),
    "softplus": lambda z: _np().logaddexp(0.0, z),
    "Heaviside": lambda z, h0=0.0: _np().heaviside(z, h0),
}


def _np():
    import numpy

    return numpy


def elementary(expr):
    """Rewrite the project's own functions into exp/log/Piecewise."""
    return expr.replace(
        lambda e: type(e) in ELEMENTARY, lambda e: ELEMENTARY[type(e)](e.args[0])
    )


@dataclass(frozen=True)
class Loss:
    """A loss as the lesson writes it: the per-sample term whose derivative a page shows.

    ``term(targets, outputs, N)`` is one sample's contribution. When ``has_mean`` the
    term already carries the 1/N of the mean (the lesson's MSE); otherwise the batch loss
    is the mean of the terms (the textbook's E = Σ ½(t - o)²)."""

    term: Callable
    has_mean: bool


def _mse(t, y, N):
    return sum(((tk - yk) ** 2 for tk, yk in zip(t, y)), sp.Integer(0)) / N


def _half_sse(t, y, N):
    return sum((sp.Rational(1, 2) * (tk - yk) ** 2 for tk, yk in zip(t, y)), sp.Integer(0))


def _bce(t, y, N):
    (tk,), (yk,) = t, y
    return -(tk * sp.log(yk) + (1 - tk) * sp.log(1 - yk)) / N


def _softmax_ce(t, z, N):
    # -Σ t_k log softmax_k(z) = log Σ e^{z_j} - Σ t_k z_k when Σ t_k = 1 (one-hot or a
    # distribution); the second form differentiates to (softmax_j - t_j) exactly.
    return (sp.log(sum((sp.exp(zk) for zk in z), sp.Integer(0)))
            - sum((tk * zk for tk, zk in zip(t, z)), sp.Integer(0))) / N


LOSSES: dict[str, Loss] = {
    "mse": Loss(_mse, has_mean=True),
    "half_sse": Loss(_half_sse, has_mean=False),
    "bce": Loss(_bce, has_mean=True),
    "softmax_ce": Loss(_softmax_ce, has_mean=True),
}
