"""The deep chain: L hidden layers of W units (one activation throughout, no biases) and
a linear output unit, with the mean squared error; its per-layer factors of dL/dw^{[1]}
(``Block``: act'(z) w on a plain layer, 1 + act'(z) w with a skip connection) and the
bound |dL/dw^{[1]}| <= |dL/dy_pred| |x_1| s^L Π |w^{[l]}|, s the largest slope."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import sympy as sp

from .. import naming, ops
from ..activations import ACTIVATIONS as REGISTRY
from ..activations import DEEP_STUDY
from ..derive import Derivation, derive, levels
from ..errors import SpecError
from ..graph import build_graph
from ..numeric import forward
from ..spec import Example, Layer, Network
from ..steps import Local

ACTIVATIONS = DEEP_STUDY
SCALES = (0.5, 1.0, 2.0, 4.0)  # the weight scales every page compares
MAX_DEPTH = 12
MAX_WIDTH = 8
EXAMPLE_WEIGHT = 0.5  # the worked example's weights, as in the lesson's deep preset
# The title of a chain's page: the words, in one table.
TITLE = {
    "title": "A deep chain: {count} {activation} {layers}{units}{skips}",
    "counts": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
               "ten", "eleven", "twelve"),
    "layer": "layer", "layers": "layers",
    "units": " of {width} units",
    "skips": ", with skip connections",
}
# The largest slope act'(z) of each activation (relu'(0) = 0, so relu' is 0 or 1).
SLOPE_MAX = {a: REGISTRY[a].slope_max for a in ACTIVATIONS}


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
    """"A deep chain: three sigmoid layers of 2 units, with skip connections"."""
    count = TITLE["counts"][o.depth] if o.depth < len(TITLE["counts"]) else str(o.depth)
    return TITLE["title"].format(
        count=count, activation=o.activation,
        layers=TITLE["layer" if o.depth == 1 else "layers"],
        units=TITLE["units"].format(width=o.width) if o.width > 1 else "",
        skips=TITLE["skips"] if o.residual else "")


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
    return forward(d, d.graph.example)
