"""Training a deep chain: full-batch gradient descent through the derivation's own
gradients, each chain at its best learning rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive import Derivation
from .chain import Options, shape
from .norms import stacked

TRAIN_STEPS = 100
TRAIN_BATCH = 32
TRAIN_LRS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)  # each chain keeps its best (``train``)


@dataclass
class Training:
    """Full-batch gradient descent on a fixed data set, x ~ N(0, 1) and the kinked
    target y_true = max(0, s) with s = Σ_i x_i / sqrt(W); the starting weights are drawn as
    in ``draws`` and are the same for the plain and the residual chain. Each chain is
    trained with every learning rate of TRAIN_LRS and keeps the one that ends lowest among
    those whose loss never rises above its starting value (``lr``)."""

    residual: bool
    lr: float
    losses: np.ndarray  # (steps + 1,): before each step, and after the last
    first: np.ndarray  # (steps + 1,): Σ_{s<t} ||W^{[1]}_{s+1} - W^{[1]}_s||, how far the first layer moved
    start: dict[str, float]  # parameters before the first step
    X: np.ndarray
    T: np.ndarray
    finals: dict[float, float]  # learning rate -> final loss (nan: diverged)

    @property
    def moved(self) -> float:
        return float(self.first[-1])


def train_data(o: Options, seed: int = 0, batch: int = TRAIN_BATCH):
    rng = np.random.default_rng([seed, 1])
    X = rng.standard_normal((batch, o.width))
    T = np.maximum(0.0, X.sum(axis=1, keepdims=True) / np.sqrt(o.width))
    sizes = (o.width,) * (o.depth + 1) + (1,)
    Z = [rng.standard_normal((n, m)) for m, n in zip(sizes, sizes[1:])]
    return X, T, Z


def train(d: Derivation, scale: float, steps: int = TRAIN_STEPS, lrs=TRAIN_LRS,
          seed: int = 0) -> Training:
    """Gradient descent with the derivation's gradients, every learning rate at once (the
    runs stacked like the draws of ``profile``)."""
    g = d.graph
    o = shape(g.spec)
    X, T, Z = train_data(o, seed)
    qs = g.table.params
    start = {q.key: float(scale / np.sqrt(Z[q.layer - 1].shape[1]) * Z[q.layer - 1][q.row, q.col])
             for q in qs}
    R = len(lrs)
    rate = np.asarray(lrs, dtype=float)
    theta = np.array([[start[q.key] for q in qs]] * R)  # (runs, params)
    first = np.array([q.layer == 1 for q in qs])
    Xs, Ts = np.tile(X, (R, 1, 1)), np.tile(T, (R, 1, 1))
    losses, firsts = [], []
    with np.errstate(all="ignore"):  # a learning rate too large may overflow: that run is dropped
        for step in range(steps + 1):
            loss, grads = stacked(d, Xs, Ts, {q.key: theta[:, i] for i, q in enumerate(qs)})
            losses.append(loss)
            firsts.append(theta[:, first].copy())
            if step < steps:
                theta = theta - rate[:, None] * grads
    losses = np.array(losses)  # (steps + 1, runs)
    # the lowest final loss among the runs whose loss never rose above its start
    stable = np.all(np.isfinite(losses), axis=0) & np.all(losses <= losses[0], axis=0)
    final = np.where(stable, losses[-1], np.inf)
    if not stable.any():  # none: the lowest finite final loss
        final = np.where(np.isfinite(losses[-1]), losses[-1], np.inf)
    best = int(np.argmin(final))
    return Training(
        o.residual, float(lrs[best]), losses[:, best],
        np.concatenate([[0.0], np.cumsum([np.linalg.norm(b[best] - a[best])
                                          for a, b in zip(firsts, firsts[1:])])]), start, X, T,
        {float(lr): float(v) for lr, v in zip(lrs, losses[-1])})
