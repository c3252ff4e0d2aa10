"""How a spec asks its names and derivatives to be written: weights numbered by input
or by unit, per layer or across the network, ``d`` or ``∂``."""

from __future__ import annotations

from dataclasses import dataclass

NUMBERINGS = ("by_input", "by_unit")
SCOPES = ("per_layer", "global")
DERIVATIVES = ("d", "partial")


@dataclass(frozen=True)
class Notation:
    numbering: str = "by_input"
    scope: str = "per_layer"
    derivative: str = "d"
    style: str = "lesson"  # a notation profile (symbackprop/profiles): whose names pages use
