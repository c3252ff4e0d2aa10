"""A lesson built once: the derivation of a spec, its worked example and every node's
value there, the verification report, and the matrix form's numbers. Views
(``render/views.py``) turn a Lesson into plain data for the templates; they compute
nothing of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .derive import Derivation, derive, expanded
from .graph import build_graph
from .numeric import Values, evaluate, forward
from .sizes import expanded_size
from .verify import Report, check_gradients


# A step is shown expanded down to inputs and weights only while it stays this small.
EXPAND_MAX_OPS = 60


class Worked:
    """The steps of a derivation at one point (the worked example, an exam variant): each
    step's value and its expansion to leaves, computed on first use and kept.
    ``expansions`` may be shared between points: expansions do not depend on values."""

    def __init__(self, d: Derivation, env: dict, expand: bool, expansions: dict | None = None):
        self.d, self.env, self.expand = d, env, expand
        self.cache: dict = {}  # each step, a branching sum above all, is evaluated once
        self.expansions = {} if expansions is None else expansions

    def value(self, step) -> float:
        return float(np.asarray(step.eval(self.env, self.cache)).reshape(-1)[0])

    def node_gradients(self) -> dict[str, float]:
        """d(out)/d(node) at this point for every node the output depends on: one reverse
        sweep over the local derivatives (the backward values a circuit's wires carry)."""
        g = self.d.graph
        grads = {g.loss: 1.0}
        for c in reversed(list(g.nodes)):  # nodes are in topological order
            for v in g.nodes[c].inputs:
                loc = self.d.locals.get((c, v))
                if c in grads and loc is not None:
                    grads[v] = grads.get(v, 0.0) + grads[c] * self.value(loc)
        return grads

    def expansion(self, step):
        """The step expanded to leaves (factored while short), or None when it is too big
        to teach anything or expansions are off for this graph."""
        if not self.expand:
            return None
        if step not in self.expansions:
            # far past what a page shows: counted on the graph, never built
            if expanded_size(self.d, step) > 40 * EXPAND_MAX_OPS:
                self.expansions[step] = None
                return None
            e = expanded(self.d, step)
            if sp.count_ops(e) > EXPAND_MAX_OPS:
                e = None
            elif sp.count_ops(e) < 30:
                e = sp.factor(e)
            self.expansions[step] = e
        return self.expansions[step]


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
    worked: Worked | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.worked is None:
            self.worked = Worked(self.derivation, self.env, self.derivation.graph.expandable)

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


def build_lesson(spec, seed: int = 0, points: int = 2, symbolic: bool = True,
                 progress=None) -> Lesson:
    """Derive, verify (``points`` seeded random points) and evaluate a spec, once.
    ``progress(iterable, what, total)`` wraps the stages that may take a while."""
    d = derive(build_graph(spec))
    return lesson_of(d, check_gradients(d, seed=seed, points=points, symbolic=symbolic,
                                        example=d.graph.example,
                                        progress=progress))
