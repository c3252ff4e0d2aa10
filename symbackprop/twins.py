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


def Heaviside(z, h0=0.0):
    return np.heaviside(z, h0)
