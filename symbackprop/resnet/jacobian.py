"""The Jacobian of a residual block, ∂r/∂x = I + ∂F/∂x, from the derivation's own local
derivatives at the worked example.

r = F(x) + x entry by entry, so the skip contributes the identity and F its own Jacobian.
Forward accumulation over the block's nodes in topological order: each node's row of
derivatives with respect to the block's input is the sum, over its inputs, of the local
derivative times that input's row (the chain rule run forwards), starting from the unit
vectors at the block's input entries. The skip node's two local derivatives are both 1:
its row is F's row plus the unit vector of its skip input, which is the I.

Over a batch that batch norm couples, x and r hold every sample's entries (the batch's
statistics make a sample's output depend on the other samples' inputs), so the matrix is
(batch × entries) square. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lesson import Lesson
from .blocks import Block


@dataclass(frozen=True)
class BlockJacobian:
    inputs: tuple[str, ...]  # the block's input entries x (node keys), every sample
    outputs: tuple[str, ...]  # the skip sums r, in the same order as their skip inputs
    matrix: np.ndarray  # ∂r/∂x, rows r, columns x
    singular: np.ndarray  # singular values of ∂r/∂x, largest first
    singular_f: np.ndarray  # singular values of ∂F/∂x = ∂r/∂x − I

    @property
    def f_matrix(self) -> np.ndarray:
        return self.matrix - np.eye(len(self.inputs))


def skip_nodes(lesson: Lesson, block: Block) -> list[tuple[str, str, str]]:
    """(r, F's output entry, skip input entry) for every skip sum of the block, in the
    graph's order (sample by sample, row-major)."""
    g = lesson.graph
    return [(k, *node.inputs) for k, node in g.nodes.items()
            if node.op == "skip" and g.layer_of.get(k) == block.end]


def block_jacobian(lesson: Lesson, block: Block) -> BlockJacobian:
    g, d, worked = lesson.graph, lesson.derivation, lesson.worked
    sums = skip_nodes(lesson, block)
    xs = tuple(x for _, _, x in sums)
    column = {x: i for i, x in enumerate(xs)}
    rows: dict[str, np.ndarray] = {x: np.eye(len(xs))[i] for i, x in enumerate(xs)}
    zero = np.zeros(len(xs))
    for k, node in g.nodes.items():  # topological order
        if not block.start <= g.layer_of.get(k, 0) <= block.end or k in column:
            continue
        row = zero
        for v in node.inputs:
            if v in rows:
                # the derivation's local derivative ∂k/∂v, evaluated at the example
                row = row + worked.value(d.locals[(k, v)]) * rows[v]
        rows[k] = row
    matrix = np.array([rows[r] for r, _, _ in sums])
    sv = np.linalg.svd(matrix, compute_uv=False)
    sv_f = np.linalg.svd(matrix - np.eye(len(xs)), compute_uv=False)
    return BlockJacobian(xs, tuple(r for r, _, _ in sums), matrix, sv, sv_f)
