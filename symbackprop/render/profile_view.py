"""A lesson in a textbook's notation (``profiles``): Lesson + Profile -> plain data for
``templates/*/profiles/<style>.*.j2``. Names come from the profile, numbers from the
reference in the profile's layout (``profiles.numbers``); nothing is computed here
beyond formatting."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..errors import SpecError
from ..losses import LOSSES
from ..profiles import mazur
from ..profiles.base import Profile
from ..profiles.numbers import numbers

# how a profile prints numbers: significant digits, or (negative) decimal places, trailing
# zeros dropped (Mazur prints nine decimals: 1.105905967, 0.75136507)
DIGITS = {"mazur": -9}
_Z = r"\mathbf{z}^{[{l}]}"  # the activation records' vector-slope argument


def fmt(x: float, digits: int) -> str:
    v = float(x)
    if v == 0:
        v = 0.0  # no -0
    if digits < 0:
        text = f"{v:.{-digits}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{v:.{digits}g}"


def matrix(a, digits: int) -> str:
    """A LaTeX bmatrix of a 0-, 1- (a column) or 2-D array."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return fmt(a, digits)
    if a.ndim == 1:
        a = a[:, None]
    rows = [" & ".join(fmt(v, digits) for v in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def shape(rows, cols) -> str:
    return rf"{rows} \times {cols}"


def _check(net):
    if not getattr(net, "layers", None):
        raise SpecError("notation profiles write pages of layered networks, not graphs of "
                        "formulas: drop --notation or [notation] style")
    for i, layer in enumerate(net.layers, 1):
        if layer.residual:
            raise SpecError(f"notation profiles do not write residual layers yet (layer {i}); "
                            "drop --notation or [notation] style")


def profile_view(lesson, profile: Profile) -> dict:
    g = lesson.graph
    net = g.spec
    _check(net)
    digits = DIGITS.get(profile.name, 4)
    nums = numbers(profile, net, g.table, lesson.values, g.learning_rate)
    L, hidden = len(net.layers), len(net.layers) - 1
    sizes, m = net.sizes, lesson.values.n
    rows = profile.layout == "rows"

    def sp(role, l=None, j=None, k=None):
        return profile.spell(role, l, j, k, hidden=hidden)

    def a_name(l):  # A^{[0]} is the input X in every book
        return sp("X") if l == 0 else sp("A", l)

    def act_shape(n):
        return shape(profile.batch, n) if rows else shape(n, profile.batch)

    layers = []
    for l, (layer, nb) in enumerate(zip(net.layers, nums.layers), 1):
        n, n_prev = sizes[l], sizes[l - 1]
        rec = ACTIVATIONS[layer.activation]
        slope = rec.vector_slope.replace(_Z, sp("Z", l)).replace("{l}", str(l))
        slope = slope.replace(r"\odot", " " + sp("odot") + " ")
        layers.append({
            "l": l, "n": profile.layer(l), "units": n, "units_prev": n_prev,
            "is_out": l == L, "activation": layer.activation, "act_latex": rec.latex,
            "identity": layer.activation == "identity", "slope": slope,
            "act_definition": rec.definition, "bias": layer.bias,
            "W": sp("W", l), "b": sp("b", l), "Z": sp("Z", l), "A": a_name(l),
            "A_prev": a_name(l - 1), "A_prev_T": profile.transpose(a_name(l - 1)),
            "W_T": profile.transpose(sp("W", l)), "dZ": sp("dZ", l), "dW": sp("dW", l),
            "db": sp("db", l), "dA": sp("dA", l), "dA_prev": sp("dA", l - 1),
            "act": sp("act", l), "act_prime": profile.prime(sp("act", l)),
            "w": sp("w", l, "j", "k"), "bs": sp("bs", l, "j"), "z": sp("z", l, "j"),
            "a": sp("a", l, "j"), "a_prev_k": sp("a", l - 1, "k") if l > 1 else sp("x", None, "k"),
            "delta": sp("delta", l, "j"),
            "shape_W": shape(n_prev, n) if profile.weight_order == "in,out" else shape(n, n_prev),
            "shape_b": shape(1, n) if rows else shape(n, 1), "shape_Z": act_shape(n),
            "shape_prev": act_shape(n_prev),
            "num": {k: (None if getattr(nb, k) is None else
                        matrix(_row(getattr(nb, k)) if rows and k in ("b", "db")
                               else getattr(nb, k), digits))
                    for k in ("W", "b", "Z", "A", "A_prev", "dZ", "dA", "dW", "db", "slope",
                              "W_new")},
        })
    loss = LOSSES[net.loss]
    view = {
        "profile": {"name": profile.name, "title": profile.title, "source": profile.source,
                    "batch": profile.batch, "mean": profile.mean, "layout": profile.layout},
        "title": g.title or net.name, "name": net.name, "loss": net.loss,
        "loss_title": loss.title, "L": profile.layer(L), "layers": layers, "m": m,
        "X": sp("X"), "Y": sp("Y"), "cost": sp("cost"), "Yhat": sp("Yhat"),
        "odot": sp("odot"), "shape_X": act_shape(sizes[0]), "shape_Y": act_shape(sizes[-1]),
        "num": {"X": matrix(nums.X, digits), "Y": matrix(nums.Y, digits),
                "cost": fmt(nums.cost, digits),
                "terms": None if nums.terms is None else matrix(nums.terms, digits),
                "P": None if nums.P is None else matrix(nums.P, digits)},
        "rate": g.learning_rate,
        "definitions": sorted({ly["act_definition"] for ly in layers
                               if ly["act_definition"]}),
    }
    if profile.name == "mazur":
        view["walk"] = _walk(net, g, nums, digits)
    return view


def _walk(net, g, nums, digits) -> dict:
    """Mazur's walk-through: every unit's net and out, each output's error, and every
    weight's chain of three factors with its update (numbers of the one example)."""
    L = len(net.layers)
    sizes = net.sizes
    table = g.table
    units, weights = [], []
    for l in range(1, L + 1):
        nb = nums.layers[l - 1]
        for j in range(sizes[l]):
            u = mazur.unit(l, j + 1, L)
            units.append({
                "l": l, "name": u, "out_layer": l == L,
                "net": fmt(nb.Z[j, 0], digits), "out": fmt(nb.A[j, 0], digits),
                "dout": fmt(nb.dA[j, 0], digits), "slope": fmt(nb.slope[j, 0], digits),
                "delta": fmt(nb.dZ[j, 0], digits),
                "inputs": [{"w": table.weights[l - 1][j][i].latex,
                            "src": mazur.unit(l - 1, i + 1, L),
                            "value": fmt(nb.A_prev[i, 0], digits),
                            "weight": fmt(nb.W[j, i], digits)} for i in range(sizes[l - 1])],
                "bias": _bias(table.biases[l - 1], nb.b, j, digits),
                "target": fmt(nums.Y[j, 0], digits) if l == L else None,
                "error": None if nums.terms is None or l < L else fmt(nums.terms[j, 0], digits),
                "next": [{"o": mazur.unit(l + 1, k + 1, L),
                          "w": table.weights[l][k][j].latex,
                          "weight": fmt(nums.layers[l].W[k, j], digits),
                          "delta": fmt(nums.layers[l].dZ[k, 0], digits)}
                         for k in range(sizes[l + 1])] if l < L else [],
            })
            for i in range(sizes[l - 1]):
                weights.append({
                    "w": table.weights[l - 1][j][i].latex, "unit": u,
                    "src": mazur.unit(l - 1, i + 1, L), "out_layer": l == L,
                    "dout": fmt(nb.dA[j, 0], digits), "slope": fmt(nb.slope[j, 0], digits),
                    "input": fmt(nb.A_prev[i, 0], digits), "grad": fmt(nb.dW[j, i], digits),
                    "old": fmt(nb.W[j, i], digits),
                    "new": None if nb.W_new is None else fmt(nb.W_new[j, i], digits),
                })
    return {"units": units, "weights": weights}


def _row(b):
    """A bias vector as the row it is in the rows layout (cs231n's b_1 is 1 × H)."""
    b = np.asarray(b)
    return b[None, :] if b.ndim == 1 else b


def _bias(quantities, b, j: int, digits: int) -> dict | None:
    """Unit j's bias: a layer's shared b or its own b_j; None without a bias."""
    if not quantities:
        return None
    k = min(j, len(quantities) - 1)
    return {"b": quantities[k].latex, "value": fmt(np.ravel(b)[k], digits)}
