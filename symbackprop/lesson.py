"""A lesson built once: the derivation of a spec, its worked example and every node's
value there, the verification report, and the matrix form's numbers. Views
(``render/views.py``) turn a Lesson into plain data for the templates; they compute
nothing of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from .derive import Derivation, derive
from .graph import build_graph
from .numeric import Values, evaluate, forward
from .verify import Report, check_gradients


@dataclass(frozen=True)
class MatrixResult:
    """The per-layer matrix program (``matrix.compile_layers``) run at the worked example."""

    deltas: list  # δ^{[l]} of each layer, arrays (N, units)
    agreement: float  # largest |matrix gradient − scalar-step gradient| over the parameters


@dataclass
class Lesson:
    derivation: Derivation
    values: Values  # the worked example
    env: dict  # every node's value at it: symbol -> array of one sample
    report: Report | None = None
    matrix: MatrixResult | None = None

    @property
    def graph(self):
        return self.derivation.graph


def lesson_of(d: Derivation, report: Report | None = None) -> Lesson:
    """The lesson of a derivation at the worked example its graph carries."""
    g = d.graph
    values = g.example
    matrix = None
    if g.layers:  # the matrix form exists for layered networks
        from .matrix import compile_layers

        _, grads, deltas = compile_layers(d).run(values)
        _, scalar = evaluate(d, values)
        worst = max((abs(grads[k] - v) for k, v in scalar.items()), default=0.0)
        matrix = MatrixResult(deltas=deltas, agreement=float(worst))
    return Lesson(d, values, forward(d, values), report, matrix)


def build_lesson(spec, seed: int = 0, points: int = 2, symbolic: bool = True) -> Lesson:
    """Derive, verify (``points`` seeded random points) and evaluate a spec, once."""
    d = derive(build_graph(spec))
    return lesson_of(d, check_gradients(d, seed=seed, points=points, symbolic=symbolic))
