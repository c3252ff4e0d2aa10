"""The deep page's view: ``vanishing``'s chains and numbers as plain dicts with LaTeX
strings inside, under one key (``deep``) beside the generic lesson view."""

from __future__ import annotations

import sympy as sp

from .. import ops, vanishing as v
from ..activations import ACTIVATIONS
from ..derive import Derivation
from .printer import LessonPrinter, number
from .views import Notation

ACTIVATION_NAMES = {a: ACTIVATIONS[a].latex for a in v.ACTIVATIONS}


def _short(x, digits=3) -> str:
    return number(float(x), digits)


def _paren(t: str) -> str:
    return rf"\left({t}\right)" if t.startswith("-") else t


class GenericLayer:
    """Names for a layer l of any depth: the chain's layer-L symbols printed as h^{[l]},
    h^{[l-1]}, z^{[l]}, a^{[l]}, w^{[l]}, so a block derived for layer L is read for every l."""

    def __init__(self, n: Notation, chain: v.LayerChain):
        g = n.g
        t = g.table
        L = len(t.units) - 1
        self.n = n
        self.latex = {t.units[L - 1][0].key: "h^{[l]}", t.units[L - 2][0].key: "h^{[l-1]}",
                      t.pre[L - 1][0].key: "z^{[l]}", t.weights[L - 1][0][0].key: "w^{[l]}"}
        if t.act[L - 1]:
            self.latex[t.act[L - 1][0].key] = "a^{[l]}"
        names = dict(n.names)
        names.update({g.sym(k): name for k, name in self.latex.items()})
        self.printer = LessonPrinter(names, n.prefer)

    def frac(self, of, wrt) -> str:
        dd = r"\partial " if self.n.partial else "d"
        return rf"\frac{{{dd}{self.latex[of]}}}{{{dd}{self.latex[wrt]}}}"

    def tex(self, expr) -> str:
        return self.printer.doprint(expr)


def _ordered(b: v.Block):
    """The block's paths, the bare skip first (1 + F'), each as the lesson reads it."""
    bare = lambda p: len(p) == 1 and p[0].expr == 1 and b.skip  # noqa: E731
    return sorted(b.paths, key=lambda p: not bare(p)), bare


def _sum_of_products(b: v.Block, show) -> str:
    """Σ over paths of Π over factors, each factor printed by ``show(local)``, joined by
    a centre dot (a product of numbers stays readable); a bare skip prints as 1."""
    paths, bare = _ordered(b)
    terms = []
    for p in paths:
        if bare(p):
            terms.append("1")
            continue
        p = [f for f in p if f.expr != 1] or p[:1]  # dh/da = 1 on a residual layer
        parts = [show(f) for f in p]
        if len(parts) > 1:  # a sum or a negative factor goes in parentheses
            parts = [rf"\left({t}\right)" if f.expr.is_Add or f.expr.could_extract_minus_sign()
                     else t for f, t in zip(p, parts)]
        terms.append(r" \cdot ".join(parts))
    return " + ".join(terms)


def _paths(frac, b: v.Block) -> str:
    """The sum over paths as products of named factors."""
    paths, bare = _ordered(b)
    return " + ".join("1" if bare(p) else " ".join(frac(f.of, f.wrt) for f in p) for p in paths)


def chain_view(chain: v.LayerChain) -> dict:
    """The lesson's grouping of dL/dw^{[1]} with each factor in symbols and at the
    worked example, the generic layer factor, and the sigmoid-style bound."""
    d: Derivation = chain.d
    g = d.graph
    n = Notation(d)
    env = v.example_env(d)
    cache: dict = {}
    factors = []
    for b in chain.blocks:
        factors.append({
            "label": n.frac(b.of, b.wrt), "paths": _paths(n.frac, b),
            "value": _sum_of_products(b, lambda f: n.tex(f.expr)),
            "numbers": _sum_of_products(b, lambda f: n.numbers(f.expr, env)),
            "number": number(v.scalar(b.eval(env, cache))),
            "several": len(b.paths) > 1 or len(b.paths[0]) > 1, "skip": b.skip,
        })
    value = v.scalar(chain.eval(env, cache))
    derived = v.scalar(d.gradients[chain.param].eval(env, {}))
    gl = GenericLayer(n, chain)
    layer_block = chain.hidden[0]  # dh^{[L]}/dh^{[L-1]}, read for every l
    t = g.table
    weights = [g.latex[w[0][0].key] for w in t.weights]
    hidden = g.layers[0]  # every hidden layer of a chain is alike
    return {
        "target": n.frac(g.loss, chain.param),
        "param": g.latex[chain.param],
        "grouped": " ".join(f["label"] for f in factors),
        "factors": factors,
        "hidden": factors[2:-1],
        "product": r" \cdot ".join(_paren(f["number"]) for f in factors),
        "number": number(value), "derived": number(derived), "abs": number(abs(value)),
        "agree": abs(value - derived) <= 1e-12 * max(1.0, abs(derived)),
        "layer": {"label": gl.frac(layer_block.of, layer_block.wrt),
                  "paths": _paths(gl.frac, layer_block),
                  "value": _sum_of_products(layer_block, lambda f: gl.tex(f.expr))},
        "seed": factors[0], "out": factors[1], "first": factors[-1],
        "dy": n.frac(g.loss, t.units[-1][0].key), "y": g.latex[t.units[-1][0].key],
        "x": g.latex[t.inputs[0].key], "weights": weights,
        "bound": number(v.chain_bound(chain, env)),
        "slope_max": sp.latex(v.SLOPE_MAX[hidden.activation]),
        "residual": hidden.residual,
        "example": {"x": number(g.example.inputs[0, 0]), "t": number(g.example.targets[0, 0]),
                    "t_name": g.latex[t.targets[0].key],
                    "w": number(v.EXAMPLE_WEIGHT)},
    }


