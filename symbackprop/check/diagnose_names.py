"""Diagnoses that name the wrong name: a weight used the other way round (w_ij for w_ji),
a wrong index, unit or layer (x_2 for x_1, w^{[2]} for w^{[3]}), or the right value of a
neighbouring claim. The last rules of ``diagnose.RULES``: tried once the numeric and
structural mistakes have not explained the claim."""

from __future__ import annotations

from .messages import say
from .truth import deriv_symbol

MAX_CANDIDATES = 400     # alternative values one rule may try


def _is_derivative(case) -> bool:
    return case.ref.form == "derivative"


# ---------------------------------------------------------------------------- rules

def _groups(tr) -> dict[str, list[str]]:
    """Keys that a wrong index can confuse with one another: the same kind of quantity."""
    kinds = {"output": "unit"}
    out: dict[str, list[str]] = {}
    for k, node in tr.g.nodes.items():
        out.setdefault(kinds.get(node.kind, node.kind), []).append(k)
    return out


def _group_of(tr, k):
    kind = tr.kind[k]
    return "unit" if kind == "output" else kind


def _layer(tr, k) -> int:
    table = tr.g.table
    q = table.by_key.get(k) if table is not None else None
    return q.layer if q is not None else 0


def _index_kind(tr, a, b) -> str:
    if _layer(tr, a) != _layer(tr, b) and tr.kind[a] in ("weight", "bias", "unit", "pre", "output"):
        return "wrong_layer"
    return "wrong_unit" if tr.kind[a] in ("unit", "output", "pre", "act") else "wrong_index"


_INDEX_WORDS = {code: say(code) for code in ("wrong_layer", "wrong_unit", "wrong_index")}


class TransposedWeight:
    """A weight w_ij used where w_ji was due (the weight joining the same two units the
    other way round): the claim with that weight swapped for its transpose is right."""

    def match(self, case):
        tr = case.truth
        partner = _transposes(tr)
        if not partner:
            return None
        used = [k for k in tr.g.nodes if k in case.claim.names and k in partner]
        tried = 0
        for k in used:
            p = partner[k]
            tried += 1
            if tried > MAX_CANDIDATES or case.deadline.expired:
                return None
            alt = case.value_or_none(case.claim.expr.xreplace({tr.sym[k]: tr.sym[p]}))
            if alt is not None and case.same(alt, case.t):
                return "transposed_weight", say("transposed", used=case.name(k),
                                                joins=_joins(case, k), due=case.name(p),
                                                due_joins=_joins(case, p))
        if len(used) > 1:
            alt = case.value_or_none(case.claim.expr.xreplace(
                {tr.sym[k]: tr.sym[partner[k]] for k in used}))
            if alt is not None and case.same(alt, case.t):
                names = ", ".join(say("transposed_pair", used=case.name(k),
                                      due=case.name(partner[k])) for k in used)
                return "transposed_weight", say("transposed_many", pairs=names)
        return None


def _transposes(tr) -> dict[str, str]:
    table = tr.g.table
    if table is None:
        return {}
    out = {}
    for W in table.weights:
        n, m = len(W), len(W[0]) if W else 0
        for j in range(n):
            for i in range(m):
                if i != j and i < n and j < m:
                    out[W[j][i].key] = W[i][j].key
    return out


def _joins(case, k) -> str:
    table = case.truth.g.table
    q = table.by_key[k]
    src = table.inputs[q.col] if q.layer == 1 else table.units[q.layer - 2][q.col]
    dst = table.units[q.layer - 1][q.row]
    return say("joins", src=case.name(src.key), dst=case.name(dst.key))


class WrongIndex:
    """One name of the claim swapped for another of the same kind makes it right: a wrong
    index, unit or layer (x_2 for x_1, h_2 for h_1, w^{[2]} for w^{[3]})."""

    def match(self, case):
        tr = case.truth
        groups = _groups(tr)
        tried = 0
        symbols = [k for k in tr.g.nodes if k in case.claim.names]
        for k in symbols:
            for other in groups.get(_group_of(tr, k), []):
                if other == k:
                    continue
                tried += 1
                if tried > MAX_CANDIDATES or case.deadline.expired:
                    return None
                alt = case.value_or_none(case.claim.expr.xreplace({tr.sym[k]: tr.sym[other]}))
                if alt is not None and case.same(alt, case.t):
                    code = _index_kind(tr, k, other)
                    return code, say("index_used", what=_INDEX_WORDS[code], used=case.name(k),
                                     due=case.name(other))
        for of, wrt in case.claim.derivs:  # a cited derivative with a wrong index
            for pos, key in ((0, of), (1, wrt)):
                for other in groups.get(_group_of(tr, key), []):
                    if other == key:
                        continue
                    pair = (other, wrt) if pos == 0 else (of, other)
                    if not tr.depends(*pair) or pair[0] == pair[1]:
                        continue
                    tried += 1
                    if tried > MAX_CANDIDATES or case.deadline.expired:
                        return None
                    alt = case.value_or_none(case.claim.expr.xreplace(
                        {deriv_symbol(of, wrt): deriv_symbol(*pair)}))
                    if alt is not None and case.same(alt, case.t):
                        code = _index_kind(tr, key, other)
                        return code, say("index_used", what=_INDEX_WORDS[code],
                                         used=case.frac(of, wrt), due=case.frac(*pair))
        return None


class WrongDerivative:
    """The claim is the right value of a neighbouring claim: dA/dB' or dA'/dB for B', A'
    of the same kind, or the definition of another node."""

    def match(self, case):
        tr, ref = case.truth, case.ref
        groups = _groups(tr)
        tried = 0
        if ref.form == "node":
            for other in groups.get(_group_of(tr, ref.of), []):
                if other == ref.of or tr.g.nodes[other].op == "leaf":
                    continue
                if case.same(case.w, case.at(tr.sym[other])):
                    code = _index_kind(tr, ref.of, other)
                    return code, say("index_this", what=_INDEX_WORDS[code], used=case.name(other),
                                     due=case.name(ref.of))
            return None
        if not _is_derivative(case):
            return None
        for pos, key in ((1, ref.wrt), (0, ref.of)):
            for other in groups.get(_group_of(tr, key), []):
                if other == key:
                    continue
                pair = (ref.of, other) if pos == 1 else (other, ref.wrt)
                if not tr.depends(*pair):
                    continue
                tried += 1
                if tried > MAX_CANDIDATES or case.deadline.expired:
                    return None
                alt = case.value_or_none(tr.total(*pair))
                if alt is not None and case.same(case.w, alt):
                    code = _index_kind(tr, key, other)
                    return code, say("index_this", what=_INDEX_WORDS[code], used=case.frac(*pair),
                                     due=case.frac(ref.of, ref.wrt))
        return None
