"""embedding: a lookup table over integer token ids, PyTorch's ``nn.Embedding`` layout:
weight (num_embeddings × dim), row i the vector of token id i (ids from 0).

    e_{t,d} = E_{x_t, d} = Σ_v [x_t = v] E_{v,d}

The input is T token ids (``inputs = [T]``; the ids are whole numbers in
[0, num_embeddings)). The lookup is written as a sum of indicators (an Iverson bracket
[x_t = v] per row), so ∂e_{t,d}/∂E_{v,d} = [x_t = v]: a row is used at every position where
its token occurs, and its gradient is the sum over those positions,
∂L/∂E_{v,d} = Σ_t [x_t = v] δ_{t,d}. The ids themselves are not differentiable (the local
derivative with respect to x_t is 0), so an embedding is the first layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields


@dataclass(frozen=True)
class Embedding:
    num_embeddings: int
    dim: int
    kind: str = "embedding"

    FIELDS = ("num_embeddings", "dim")

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "embedding")
        return cls(fields.integer(r, data, "num_embeddings", i, hi=16),
                   fields.integer(r, data, "dim", i, hi=16))

    def out_shape(self, shape):
        if len(shape) != 1:
            raise ValueError(f"embedding needs an input of T token ids (inputs = [T]), "
                             f"got {list(shape)}")
        return (shape[0], self.dim)

    def params(self, shape) -> dict:
        return {"weight": (self.num_embeddings, self.dim)}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        E = b.parameter(l, "weight", (self.num_embeddings, self.dim), "E", "E", "weight")
        S = b.sym
        out = np.empty((len(x), self.dim), dtype=object)
        for t, d in np.ndindex(*out.shape):
            picks = [sp.Piecewise((sp.Integer(1), sp.Eq(S(x[t]), v)), (sp.Integer(0), True))
                     for v in range(self.num_embeddings)]
            expr = sp.Add(*[p * S(E[v, d]) for v, p in enumerate(picks)])
            coeffs = [(x[t], sp.Integer(0))] + [(E[v, d], p) for v, p in enumerate(picks)]
            k = b.key(f"e{l}_", (t, d))
            b.add(k, b.sub("e", (t, d), l), "embedding", [x[t], *E[:, d]], expr,
                  coeffs=coeffs)
            out[t, d] = k
        return out
