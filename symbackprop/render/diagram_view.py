"""The network's diagram as positions: units in columns by layer, or a graph's nodes by
level, with their labelled edges, for the SVG and TikZ templates.

A layer's weights go on its edges only while their labels do not overlap (they are
placed here, in the SVG's pixels, and their boxes compared); a denser layer's weights
go into a labelled matrix W^{[l]} beside the diagram instead. Each unit's bias is
written above it. A circuit (a graph spec) shows each gate's operation and, at the
worked example, the forward value (above) and the backward value d(out)/d(wire)
(below) on every wire, as the classic circuit pictures of backprop courses do.
"""

from __future__ import annotations

import re


from ..derive import Derivation, levels
from .printer import number

# The SVG's geometry (pixels): column and row spacing, unit radius, margins.
GEOMETRY = {"dx": 170, "dy": 80, "r": 24, "left": 60, "top": 60}
# Estimated text sizes (pixels) of an edge label at font-size 13, its scripts at 9.
CHAR, SCRIPT, LINE = 7.0, 5.0, 14.0
# Edge labels closer than this (pixels) read as one: the layer's weights go to a matrix.
PAD = 6.0
# More labelled edges than this in one layer cannot be told apart, whatever their places.
EDGE_LABELS_MAX = 8
# Where along its edge (0 at the source, 1 at the target) a label may sit.
POSITIONS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
# A weight matrix's cells (pixels).
CELL_W, CELL_H = 46, 22
# A gate's operation, by the class name of its formula's head.
GATES = {"Add": "+", "Mul": "×", "Pow": "^", "exp": "exp", "log": "log", "Max": "max",
         "sigmoid": "σ", "tanh": "tanh", "relu": "relu", "sin": "sin", "cos": "cos"}
GATES_TEX = {"+": "+", "×": r"\times", "^": r"\wedge", "σ": r"\sigma"}


def svg_label(latex: str) -> list[tuple[str, str]]:
    """``w_1^{[1]}`` -> [("w", ""), ("1", "sub"), ("[1]", "super")] for SVG tspans."""
    m = re.match(r"^([A-Za-z]+)(.*)$", latex)
    if not m:
        return [(latex, "")]
    parts = [(m.group(1), "")]
    for mark, body in re.findall(r"([_^])(\{[^{}]*\}|.)", m.group(2)):
        parts.append((body.strip("{}"), "sub" if mark == "_" else "super"))
    return parts


def label_width(svg: list[tuple[str, str]]) -> float:
    """The estimated width in pixels of a label laid out by ``svg_label``."""
    return sum(len(t) * (SCRIPT if shift else CHAR) for t, shift in svg)


def label_box(x: float, y: float, svg) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a label centred at x with its baseline at y."""
    w = label_width(svg)
    return (x - w / 2, y - LINE + 3, x + w / 2, y + 3)


def crowded(boxes, pad: float = PAD) -> bool:
    """Whether any two label boxes come closer than ``pad`` pixels."""
    grown = [(a - pad, b - pad, c + pad, d + pad) for a, b, c, d in boxes]
    return any(overlap(a, b) for n, a in enumerate(grown) for b in grown[n + 1:])


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _gate(expr) -> str:
    """A gate's operation when the node is one operation on names or numbers, else ""."""
    if expr is None or not expr.args or not all(a.is_Atom for a in expr.args):
        return ""
    return GATES.get(type(expr).__name__, "")


def graph_diagram(d: Derivation, values: dict | None = None, grads: dict | None = None) -> dict:
    """A graph spec's DAG, left to right by level (inputs first): each gate's operation,
    and at the worked example (``values``, ``grads``: node -> number) each wire's forward
    and backward values."""
    g = d.graph
    lv = levels(g)
    columns = [[k for k in g.nodes if lv[k] == c] for c in range(max(lv.values()) + 1)]
    height = max(len(c) for c in columns)
    nodes, pos = [], {}
    for c, col in enumerate(columns):
        for r, k in enumerate(col):
            y = r + (height - len(col)) / 2
            pos[k] = (c, y)
            latex = g.latex[k]
            svg = [(k, "")] if latex.startswith("\\") else svg_label(latex)
            nodes.append({"id": k, "latex": latex, "x": c, "y": y, "svg": svg,
                          "kind": g.nodes[k].kind, "gate": _gate(g.nodes[k].expr),
                          "bias": [], "bias_latex": ""})
            gate = nodes[-1]["gate"]
            nodes[-1]["gate_tex"] = GATES_TEX.get(gate, rf"\mathrm{{{gate}}}")
    wires = values is not None and grads is not None

    def wire(k):
        if not wires or k not in values:
            return {"forward": "", "backward": ""}
        return {"forward": number(values[k], 4),
                "backward": number(grads[k], 4) if k in grads else ""}

    edges = []
    for k, node in g.nodes.items():
        for i in node.inputs:
            (x0, y0), (x1, y1) = pos[i], pos[k]
            edges.append({"src": i, "dst": k, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                          "label": False, "latex": "", "svg": [], "skip": False, **wire(i)})
    out = dict(wire(g.loss), x=pos[g.loss][0], y=pos[g.loss][1], id=g.loss) if wires else None
    return {"nodes": nodes, "edges": edges, "columns": len(columns) + (1 if out else 0),
            "rows": height, "matrices": [], "extra": 0, "width": 0, "circuit": True,
            "output": out, "geometry": GEOMETRY, "biases": False,
            "layers": [{"x": c, "activation": ""} for c in range(len(columns))]}


