"""Numbers from the derivation: lambdified node definitions and steps, evaluated on a
batch of samples at once (one array of N values per node)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from . import ops

if TYPE_CHECKING:  # annotations only: derive imports steps, which evaluates through here
    from .derive import Derivation

MODULES = [ops.NUMPY, "numpy"]


def lambdify_sorted(expr: sp.Expr, cse: bool = False):
    """lambdify with the free symbols, sorted by name, as positional arguments;
    ``fn.args`` lists them. Expressions that differ only by the names of their symbols
    (a convolution's positions, a max-pool's windows) share one compiled function."""
    args = sorted(expr.free_symbols, key=lambda s: s.name)
    key = (_shape(expr, {s: i for i, s in enumerate(args)}), len(args), cse)
    core = _SHARED.get(key)
    if core is None:
        if len(_SHARED) > _SHARED_MAX:
            _SHARED.clear()
        core = _SHARED[key] = sp.lambdify(args, expr, modules=MODULES, cse=cse)

    def fn(*values):
        return core(*values)

    fn.args = args
    return fn


def _shape(e, slot: dict):
    """The expression tree with each symbol replaced by its position among the sorted
    arguments: equal shapes compile to the same function (no SymPy object is built)."""
    if e.is_Symbol:
        return ("symbol", slot[e])
    if not e.args:
        return ("atom", type(e), e)  # 0 and 0.0 differ for the printer: keep the type
    return (e.func, tuple(_shape(a, slot) for a in e.args))


# compiled functions by the shape of their expression (``_shape``)
_SHARED: dict = {}
_SHARED_MAX = 50000


class Values:
    """Where a derivation is evaluated: inputs and targets of N samples, parameters.

    ``inputs`` (N, n_in) and ``targets`` (N, K) arrays; ``params`` maps keys to floats."""

    def __init__(self, inputs, targets, params: dict[str, float]):
        self.inputs = np.atleast_2d(np.asarray(inputs, dtype=float))
        self.targets = np.atleast_2d(np.asarray(targets, dtype=float)) if targets is not None \
            else np.zeros((self.inputs.shape[0], 0))
        self.params = dict(params)

    @property
    def n(self) -> int:
        return self.inputs.shape[0]


def leaves(g, values: Values) -> dict:
    """The leaves' values: symbol -> array of N samples (parameters and N scalars)."""
    env = {g.sym("N"): float(values.n)} if "N" in g.nodes else {}
    for i, k in enumerate(g.inputs):
        env[g.sym(k)] = values.inputs[:, i]
    for i, k in enumerate(g.targets):
        env[g.sym(k)] = values.targets[:, i]
    for k in g.params:
        env[g.sym(k)] = values.params[k]
    return env


def forward(d: Derivation, values: Values) -> dict:
    """Every node's value: symbol -> array of N samples (parameters stay scalars)."""
    g = d.graph
    env = leaves(g, values)
    for k, node in g.nodes.items():
        if node.op == "leaf":
            continue
        fn = _node_fn(g, k)
        val = fn(*[env[s] for s in fn.args])
        env[g.sym(k)] = np.broadcast_to(np.asarray(val, dtype=float), (values.n,))
    return env


def _node_fn(g, k):
    if k not in g._fns:
        g._fns[k] = lambdify_sorted(g.nodes[k].expr)
    return g._fns[k]


def evaluate(d: Derivation, values: Values):
    """(loss, {param key: dL/dθ}) for the batch, through the derivation's own steps.

    Per-sample terms are summed when the loss term carries the 1/N of the mean (MSE),
    averaged otherwise (½ SSE); a graph spec's output is a plain function value."""
    g = d.graph
    env = forward(d, values)
    cache: dict = {}  # each step, a branching sum above all, is evaluated once
    reduce = _reducer(g)
    loss = reduce(env[g.sym(g.loss)])
    grads = {p: reduce(np.broadcast_to(s.eval(env, cache), (values.n,)))
             for p, s in d.gradients.items()}
    return loss, grads


def _reducer(g):
    if g.mean_outside:  # one example's loss per sample: the batch takes their mean
        return lambda a: float(np.mean(a))
    return lambda a: float(np.sum(a))
