"""Convolution over any number of spatial dimensions: ``conv1d`` and ``conv2d`` are this
record with one or two. PyTorch's layout and meaning (cross-correlation, no kernel flip):

    z_{f,i,j} = b_f + Σ_{c,u,v} K_{f,c,u,v} x_{c, s·i+u-p, s·j+v-p}

with zero padding p (terms that fall on the padding are zero and left out) and stride s.
Each kernel entry K_{f,c,u,v} is used at every output position (i, j) it slides over:
its gradient is the sum over those uses, ∂L/∂K_{f,c,u,v} = Σ_{i,j} δ_{f,i,j} x_{c,s·i+u-p,s·j+v-p}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fields
from .base import ACTIVATIONS, entries


@dataclass(frozen=True)
class Conv:
    kind: str
    filters: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    activation: str = "identity"
    bias: str = "none"

    FIELDS = ("filters", "kernel", "stride", "padding", "activation", "bias")

    @property
    def dims(self) -> int:
        return len(self.kernel)

    @classmethod
    def reader(cls, kind: str, dims: int):
        def read(r, data, i):
            fields.check(r, data, cls.FIELDS, i, kind)
            return cls(
                kind=kind, filters=fields.integer(r, data, "filters", i),
                kernel=fields.sizes(r, data, "kernel", i, dims),
                stride=fields.sizes(r, data, "stride", i, dims, (1,) * dims),
                padding=fields.sizes(r, data, "padding", i, dims, (0,) * dims, lo=0),
                activation=fields.choice(r, data, "activation", ACTIVATIONS, "identity", i),
                bias=fields.choice(r, data, "bias", ("none", "per_unit"), "none", i),
            )
        return read

    def out_shape(self, shape):
        if len(shape) != 1 + self.dims:
            raise ValueError(f"{self.kind} needs an input of {1 + self.dims} dimensions "
                             f"(channels, {'length' if self.dims == 1 else 'height, width'}), "
                             f"got {list(shape)}")
        out = []
        for n, k, s, p in zip(shape[1:], self.kernel, self.stride, self.padding):
            if p >= k:
                raise ValueError(f"padding {p} must be smaller than the kernel {k}")
            if n + 2 * p < k:
                raise ValueError(f"kernel {k} is larger than the padded input {n + 2 * p}")
            out.append((n + 2 * p - k) // s + 1)
        return (self.filters, *out)

    def params(self, shape) -> dict:
        """PyTorch's parameters: weight (filters, channels, *kernel), bias (filters,)."""
        out = {"weight": (self.filters, shape[0], *self.kernel)}
        if self.bias == "per_unit":
            out["bias"] = (self.filters,)
        return out

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        K = b.parameter(l, "weight", self.params(x.shape)["weight"], "K", "K", "weight")
        B = b.parameter(l, "bias", (self.filters,), "b", "b", "bias") \
            if self.bias == "per_unit" else None
        out_shape = self.out_shape(x.shape)
        z = np.empty(out_shape, dtype=object)
        for f, *pos in entries(out_shape):
            terms = []
            for c, *off in entries((x.shape[0], *self.kernel)):
                at = [s * i + u - p for i, u, s, p in zip(pos, off, self.stride, self.padding)]
                if all(0 <= a < n for a, n in zip(at, x.shape[1:])):
                    terms.append((x[(c, *at)], K[(f, c, *off)]))
            idx = (f, *pos)
            b.linear(b.key(f"z{l}_", idx), b.sub("z", idx, l), terms,
                     None if B is None else B[f], "conv")
            z[idx] = b.key(f"z{l}_", idx)
        return b.activate(z, self.activation, l)
