"""attention: single-head scaled dot-product self-attention over the T tokens of its input
(T × d_in, tokens as rows), with d_k = d_v = ``dim``:

    Q = X W_q,  K = X W_k,  V = X W_v              (each W: d_in × d_k, keys "<l>.W_q", ...)
    s_{t,u} = Σ_j q_{t,j} k_{u,j} / √d_k           (scores, T × T)
    α_{t,u} = e^{s_{t,u}} / Σ_{u'} e^{s_{t,u'}}      (a softmax along each row)
    o_{t,j} = Σ_u α_{t,u} v_{u,j}                  (the output, T × d_k)

Each weight entry is used at every token, and each query, key and value at every row or
column of the scores: their gradients are sums over those uses. The softmax's local
derivative is ∂α_{t,u}/∂s_{t,u'} = α_{t,u}([u = u'] − α_{t,u'}), written in the α
(the builder's rewrites name them, so the proof puts their definitions back)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields

MAX_TOKENS = 8


@dataclass(frozen=True)
class Attention:
    dim: int
    kind: str = "attention"

    FIELDS = ("dim",)

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "attention")
        return cls(fields.integer(r, data, "dim", i, hi=8))

    def out_shape(self, shape):
        if len(shape) != 2:
            raise ValueError(f"attention needs an input of T tokens × features, "
                             f"got {list(shape)}")
        if shape[0] > MAX_TOKENS:  # T² scores, each softmax a sum over T: keep T short
            raise ValueError(f"attention runs over at most {MAX_TOKENS} tokens (T² scores), "
                             f"got T = {shape[0]}")
        return (shape[0], self.dim)

    def params(self, shape) -> dict:
        return {name: (shape[1], self.dim) for name in ("W_q", "W_k", "W_v")}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        T, F = x.shape
        D = self.dim
        S = b.sym
        W = {n: b.parameter(l, f"W_{n}", (F, D), f"W{n}", f"{{W_{n}}}", "weight")
             for n in "qkv"}
        proj = {}
        for n in "qkv":  # Q = X W_q, ...: tokens as rows
            out = np.empty((T, D), dtype=object)
            for t, j in np.ndindex(T, D):
                out[t, j] = b.key(f"{n}{l}_", (t, j))
                b.linear(out[t, j], b.sub(n, (t, j), l),
                         [(x[t, i], W[n][i, j]) for i in range(F)], None, "attention")
            proj[n] = out
        Q, K, V = proj["q"], proj["k"], proj["v"]
        root = sp.sqrt(D)
        s = np.empty((T, T), dtype=object)
        for t, u in np.ndindex(T, T):
            s[t, u] = b.key(f"s{l}_", (t, u))
            expr = sp.Add(*[S(Q[t, j]) * S(K[u, j]) for j in range(D)]) / root
            coeffs = [(Q[t, j], S(K[u, j]) / root) for j in range(D)] + \
                     [(K[u, j], S(Q[t, j]) / root) for j in range(D)]
            b.add(s[t, u], b.sub("s", (t, u), l), "scores",
                  [*Q[t], *K[u]], expr, coeffs=coeffs)
        alpha = np.empty((T, T), dtype=object)
        for t, u in np.ndindex(T, T):
            alpha[t, u] = b.key(f"al{l}_", (t, u))
        for t, u in np.ndindex(T, T):
            denom = sp.Add(*[sp.exp(S(s[t, w])) for w in range(T)])
            a = S(alpha[t, u])
            coeffs = [(s[t, w], a * ((1 if w == u else 0) - S(alpha[t, w])))
                      for w in range(T)]
            b.add(alpha[t, u], b.sub(r"\alpha", (t, u), l), "attention_softmax", list(s[t]),
                  sp.exp(S(s[t, u])) / denom, coeffs=coeffs)
            b.rewrites[alpha[t, u]] = {sp.exp(S(s[t, w])) / denom: S(alpha[t, w])
                                       for w in range(T)}
        o = np.empty((T, D), dtype=object)
        for t, j in np.ndindex(T, D):
            o[t, j] = b.key(f"o{l}_", (t, j))
            b.linear(o[t, j], b.sub("o", (t, j), l),
                     [(alpha[t, u], V[u, j]) for u in range(T)], None, "attention")
        return o
