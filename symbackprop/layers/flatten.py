"""flatten: the tensor read in row-major order (channel, row, column), as PyTorch's
``nn.Flatten`` does; it adds no node, only renumbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fields


@dataclass(frozen=True)
class Flatten:
    kind: str = "flatten"

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, (), i, "flatten")
        return cls()

    def out_shape(self, shape):
        return (int(np.prod(shape)),)

    def params(self, shape) -> dict:
        return {}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        return x.reshape(-1)