def table_view(st: v.Study) -> dict:
    rows = []
    for residual in (False, True):
        for act in v.ACTIVATIONS:
            for scale in st.scales:
                p = st.at(act, scale, residual)
                rows.append({"activation": act, "scale": f"{scale:g}", "residual": residual,
                             "cells": [_short(x) for x in p.mean], "ratio": _short(p.ratio),
                             "chosen": scale == st.options.scale})
    return {"layers": st.layers, "rows": rows}


# A first layer that travelled less than this in all of training barely learned.
STUCK = 1e-3


def training_view(st: v.Study) -> dict:
    out = {}
    for residual, run in st.training.items():
        out["res" if residual else "plain"] = {
            "lr": f"{run.lr:g}", "start": _short(run.losses[0]), "end": _short(run.losses[-1]),
            "moved": _short(run.moved),
            # not one step moved the first layer: every gradient reaching it was exactly 0
            # (a relu off for every input somewhere along the chain: a dead chain)
            "dead": run.moved == 0.0,
            "stuck": 0.0 < run.moved < STUCK}
    p, r = st.training[False], st.training[True]
    out["residual_better"] = bool(r.losses[-1] < p.losses[-1])
    out["steps"] = len(p.losses) - 1
    out["batch"] = len(p.X)
    out["lrs"] = ", ".join(f"{x:g}" for x in v.TRAIN_LRS)
    return out


def deep_view(st: v.Study, chains: dict[bool, v.LayerChain], checks: v.Checks,
              stem: str) -> dict:
    o = st.options
    S = o.scale
    h, z = sp.Symbol("h"), sp.Symbol("z")
    names = {h: "h", z: "z"}
    slopes = [{"name": act, "f": ACTIVATION_NAMES[act],
               "slope": LessonPrinter(names).doprint(ops.SLOPE[act](h, z)),
               "max": sp.latex(v.SLOPE_MAX[act])} for act in v.ACTIVATIONS]

    def ratio(act, res, scale=S):
        return _short(st.at(act, scale, res).ratio)

    def first(act, res, scale=S):
        return _short(st.at(act, scale, res).mean[0])

    big = max(st.scales)
    return {
        "depth": o.depth, "out_layer": o.depth + 1, "width": o.width,
        "activation": o.activation, "residual": o.residual, "scale": f"{S:g}",
        "f": ACTIVATION_NAMES[o.activation],
        "trials": st.draws.trials, "batch": st.draws.X.shape[1],
        "scales": ", ".join(f"{s:g}" for s in st.scales), "big": f"{big:g}",
        "plain": chain_view(chains[False]), "res": chain_view(chains[True]),
        "slopes": slopes, "table": table_view(st), "training": training_view(st),
        "numbers": {
            "sigmoid": {"first": first("sigmoid", False), "ratio": ratio("sigmoid", False),
                        "res_first": first("sigmoid", True), "res_ratio": ratio("sigmoid", True)},
            "relu_big": first("relu", False, big), "relu": first("relu", False),
            "tanh_big": first("tanh", False, big), "sigmoid_big": first("sigmoid", False, big),
            "sigmoid_big_ratio": ratio("sigmoid", False, big),
        },
        "checks": {
            "compared": checks.compared, "fd_compared": checks.fd_compared,
            "max_ref": checks.max_ref, "max_fd": checks.max_fd,  # floats: templates bound them
            "bound_ok": checks.bound_ok, "bound_ratio": f"{checks.bound_max_ratio:.3g}",
            "training_ref": checks.training_ref, "ok": checks.ok,
            "configs": len(st.profiles),
        },
        "plots": {"gradients": f"{stem}_gradients", "training": f"{stem}_training"},
    }
