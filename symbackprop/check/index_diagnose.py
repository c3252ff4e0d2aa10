"""What a grader names when an index claim is wrong (``index_claims``): the one change
that makes it hold for every instance: the two indices of an entry exchanged (w_{jk} for
w_{kj}), the layer moved by one, the activation for its derivative, two index letters
exchanged throughout (a^{l-1}_j δ^l_k for a^{l-1}_k δ^l_j), the sign."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from .matrix_diagnose import paths, put, show
from .matrix_parse import MNode


def diagnose(session, ref_side, claim):
    """(message key, fields) of the first change that makes ``claim`` equal ``ref_side``
    at every instance, or None."""
    for path, node in paths(claim):
        ref = session.ref(node.text) if node.op == "atom" else None
        if ref is None:
            continue
        if len(ref.indices) == 2:
            i, k = ref.indices
            swapped = _swap_indices(node.text, i, k)
            new = None if swapped is None else put(claim, path, replace(node, text=swapped))
            if new is not None and session.holds(ref_side, new):
                return "indices_swapped", {"name": node.text, "fixed": swapped}
        if isinstance(ref.layer, str):
            for step in ("+1", "-1"):
                moved = _shift_layer(node.text, ref.layer, step)
                if moved and session.holds(ref_side, put(claim, path,
                                                        replace(node, text=moved))):
                    return "wrong_layer", {"name": node.text, "fixed": moved}
    for path, node in paths(claim):
        if node.op == "call":
            name = node.text.replace(r"\prime", "").replace("'", "")
            prime = node.prime or name != node.text
            new = replace(node, text=name, prime=not prime)
            if session.holds(ref_side, put(claim, path, new)):
                key = "slope_for_activation" if prime else "activation_itself"
                return key, {"name": show(node), "fixed": show(new)}
    letters = sorted(session.free(claim)[1])
    for i, k in itertools.combinations(letters, 2):
        renamed = _rename(claim, {i: k, k: i})
        if session.holds(ref_side, renamed):
            return "indices_swapped", {"name": show(claim), "fixed": show(renamed)}
    if session.holds(ref_side, MNode("neg", (claim,))):
        return "sign", {}
    return None


def _rename(node: MNode, letters: dict) -> MNode:
    """The claim with index letters exchanged in every subscript (j <-> k)."""
    if node.op == "atom":
        def sub(m):
            return m.group(1) + "".join(letters.get(c, c) for c in m.group(2)) + "}"
        return replace(node, text=re.sub(r"(_\{)([^{}]*)\}", sub, node.text))
    args = tuple(_rename(a, letters) if isinstance(a, MNode) else a for a in node.args)
    return replace(node, args=args, text=letters.get(node.text, node.text)
                   if node.op == "sum" else node.text)


def _swap_indices(text: str, i, k) -> str | None:
    a, b = str(i), str(k)
    for old, new in ((f"{{{a}{b}}}", f"{{{b}{a}}}"), (f"{{{a},{b}}}", f"{{{b},{a}}}")):
        if old in text:
            return text.replace(old, new, 1)
    return None


def _shift_layer(text: str, layer: str, step: str) -> str | None:
    """w^{l}_{jk} -> w^{l+1}_{jk}: the layer expression moved by one."""
    m = re.fullmatch(r"([A-Za-z]|\d+)([+-]\d+)?", layer)
    if not m:
        return None
    head, shift = m.group(1), int(m.group(2) or 0) + int(step)
    if head.isdigit():
        new = str(int(head) + int(step))
    else:
        new = head + (f"{shift:+d}" if shift else "")
    for left, right in (("^{", "}"), ("^{[", "]}"), ("^{(", ")}")):  # the layer's script
        old = f"{left}{layer}{right}"
        if old in text:
            return text.replace(old, f"{left}{new}{right}", 1)
    return None
