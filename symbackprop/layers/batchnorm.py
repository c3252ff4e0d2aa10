"""batchnorm in training mode: each channel (a dense layer's unit: BatchNorm1d; a
convolution's filter: BatchNorm2d, over the batch and the positions) normalised with the
batch's mean and biased variance, then scaled and shifted (PyTorch's ``weight`` γ and
``bias`` β, one per channel; ε = 10⁻⁵):

    μ_c = (1/m) Σ a,   σ²_c = (1/m) Σ (a − μ_c)²,   â = (a − μ_c)/√(σ²_c + ε),   y = γ_c â + β_c

over the m entries of channel c in the whole batch. μ and σ² depend on every sample, so
this layer couples the samples: the graph is built over the batch (``batch = N`` in the
spec), and each input's gradient gathers three paths (through â directly, through μ and
through σ²).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields
from .base import ACTIVATIONS, entries

EPS = sp.Rational(1, 100000)  # PyTorch's default ε = 1e-5, exact


@dataclass(frozen=True)
class BatchNorm:
    kind: str = "batchnorm"
    couples: bool = True  # built over the whole batch (``build_batch``)
    activation: str = "identity"  # after the scale and shift (a ResNet block's BN-ReLU)

    FIELDS = ("activation",)

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "batchnorm")
        return cls(activation=fields.choice(r, data, "activation", ACTIVATIONS, "identity", i))

    def out_shape(self, shape):
        return tuple(shape)

    def params(self, shape) -> dict:
        return {"weight": (shape[0],), "bias": (shape[0],)}

    def build_batch(self, b, l: int, xs: list) -> list:
        """xs: one array of keys per sample -> the normalised arrays, per sample."""
        S = b.sym
        C = xs[0].shape[0]
        gamma = b.parameter(l, "weight", (C,), "g", r"\gamma", "weight")
        beta = b.parameter(l, "bias", (C,), "be", r"\beta", "bias")
        B = len(xs)
        outs = [np.empty(x.shape, dtype=object) for x in xs]
        for c in range(C):
            # every entry of channel c, in every sample
            group = [(n, idx) for n in range(B) for idx in entries(xs[n].shape) if idx[0] == c]
            m = sp.Integer(len(group))
            a = [xs[n][idx] for n, idx in group]
            mu, var = f"mu{l}_{c + 1}", f"var{l}_{c + 1}"
            b.sample = 0
            b.add(mu, rf"\mu^{{[{l}]}}_{{{c + 1}}}", "mean", a, sp.Add(*[S(k) for k in a]) / m,
                  coeffs=[(k, 1 / m) for k in a])
            b.add(var, rf"\sigma^{{2\,[{l}]}}_{{{c + 1}}}", "variance", a + [mu],
                  sp.Add(*[(S(k) - S(mu)) ** 2 for k in a]) / m)
            for (n, idx), k in zip(group, a):
                b.sample = n
                hat = b.key(f"nh{l}_", idx)
                b.add(hat, b.sub(r"\hat{a}", idx, l), "normalise", [k, mu, var],
                      (S(k) - S(mu)) / sp.sqrt(S(var) + EPS))
                y = b.key(f"bn{l}_", idx)
                b.linear(y, b.sub("y", idx, l), [(hat, gamma[c])], beta[c], "scale")
                outs[n][idx] = y
        for n in range(B):
            b.sample = n
            outs[n] = b.activate(outs[n], self.activation, l)
        b.sample = 0
        return outs
