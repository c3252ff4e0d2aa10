"""The network's diagram as positions: units in columns by layer, or a graph's nodes by
level, with their labelled edges, for the SVG and TikZ templates."""

from __future__ import annotations

import re

from ..derive import Derivation, levels

# Diagrams label edges only while they are few enough to read.
LABEL_MAX_EDGES = 40


def svg_label(latex: str) -> list[tuple[str, str]]:
    """``w_1^{[1]}`` -> [("w", ""), ("1", "sub"), ("[1]", "super")] for SVG tspans."""
    m = re.match(r"^([A-Za-z]+)(.*)$", latex)
    if not m:
        return [(latex, "")]
    parts = [(m.group(1), "")]
    for mark, body in re.findall(r"([_^])(\{[^{}]*\}|.)", m.group(2)):
        parts.append((body.strip("{}"), "sub" if mark == "_" else "super"))
    return parts


def graph_diagram(d: Derivation) -> dict:
    """A graph spec's DAG, left to right by level (inputs first), edges unlabelled."""
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
                          "kind": g.nodes[k].kind})
    edges = []
    for k, node in g.nodes.items():
        for i in node.inputs:
            (x0, y0), (x1, y1) = pos[i], pos[k]
            edges.append({"src": i, "dst": k, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                          "label": False, "latex": "", "svg": [], "skip": False})
    return {"nodes": nodes, "edges": edges, "columns": len(columns), "rows": height,
            "layers": [{"x": c, "activation": ""} for c in range(len(columns))]}


def diagram(d: Derivation) -> dict:
    """Positions of the units and the labelled edges, for the SVG and TikZ templates."""
    g = d.graph
    if not g.layers:  # a graph of formulas: its DAG by level
        return graph_diagram(d)
    table = g.table
    columns = [table.inputs] + list(table.units)
    height = max(len(c) for c in columns)
    nodes, pos = [], {}
    for c, col in enumerate(columns):
        for r, q in enumerate(col):
            y = (r + (height - len(col)) / 2)
            pos[q.key] = (c, y)
            nodes.append({"id": q.key, "latex": q.latex, "x": c, "y": y,
                          "svg": svg_label(q.latex), "kind": q.kind})
    edges = []
    for l, (w_layer, prev, cur) in enumerate(zip(table.weights, columns, columns[1:]), 1):
        for j, q in enumerate(cur):
            for i, p in enumerate(prev):
                w = w_layer[j][i]
                # labels of the edges leaving one unit sit at staggered distances along
                # them, so that they do not pile up beside the unit
                edges.append({"src": p.key, "dst": q.key, "latex": w.latex,
                              "svg": svg_label(w.latex), "pos": 0.2 + 0.17 * (j % 3)})
        layer = g.layers[l - 1]
        if layer.residual:
            for p, q in zip(prev, cur):
                edges.append({"src": p.key, "dst": q.key, "latex": "", "svg": [], "skip": True})
    label = len(edges) <= LABEL_MAX_EDGES
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["src"]], pos[e["dst"]]
        e.update(x0=x0, y0=y0, x1=x1, y1=y1, label=label and not e.get("skip"))
        e.setdefault("skip", False)
        e.setdefault("pos", 0.3)
    return {"nodes": nodes, "edges": edges, "columns": len(columns), "rows": height,
            "layers": [{"x": c, "activation": (g.layers[c - 1].activation if c else "input")}
                       for c in range(len(columns))]}
