"""Why deep networks are hard to train: the numbers behind the lesson's second half.

A deep chain is L hidden layers of W units (one activation throughout, no biases) and a
linear output unit, with the mean squared error. The gradient of a first-layer weight is
a product with one factor per layer,

    dL/dw^{[1]} = dL/dy_pred · dy_pred/dh^{[L]} · dh^{[L]}/dh^{[L-1]} ··· dh^{[2]}/dh^{[1]} · dh^{[1]}/dw^{[1]},

each factor a sum over the paths through one layer of the derivation's own local
derivatives (``Block``): act'(z^{[l]}) w^{[l]} on a plain layer, 1 + act'(z^{[l]}) w^{[l]}
with a skip connection h^{[l]} = h^{[l-1]} + act(z^{[l]}). For the sigmoid act' <= 1/4, so

    |dL/dw^{[1]}| <= |dL/dy_pred| · |x_1| · 4^{-L} · Π_{l=2}^{L+1} |w^{[l]}|    (= (|w|/4)^L for equal |w|).

Sampled numbers (``profile``) come from the derivation itself, evaluated on many weight
draws at once, and are checked against the NumPy reference and finite differences
(``check``). Data only: no jinja, no LaTeX.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import sympy as sp

from . import naming, ops, reference
from .activations import ACTIVATIONS as REGISTRY
from .activations import DEEP_STUDY
from .derive import Derivation, derive, levels
from .errors import SpecError
from .graph import build_graph
from .numeric import Values, forward, lambdify_sorted
from .spec import Example, Layer, Network
from .steps import Local
from .verify import normalized_error

ACTIVATIONS = DEEP_STUDY
SCALES = (0.5, 1.0, 2.0, 4.0)  # the weight scales every page compares
MAX_DEPTH = 12
MAX_WIDTH = 8
TRIALS = 256  # weight draws per configuration
BATCH = 16  # samples per draw
FD_TRIALS = 2  # draws per configuration also checked by finite differences
TRAIN_STEPS = 100
TRAIN_BATCH = 32
TRAIN_LRS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)  # each chain keeps its best (``train``)
EXAMPLE_WEIGHT = 0.5  # the worked example's weights, as in the lesson's deep preset

# The largest slope act'(z) of each activation (relu'(0) = 0, so relu' is 0 or 1).
SLOPE_MAX = {a: REGISTRY[a].slope_max for a in ACTIVATIONS}

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve")


# --------------------------------------------------------------------------- the chain


@dataclass(frozen=True)
class Options:
    """A deep chain and the weight scale of its sampled numbers."""

    depth: int = 5
    width: int = 1
    activation: str = "sigmoid"
    residual: bool = False
    scale: float = 1.0


def shape(net: Network) -> Options:
    """The chain's options read back from a network; SpecError if it is not a chain of
    equal hidden layers (size = inputs, one activation of ACTIVATIONS, no bias) and one
    linear output unit trained with the mean squared error."""
    *hidden, out = net.layers
    first = hidden[0] if hidden else None
    ok = (first is not None and net.loss == "mse" and out.size == 1
          and out.activation == "identity" and out.bias == "none" and not out.residual
          and first.activation in ACTIVATIONS
          and all(layer.size == net.inputs and layer.activation == first.activation
                  and layer.bias == "none" and layer.residual == first.residual
                  for layer in hidden))
    if not ok:
        raise SpecError(f"{net.name}: the deep page needs a chain of equal hidden layers "
                        f"({', '.join(ACTIVATIONS)}, no bias) and one linear output unit, "
                        "with the mse loss")
    return Options(len(hidden), first.size, first.activation, first.residual)


def parse_options(depth=None, width=None, activation=None, scale=None, residual=False) -> dict:
    """Command-line text -> typed options (None: not given); SpecError names the flag."""
    def convert(flag, text, kind, what):
        if text is None:
            return None
        try:
            return kind(text)
        except ValueError:
            raise SpecError(f"{flag} {text!r} is not {what}") from None

    return {"depth": convert("--depth", depth, int, "a whole number"),
            "width": convert("--width", width, int, "a whole number"),
            "activation": activation, "scale": convert("--scale", scale, float, "a number"),
            "residual": True if residual else None}


def check_options(o: Options) -> Options:
    if not 2 <= o.depth <= MAX_DEPTH:
        raise SpecError(f"--depth {o.depth} must be between 2 and {MAX_DEPTH}")
    if not 1 <= o.width <= MAX_WIDTH:
        raise SpecError(f"--width {o.width} must be between 1 and {MAX_WIDTH}")
    if o.activation not in ACTIVATIONS:
        raise SpecError(f"--activation {o.activation!r} is not one of: {', '.join(ACTIVATIONS)}")
    if not (np.isfinite(o.scale) and 0 < o.scale <= 100):
        raise SpecError(f"--scale {o.scale:g} must be a number above 0 and at most 100")
    return o


def chain_network(o: Options, name: str = "deep", title: str | None = None) -> Network:
    """L hidden layers of W units fed by W inputs, and one linear output unit; the
    worked example of a one-unit chain is the lesson's: x_1 = 1, y_true = 1, every
    weight 0.5 (wider chains get seeded values on the page)."""
    hidden = tuple(Layer(o.width, o.activation, residual=o.residual) for _ in range(o.depth))
    net = Network(name=name, inputs=o.width, layers=hidden + (Layer(1),), loss="mse",
                  title=title or chain_title(o))
    if o.width == 1:
        params = tuple((q.latex, EXAMPLE_WEIGHT) for q in naming.names(net).params)
        net = replace(net, example=Example((1.0,), (1.0,), params))
    return net


def chain_title(o: Options) -> str:
    count = _WORDS[o.depth] if o.depth < len(_WORDS) else str(o.depth)
    units = f" of {o.width} units" if o.width > 1 else ""
    skips = ", with skip connections" if o.residual else ""
    layers = "layer" if o.depth == 1 else "layers"
    return f"A deep chain: {count} {o.activation} {layers}{units}{skips}"


def deep_network(base: Network, **changes) -> tuple[Network, Options]:
    """``base`` (the deep preset) with the given options changed (None: keep); the
    preset itself, title and worked example included, when nothing changes."""
    o = shape(base)
    given = {k: v for k, v in changes.items() if v is not None}
    new = check_options(replace(o, **given))
    if replace(new, scale=o.scale) == o:
        return base, new
    return chain_network(new, name=base.name), new


@dataclass(frozen=True)
class Block:
    """d(of)/d(wrt) through one layer: the sum over the paths from ``wrt`` up to ``of``
    of the product of the derivation's local derivatives along each.
    A plain sigmoid layer has one path, dh/dz · dz/dh_prev = h(1 - h) w; a residual
    layer two, the skip's 1 and F's path dh/da · da/dz · dz/dh_prev = a(1 - a) w."""

    of: str
    wrt: str
    paths: tuple[tuple[Local, ...], ...]

    @cached_property
    def expr(self) -> sp.Expr:
        return sp.Add(*[sp.Mul(*[f.expr for f in p]) for p in self.paths])

    @property
    def skip(self) -> bool:
        """One of the paths is a bare skip (local derivative 1)."""
        return any(len(p) == 1 and p[0].expr == 1 for p in self.paths) and len(self.paths) > 1

    def eval(self, env, cache=None):
        cache = {} if cache is None else cache
        out = 0.0
        for p in self.paths:
            term = 1.0
            for f in p:
                term = term * f.eval(env, cache)
            out = out + term
        return out

    def __repr__(self):
        return f"Block(d{self.of}/d{self.wrt} = {self.expr})"


@dataclass(frozen=True)
class LayerChain:
    """dL/dw^{[1]} of a one-unit-per-layer chain, grouped the lesson's way: one Block per
    link of L, y_pred, h^{[L]}, ..., h^{[1]}, w^{[1]}; its product is the derivation's."""

    d: Derivation
    param: str
    stations: tuple[str, ...]  # node keys from the loss down to the parameter
    blocks: tuple[Block, ...]

    @property
    def hidden(self) -> tuple[Block, ...]:
        """The blocks dh^{[l]}/dh^{[l-1]}, l = L .. 2."""
        return self.blocks[2:-1]

    @cached_property
    def product(self) -> sp.Expr:
        return sp.Mul(*[b.expr for b in self.blocks])

    def eval(self, env, cache=None) -> float:
        cache = {} if cache is None else cache
        out = 1.0
        for b in self.blocks:
            out = out * b.eval(env, cache)
        return out


