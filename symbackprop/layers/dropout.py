"""dropout with a fixed mask (training mode, inverted scaling): y = m ⊙ a / (1 − p), the
mask m of 0s and 1s given in the spec (``mask``, a nested list of the input's shape) or
drawn once from ``seed`` (an entry is kept when a uniform draw is at least p). Fixed, the
mask is a constant: ∂y/∂a = m/(1 − p), and a dropped entry passes no gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from . import fields
from .base import entries


@dataclass(frozen=True)
class Dropout:
    p: sp.Rational
    mask: tuple | None  # flattened 0/1, or None: drawn from ``seed`` for the input's shape
    seed: int = 0
    kind: str = "dropout"

    FIELDS = ("p", "mask", "seed")

    @classmethod
    def read(cls, r, data, i):
        fields.check(r, data, cls.FIELDS, i, "dropout")
        p = data.get("p", 0.5)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            r.fail(f"p = {p!r} must be a number in [0, 1)", "layers", "p", i)
        mask = data.get("mask")
        if mask is not None:
            flat = np.asarray(mask, dtype=object).reshape(-1)
            if not all(v in (0, 1) and not isinstance(v, float) for v in flat):
                r.fail("mask must be a nested list of 0s and 1s of the input's shape",
                       "layers", "mask", i)
            mask = tuple(int(v) for v in flat)
        seed = fields.integer(r, data, "seed", i, 0, lo=0, hi=2 ** 31)
        return cls(sp.Rational(str(p)), mask, seed)

    def keep(self, shape) -> np.ndarray:
        """The mask for an input of ``shape`` (1 keeps an entry)."""
        if self.mask is not None:
            return np.array(self.mask).reshape(shape)
        draws = np.random.default_rng(self.seed).random(shape)
        return (draws >= float(self.p)).astype(int)

    def out_shape(self, shape):
        if self.mask is not None and len(self.mask) != int(np.prod(shape)):
            raise ValueError(f"mask has {len(self.mask)} entries, the input "
                             f"{list(shape)} has {int(np.prod(shape))}")
        return tuple(shape)

    def params(self, shape) -> dict:
        return {}

    def build(self, b, l: int, x: np.ndarray) -> np.ndarray:
        keep = self.keep(x.shape)
        scale = 1 / (1 - self.p)
        out = np.empty(x.shape, dtype=object)
        for idx in entries(x.shape):
            c = sp.Integer(int(keep[idx])) * scale
            k = b.key(f"d{l}_", idx)
            b.add(k, b.sub("d", idx, l), "dropout", [x[idx]], c * b.sym(x[idx]),
                  coeffs=[(x[idx], c)])
            out[idx] = k
        return out
