"""A tensor network's numeric check: the derivation against the hand-written NumPy
reference (``reference_layers``) and central finite differences of its forward pass, at
seeded random points on one sample and on a batch; the symbolic column as for every
graph (``proof.py``: each local derivative vs ``sympy.diff``, the chain rule's shape)."""

from __future__ import annotations

import numpy as np

from .. import reference_layers as ref
from ..numeric import Values, evaluate
from ..verify import MESSAGES, Report, Row, _prove, compare_point
from .tensors import from_tensors


def check_tensor_network(d, seed=0, points=3, batch=5, tol=1e-7, symbolic=True,
                         progress=None) -> Report:
    g, net = d.graph, d.graph.spec
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    step = progress or (lambda it, what, total: it)
    keys = list(d.gradients)
    # a graph over a batch (batch norm) holds its samples in one row: one size only
    sizes = (net.batch,) if net.coupled else (1, batch)
    for point in step(range(points), "numeric check", points):
        tensors = ref.init_params(net, rng)
        flat = from_tensors(g, tensors)
        for n in sizes:
            at = g.sample(rng, n)
            X, T = at.inputs, at.targets
            value, derived = evaluate(d, Values(X, T, flat))
            X, T = X.reshape((n,) + net.shape), T.reshape(n, -1)
            _, r = ref.backward(net, tensors, X, T)
            fd = ref.numeric_grad(net, tensors, X, T)
            r, fd = from_tensors(g, r), from_tensors(g, fd)
            compare_point(report, g, keys, derived, r, fd,
                          MESSAGES["where"].format(point=point + 1, n=n), tol, value)
            if point == 0 and n == sizes[0]:
                report.rows = [Row(k, g.latex[k], derived[k], r[k], fd[k], "skipped")
                               for k in keys]
    _prove(d, report, seed, symbolic, progress, "dL")
    return report
