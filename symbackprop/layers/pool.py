"""Pooling over 2 × 2 (or k × k) windows of each channel, stride = size unless given.

maxpool: p = max of the window; its local derivative routes the gradient to the argmax:
∂p/∂a_k = 1 for the window's largest entry and 0 for the others. Ties go to the first
largest entry in row-major order (what PyTorch and NumPy's argmax do), so exactly one
entry of a window receives the gradient.

avgpool: p = (1/m) Σ a over the m entries of the window; ∂p/∂a_k = 1/m.

padding (0 by default, at most half the window, as PyTorch requires) widens the input by
p on each side: a max-pool's padding never wins (PyTorch pads with −∞), so a window's max
is over its entries inside the input; an average pool's padding counts as zeros, so the
sum of the entries inside is divided by the whole window's m (PyTorch's default,
``count_include_pad=True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields
from .base import entries


@dataclass(frozen=True)
class Pool:
    kind: str  # "maxpool" or "avgpool"
    size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)

    FIELDS = ("size", "stride", "padding")

    @classmethod
    def reader(cls, kind: str):
        def read(r, data, i):
            fields.check(r, data, cls.FIELDS, i, kind)
            size = fields.sizes(r, data, "size", i, 2, (2, 2))
            return cls(kind, size, fields.sizes(r, data, "stride", i, 2, size),
                       fields.sizes(r, data, "padding", i, 2, (0, 0), lo=0))
        return read

    def out_shape(self, shape):
        if len(shape) != 3:
            raise ValueError(f"{self.kind} needs an input of channels, height, width, "
                             f"got {list(shape)}")
        if any(2 * p > k for k, p in zip(self.size, self.padding)):
            raise ValueError(f"padding {list(self.padding)} must be at most half the window "
                             f"{list(self.size)}")
        out = [(n + 2 * p - k) // s + 1
               for n, k, s, p in zip(shape[1:], self.size, self.stride, self.padding)]
        if min(n + 2 * p - k for n, k, p in zip(shape[1:], self.size, self.padding)) < 0:
            raise ValueError(f"window {list(self.size)} is larger than the input "
                             f"{list(shape[1:])}")
        return (shape[0], *out)

    def params(self, shape) -> dict:
        return {}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        out_shape = self.out_shape(x.shape)
        out = np.empty(out_shape, dtype=object)
        S = b.sym
        (sh, sw), (ph, pw) = self.stride, self.padding
        for c, i, j in entries(out_shape):
            # row-major; entries on the padding are left out
            window = [x[c, i * sh + u - ph, j * sw + v - pw] for u, v in entries(self.size)
                      if 0 <= i * sh + u - ph < x.shape[1] and 0 <= j * sw + v - pw < x.shape[2]]
            k, idx = b.key(f"p{l}_", (c, i, j)), (c, i, j)
            if self.kind == "maxpool":
                # max with its tie rule: the first largest entry, as a Piecewise
                firsts = [_first_max(S, window, n) for n in range(len(window))]
                expr = sp.Piecewise(*[(S(a), f.args[0].cond) for a, f in
                                      zip(window[:-1], firsts)], (S(window[-1]), True),
                                    evaluate=False)
                coeffs = [(a, f) for a, f in zip(window, firsts)]
            else:
                m = sp.Integer(self.size[0] * self.size[1])  # padding counts as zeros
                expr = sp.Add(*[S(a) for a in window]) / m
                coeffs = [(a, 1 / m) for a in window]
            b.add(k, b.sub("p", idx, l), self.kind, window, expr, coeffs=coeffs)
            out[idx] = k
        return out


def _first_max(S, window, n):
    """1 where window[n] is the first largest entry in row-major order, else 0: strictly
    above the entries before it, at least the entries after it."""
    a = S(window[n])
    cond = sp.And(*[sp.StrictGreaterThan(a, S(w), evaluate=False) for w in window[:n]],
                  *[sp.GreaterThan(a, S(w), evaluate=False) for w in window[n + 1:]],
                  evaluate=False)
    return sp.Piecewise((sp.Integer(1), cond), (sp.Integer(0), True), evaluate=False)
