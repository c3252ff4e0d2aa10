"""A tensor network's numeric check: the derivation against the hand-written NumPy
reference (``reference_layers``) and central finite differences of its forward pass, at
seeded random points on one sample and on a batch; the symbolic column as for every
graph (``proof.py``: each local derivative vs ``sympy.diff``, the chain rule's shape)."""

from __future__ import annotations

import numpy as np

from .. import reference_layers as ref
from ..numeric import Values, evaluate
from ..verify import MESSAGES, Report, Row, _prove, compare_point
from .tensors import from_tensors, to_tensors


def check_tensor_network(d, seed=0, points=3, batch=5, tol=1e-7, symbolic=True,
                         progress=None, example: Values | None = None) -> Report:
    """``example``, if given (the page's worked example), is checked first and is the
    point the report's table shows, so the table's numbers are the page's."""
    g, net = d.graph, d.graph.spec
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    step = progress or (lambda it, what, total: it)
    keys = list(d.gradients)
    # a graph over a batch (batch norm) holds its samples in one row: one size only
    sizes = (net.batch,) if net.coupled else (1, batch)
    first = -1 if example is not None else 0  # the point whose values the table shows
    for point in step(range(first, points), "numeric check", points - first):
        if point < 0:  # the worked example: its own parameters and samples
            tensors = to_tensors(g, example.params)
            flat = dict(example.params)
        else:
            tensors = ref.init_params(net, rng)
            flat = from_tensors(g, tensors)
        for n in ((None,) if point < 0 else sizes):
            at = example if point < 0 else g.sample(rng, n)
            X, T = np.asarray(at.inputs, dtype=float), np.asarray(at.targets, dtype=float)
            value, derived = evaluate(d, Values(X, T, flat))
            n = net.batch if net.coupled else T.shape[0]  # a coupled graph: one row
            X, T = X.reshape((n,) + net.shape), T.reshape(n, -1)
            _, r = ref.backward(net, tensors, X, T)
            fd = ref.numeric_grad(net, tensors, X, T)
            r, fd = from_tensors(g, r), from_tensors(g, fd)
            where = (MESSAGES["example"] if point < 0
                     else MESSAGES["where"].format(point=point + 1, n=n))
            compare_point(report, g, keys, derived, r, fd, where, tol, value)
            if point == first and not report.rows:
                report.rows = [Row(k, g.latex[k], derived[k], r[k], fd[k], "skipped")
                               for k in keys]
    _prove(d, report, seed, symbolic, progress, "dL")
    return report
