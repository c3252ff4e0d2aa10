"""Answer numbers: how a value is rounded, printed and accepted (the tolerance)."""

from __future__ import annotations

import math

import numpy as np

from ..render.printer import number

TOLERANCE = 0.01  # Moodle accepts an answer within 1% of the exact value
DIGITS = 4  # answers that are not short exact decimals are given to 4 significant digits
EXACT_DIGITS = 6  # a value with at most this many significant digits is printed exactly
NOISE = 1e-12  # a value this small is float noise around 0

def round12(v: float) -> float:
    """The value to 12 significant digits, float noise around 0 made 0: exact decimal
    arithmetic shows as such (1.0, not 1.0000000000000002; 0, not 1.1e-16)."""
    v = float(v)
    return 0.0 if abs(v) < NOISE else float(f"{v:.12g}")


def clean(env: dict) -> dict:
    """Node values rounded like ``round12``, so that worked solutions print 0, not 1e-16."""
    return {s: np.vectorize(round12, otypes=[float])(a) if np.ndim(a) else round12(a)
            for s, a in env.items()}


def is_exact(v: float) -> bool:
    digits = f"{abs(round12(v)):.12e}".split("e")[0].replace(".", "").rstrip("0")
    return len(digits) <= EXACT_DIGITS


def shown(v: float) -> str:
    """A number as an answer prints it: exactly when short, else to 4 significant digits."""
    return number(round12(v)) if is_exact(v) else number(v, DIGITS)


def relation(v: float) -> str:
    return "=" if is_exact(v) else r"\approx"


def unit(v: float) -> float:
    """One unit in the last place of ``v`` rounded to ``DIGITS`` significant digits: room
    for that rounding and for rounded intermediate results."""
    return 10.0 ** (math.floor(math.log10(abs(v))) - DIGITS + 1) if v else 0.0


def tolerance(v: float, step: float | None = None) -> float:
    """The absolute tolerance of an answer: ``TOLERANCE`` (1%) of it, or for an updated
    parameter of the step η dL/dθ when that is smaller (else leaving the parameter
    unchanged would pass), never below one unit of its ``DIGITS``-th significant digit."""
    scale = abs(v) if step is None else min(abs(v), abs(step))
    return float(f"{max(scale * TOLERANCE, unit(v), 1e-12):.3g}")



def _value(x) -> float:
    """The first (only) sample of a node value."""
    return float(np.asarray(x).reshape(-1)[0])
