"""With and without the skips: the lesson's network and its plain twin, both derived and
evaluated at the same worked example, compared at the first block's input and at a
first-layer weight.

At the block's input x (the stem's output h^{[1]}), the derivation's gradient is a sum
over x's consumers: the convolution's positions that read x (the path through F) and the
skip sum r (the identity path, local derivative 1). The twin has the same sum without
the identity path's term. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive import derive
from ..graph import build_graph
from ..lesson import Lesson
from ..numeric import Values, forward
from .blocks import Block, plain_twin
from .jacobian import skip_nodes


@dataclass(frozen=True)
class Comparison:
    entry: str  # the first block's first input entry (a node key, the same in both graphs)
    skip: str  # the skip sum r that reads it
    identity: float  # the identity path's term of dL/dx: dL/dr · 1
    through_f: float  # the sum of the terms through F
    residual: float  # dL/dx with the skips (identity + through_f)
    plain: float  # dL/dx in the plain twin
    weight: str  # a first-layer weight (its key)
    weight_residual: float
    weight_plain: float
    norm_residual: float  # ||dL/dx|| over the whole block input (every sample)
    norm_plain: float
    loss_residual: float
    loss_plain: float
    # the twin's layers whose ReLU is closed on every entry of the batch, with their count
    # of entries: a closed ReLU passes no gradient, so nothing before it learns
    closed: tuple[tuple[int, int], ...] = ()

    @property
    def dead(self) -> bool:
        """The twin passes no gradient at all to the first block's input."""
        return self.norm_plain == 0.0


def twin_lesson(lesson: Lesson) -> tuple[Lesson, dict[int, int]]:
    """The plain twin derived and evaluated at the lesson's worked example (the same
    parameter values, tensor by tensor: its layers are renumbered)."""
    net = lesson.graph.spec
    twin, number = plain_twin(net)
    d = derive(build_graph(twin))
    g, values = d.graph, lesson.values
    params = {}
    for name, keys in lesson.graph.tensors.items():
        l, pname = name.split(".", 1)
        mine = g.tensors[f"{number[int(l)]}.{pname}"]
        for k, m in zip(keys.reshape(-1), mine.reshape(-1)):
            params[m] = values.params[k]
    at = Values(values.inputs, values.targets, params)
    return Lesson(d, at, forward(d, at)), number


def compare(lesson: Lesson, twin: Lesson, block: Block) -> Comparison:
    d, w = lesson.derivation, lesson.worked
    sums = skip_nodes(lesson, block)
    r, _, x = sums[0]
    total = d.deltas[x]
    # the identity path: the term whose last factor is the skip sum's local ∂r/∂x = 1
    identity = [t for t in total.terms if t.factors[-1].of == r]
    through_f = [t for t in total.terms if t.factors[-1].of != r]
    xs = [x for _, _, x in sums]
    weight = next(iter(d.gradients))  # the first parameter: the stem's first kernel entry
    pd, pw = twin.derivation, twin.worked
    loss = lesson.graph.loss
    return Comparison(
        entry=x, skip=r, identity=sum(w.value(t) for t in identity),
        through_f=sum(w.value(t) for t in through_f), residual=w.value(total),
        plain=pw.value(pd.deltas[x]), weight=weight,
        weight_residual=w.value(d.gradients[weight]),
        weight_plain=pw.value(pd.gradients[weight]),
        norm_residual=float(np.sqrt(sum(w.value(d.deltas[k]) ** 2 for k in xs))),
        norm_plain=float(np.sqrt(sum(pw.value(pd.deltas[k]) ** 2 for k in xs))),
        loss_residual=float(np.asarray(lesson.env[lesson.graph.sym(loss)]).reshape(-1)[0]),
        loss_plain=float(np.asarray(twin.env[twin.graph.sym(loss)]).reshape(-1)[0]),
        closed=closed_relus(twin),
    )


def closed_relus(lesson: Lesson) -> tuple[tuple[int, int], ...]:
    """(layer, entries) for each layer whose ReLU outputs are all 0 at the example."""
    g = lesson.graph
    outs: dict[int, list[float]] = {}
    for k, node in g.nodes.items():
        if node.op == "relu":
            v = float(np.asarray(lesson.env[g.sym(k)]).reshape(-1)[0])
            outs.setdefault(g.layer_of[k], []).append(v)
    return tuple((l, len(vs)) for l, vs in sorted(outs.items()) if max(vs) <= 0)
