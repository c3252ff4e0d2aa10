"""Gradient norms per layer, sampled: the chain's derivation evaluated on many weight
draws at once (common random numbers for every configuration), and the sigmoid bound
at each draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive import Derivation
from ..numeric import Values, forward, lambdify_sorted
from .chain import Options, shape

TRIALS = 256  # weight draws per configuration
BATCH = 16  # samples per draw


@dataclass
class Draws:
    """Common random numbers for every configuration of one depth and width: standard
    normal weights (scaled per configuration by scale/sqrt(fan-in)), inputs and targets."""

    Z: list[np.ndarray]  # Z[l-1]: (trials, units_l, units_{l-1})
    X: np.ndarray  # (trials, batch, width)
    T: np.ndarray  # (trials, batch, 1)

    def weights(self, scale: float) -> list[np.ndarray]:
        return [scale / np.sqrt(z.shape[2]) * z for z in self.Z]

    @property
    def trials(self) -> int:
        return self.X.shape[0]


def draws(o: Options, trials: int = TRIALS, batch: int = BATCH, seed: int = 0) -> Draws:
    rng = np.random.default_rng(seed)
    sizes = (o.width,) * (o.depth + 1) + (1,)
    Z = [rng.standard_normal((trials, n, m)) for m, n in zip(sizes, sizes[1:])]
    X = rng.standard_normal((trials, batch, o.width))
    T = rng.standard_normal((trials, batch, 1))
    return Draws(Z, X, T)


@dataclass
class Profile:
    """Per-layer gradient magnitudes of one configuration over the draws: ``norms``
    (trials, L+1) holds ||dL/dW^{[l]}|| (Frobenius; |dL/dw^{[l]}| for one unit per layer)
    of the batch's mean loss, layer l = 1 .. L+1 (the output weight last)."""

    activation: str
    scale: float
    residual: bool
    norms: np.ndarray
    grads: np.ndarray  # (trials, params): every dL/dθ, in graph.params order
    bounds: np.ndarray | None = None  # (trials, L+1), plain sigmoid chains only

    @property
    def mean(self) -> np.ndarray:
        """Mean over the draws, per layer: what the table prints and the plot draws."""
        return self.norms.mean(axis=0)

    @property
    def ratio(self) -> float:
        """First-layer over output-layer magnitude: << 1 vanishing, >> 1 exploding."""
        m = self.mean
        return float(m[0] / m[-1]) if m[-1] else float("nan")


def stacked(d: Derivation, X: np.ndarray, T: np.ndarray, params: dict, with_env=False):
    """Loss and gradients of R independent runs at once: X (R, B, W), T (R, B, K),
    params {key: (R,) values}. The runs' samples are stacked into one batch, each
    parameter repeated over its run's samples, N set to B so that each run's loss is the
    mean over its own batch. Returns loss (R,) and gradients (R, params in graph order)."""
    g = d.graph
    R, B = X.shape[:2]
    values = Values(X.reshape(R * B, -1), T.reshape(R * B, -1),
                    {k: np.repeat(np.asarray(v, dtype=float), B) for k, v in params.items()})
    env = forward(d, values)
    env[g.sym("N")] = float(B)
    fn = _loss_fn(g)
    env[g.sym(g.loss)] = fn(*[env[s] for s in fn.args])
    cache: dict = {}
    per_run = lambda a: np.broadcast_to(a, (R * B,)).reshape(R, B).sum(axis=1)  # noqa: E731
    loss = per_run(env[g.sym(g.loss)])
    grads = np.stack([per_run(d.gradients[q.key].eval(env, cache)) for q in g.table.params],
                     axis=1)
    return (loss, grads, env) if with_env else (loss, grads)


def _loss_fn(g):
    fns = g.__dict__.setdefault("_deep_loss_fn", [])
    if not fns:
        fns.append(lambdify_sorted(g.nodes[g.loss].expr))
    return fns[0]


def profile(d: Derivation, dr: Draws, scale: float) -> Profile:
    """The derivation's gradients at every draw at once (``stacked``)."""
    g = d.graph
    o = shape(g.spec)
    W = dr.weights(scale)
    params = {q.key: W[q.layer - 1][:, q.row, q.col] for q in g.table.params}
    with np.errstate(over="ignore"):
        _, grads, env = stacked(d, dr.X, dr.T, params, with_env=True)
    layers = np.array([q.layer for q in g.table.params])
    norms = np.stack([np.sqrt((grads[:, layers == l] ** 2).sum(axis=1))
                      for l in range(1, o.depth + 2)], axis=1)
    bounds = None
    if o.activation == "sigmoid" and not o.residual:
        bounds = sigmoid_bounds(env, g, W, *dr.X.shape[:2])
    return Profile(o.activation, scale, o.residual, norms, grads, bounds)


def sigmoid_bounds(env, g, W, trials, batch) -> np.ndarray:
    """Per draw and layer l: Σ_n |dL/dy_n| ||h_n^{[l-1]}|| · 4^{-(L-l+1)} · Π_{k>l} ||W^{[k]}||_2,
    the bound on ||dL/dW^{[l]}|| that sigma' <= 1/4 gives (per sample, each layer's
    Jacobian diag(sigma'(z)) W has norm at most ||W||_2 / 4)."""
    t = g.table
    L = len(t.units) - 1
    y, tgt = t.units[-1][0].key, t.targets[0].key
    dy = np.abs(-2.0 / batch * (env[g.sym(tgt)] - env[g.sym(y)])).reshape(trials, batch)
    spec = [np.linalg.norm(w, ord=2, axis=(1, 2)) for w in W]  # (trials,) per layer
    out = []
    for l in range(1, L + 2):
        prev = t.inputs if l == 1 else t.units[l - 2]
        h = np.sqrt(sum(np.asarray(env[g.sym(q.key)]) ** 2 for q in prev)).reshape(trials, batch)
        factor = 0.25 ** (L - l + 1) * np.prod([spec[k - 1] for k in range(l + 1, L + 2)], axis=0)
        out.append((dy * h).sum(axis=1) * factor)
    return np.stack(out, axis=1)
