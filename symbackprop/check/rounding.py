"""Numbers judged to the digits written.

A value the writer computed by hand is a rounded number: ``0.0822`` says "the true value,
rounded (or truncated) to four decimals". So a written number is

    correct     when it is the true value to its last written digit: |w - t| < one unit
                in that digit (rounding leaves half a unit, truncation up to one);
    imprecise   when that holds but it has fewer than ``MIN_DIGITS`` significant digits
                and the true value is not exactly the number written (``0.1`` for
                0.0822, ``0`` or ``0.0`` for 0.000438568: the digits say too little);
    wrong       otherwise.

Integers are numbers whose last digit is the units (``12``), a fraction of integers is
exact (``\\frac{1}{3}``), a mantissa times a power of ten counts its mantissa's digits
(``4.39 \\times 10^{-4}``). A side that computes with several numbers
(``(-1 + 4)(-3)``, ``1.2 \\cdot 0.5``) is exact arithmetic on what was written: it is
held to the finest number in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

MIN_DIGITS = 3          # significant digits a rounded value needs (the lesson's three)
EXACT_RTOL = 1e-9       # an exact number (an integer equal to the value, a fraction)

_SCI = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:\*|\\times|\\cdot|x)\s*10\s*\^\s*"
                  r"\{?\s*([+-]?\d+)\s*\}?\s*$")
_E = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?|\.\d+)[eE]([+-]?\d+)\s*$")
_PLAIN = re.compile(r"^\s*([+-]?)\s*\(?\s*(\d+(?:\.\d+)?|\.\d+)\s*\)?\s*$")
_FRAC = re.compile(r"^\s*[+-]?\s*(\\frac\s*\{\s*\d+\s*\}\s*\{\s*\d+\s*\}|\d+\s*/\s*\d+)\s*$")
_LITERAL = re.compile(r"\d*\.(\d+)|\d+")


@dataclass(frozen=True)
class Written:
    """What a number's text says about its precision: ``quantum`` is one unit in its last
    digit (0 for an exact number), ``digits`` its significant digits."""
    quantum: float
    digits: int
    exact: bool = False


def _digits(mantissa: str) -> int:
    """Significant digits of a written mantissa: '0.0822' -> 3, '0.0' -> 0, '120' -> 3."""
    d = mantissa.replace(".", "").lstrip("0")
    return len(d)


def written(text: str) -> Written | None:
    """The precision of a side that is one written number; None for anything else."""
    if _FRAC.match(text):
        return Written(0.0, MIN_DIGITS, True)
    m = _SCI.match(text) or _E.match(text)
    if m:
        mant, power = m.group(2), int(m.group(3))
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        return Written(10.0 ** (power - decimals), _digits(mant))
    m = _PLAIN.match(text)
    if m:
        mant = m.group(2)
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        return Written(10.0 ** -decimals, _digits(mant))
    return None


def finest(text: str) -> Written:
    """A side computed from several written numbers: one unit of its finest one."""
    decimals = [len(m.group(1)) if m.group(1) else 0 for m in _LITERAL.finditer(text)]
    if not decimals or not any(decimals):
        return Written(0.0, MIN_DIGITS, True)
    return Written(10.0 ** -max(decimals), MIN_DIGITS)


def judge_number(t, w, text: str) -> np.ndarray:
    """Per point: 'correct', 'imprecise' or 'wrong' for the written value ``w`` (from the
    text ``text``) against the true value ``t``."""
    t = np.asarray(t, dtype=float)
    w = np.asarray(w, dtype=float)
    spec = written(text)
    single = spec is not None
    spec = spec or finest(text)
    with np.errstate(all="ignore"):
        gap = np.abs(t - w)
        exact = gap <= EXACT_RTOL * np.maximum(1.0, np.abs(t))
        if spec.exact or not single and spec.quantum == 0.0:
            ok = exact
        elif single:
            ok = exact | (gap < spec.quantum * (1 - 1e-9))
        else:  # arithmetic on written numbers: half a unit of the finest, or 0.5 %
            ok = exact | (gap <= np.maximum(0.5 * spec.quantum, 5e-3 * np.abs(t)) * 1.0001)
        ok &= np.isfinite(w)
        out = np.where(ok, "correct", "wrong").astype(object)
        if single and spec.digits < MIN_DIGITS:
            out = np.where(ok & ~exact, "imprecise", out)
    return out


def rounded_note(t, w, text: str) -> str | None:
    """The note on ``= 0.6035`` where the true value has more digits: the number was
    read as rounded. None when it is exact."""
    spec = written(text)
    if spec is None or spec.exact:
        return None
    t = float(np.asarray(t).ravel()[0])
    if abs(t - float(np.asarray(w).ravel()[0])) <= EXACT_RTOL * max(1.0, abs(t)):
        return None
    return f"read as rounded to {spec.digits} significant digits (the value is {t:.6g})"


__all__ = ["MIN_DIGITS", "Written", "judge_number", "rounded_note", "written"]