def _place(edges, pos, G) -> bool:
    """Put each edge's label at the first of POSITIONS along it where its box keeps PAD
    pixels from every label placed before; False when some label finds no such place."""
    boxes = []
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["src"]], pos[e["dst"]]
        for t in (e["pos"],) + POSITIONS:
            px = G["left"] + (x0 + (x1 - x0) * t) * G["dx"]
            py = G["top"] + (y0 + (y1 - y0) * t) * G["dy"] + 4
            box = label_box(px, py, e["svg"])
            if not crowded(boxes + [box]):
                break
        else:
            return False
        e.update(pos=t, px=px, py=py)
        boxes.append(box)
    return True


def _matrix(l: int, w_layer, prev, cur, x: float, y: float) -> dict:
    """The weights of layer l as a labelled matrix at (x, y): row j the unit, column i
    its input, W^{[l]}_{ji} joining input i to unit j."""
    head = CELL_W  # the column of row labels
    cells = [{"x": x + head + (i + 0.5) * CELL_W, "y": y + (j + 2) * CELL_H,
              "svg": svg_label(w_layer[j][i].latex), "latex": w_layer[j][i].latex}
             for j in range(len(cur)) for i in range(len(prev))]
    return {
        "layer": l, "x": x, "y": y, "cells": cells,
        "title": [("W", ""), (f"[{l}]", "super")],
        "cols": [{"x": x + head + (i + 0.5) * CELL_W, "y": y + CELL_H, "svg": svg_label(p.latex)}
                 for i, p in enumerate(prev)],
        "rows": [{"x": x + head / 2, "y": y + (j + 2) * CELL_H, "svg": svg_label(q.latex)}
                 for j, q in enumerate(cur)],
        "latex": [[w_layer[j][i].latex for i in range(len(prev))] for j in range(len(cur))],
        "left": x + head, "right": x + head + len(prev) * CELL_W,
        "top": y + CELL_H + 6, "bottom": y + (len(cur) + 1) * CELL_H + 8,
        "width": head + len(prev) * CELL_W, "height": (len(cur) + 2) * CELL_H,
    }


def diagram(d: Derivation, values: dict | None = None, grads: dict | None = None) -> dict:
    """Positions of the units and the labelled edges, for the SVG and TikZ templates;
    ``values`` and ``grads`` (node -> number at the worked example) label a circuit's wires."""
    g = d.graph
    if not g.layers:  # a graph of formulas: its DAG by level
        return graph_diagram(d, values, grads)
    G = GEOMETRY
    table = g.table
    columns = [table.inputs] + list(table.units)
    height = max(len(c) for c in columns)
    nodes, pos = [], {}
    for c, col in enumerate(columns):
        for r, q in enumerate(col):
            y = (r + (height - len(col)) / 2)
            pos[q.key] = (c, y)
            bias = []
            if c and table.biases[c - 1]:
                bs = table.biases[c - 1]
                bias = [("+", "")] + svg_label((bs[0] if len(bs) == 1 else bs[r]).latex)
            nodes.append({"id": q.key, "latex": q.latex, "x": c, "y": y,
                          "svg": svg_label(q.latex), "kind": q.kind, "bias": bias, "gate": "", "gate_tex": "",
                          "bias_latex": "".join(t if not s else ("_" if s == "sub" else "^")
                                                + "{" + t + "}" for t, s in bias[1:])})
    edges, matrices = [], []
    below = G["top"] * 2 + (height - 1) * G["dy"] + 36  # the matrices' row, under the units
    mx = G["left"] / 2
    for l, (w_layer, prev, cur) in enumerate(zip(table.weights, columns, columns[1:]), 1):
        layer_edges = []
        for j, q in enumerate(cur):
            for i, p in enumerate(prev):
                w = w_layer[j][i]
                # labels of the edges leaving one unit sit at staggered distances along
                # them, so that they do not pile up beside the unit
                layer_edges.append({"src": p.key, "dst": q.key, "latex": w.latex,
                                    "svg": svg_label(w.latex), "pos": 0.2 + 0.17 * (j % 3)})
        dense = len(layer_edges) > EDGE_LABELS_MAX or not _place(layer_edges, pos, G)
        for e in layer_edges:
            e["label"] = not dense
        if dense:
            m = _matrix(l, w_layer, prev, cur, mx, below)
            matrices.append(m)
            mx += m["width"] + 30
        edges += layer_edges
        layer = g.layers[l - 1]
        if layer.residual:
            for p, q in zip(prev, cur):
                edges.append({"src": p.key, "dst": q.key, "latex": "", "svg": [], "skip": True,
                              "label": False})
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["src"]], pos[e["dst"]]
        e.update(x0=x0, y0=y0, x1=x1, y1=y1)
        e.setdefault("skip", False)
        e.setdefault("pos", 0.3)
        e.update(forward="", backward="")
    extra = max((m["height"] for m in matrices), default=0) + (36 if matrices else 0)
    return {"nodes": nodes, "edges": edges, "columns": len(columns), "rows": height,
            "matrices": matrices, "extra": extra, "width": mx + G["left"] / 2,
            "circuit": False, "output": None, "geometry": G,
            "biases": any(n["bias"] for n in nodes),
            "layers": [{"x": c, "activation": (g.layers[c - 1].activation if c else "input")}
                       for c in range(len(columns))]}
