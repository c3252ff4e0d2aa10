"""NumPy twins of the project's SymPy functions: what lambdified and compiled code calls.

Each twin is a plain function named like its SymPy class (``lambdify`` and the notebook
look them up by that name), self-contained so that a notebook can copy its source
(``inspect.getsource``) into a cell that needs NumPy alone.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0.0)


def leaky_relu(z):
    return np.where(z > 0, z, 0.01 * z)


def softplus(z):
    return np.logaddexp(0.0, z)


def normal_cdf(z):
    """Φ(z) = (1 + erf(z/√2))/2, elementwise (NumPy has no erf)."""
    import math

    erf = np.vectorize(math.erf, otypes=[float])
    return 0.5 * (1.0 + erf(np.asarray(z, dtype=float) / math.sqrt(2.0)))


def normal_pdf(z):
    return np.exp(-0.5 * np.square(z)) / np.sqrt(2.0 * np.pi)


def gelu(z):
    return z * normal_cdf(z)


def silu(z):
    return z / (1.0 + np.exp(-z))


def elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def huber(r):
    a = np.abs(r)
    return np.where(a <= 1.0, 0.5 * np.square(r), a - 0.5)


def clip(r):
    return np.clip(r, -1.0, 1.0)


def Heaviside(z, h0=0.0):
    return np.heaviside(z, h0)