def layer_chain(d: Derivation) -> LayerChain:
    """The lesson's grouping of the first-layer weight's gradient in a chain of one unit
    per layer (``shape`` with width 1)."""
    g = d.graph
    t = g.table
    if any(len(u) != 1 for u in t.units) or len(t.weights[0][0]) != 1:
        raise ValueError("layer_chain needs one unit per layer")
    stations = (g.loss,) + tuple(u[0].key for u in reversed(t.units)) + (t.weights[0][0][0].key,)
    blocks = tuple(block(d, of, wrt) for of, wrt in zip(stations, stations[1:]))
    return LayerChain(d, stations[-1], stations, blocks)


def lesson_chains(o: Options) -> dict[bool, LayerChain]:
    """The lesson's one-unit chains of ``o``'s depth and activation, plain (False) and
    with skip connections (True), each with the worked example x_1 = 1, y_true = 1 and
    every weight 0.5."""
    return {res: layer_chain(derive(build_graph(chain_network(replace(o, width=1, residual=res)))))
            for res in (False, True)}


def block(d: Derivation, of: str, wrt: str) -> Block:
    """d(of)/d(wrt) as the sum over every path of the graph from ``wrt`` up to ``of``."""
    g = d.graph
    lv = levels(g)

    def local(c, v):
        return d.locals.get((c, v)) or Local(c, v, g.local(c, v))

    def paths(v):
        if v == of:
            return [()]
        out = []
        for c in g.consumers[v]:
            if lv[c] <= lv[of]:
                out += [(local(c, v),) + rest for rest in paths(c)]
        return out

    found = paths(wrt)
    # the lesson reads a product from the loss down: reverse each path
    return Block(of, wrt, tuple(tuple(reversed(p)) for p in found))


