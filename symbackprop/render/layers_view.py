"""A tensor network's lesson page as plain data: its layers with their shapes and
PyTorch parameters, one equation per layer (the first entry: the others repeat it), the
worked example's tensors as grids, one derivation per parameter tensor and per branching
layer (the pattern) and the rest tabled as tensors, and the verification. The page's
prose is in ``templates/*/layers.*.j2`` and the per-kind fragments ``_layer_<kind>``."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from ..lesson import Lesson
from .lines import WIDTH, ink
from .printer import number
from .views import LOSS_NAMES, Notation, StepViews, verification_view

# Each kind's page fragment (templates/<format>/_layer_<family>.*.j2).
FRAGMENT = {"conv1d": "conv", "conv2d": "conv", "maxpool": "pool", "avgpool": "pool",
            "flatten": "flatten", "dense": "dense", "rnn": "rnn", "batchnorm": "batchnorm",
            "layernorm": "layernorm", "dropout": "dropout", "embedding": "embedding",
            "attention": "attention", "residual": "residual"}
# Ops whose nodes' gradient is a pattern of its own on a page, besides the layer's first
# branching sum: an attention's scores (the step back through the row softmax).
OWN_PATTERN = ("scores",)
# The symbol of each parameter tensor on the page.
SYMBOL = {("conv1d", "weight"): "K", ("conv2d", "weight"): "K", ("dense", "weight"): "W",
          ("rnn", "weight_ih"): "U", ("rnn", "weight_hh"): "V", ("rnn", "bias_hh"): "c",
          ("batchnorm", "weight"): r"\gamma", ("batchnorm", "bias"): r"\beta",
          ("layernorm", "weight"): r"\gamma", ("layernorm", "bias"): r"\beta",
          ("embedding", "weight"): "E", ("attention", "W_q"): "{W_q}",
          ("attention", "W_k"): "{W_k}", ("attention", "W_v"): "{W_v}"}


def shape_text(shape) -> str:
    return r" \times ".join(str(n) for n in shape)


# A matrix wider than this many printed characters (its numbers and the gaps between
# them) does not fit a line of a page: it is printed transposed (a row of 10 weights as a
# column, marked ⊤) if that fits, else cut into blocks of MAX_COLS columns.
MAX_CHARS, MAX_COLS = 60, 5


def _width(rows: np.ndarray) -> int:
    return max(sum(len(number(float(v))) + 2 for v in row) for row in rows)


def _shown(values: np.ndarray) -> tuple[np.ndarray, str]:
    """The rows a matrix is printed as, and the mark after it: a row too wide for a line
    as its transpose (⊤)."""
    rows = np.atleast_2d(values)
    if _width(rows) > MAX_CHARS and _width(rows.T) <= MAX_CHARS:
        return rows.T, r"^{\top}"
    return rows, ""


def grid(values: np.ndarray) -> str:
    """A 1-D or 2-D array as a LaTeX matrix of numbers (a row for a vector)."""
    rows, mark = _shown(values)
    return _matrix(rows) + mark


def _matrix(rows: np.ndarray) -> str:
    body = r" \\ ".join(" & ".join(number(float(v)) for v in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def _slice(index: str, values: np.ndarray) -> dict:
    """One grid of a tensor: the indices that pick it, its LaTeX, its printed width."""
    rows, mark = _shown(values)
    return {"index": index, "grid": _matrix(rows) + mark, "width": _width(rows)}


def grids(values: np.ndarray, lead: str = "") -> list[dict]:
    """A tensor as 2-D slices, each with the indices that pick it (1-based); a matrix too
    wide for a line either way, as blocks of columns (":,7{:}12": columns 7 to 12)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 2 and min(_width(values), _width(values.T)) > MAX_CHARS:
        sep = "," if lead else ""
        return [_slice(rf"{lead}{sep}:,{j + 1}{{:}}{min(j + MAX_COLS, values.shape[1])}",
                       values[:, j:j + MAX_COLS])
                for j in range(0, values.shape[1], MAX_COLS)]
    if values.ndim <= 2:
        return [_slice(lead, values)]
    out = []
    for i in range(values.shape[0]):
        out += grids(values[i], f"{lead}{',' if lead else ''}{i + 1}")
    return out


def equation(n: Notation, k: str) -> dict:
    """One node's definition; a max-pool prints as the max it is (its tie rule is in the
    page's prose), not as the Piecewise that encodes the rule."""
    g = n.g
    node = g.nodes[k]
    if node.op == "maxpool":
        rhs = r"\max\left(" + ", ".join(g.latex[i] for i in node.inputs) + r"\right)"
    elif node.op == "embedding":  # the lookup as its Iverson brackets, ids from 0
        x, *rows = node.inputs
        rhs = " + ".join(rf"[{g.latex[x]} = {v}]\, {g.latex[e]}" for v, e in enumerate(rows))
    else:
        rhs = n.tex(node.expr)
    return {"lhs": g.latex[k], "rhs": rhs}


