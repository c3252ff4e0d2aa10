"""The matrix form of a layered network's derivation, compiled for batches.

The scalar derivation has one local derivative per edge; in a layer they all share one
pattern (every sigmoid unit's slope is h(1 - h), every output's dL/dy is -2(t - y)/N).
``compile_layers`` takes each pattern from the derivation's own Local steps, renames the
unit's symbols to generic ones, checks that every unit of the layer follows it, and
lambdifies it once. Evaluation is then classic matrix backpropagation over a batch:

    δ^{[L]} = ∇_y L ⊙ act'(z^{[L]})                 (N × n_L)
    δ^{[l]} = (δ^{[l+1]} W^{[l+1]}) ⊙ act'(z^{[l]})  (N × n_l), rows are samples
    ∂L/∂W^{[l]} = (δ^{[l]})^T h^{[l-1]},  ∂L/∂b^{[l]} = Σ_n δ^{[l]}

with a residual layer passing its upstream gradient straight through as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .derive import Derivation
from .numeric import MODULES, Values, lambdify_sorted

H, Z, T, Y, NN = sp.symbols("H Z T Y N_", real=True)


@dataclass
class Pattern:
    """One elementwise formula shared by all units of a layer, lambdified once."""

    expr: sp.Expr
    fn: object

    def __call__(self, **arrays):
        return self.fn(*[arrays[s.name] for s in self.fn.args])


def _pattern(exprs: list[sp.Expr], renames: list[dict]) -> Pattern:
    generic = [e.xreplace(r) for e, r in zip(exprs, renames)]
    first = generic[0]
    for g in generic[1:]:
        if g != first:
            raise ValueError(f"units of one layer differ: {first} vs {g}")
    args = sorted(first.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(args, first, modules=MODULES)
    fn.args = args
    return Pattern(first, fn)


@dataclass
class Layer:
    W: list[list[str]]  # parameter keys [j][i]
    b: list[str]  # () none, [b] shared, [b_j] per unit
    shared: bool
    act: Pattern | None  # act(z) forward; None for identity
    slope: Pattern | None  # d act / dz in H and Z; None for identity
    residual: bool


class LayerProgram:
    def __init__(self, d: Derivation):
        g = d.graph
        net, table = g.spec, g.table
        self.d, self.net = d, net
        self.layers: list[Layer] = []
        for l, layer in enumerate(net.layers, 1):
            W = [[q.key for q in row] for row in table.weights[l - 1]]
            b = [q.key for q in table.biases[l - 1]]
            act = slope = None
            softmax_out = l == len(net.layers) and net.loss == "softmax_ce"
            if layer.activation != "identity" and not softmax_out:
                outs = table.act[l - 1] if layer.residual else table.units[l - 1]
                zs = table.pre[l - 1]
                rn = [{g.sym(o.key): H, g.sym(z.key): Z} for o, z in zip(outs, zs)]
                act = _pattern([g.nodes[o.key].expr for o in outs], rn)
                slope = _pattern([d.locals[(o.key, z.key)].expr for o, z in zip(outs, zs)], rn)
            self.layers.append(Layer(W, b, layer.bias == "shared", act, slope, layer.residual))
        # the loss's derivative w.r.t. each output (or logit, for softmax_ce)
        outs = table.pre[-1] if net.loss == "softmax_ce" else table.units[-1]
        ys = table.units[-1]
        rn = [{g.sym(y.key): Y, g.sym(t.key): T, g.sym("N"): NN} | {g.sym(o.key): Y}
              for o, y, t in zip(outs, ys, table.targets)]
        self.dloss = _pattern([d.locals[(g.loss, o.key)].expr for o in outs], rn)
        # the loss term itself, over the output columns
        self.loss_fn = lambdify_sorted(g.nodes[g.loss].expr)
        self.loss_cols = {g.sym(t.key): ("t", k) for k, t in enumerate(table.targets)}
        self.loss_cols |= {g.sym(o.key): ("y", k) for k, o in enumerate(outs)}
        self.mean_outside = g.mean_outside

    def run(self, values: Values):
        """(loss, {param key: gradient}, [δ^{[l]} as (N × n_l) arrays])."""
        p = values.params
        n = values.n
        hs, zs, Ws = [values.inputs], [], []
        for layer in self.layers:
            W = np.array([[p[k] for k in row] for row in layer.W])
            Ws.append(W)
            z = hs[-1] @ W.T
            if layer.b:
                z = z + (p[layer.b[0]] if layer.shared else np.array([p[k] for k in layer.b]))
            a = layer.act(Z=z) if layer.act else z
            zs.append(z)
            hs.append(hs[-1] + a if layer.residual else a)
        y = hs[-1]
        if self.net.loss == "softmax_ce":
            e = np.exp(zs[-1] - zs[-1].max(axis=1, keepdims=True))
            y = e / e.sum(axis=1, keepdims=True)
        scale = 1.0 / n if self.mean_outside else 1.0  # E is the mean of the terms
        grad_out = scale * np.broadcast_to(
            self.dloss(Y=y, T=values.targets, N_=float(n)), y.shape).astype(float)
        cols = {"t": values.targets, "y": zs[-1] if self.net.loss == "softmax_ce" else y}
        args = [float(n) if s.name == "N" else cols[self.loss_cols[s][0]][:, self.loss_cols[s][1]]
                for s in self.loss_fn.args]
        loss = scale * float(np.sum(self.loss_fn(*args)))
        grads, deltas = {}, [None] * len(self.layers)
        upstream = grad_out  # dL/dh^{[l]} (dL/dz for a softmax output)
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            if layer.slope is not None:
                a = hs[l + 1] - hs[l] if layer.residual else hs[l + 1]
                delta = upstream * np.broadcast_to(layer.slope(H=a, Z=zs[l]), a.shape)
            else:
                delta = upstream
            deltas[l] = delta
            dW = delta.T @ hs[l]
            for j, row in enumerate(layer.W):
                for i, k in enumerate(row):
                    grads[k] = float(dW[j, i])
            if layer.b:
                db = delta.sum(axis=0)
                if layer.shared:
                    grads[layer.b[0]] = float(db.sum())
                else:
                    for j, k in enumerate(layer.b):
                        grads[k] = float(db[j])
            upstream = delta @ Ws[l] + (upstream if layer.residual else 0.0)
        return loss, grads, deltas


def compile_layers(d: Derivation) -> LayerProgram:
    return LayerProgram(d)
