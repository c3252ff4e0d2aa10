"""layernorm: each sample normalised over all its own entries (PyTorch's
``LayerNorm(normalized_shape = the input shape)``), then scaled and shifted entry by entry:

    μ = (1/m) Σ a,   σ² = (1/m) Σ (a − μ)²,   â = (a − μ)/√(σ² + ε),   y = γ ⊙ â + β

with ``weight`` γ and ``bias`` β of the input's shape, ε = 10⁻⁵. Unlike batch norm the
statistics are one sample's own, so the samples stay independent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields
from .base import entries
from .batchnorm import EPS


@dataclass(frozen=True)
class LayerNorm:
    kind: str = "layernorm"

    FIELDS = ()

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "layernorm")
        return cls()

    def out_shape(self, shape):
        if int(np.prod(shape)) < 2:
            raise ValueError("layernorm needs at least 2 entries per sample")
        return tuple(shape)

    def params(self, shape) -> dict:
        return {"weight": tuple(shape), "bias": tuple(shape)}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        S = b.sym
        gamma = b.parameter(l, "weight", x.shape, "g", r"\gamma", "weight")
        beta = b.parameter(l, "bias", x.shape, "be", r"\beta", "bias")
        a = list(x.reshape(-1))
        m = sp.Integer(len(a))
        mu, var = b.key(f"mu{l}", ()), b.key(f"var{l}", ())
        b.add(mu, b.sub(r"\mu", (), l), "mean", a, sp.Add(*[S(k) for k in a]) / m,
              coeffs=[(k, 1 / m) for k in a])
        mark = f"({b.sample + 1})" if b.batch > 1 else ""
        b.add(var, rf"\sigma^{{2\,[{l}]{mark}}}", "variance", a + [mu],
              sp.Add(*[(S(k) - S(mu)) ** 2 for k in a]) / m)
        out = np.empty(x.shape, dtype=object)
        for idx in entries(x.shape):
            hat = b.key(f"nh{l}_", idx)
            b.add(hat, b.sub(r"\hat{a}", idx, l), "normalise", [x[idx], mu, var],
                  (S(x[idx]) - S(mu)) / sp.sqrt(S(var) + EPS))
            y = b.key(f"ln{l}_", idx)
            b.linear(y, b.sub("y", idx, l), [(hat, gamma[idx])], beta[idx], "scale")
            out[idx] = y
        return out
