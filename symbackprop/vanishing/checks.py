"""The study's numbers checked: the sampled gradients against the NumPy reference (every
draw) and central finite differences, the sigmoid bound, and the training losses
against the reference's."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import naming, reference
from ..derive import Derivation
from ..spec import Network
from ..verify import normalized_error
from .norms import Draws
from .training import Training
from .study import Study

FD_TRIALS = 2  # draws per configuration also checked by finite differences


@dataclass
class Checks:
    """The sampled gradients against the NumPy reference (every draw) and central finite
    differences (the first FD_TRIALS draws), as normalized errors over all parameters."""

    compared: int
    fd_compared: int
    max_ref: float
    max_fd: float
    bound_ok: bool  # every plain sigmoid chain's norm within its bound (``sigmoid_bounds``)
    bound_max_ratio: float  # the largest norm / bound seen in the first layer
    training_ref: float  # largest relative gap of the training losses vs the reference

    @property
    def ok(self) -> bool:
        return self.max_ref < 1e-9 and self.max_fd < 1e-5 and self.bound_ok \
            and self.training_ref < 1e-9


def reference_params(dr: Draws, scale: float, trial: int) -> reference.Params:
    W = dr.weights(scale)
    return reference.Params([w[trial] for w in W], [None] * len(W))


def check(st: Study, fd_trials: int = FD_TRIALS) -> Checks:
    compared = fd_compared = 0
    max_ref = max_fd = 0.0
    ratio, ok = 0.0, True
    for (act, scale, res), p in st.profiles.items():
        d = st.derivations[act, res]
        net = d.graph.spec
        mine = p.grads[:, _reference_order(d)]
        for trial in range(st.draws.trials):
            params = reference_params(st.draws, scale, trial)
            X, T = st.draws.X[trial], st.draws.T[trial]
            _, ref = reference.backward(net, params, X, T)
            flat = np.concatenate([w.ravel() for w in ref.W])
            max_ref = max(max_ref, normalized_error(mine[trial], flat))
            compared += 1
            if trial < fd_trials:
                fd = reference.numeric_grad(net, params, X, T)
                fdflat = np.concatenate([w.ravel() for w in fd.W])
                max_fd = max(max_fd, normalized_error(mine[trial], fdflat))
                fd_compared += 1
        if p.bounds is not None:
            over = p.norms / p.bounds
            ok = ok and bool(np.all(over <= 1 + 1e-12))
            ratio = max(ratio, float(np.max(over[:, 0])))  # the first layer
    training_gap = 0.0
    for res, run in st.training.items():
        ref_losses = train_reference(st.derivations[st.options.activation, res].graph.spec,
                                     run, len(run.losses) - 1)
        gap = np.abs(ref_losses - run.losses) / np.abs(ref_losses)
        training_gap = max(training_gap, float(np.max(gap)))
    return Checks(compared, fd_compared, max_ref, max_fd, ok, ratio, training_gap)


def _reference_order(d: Derivation) -> list[int]:
    """Indices that put graph.params order into the reference's (layer, row j, column i)."""
    qs = d.graph.table.params
    return sorted(range(len(qs)), key=lambda i: (qs[i].layer, qs[i].row, qs[i].col))


def train_reference(net: Network, run: Training, steps: int) -> np.ndarray:
    """The same descent with the NumPy reference's gradients: the losses it sees."""
    t = naming.names(net)
    W = [np.zeros((layer.size, n)) for n, layer in zip(net.sizes, net.layers)]
    for q in t.params:
        W[q.layer - 1][q.row, q.col] = run.start[q.key]
    params = reference.Params(W, [None] * len(W))
    out = []
    with np.errstate(over="ignore"):
        for step in range(steps + 1):
            loss, grads = reference.backward(net, params, run.X, run.T)
            out.append(loss)
            params = reference.Params([w - run.lr * gw for w, gw in zip(params.W, grads.W)],
                                      params.b)
    return np.array(out)
