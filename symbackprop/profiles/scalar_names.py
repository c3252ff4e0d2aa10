"""A network's scalar names in a profile (issue 14): the lesson's table of names
(``naming.Names``) with each quantity's LaTeX written as the textbook writes one entry,
so that every consumer of the table (exam questions and keys, the scalar checker, grade)
asks and reads in it: Ng's ``w^{[1]}_{12}``, Nielsen's ``w^2_{12}`` (the input is layer
1), Goodfellow's ``W^{(1)}_{1,2}``, Mazur's ``out_{h1}``, ``net_{o1}``, ``w_5``. cs231n
writes no scalar form of its own: its networks keep the lesson's scalar names."""

from __future__ import annotations

from dataclasses import replace

from . import PROFILES, mazur

SCALAR_STYLES = ("ng", "nielsen", "goodfellow", "mazur")


def _pair(j: int, k: int) -> str:
    """Two unit numbers as one subscript: 12, or 10,11 once a number has two digits."""
    return f"{j}{k}" if max(j, k) < 10 else f"{j},{k}"


def _sub(base: str, index) -> str:
    index = str(index)
    return f"{base}_{index}" if len(index) == 1 else f"{base}_{{{index}}}"


def _mazur(q, L: int, counts: dict) -> str:
    kind = q.kind
    if kind == "input":
        return _sub("i", q.row + 1)
    if kind == "target":
        return f"target_{{{mazur.unit(L, q.row + 1, L)}}}"
    if kind in ("unit", "output"):
        return f"out_{{{mazur.unit(q.layer, q.row + 1, L)}}}"
    if kind == "pre":
        return f"net_{{{mazur.unit(q.layer, q.row + 1, L)}}}"
    if kind == "weight":
        return _sub("w", counts["w", q.layer, q.row, q.col])
    if kind == "bias":
        return _sub("b", counts["b", q.layer, q.row])
    if kind == "loss":
        return "E_{total}"
    return q.latex


def _entry(profile, q, L: int, shared: bool) -> str:
    p, hidden = profile, L - 1
    kind = q.kind
    if kind == "input":
        return p.spell("x", None, q.row + 1)
    if kind == "target":
        return p.spell("y", None, q.row + 1)
    if kind in ("unit", "output"):
        return p.spell("a", q.layer, q.row + 1, hidden=hidden)
    if kind == "pre":
        return p.spell("z", q.layer, q.row + 1, hidden=hidden)
    if kind == "weight":
        return p.spell("w", q.layer, hidden=hidden).replace(
            "@j@k", _pair(q.row + 1, q.col + 1)).replace("@j,@k", f"{q.row + 1},{q.col + 1}")
    if kind == "bias":
        return p.spell("b", q.layer, hidden=hidden) if shared else \
            p.spell("bs", q.layer, q.row + 1, hidden=hidden)
    if kind == "loss":
        return p.spell("cost")
    return q.latex


def rename(table, net):
    """``table`` with the LaTeX names of ``net.notation.style``; unchanged for the lesson,
    cs231n, and networks with skip connections (no profile writes those)."""
    style = net.notation.style
    if style not in SCALAR_STYLES or any(layer.residual for layer in net.layers):
        return table
    profile = PROFILES[style]
    L = len(net.layers)
    counts, w, b = {}, 0, 0
    for l, rows in enumerate(table.weights, 1):  # Mazur numbers through the network
        for j, row in enumerate(rows):
            for i, _ in enumerate(row):
                w += 1
                counts["w", l, j, i] = w
        for q in table.biases[l - 1]:
            b += 1
            counts["b", l, q.row] = b

    def name(q):
        if style == "mazur":
            return replace(q, latex=_mazur(q, L, counts))
        shared = q.kind == "bias" and net.layers[q.layer - 1].bias == "shared"
        # the weight's pattern has its indices in place of @j@k: fill them in directly
        return replace(q, latex=_entry(profile, q, L, shared))

    return replace(
        table, inputs=tuple(map(name, table.inputs)), targets=tuple(map(name, table.targets)),
        pre=tuple(tuple(map(name, r)) for r in table.pre),
        units=tuple(tuple(map(name, r)) for r in table.units),
        weights=tuple(tuple(tuple(map(name, row)) for row in rows) for rows in table.weights),
        biases=tuple(tuple(map(name, r)) for r in table.biases), loss=name(table.loss),
        aliases=tuple(table.by_latex().items()))
