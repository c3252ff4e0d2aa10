"""residual: closes a block of layers with its skip connection, as in a ResNet basic
block. The block F is the layers from layer ``from`` up to the one before this; the skip
adds the block's input x to its output, then the optional activation:

    r = F(x) + x,   h = act(r)

so the block's Jacobian is ∂r/∂x = I + ∂F/∂x: the block's input has two consumers (the
first layer of F and this sum), and its gradient is the sum of the identity path and the
path through F. Shapes must match (a convolution keeps them with padding). No parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields
from .base import ACTIVATIONS, entries


@dataclass(frozen=True)
class Residual:
    start: int  # the block's first layer (1-based): its input is the skip
    activation: str = "identity"
    kind: str = "residual"

    FIELDS = ("from", "activation")

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "residual")
        if i == 0:
            r.fail("[[layers]] #1 (residual): a residual closes a block of the layers before "
                   "it, so it cannot be the first layer", "layers", "kind", i)
        start = fields.integer(r, data, "from", i, hi=i)
        return cls(start=start,
                   activation=fields.choice(r, data, "activation", ACTIVATIONS, "identity", i))

    @classmethod
    def group(cls, r, data, i, start):
        """The residual closing a group (``residual = true`` over ``[[layers.layers]]``):
        its ``activation`` is the group's, its block the group's layers from ``start``."""
        return cls(start=start,
                   activation=fields.choice(r, data, "activation", ACTIVATIONS, "identity", i))

    def check_skip(self, skip, shape):
        """The block's input shape ``skip`` against its output ``shape``."""
        if tuple(skip) != tuple(shape):
            raise ValueError(f"the skip adds the input of layer {self.start} "
                             f"({list(skip)}) to the block's output ({list(shape)}): the "
                             f"shapes must match (pad the convolutions to keep them)")

    def out_shape(self, shape):
        return tuple(shape)

    def params(self, shape) -> dict:
        return {}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        skip = b.block_inputs[(self.start, b.sample)]
        S = b.sym
        r = np.empty(x.shape, dtype=object)
        for idx in entries(x.shape):
            k = b.key(f"r{l}_", idx)
            # ∂r/∂F = 1 and ∂r/∂x = 1: the identity path
            b.add(k, b.sub("r", idx, l), "skip", [x[idx], skip[idx]],
                  S(x[idx]) + S(skip[idx]),
                  coeffs=[(x[idx], sp.Integer(1)), (skip[idx], sp.Integer(1))])
            r[idx] = k
        return b.activate(r, self.activation, l)
