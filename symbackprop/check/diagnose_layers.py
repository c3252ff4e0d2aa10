"""Diagnoses of wrong claims about tensor layers (issue 15, point 4), each one rule, by
the structure of the graph (as ``diagnose.py``'s rules; tried before the generic ones):

- a shared parameter's gradient that sums only some of its uses (a kernel entry over
  some of the positions it slides over; BPTT that keeps only the last step's term);
- a max-pool gradient routed to an entry of the window that is not its largest;
- batch (or layer) norm's backward that treats μ and σ² as constants (the naive form);
- a dropout that forgets its 1/(1 − p) scale.

Each compares the claimed values with the network's derivative with one local rule
changed (``Truth.total(of, wrt, override)``), so the diagnosis names the slip exactly.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .adjoint import total_value
from .messages import say

MAX_USES = 64      # consumers of a shared parameter a subset is looked for among
MAX_WINDOWS = 16   # max-pool windows on the path whose routing is varied


def _derivative(case) -> bool:
    return case.ref.form == "derivative" and case.truth.tensor_names is not None


def _path_ops(case, op: str) -> list[str]:
    tr = case.truth
    return [k for k in case.path_nodes() if tr.g.nodes[k].op == op]


def _at(case, v):
    try:
        return np.broadcast_to(np.asarray(v, dtype=float), case.t.shape)
    except ValueError:
        return None


def _alt(case, override: dict):
    """The derivative claimed about, with some local derivatives changed (numbers)."""
    return _at(case, total_value(case.truth, case.points, case.ref.of, case.ref.wrt, override))


class SharedUses:
    """dL/dθ = Σ_c dL/dc · ∂c/∂θ over the uses c of a shared θ; a claim equal to the sum
    over some of them misses the others (named). An rnn weight's uses are time steps."""

    def match(self, case):
        if not _derivative(case):
            return None
        tr, A, p = case.truth, case.ref.of, case.ref.wrt
        uses = [c for c in tr.g.consumers[p] if tr.depends(A, c)]
        if not 2 <= len(uses) <= MAX_USES or p not in tr.shared:
            return None
        cols = []
        for c in uses:
            v = _at(case, total_value(tr, case.points, A, c) * case.points(tr.local(c, p)))
            if v is None:
                return None
            cols.append(v[case.valid])
        V, w = np.stack(cols, axis=1), case.w[case.valid]
        if not np.all(np.isfinite(V)) or not np.all(np.isfinite(w)):
            return None
        coef = np.linalg.lstsq(V, w, rcond=None)[0]
        keep = np.round(coef).clip(0, 1)
        if keep.all() or not keep.any() or not case.same(case.w, _full(case, V @ keep)):
            return None
        seen = np.abs(V).max(axis=0) > 1e-12  # a use that is zero at every point: unseen
        missing = [c for c, k, s in zip(uses, keep, seen) if not k and s]
        if not missing:
            return None
        kept = [c for c, k in zip(uses, keep) if k]
        names = ", ".join(case.name(c) for c in missing)
        if tr.g.nodes[uses[0]].op == "rnn" and kept == [uses[-1]]:
            return "bptt_last_step", say("bptt_last", wrt=case.name(p), last=case.name(kept[0]),
                                         steps=len(uses))
        return "shared_missing", say("shared_missing", wrt=case.name(p), uses=len(uses),
                                     missing=names, count=len(missing))


def _full(case, flat):
    out = np.array(case.t, dtype=float, copy=True)
    out[case.valid] = flat
    return out


class PoolRouting:
    """Max-pool passes the gradient to the window's largest entry only; a claim that
    gives it to every entry, or to one fixed place of the window, routes it wrongly."""

    def match(self, case):
        if not _derivative(case):
            return None
        tr = case.truth
        pools = _path_ops(case, "maxpool")[:MAX_WINDOWS]
        if not pools:
            return None
        every = {(k, a): sp.Integer(1) for k in pools for a in tr.g.nodes[k].inputs}
        alt = _alt(case, every)
        if alt is not None and case.same(case.w, alt):
            return "maxpool_routing", say("pool_every", pools=_names(case, pools))
        size = len(tr.g.nodes[pools[0]].inputs)
        for pos in range(size):
            fixed = {(k, a): sp.Integer(int(i == pos)) for k in pools
                     for i, a in enumerate(tr.g.nodes[k].inputs)}
            alt = _alt(case, fixed)
            if alt is not None and case.same(case.w, alt):
                return "maxpool_routing", say("pool_fixed", pools=_names(case, pools),
                                              place=pos + 1, size=size)
        return None


class NaiveNorm:
    """Batch norm's â = (a − μ)/√(σ² + ε): μ and σ² depend on a too; a claim equal to
    the derivative with them held constant (or one of them) is the naive form."""

    def match(self, case):
        if not _derivative(case):
            return None
        tr = case.truth
        hats = _path_ops(case, "normalise")
        if not hats:
            return None
        mu = {(k, tr.g.nodes[k].inputs[1]): sp.Integer(0) for k in hats}
        var = {(k, tr.g.nodes[k].inputs[2]): sp.Integer(0) for k in hats}
        for key, override in (("norm_naive", {**mu, **var}), ("norm_mu", mu),
                              ("norm_var", var)):
            alt = _alt(case, override)
            if alt is not None and case.same(case.w, alt) and not case.same(case.t, alt):
                return "batchnorm_naive", say(key)
        return None


class DropoutScale:
    """Inverted dropout y = m ⊙ a/(1 − p): a claim with the mask but without the scale."""

    def match(self, case):
        if not _derivative(case):
            return None
        tr = case.truth
        drops = _path_ops(case, "dropout")
        if not drops:
            return None
        unscaled = {}
        for k in drops:
            a = tr.g.nodes[k].inputs[0]
            unscaled[(k, a)] = sp.Integer(int(tr.local(k, a) != 0))
        alt = _alt(case, unscaled)
        if alt is not None and case.same(case.w, alt) and not case.same(case.t, alt):
            return "dropout_scale", say("dropout_scale", node=case.name(drops[0]))
        return None


def _names(case, keys) -> str:
    shown = [case.name(k) for k in keys[:4]]
    return ", ".join(shown) + (", …" if len(keys) > 4 else "")


LAYER_RULES = (DropoutScale(), SharedUses(), PoolRouting(), NaiveNorm())

__all__ = ["LAYER_RULES"]