def layers_view(lesson: Lesson) -> dict:
    d, g, values, env = lesson.derivation, lesson.graph, lesson.values, lesson.env
    net = g.spec
    n = Notation(d)
    views = StepViews(n, env, worked=lesson.worked)
    full = g.detail == "all"
    # each layer's first computed node: its equation stands for the rest of the layer
    first = {}
    for k, layer in g.layer_of.items():
        first.setdefault(layer, k)
    shapes = (net.shape,) + net.shapes
    grads = {p: views.value(s) for p, s in d.gradients.items()}
    layers = []
    for l, layer in enumerate(net.layers, 1):
        params = []
        for name, keys in g.tensors.items():
            if name.split(".")[0] != str(l):
                continue
            pname = name.split(".", 1)[1]
            params.append({
                "key": name, "name": pname, "shape": shape_text(keys.shape),
                "symbol": SYMBOL.get((layer.kind, pname), "b"),
                "tensor": grids(np.vectorize(lambda k: values.params[k], otypes=[float])(keys)),
                "grads": grids(np.vectorize(lambda k: grads.get(k, 0.0), otypes=[float])(keys)),
            })
        k = first.get(l)
        layers.append({
            "index": l, "kind": layer.kind, "fragment": FRAGMENT[layer.kind],
            "fields": asdict(layer), "in": shape_text(shapes[l - 1]),
            "out": shape_text(shapes[l]), "params": params,
            "equation": equation(n, k) if k else None,
        })
    # the pattern: per layer, the first gradient of each parameter tensor and the first
    # branching sum; with detail = "all", every step
    steps, seen = [], set()
    tensor_of = {k: name for name, keys in g.tensors.items() for k in keys.reshape(-1)}
    for s in d.steps:
        op = g.nodes[s.wrt].op
        group = tensor_of.get(s.wrt) or ("sum", g.layer_of.get(s.wrt),
                                         op if op in OWN_PATTERN else "")
        if full or group not in seen:
            seen.add(group)
            sv = views.view(s)
            sv["tensor"] = tensor_of.get(s.wrt)
            for f in [f for t in sv.get("terms", [sv]) for f in t["factors"]]:
                f["long"] = _long(f)
            steps.append(sv)
    # one sample, or the batch a batch norm couples (its samples first: x^{(n)})
    x = values.inputs[0].reshape((-1,) + tuple(net.shape))
    x = x[0] if x.shape[0] == 1 else x
    return {
        "name": g.name, "title": g.title or f"Backpropagation through {g.name}",
        "input_shape": shape_text(net.shape), "layers": layers,
        "batch": net.batch if net.coupled else 1,
        "loss": {"name": LOSS_NAMES[net.loss], "latex": g.latex[g.loss],
                 "term": f"{g.latex[g.loss]} = {n.tex(g.nodes[g.loss].expr)}",
                 "has_mean": net.loss != "half_sse",
                 "graph": False},  # a network of layers: "in inputs and weights only"
        "steps": steps, "full": full,
        "example": {
            "inputs": grids(x), "input_lines": _packed(grids(x)),
            "targets": [number(v) for v in values.targets[0]],
            "outputs": [{"name": g.latex[k], "value": number(env[g.sym(k)][0])}
                        for k, node in g.nodes.items() if node.kind == "output"],
            "loss": number(env[g.sym(g.loss)][0]),
        },
        "verification": verification_view(n, lesson.report), "partial": n.partial,
        "n_params": len(g.params), "diagram": tensor_diagram(net),
    }


def _packed(slices: list[dict]) -> list[list[dict]]:
    """Grids side by side in lines of a display no wider than the page: x_{1,1} = (...),
    x_{1,2} = (...), then the next line."""
    lines, room = [[]], WIDTH
    for g in slices:
        width = len(g["index"]) + 4 + g["width"]  # x_{1,2} = (...)
        if lines[-1] and width > room:
            lines.append([])
            room = WIDTH
        lines[-1].append(g)
        room -= width + 3  # ", \quad"
    return lines


# A factor whose value (or its numbers at the example) prints wider than this many
# characters gets displays of its own: inline, a max-pool's cases or batch norm's
# fractions cannot be broken and would run into the margin.
LONG_FACTOR = 36


def _long(f: dict) -> bool:
    return max(ink(f["value"]), ink(f["numbers"])) + ink(f["label"]) > LONG_FACTOR


# The tensor diagram: each tensor drawn as a grid per channel (stacked, offset), cells of
# CELL pixels; a vector as one column.
CELL, GAP, SHIFT, MAX_STACK, MAX_ROWS = 9, 50, 6, 6, 12


def tensor_diagram(net) -> dict:
    """Layout of the tensors in the order they flow: the input, then each layer's output."""
    stages, x = [], 20
    shapes = (tuple(net.shape),) + tuple(net.shapes)
    labels = ["input"] + [layer.kind for layer in net.layers]
    height = 0
    for shape, label in zip(shapes, labels):
        if len(shape) == 3:
            c, h, w = shape
        elif len(shape) == 2:  # steps × features, channels × length: one grid
            c, h, w = 1, shape[0], shape[1]
        else:
            c, h, w = 1, shape[0], 1
        cut = h > MAX_ROWS  # a long vector: its first MAX_ROWS cells, then "…"
        h = min(h, MAX_ROWS)
        stack = min(c, MAX_STACK)
        grids_ = [{"x": x + s * SHIFT, "y": 20 + s * SHIFT} for s in reversed(range(stack))]
        width = w * CELL + (stack - 1) * SHIFT
        stages.append({"grids": grids_, "rows": h, "cols": w, "label": label,
                       "shape": " × ".join(str(n) for n in shape), "cx": x + width / 2,
                       "x0": x, "x1": x + width, "more": c > MAX_STACK or cut})
        height = max(height, h * CELL + (stack - 1) * SHIFT)
        x += width + GAP
    for s in stages:
        s["mid"] = 20 + height / 2
    return {"stages": stages, "width": x - GAP + 20, "height": height + 80, "cell": CELL,
            "base": 20 + height}
