"""dense inside a tensor network: h_j = act(Σ_i w_{j,i} a_i + b_j) over a flat input
(a ``flatten`` first after a convolution or a pool). PyTorch's ``nn.Linear`` layout:
weight (out, in), bias (out,). A network of dense layers only is built by
``graph._build_layered``, with the lesson's own names, unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fields
from .base import ACTIVATIONS


@dataclass(frozen=True)
class Dense:
    units: int
    activation: str = "identity"
    bias: str = "none"
    kind: str = "dense"

    FIELDS = ("units", "activation", "bias")

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "dense")
        return cls(fields.integer(r, data, "units", i, hi=4096),
                   fields.choice(r, data, "activation", ACTIVATIONS, "identity", i),
                   fields.choice(r, data, "bias", ("none", "per_unit"), "none", i))

    def out_shape(self, shape):
        if len(shape) != 1:
            raise ValueError(f"dense needs a flat input, got {list(shape)}: "
                             f'put a [[layers]] kind = "flatten" before it')
        return (self.units,)

    def params(self, shape) -> dict:
        out = {"weight": (self.units, shape[0])}
        if self.bias == "per_unit":
            out["bias"] = (self.units,)
        return out

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        W = b.parameter(l, "weight", (self.units, len(x)), "w", "w", "weight")
        B = b.parameter(l, "bias", (self.units,), "b", "b", "bias") \
            if self.bias == "per_unit" else None
        z = np.empty((self.units,), dtype=object)
        for j in range(self.units):
            terms = [(x[i], W[j, i]) for i in range(len(x))]
            b.linear(b.key(f"z{l}_", (j,)), b.sub("z", (j,), l), terms,
                     None if B is None else B[j], "linear")
            z[j] = b.key(f"z{l}_", (j,))
        return b.activate(z, self.activation, l)
