"""What a grader names when a tensor claim about tensor layers is wrong
(``tensor_matrix.py``): the one change that makes it right, tried in the order a grader
looks: the whole claim transposed (the factors' order), a transpose added or removed, a
product's order, the time step (h_t where h_{t-1} was due), the last step alone where BPTT
sums every step, another tensor of the layer (\\bar{K} where \\bar{Q} was due), the sign."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .index_arith import IndexUnreadable
from .matrix_diagnose import paths, put, show
from .matrix_messages import say
from .matrix_parse import MNode
from .tensor_atoms import Name, NotOurs, ShapeError, read_atom

RTOL = 1e-9

def diagnosed(claim, ref, other, want, message, code):
    for key, fields, new in _mutations(claim, other):
        try:
            got = [claim.value(new, i, {}) for i in range(len(want))]
        except (NotOurs, ShapeError, IndexUnreadable):
            continue
        if all(np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=RTOL, atol=1e-10)
               for g, w in zip(got, want)):
            fields = {"lhs": show(ref), **fields}
            return "wrong", f"{message}; {say(key, **fields)}", key
    return "wrong", message, code


def _mutations(claim, node: MNode):
    """(message key, fields, the changed claim), in the order a grader looks."""
    yield "tensor_transposed", {}, MNode("transpose", (node,))
    for path, a in paths(node):
        if a.op == "atom":
            name = read_atom(a.text)
            flip = _respell(name, transposed=not name.transposed)
            key = "transpose_extra" if name.transposed else "transpose_missing"
            yield key, {"name": a.text, "fixed": flip}, put(node, path, MNode("atom", text=flip))
        elif a.op == "transpose":
            yield "transpose_extra", {"name": show(a), "fixed": show(a.args[0])}, \
                put(node, path, a.args[0])
    for path, a in paths(node):
        if a.op == "matmul":
            for new in (replace(a, args=a.args[::-1]),
                        replace(a, args=tuple(MNode("transpose", (x,)) for x in a.args[::-1]))):
                yield "order", {"name": show(a), "fixed": show(new)}, put(node, path, new)
    for step in ("-1", "+1"):  # h_t where h_{t-1} was due
        for path, a in paths(node):
            name = read_atom(a.text) if a.op == "atom" else None
            if name is not None and name.sub:
                fixed = _respell(name, sub=_simplify(name.sub + step))
                yield "step_shift", {"name": a.text, "fixed": fixed}, \
                    put(node, path, MNode("atom", text=fixed))
    if not any(a.op == "sum" for _, a in paths(node)) and "T" in "".join(
            read_atom(a.text).sub or "" for _, a in paths(node) if a.op == "atom"):
        letter = "t"
        steps = _subst(node, "T", letter)
        yield "tensor_last_step", {}, MNode("sum", (steps,), text=letter)
    for path, a in paths(node):  # \bar{K} where \bar{Q} was due: a tensor of that layer
        name = read_atom(a.text) if a.op == "atom" else None
        if name is None or name.base == r"\delta":
            continue
        for base, layer in claim.t.groups:
            if base != name.base and layer == (name.layer or claim.layer) and base[:1] != "z":
                shown = base.upper() if name.base.isupper() and len(base) == 1 else base
                fixed = _respell(name, base=shown)
                yield "tensor_other", {"name": a.text, "fixed": fixed}, \
                    put(node, path, MNode("atom", text=fixed))
    if claim.dk is not None:  # attention's scale, 1/sqrt(d_k), missing or twice
        root = MNode("num", (float(np.sqrt(claim.dk)),))
        yield "tensor_scale_missing", {}, MNode("frac", (node, root))
        yield "tensor_scale_extra", {}, MNode("matmul", (root, node))
    yield "sign", {}, MNode("neg", (node,))


def _respell(name: Name, **change) -> str:
    n = replace(name, **change)
    base = rf"\bar{{{n.base}}}" if n.grad and n.base != r"\delta" else n.base
    out = base + ("" if n.sub is None else f"_{{{n.sub}}}")
    sup = (f"[{n.layer}]" if n.layer else "") + (r"\top" if n.transposed else "")
    return out + (f"^{{{sup}}}" if sup else "")


def _simplify(sub: str) -> str:
    """t-1+1 -> t, t+1-1 -> t, t-1-1 -> t-2."""
    m = re.fullmatch(r"([A-Za-z]?)([-+\d]*)", sub)
    if m is None:
        return sub
    k = sum(int(x) for x in re.findall(r"[-+]?\d+", m[2]))
    return m[1] + ("" if k == 0 else f"{k:+d}") if m[1] else str(k)


def _subst(node: MNode, old: str, new: str) -> MNode:
    if node.op == "atom":
        name = read_atom(node.text)
        if name.sub and old in name.sub:
            return MNode("atom", text=_respell(name, sub=name.sub.replace(old, new)))
        return node
    return replace(node, args=tuple(_subst(a, old, new) if isinstance(a, MNode) else a
                                    for a in node.args))
