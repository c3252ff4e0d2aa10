"""How a spec asks its names and derivatives to be written: weights numbered by input
or by unit, per layer or across the network, ``d`` or ``∂``, and where the mean over the
samples is taken.

``mean``: ``per_batch`` (the default) differentiates one sample's term of the batch loss,
its 1/N included (L = Σ_n (y - ŷ)²/N, so dL/dŷ = -2(y - ŷ)/N); ``per_example`` the loss
of one example alone, no 1/N (L_n = (y - ŷ)², dL_n/dŷ = -2(y - ŷ)), the mean taken when
the batch gradient is formed. Both give the same batch gradient, the mean over samples.
"""

from __future__ import annotations

from dataclasses import dataclass

NUMBERINGS = ("by_input", "by_unit")
SCOPES = ("per_layer", "global")
DERIVATIVES = ("d", "partial")
MEANS = ("per_batch", "per_example")


@dataclass(frozen=True)
class Notation:
    numbering: str = "by_input"
    scope: str = "per_layer"
    derivative: str = "d"
    mean: str = "per_batch"
    style: str = "lesson"  # a notation profile (symbackprop/profiles): whose names pages use
