"""Numbers of total derivatives in a tensor network by one backward sweep: the adjoint
of every node under ``of`` at the points, summed edge by edge over the local
derivatives' values (reverse-mode, linear in the graph's edges). The symbolic total
(``Truth.total``) of a deep tensor network is a DAG whose tree is exponentially large;
its numbers come from here instead, and ``override`` changes some local derivatives
(a diagnosis: the max-pool's routing, batch norm's μ and σ² held constant, ...)."""

from __future__ import annotations

import numpy as np

MAX_SWEEPS = 64  # adjoint sweeps kept per set of points


def adjoints(truth, points, of: str, override: dict | None = None) -> dict:
    """{node: d(of)/d(node) at the points} for every node ``of`` depends on."""
    cache = points.__dict__.setdefault("_adjoints", {})
    key = (of, None if not override else tuple(sorted((k, str(v)) for k, v in
                                                      override.items())))
    hit = cache.get(key)
    if hit is not None:
        return hit
    g, anc = truth.g, truth.ancestors[of]
    shape = points.mask.shape
    adj = {of: np.ones(shape)}
    for k in reversed([k for k in g.nodes if k == of or k in anc]):
        a = adj.get(k)
        if a is None or g.nodes[k].op == "leaf":
            continue
        for i in g.nodes[k].inputs:
            local = (override or {}).get((k, i))
            if local is None:
                local = truth.local(k, i)
            term = a * np.broadcast_to(points(local), shape)
            adj[i] = adj[i] + term if i in adj else term
    if len(cache) >= MAX_SWEEPS:
        cache.clear()
    cache[key] = adj
    return adj


def total_value(truth, points, of: str, wrt: str, override: dict | None = None):
    """d(of)/d(wrt) at the points (0 where wrt does not feed of)."""
    if of == wrt:
        return np.ones(points.mask.shape)
    if wrt not in truth.ancestors[of]:
        return points(truth.total(of, wrt))  # 0, or the softmax CE's rewritten form
    return adjoints(truth, points, of, override)[wrt]


def factor_value(truth, points, of: str, wrt: str):
    """The value of a written d(of)/d(wrt) (``Truth.factor``'s reading) at the points."""
    if of != truth.loss and wrt in truth.g.nodes[of].inputs:
        return points(truth.local(of, wrt))
    return total_value(truth, points, of, wrt)
