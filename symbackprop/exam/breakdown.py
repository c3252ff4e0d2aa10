"""What a tensor exam's key shows of one gradient, in numbers at a variant's values:

- ``uses``: a shared parameter's gradient as the sum over its uses, one term per consumer
  c (a kernel entry's output positions, an rnn weight's time steps, an embedding row's
  positions): ∂L/∂θ = Σ_c ∂L/∂c · ∂c/∂θ, the upstream gradient (δ of the position or step)
  times the local derivative (the input entry the weight met there);
- ``bptt``: backpropagation through time for the term of an rnn weight at step t: from the
  last step back to t, ∂L/∂h_s = Σ_j δ_{s+1,j} W_hh[j, ·] (+ the output's part at s = T),
  δ_s = ∂L/∂h_s ⊙ (1 − h_s²);
- ``batchnorm``: the gradient of one batch-norm input in the teacher's compact form,
  ∂L/∂x_n = γ/(m σ) · (m g_n − Σ_k g_k − x̂_n Σ_k g_k x̂_k), g = ∂L/∂y, σ = √(σ² + ε),
  over the m entries of the channel.

Every number comes from the derivation's own local derivatives (``adjoints``: one reverse
sweep over the graph's edges, linear in their count), never from the NumPy reference,
which the tests and ``exam --stress`` hold the key against."""

from __future__ import annotations

import math

import numpy as np

from ..steps import Cite, Sum, _number
from ..layers.batchnorm import EPS
from .numbers import _value


def adjoints(d, env) -> dict[str, float]:
    """dL/dk for every node k the loss reaches, by one reverse sweep over the edges (the
    graph's nodes are in topological order), each edge's local derivative the
    derivation's own (``Derivation.locals``) or the graph's."""
    g = d.graph
    bar = {g.loss: 1.0}
    for k in reversed(list(g.nodes)):
        up = bar.get(k)
        if up is None or g.nodes[k].op == "leaf":
            continue
        for i in dict.fromkeys(g.nodes[k].inputs):
            step = d.locals.get((k, i))
            expr = step.expr if step is not None else g.local(k, i)
            bar[i] = bar.get(i, 0.0) + up * _value(_number(expr, env))
    return bar


def terms_of(step) -> tuple:
    return step.terms if isinstance(step, Sum) else (step,)


def consumer(chain) -> str:
    """The node a chain reaches its parameter through: its last factor is ∂c/∂θ."""
    return chain.factors[-1].of


def uses(exam, step, env, bar) -> list[dict]:
    """One row per use of the parameter: the consumer, ∂L/∂c with its value, the local
    derivative as written and its value, their product."""
    g, n = exam.g, exam.n
    rows = []
    for t in terms_of(step):
        c = consumer(t)
        last = t.factors[-1]
        expr = last.symbol if isinstance(last, Cite) else last.expr
        local = _value(last.eval(env, {}))
        value = _value(t.eval(env, {}))
        rows.append({"node": g.latex[c], "upstream": n.label(g.loss, c),
                     "upstream_value": bar.get(c, 0.0), "local": n.tex(expr),
                     "local_value": local, "value": value})
    return rows


SMALLEST = 1e-3  # an asked gradient or term smaller than this is no question for a hand


def pick_term(step, env) -> int | None:
    """The term a chain question asks for: the first whose every factor is nonzero and
    whose value is not tiny (an rnn weight's earliest step: the longest chain back through
    time), else None."""
    for i, t in enumerate(terms_of(step)):
        if all(abs(_value(f.eval(env, {}))) > 1e-9 for f in t.factors) and \
                abs(_value(t.eval(env, {}))) >= SMALLEST:
            return i
    return None


def bptt(exam, c: str, bar: dict) -> list[dict] | None:
    """The chain back through time to the rnn pre-activation ``c`` = z_{t,j} of layer l:
    for each step s from the last down to t, ∂L/∂h_s and δ_s per unit; None when ``c``
    is not an rnn's."""
    g = exam.g
    if g.nodes[c].op != "rnn":
        return None
    layer = g.layer_of[c]
    T, H = g.spec.shape[0], g.spec.layers[layer - 1].units
    t = int(c.split("_")[1]) - 1  # z{l}_{t}_{j}, 1-based
    rows = []
    for s in range(T - 1, t - 1, -1):
        hs = [f"h{layer}_{s + 1}_{j + 1}" for j in range(H)]
        zs = [f"z{layer}_{s + 1}_{j + 1}" for j in range(H)]
        rows.append({"step": s + 1,
                     "h": [{"name": exam.n.frac(g.loss, h), "value": bar.get(h, 0.0)} for h in hs],
                     "delta": [{"name": exam.n.frac(g.loss, z), "value": bar.get(z, 0.0)}
                               for z in zs]})
    return rows


def batchnorm(exam, x: str, env, bar) -> dict:
    """The compact form of ∂L/∂x for a batch-norm input ``x`` (the first input of its
    normalise node), with every number, and its value."""
    g = exam.g
    hat = next(k for k in g.nodes if g.nodes[k].op == "normalise" and g.nodes[k].inputs[0] == x)
    _, mu, var = g.nodes[hat].inputs
    group = [k for k in g.nodes if g.nodes[k].op == "normalise" and g.nodes[k].inputs[1] == mu]
    y = {h: next(c for c in g.consumers[h]) for h in group}  # y = γ x̂ + β
    gamma = next(i for i in g.nodes[y[hat]].inputs if g.nodes[i].kind == "weight")
    val = lambda k: _value(env[g.sym(k)])  # noqa: E731
    m = len(group)
    sigma = math.sqrt(val(var) + float(EPS))
    gs = [bar.get(y[h], 0.0) for h in group]
    hats = [val(h) for h in group]
    s_g, s_gh = sum(gs), sum(a * b for a, b in zip(gs, hats))
    g_n, hat_n = bar.get(y[hat], 0.0), val(hat)
    value = val(gamma) / (m * sigma) * (m * g_n - s_g - hat_n * s_gh)
    n = exam.n
    return {"x": g.latex[x], "gamma": g.latex[gamma], "gamma_value": val(gamma), "m": m,
            "var": g.latex[var], "var_value": val(var), "sigma": sigma,
            "y": g.latex[y[hat]], "hat": g.latex[hat], "hat_value": hat_n,
            "g": n.frac(g.loss, y[hat]), "g_value": g_n, "sum_g": s_g, "sum_gh": s_gh,
            "rows": [{"g": n.frac(g.loss, y[h]), "g_value": a, "hat": g.latex[h], "hat_value": b}
                     for h, a, b in zip(group, gs, hats)],
            "value": value}


def max_ties(g, env) -> bool:
    """True when a max-pool window's largest value is taken by two entries: which one
    gets the gradient is then the tie rule, not the arithmetic."""
    for k, node in g.nodes.items():
        if node.op == "maxpool":
            vals = np.array([_value(env[g.sym(i)]) for i in node.inputs])
            if np.sum(vals == vals.max()) > 1:
                return True
    return False
