"""rnn: a vanilla tanh RNN unrolled over the T steps of its input (T × features), h_0 = 0,
PyTorch's ``nn.RNN`` layout:

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

weight_ih (units × features), weight_hh (units × units), bias_ih and bias_hh (units).
The same weights act at every step, so each has one consumer per step: the gradient of
W_hh is a sum over time steps, each term a chain back through the steps after it
(backpropagation through time). ``output = "last"`` gives h_T, ``"all"`` every h_t (T × units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops
from . import fields


@dataclass(frozen=True)
class RNN:
    units: int
    output: str = "last"
    bias: str = "none"
    kind: str = "rnn"
    activation: str = "tanh"

    FIELDS = ("units", "output", "bias")

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "rnn")
        return cls(fields.integer(r, data, "units", i),
                   fields.choice(r, data, "output", ("last", "all"), "last", i),
                   fields.choice(r, data, "bias", ("none", "per_unit"), "none", i))

    def out_shape(self, shape):
        if len(shape) != 2:
            raise ValueError(f"rnn needs an input of T steps × features, got {list(shape)}")
        return (self.units,) if self.output == "last" else (shape[0], self.units)

    def params(self, shape) -> dict:
        out = {"weight_ih": (self.units, shape[1]), "weight_hh": (self.units, self.units)}
        if self.bias == "per_unit":
            out.update(bias_ih=(self.units,), bias_hh=(self.units,))
        return out

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        T, F = x.shape
        H = self.units
        W_ih = b.parameter(l, "weight_ih", (H, F), "U", "U", "weight")
        W_hh = b.parameter(l, "weight_hh", (H, H), "V", "V", "weight")
        biases = None
        if self.bias == "per_unit":
            B_ih = b.parameter(l, "bias_ih", (H,), "b", "b", "bias")
            B_hh = b.parameter(l, "bias_hh", (H,), "c", "c", "bias")
        h = np.empty((T, H), dtype=object)
        for t in range(T):
            z = np.empty((H,), dtype=object)
            for j in range(H):
                terms = [(x[t, i], W_ih[j, i]) for i in range(F)]
                if t > 0:  # h_0 = 0: the first step has no recurrent term
                    terms += [(h[t - 1, k], W_hh[j, k]) for k in range(H)]
                if self.bias == "per_unit":
                    biases = (B_ih[j], B_hh[j])
                b.linear(b.key(f"z{l}_", (t, j)), b.sub("z", (t, j), l), terms, biases, "rnn")
                z[j] = b.key(f"z{l}_", (t, j))
            h[t] = _tanh(b, z, l, t)
        return h[-1] if self.output == "last" else h


def _tanh(b, z, l, t):
    """h_{t,j} = tanh(z_{t,j}), named by step and unit."""
    out = np.empty(z.shape, dtype=object)
    for j, zk in enumerate(z):
        k = b.key(f"h{l}_", (t, j))
        b.add(k, b.sub("h", (t, j), l), "tanh", [zk], ops.FORWARD["tanh"](b.sym(zk)))
        out[j] = k
    return out
