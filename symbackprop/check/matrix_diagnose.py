"""What a grader names when a matrix claim is wrong: the one change to the claim that
makes it right (``matrix_claims.Session.matches`` at every point), tried in the order a
grader looks: transposes, the product's order, elementwise versus matrix product, the
1/m of the mean, the sum over the samples, the activation and its derivative, the layer,
the sign. ``show`` prints a claim's tree back in LaTeX for the messages."""

from __future__ import annotations

import re
from dataclasses import replace

from .matrix_parse import MNode

MAX_MUTATIONS = 200  # changes tried on one claim (each evaluated at every point)
_OPS = {"matmul": " ", "had": r" \odot ", "add": " + ", "sub": " - "}


def _number(v) -> str:
    return str(int(v)) if v == int(v) else str(v)


# How each kind of node prints, by its op (binary products and sums: _OPS above)
_SHOW = {
    "atom": lambda n: n.text,
    "num": lambda n: _number(n.args[0]),
    "transpose": lambda n: f"({show(n.args[0])})^T",
    "neg": lambda n: f"-{show(n.args[0])}",
    "sum": lambda n: rf"\sum {show(n.args[0])}",
    "call": lambda n: f"{n.text}{chr(39) if n.prime else ''}({show(n.args[0])})",
    "frac": lambda n: rf"\frac{{{show(n.args[0])}}}{{{show(n.args[1])}}}",
    "pow": lambda n: f"({show(n.args[0])})^{show(n.args[1])}",
}


def show(node: MNode) -> str:
    """The claim's tree back in LaTeX, for the messages."""
    shown = _SHOW.get(node.op)
    if shown is not None:
        return shown(node)
    a, b = (show(x) for x in node.args)
    if node.op == "matmul" and node.args[1].op in ("add", "sub"):
        b = f"({b})"
    return a + _OPS[node.op] + b


def paths(node: MNode, path=()):
    yield path, node
    for i, a in enumerate(node.args):
        if isinstance(a, MNode):
            yield from paths(a, path + (i,))


def put(node: MNode, path, new: MNode) -> MNode:
    if not path:
        return new
    args = list(node.args)
    args[path[0]] = put(args[path[0]], path[1:], new)
    return replace(node, args=tuple(args))


def _untransposed(session, text: str):
    """The same name without (or with) its transpose, as the table spells it."""
    role, l, t = session.names[text]
    for other, (r2, l2, t2) in session.names.items():
        if (r2, l2, t2) == (role, l, not t):
            return other
    return None


def _relayer(session, text: str, step: int):
    role, l, t = session.names[text]
    for other, (r2, l2, t2) in session.names.items():
        if (r2, l2, t2) == (role, l + step, t):
            return other
    return None


def mutations(session, claim: MNode):
    """(message key, fields, mutated claim), in the order a grader looks."""
    batch = session.profile.batch
    m = MNode("atom", text=batch)
    for path, node in paths(claim):
        if node.op == "atom" and node.text in session.names:
            other = _untransposed(session, node.text)
            key = "transpose_extra" if session.names[node.text][2] else "transpose_missing"
            new = MNode("atom", text=other) if other else MNode("transpose", (node,))
            yield key, {"name": node.text, "fixed": show(new)}, put(claim, path, new)
        elif node.op == "transpose":
            yield "transpose_extra", {"name": show(node), "fixed": show(node.args[0])}, \
                put(claim, path, node.args[0])
    for path, node in paths(claim):
        if node.op == "matmul":
            a, b = node.args
            swapped = replace(node, args=(b, a))
            yield "order", {"name": show(node), "fixed": show(swapped)}, \
                put(claim, path, swapped)
            both = replace(node, args=(MNode("transpose", (b,)), MNode("transpose", (a,))))
            yield "order", {"name": show(node), "fixed": show(both)}, put(claim, path, both)
            for new in (replace(node, args=(MNode("transpose", (b,)), a)),
                        replace(node, args=(b, MNode("transpose", (a,))))):
                yield "order", {"name": show(node), "fixed": show(new)}, put(claim, path, new)
            yield "matmul_for_had", {"name": show(node)}, put(claim, path,
                                                               replace(node, op="had"))
        elif node.op == "had":
            yield "had_for_matmul", {"name": show(node)}, put(claim, path,
                                                               replace(node, op="matmul"))
        elif node.op == "add":
            yield "add_for_had", {"name": show(node)}, put(claim, path, replace(node, op="had"))
    yield "missing_mean", {"batch": batch}, MNode("frac", (claim, m))
    yield "extra_mean", {"batch": batch}, MNode("matmul", (m, claim))
    yield "missing_sum", {"lhs": "", "name": show(claim)}, MNode("sum", (claim,))
    summed = MNode("frac", (MNode("sum", (claim,)), m))
    yield "missing_sum", {"lhs": "", "name": show(claim)}, summed
    for path, node in paths(claim):
        if node.op == "call":
            name = re.sub(r"\\prime|'", "", node.text)
            if node.prime or name != node.text:  # a derivative where the function was due
                new = replace(node, text=name, prime=False)
                yield "slope_for_activation", {"name": show(node), "fixed": show(new)}, \
                    put(claim, path, new)
            else:
                new = replace(node, prime=True)
                yield "activation_itself", {"name": show(node), "fixed": show(new)}, \
                    put(claim, path, new)
    for path, node in paths(claim):
        if node.op == "atom" and node.text in session.names:
            for step in (-1, 1):
                other = _relayer(session, node.text, step)
                if other:
                    yield "wrong_layer", {"name": node.text, "fixed": other}, \
                        put(claim, path, MNode("atom", text=other))
    yield "sign", {}, MNode("neg", (claim,))


def diagnose(session, ref: MNode, claim: MNode, want: list):
    """(message key, fields) of the first change that makes the claim right, or None."""
    for n, (key, fields, new) in enumerate(mutations(session, claim)):
        if n >= MAX_MUTATIONS:
            return None
        if key == "missing_sum":
            fields = dict(fields, lhs=show(ref))
        if session.matches(new, want):
            return key, fields
    return _activation_swap(session, claim, want)


def _activation_swap(session, claim, want):
    """σ' where tanh' was due (and the like): the call renamed to the layer's own."""
    for path, node in paths(claim):
        if node.op != "call":
            continue
        for spelled in (r"\sigma", r"\tanh", "relu", "g", "f"):
            if spelled == node.text.split("^")[0]:
                continue
            new = replace(node, text=spelled)
            if session.matches(put(claim, path, new), want):
                return "activation_wrong", {"name": show(node), "fixed": show(new)}
    return None