def slope_max(activation: str) -> sp.Expr:
    """max over z of act'(z), from ops.SLOPE written in the unit's output h:
    sigmoid h(1 - h) on 0 < h < 1, tanh 1 - h^2 on -1 < h < 1, relu 0 or 1."""
    h, z = sp.Symbol("h", real=True), sp.Symbol("z", real=True)
    slope = ops.SLOPE[activation](h, z)
    if activation == "relu":
        return sp.Max(slope.subs(z, -1), slope.subs(z, 1))
    lo, hi = (0, 1) if activation == "sigmoid" else (-1, 1)
    return sp.maximum(slope, h, sp.Interval.open(lo, hi))


def chain_bound(chain: LayerChain, env) -> float:
    """|dL/dy_pred| · |x_1| · s^L · Π_{l=2}^{L+1} |w^{[l]}| with s the activation's
    largest slope: what |dL/dw^{[1]}| cannot exceed."""
    g = chain.d.graph
    o = shape(g.spec)
    t = g.table
    s = float(SLOPE_MAX[o.activation])
    value = abs(scalar(chain.blocks[0].eval(env))) * abs(scalar(env[g.sym(t.inputs[0].key)]))
    for w in t.weights[1:]:
        value *= abs(scalar(env[g.sym(w[0][0].key)]))
    return value * s ** o.depth


def scalar(v) -> float:
    """The first value of a number or an array of samples (the worked example is one)."""
    return float(np.asarray(v).reshape(-1)[0])


def example_env(d: Derivation) -> dict:
    """Node values at the chain's worked example (its spec's [example])."""
    net, g = d.graph.spec, d.graph
    by = g.table.by_latex()
    params = {by[naming.canonical_latex(k)].key: v for k, v in net.example.params}
    return forward(d, Values([net.example.inputs], [net.example.targets], params))


# --------------------------------------------------------------------------- sampled numbers


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


@dataclass
class Study:
    """Everything the deep page shows in numbers, for one depth and width."""

    options: Options
    scales: tuple[float, ...]
    profiles: dict[tuple[str, float, bool], Profile]  # (activation, scale, residual)
    draws: Draws
    derivations: dict[tuple[str, bool], Derivation]
    training: dict[bool, "Training"] = field(default_factory=dict)  # residual -> run

    def at(self, activation, scale, residual) -> Profile:
        return self.profiles[activation, float(scale), residual]

    @property
    def layers(self) -> list[int]:
        return list(range(1, self.options.depth + 2))


def study(o: Options, seed: int = 0, trials: int = TRIALS, batch: int = BATCH,
          train_steps: int = TRAIN_STEPS) -> Study:
    """Per-layer gradients for sigmoid, tanh and relu at every scale of SCALES (and
    ``o.scale``), with and without skip connections; and the training runs."""
    scales = tuple(sorted(set(SCALES) | {float(o.scale)}))
    dr = draws(o, trials, batch, seed)
    derivations, profiles = {}, {}
    for act in ACTIVATIONS:
        for res in (False, True):
            net = chain_network(replace(o, activation=act, residual=res))
            d = derivations[act, res] = derive(build_graph(net))
            for s in scales:
                profiles[act, s, res] = profile(d, dr, s)
    st = Study(o, scales, profiles, dr, derivations)
    for res in (False, True):
        st.training[res] = train(derivations[o.activation, res], o.scale, train_steps, seed=seed)
    return st


# --------------------------------------------------------------------------- training


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


# --------------------------------------------------------------------------- checks


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
