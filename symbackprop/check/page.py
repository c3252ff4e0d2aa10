"""What a page has said so far: its givens, its definitions, the values it derived.

A page is read top to bottom, and each line may lean on the lines above it:

- a **given** (``x_1 = 1``, ``N = 1``): a leaf of the network set to a number. It is
  checked against the spec's ``[example]`` when there is one; without one, the page's
  givens *are* the worked example, and every later numeric line is judged at them;
- a **definition** (``e = y_{true} - y_{pred}``, ``\\delta_1 = ...``, ``Loss = L``): a name
  that is not the network's, on the left; later lines are read with it (``e`` is
  Euler's number only while the page has not defined it);
- a **worked value** of a node or derivative (``h_1 = 0.9``): when it is wrong, later lines
  that are right given it are "correct given line N" (error carried forward).

``fixed_n`` is the page's number of samples when a line fixes it (``N = 1``); the spec's
per-example convention sets the same field (``Truth.fixed_n``, the single place).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Definition:
    expr: object          # the SymPy expression the name stands for
    line: int
    text: str


@dataclass
class Page:
    givens: dict = field(default_factory=dict)        # node key -> (value, line)
    definitions: dict = field(default_factory=dict)   # written name (canonical) -> Definition
    worked: dict = field(default_factory=dict)        # symbol -> (written value, line)
    fixed_n: int | None = None
    _example: object = None
    _example_key: tuple = ()

    @classmethod
    def for_truth(cls, truth) -> "Page":
        return cls(fixed_n=truth.fixed_n)

    def give(self, truth, key: str, value: float, line: int):
        self.givens[key] = (value, line)
        if key == "N" and float(value).is_integer() and value >= 1:
            self.fixed_n = int(value)

    def fingerprint(self) -> tuple:
        """Everything a later line's verdict and message may depend on: two pages with
        the same fingerprint judge the same line the same way."""
        return (tuple(sorted((k, v, ln) for k, (v, ln) in self.givens.items())),
                tuple(sorted((k, str(d.expr), d.line) for k, d in self.definitions.items())),
                tuple(sorted((str(s), v, ln) for s, (v, ln) in self.worked.items())),
                self.fixed_n)

    def example(self, truth):
        """The worked example: the spec's, else the page's givens once they name every
        leaf (N is 1 unless given). None when there is neither."""
        if truth.example is not None:
            return truth.example
        values = {k: v for k, (v, _) in self.givens.items()}
        key = tuple(sorted(values.items()))
        if key != self._example_key:
            self._example_key, self._example = key, truth.at(values)
        return self._example

    def carried(self, truth, points):
        """The example with the page's wrong worked values in place of the true ones
        (the forward pass redone below them); None when the page has none."""
        if not self.worked or points is None:
            return None
        return truth.at_overridden(points, {s: v for s, (v, _) in self.worked.items()})

    def carried_lines(self, symbols) -> list[int]:
        return sorted({line for s, (_, line) in self.worked.items() if s in symbols})


def one_point(value: float) -> np.ndarray:
    return np.full((1, 1), float(value))


__all__ = ["Definition", "Page", "one_point"]
