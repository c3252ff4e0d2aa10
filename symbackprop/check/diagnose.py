"""Diagnoses of a wrong claim: the common backprop mistakes, each one rule.

Each rule compares the claimed values w with the correct values t at the random points
(or with the correct values of a neighbouring claim) and, when its mistake explains w,
names it. The rules are tried in the order of ``RULES`` and the first that fits is the
diagnosis: the unambiguous numeric ones first (a flipped sign, a constant factor), then
the structure of a chain (broken factors, missing paths), then a missing or extra
factor, a wrong activation, and last the names (transposed weight, wrong index, unit
or layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import sympy as sp

from .. import ops
from .diagnose_layers import LAYER_RULES
from .diagnose_names import (MAX_CANDIDATES, TransposedWeight, WrongDerivative, WrongIndex,
                             _is_derivative)
from .messages import say
from .show import frac, show

SMALL_DENOMINATOR = 12   # a constant factor is shown as a fraction p/q with q at most this


@dataclass
class Case:
    truth: object
    points: object
    ref: object          # parse.Side: what is computed
    claim: object        # parse.Side: what the writer says it equals
    t: np.ndarray        # correct values
    w: np.ndarray        # claimed values
    valid: np.ndarray    # entries that count
    deadline: object
    at: Callable         # expression -> values at the points, shaped like t
    close: Callable      # (t, w, valid) -> boolean array

    def same(self, a, b) -> bool:
        a = np.broadcast_to(np.asarray(a, dtype=float), self.t.shape)
        b = np.broadcast_to(np.asarray(b, dtype=float), self.t.shape)
        return bool(self.close(a, b, self.valid)[self.valid].all())

    def name(self, key: str) -> str:
        return self.truth.show(key, self.claim.ascii)

    def tex(self, expr) -> str:
        return show(self.truth, expr, self.claim.ascii)

    def frac(self, of, wrt) -> str:
        return frac(self.truth, of, wrt, self.claim.ascii)

    def path_nodes(self) -> list[str]:
        """Nodes between ref.wrt and ref.of (both included), in topological order."""
        tr, a, b = self.truth, self.ref.of, self.ref.wrt
        return [k for k in tr.g.nodes if tr.depends(a, k) and tr.depends(k, b)]

    def value_or_none(self, expr):
        try:
            return self.at(expr)
        except Exception:
            return None


# a tensor network past this many edges gets only the rules that work with numbers
# (its symbolic derivatives are too large to evaluate as trees: expr_size.py)
NUMERIC_ONLY_EDGES = 400


def diagnose(case: Case) -> tuple[str, str] | None:
    tr = case.truth
    numeric = tr.tensor_names is not None and tr.g.size() > NUMERIC_ONLY_EDGES
    for rule in RULES:
        if case.deadline.expired:
            return None
        if numeric and not isinstance(rule, (SignFlip, ConstantFactor, *LAYER_TYPES)):
            continue
        found = rule.match(case)
        if found:
            return found
    return None


class ChainBreak:
    """dA/dB = Π_i da_i/db_i needs a_1 = A, b_i = a_{i+1}, b_n = B, and a sum over every
    path from B to A."""

    def match(self, case):
        ref, claim, tr = case.ref, case.claim, case.truth
        if claim.form != "chain" or not _is_derivative(case):
            return None
        f = case.frac
        for product in claim.factors:
            if product[0][0] != ref.of:
                return "chain_break", say("chain_start", first=f(*product[0]),
                                          target=f(ref.of, ref.wrt), node=case.name(ref.of))
            for (a, b), (c, d) in zip(product, product[1:]):
                if b != c:
                    return "chain_break", say("chain_gap", factor=f(a, b), next=f(c, d))
            if product[-1][1] != ref.wrt:
                return "chain_break", say("chain_end", last=f(*product[-1]),
                                          target=f(ref.of, ref.wrt), node=case.name(ref.wrt))
            for a, b in product:
                if a != b and not tr.depends(a, b):
                    return "chain_break", say("chain_zero", wrt=case.name(b), of=case.name(a),
                                              factor=f(a, b))
        covered = {k for product in claim.factors for pair in product for k in pair}
        # a factor da/db is a total derivative: every path from b up to a is in it
        through = {}
        for product in claim.factors:
            for a, b in product:
                through.setdefault(b, set()).add(a)
        missing = []
        for b in sorted(covered, key=list(tr.g.nodes).index):
            for c in tr.g.consumers[b]:
                if any(tr.depends(a, c) for a in through.get(b, ())):
                    continue
                if c not in covered and tr.depends(ref.of, c) and tr.depends(b, ref.wrt):
                    missing.append(c)
        if missing:
            names = ", ".join(case.name(c) for c in dict.fromkeys(missing))
            return "missing_path", say("path_missing", wrt=case.name(ref.wrt),
                                       of=case.name(ref.of), through=names)
        return None


class SignFlip:
    """w = -t"""

    def match(self, case):
        if case.same(case.w, -case.t) and not case.same(case.t, 0 * case.t):
            return "sign", say("sign")
        return None


class ConstantFactor:
    """w = c N^k t for a constant c (a small fraction) and k in {0, 1, -1}: a missing 2,
    a missing 1/N; with a sum over the samples, N is mean versus sum."""

    def match(self, case):
        t, w, valid = case.t, case.w, case.valid
        with np.errstate(all="ignore"):
            big = valid & (np.abs(t) > 1e-9 * np.max(np.abs(t[valid]), initial=0))
            if not big.any():
                return None
            ratio = w / t
        N = np.broadcast_to(case.points.count, t.shape)
        sums = case.ref.batch or case.claim.batch
        for k in (0, 1, -1):
            q = ratio / N ** k
            qs = q[big]
            if not np.all(np.isfinite(qs)) or np.ptp(qs) > 1e-7 * max(1.0, np.max(np.abs(qs))):
                continue
            c = Fraction(float(np.median(qs))).limit_denominator(SMALL_DENOMINATOR)
            if c == 0 or (k == 0 and abs(c) == 1):
                continue
            if not case.same(w, t * float(c) * N ** k):
                continue
            return self._say(c, k, sums)
        return None

    def _say(self, c: Fraction, k: int, sums: bool):
        sign = say("and_sign") if c < 0 else ""
        c = abs(c)
        if k == 0:
            what = {Fraction(2): say("extra_2"), Fraction(1, 2): say("missing_2")}.get(
                c, say("too_many", c=c) if c > 1 else say("missing_c", c=1 / c))
            return "constant_factor", say("constant", times=c, what=what, sign=sign)
        times = "N" if k == 1 else "1/N"
        if sums and c == 1:
            what = say("sum_for_mean") if k == 1 else say("mean_for_sum")
            return "mean_vs_sum", say("mean_vs_sum", what=what, times=times, sign=sign)
        coef = "" if c == 1 else f"{c} "
        what = say("missing_mean") if k == 1 and c == 1 else \
            say("extra_mean") if c == 1 else say("factor_of", c=coef, times=times)
        return "constant_factor", say("constant", times=f"{coef}{times}", what=what, sign=sign)


class MissingPath:
    """dA/dB = Σ_c dA/dc · dc/db · db/dB over the consumers c of the first node b below A
    that branches; a claim equal to a partial sum misses the other paths."""

    def match(self, case):
        if not _is_derivative(case):
            return None
        tr, A, B = case.truth, case.ref.of, case.ref.wrt
        b = B
        while True:
            cons = [c for c in tr.g.consumers[b] if tr.depends(A, c)]
            if len(cons) != 1 or cons[0] == A:
                break
            b = cons[0]
        if len(cons) < 2:
            return None
        below = tr.total(b, B)
        terms = {c: tr.total(A, c) * tr.local(c, b) * below for c in cons}
        values = {c: case.value_or_none(e) for c, e in terms.items()}
        if any(v is None for v in values.values()):
            return None
        for c in cons:  # all paths but one
            rest = sum(values[d] for d in cons if d != c)
            if case.same(case.w, rest):
                return "missing_path", say("path_missing", wrt=case.name(b), of=case.name(A),
                                           through=case.name(c))
        for c in cons:  # one path only
            if case.same(case.w, values[c]):
                others = ", ".join(case.name(d) for d in cons if d != c)
                return "missing_path", say("path_only", through=case.name(c), wrt=case.name(b),
                                           of=case.name(A), others=others)
        return None


class MissingFactor:
    """w = t / f (a missing factor f) or w = t f (an extra one), f a local derivative of
    the chain, a factor of the correct expression, or a name used."""

    def match(self, case):
        tr = case.truth
        seen, cands = set(), []

        def add(e, why=""):
            if e.is_number or e in seen:
                return
            seen.add(e)
            cands.append((e, why))

        if _is_derivative(case):
            nodes = case.path_nodes()
            for k in nodes:
                for i in tr.g.nodes[k].inputs:
                    if i in nodes:
                        add(tr.local(k, i), say("local_why", frac=case.frac(k, i)))
            correct = tr.total(case.ref.of, case.ref.wrt)
            for f in sp.Mul.make_args(correct):
                add(f)
        for s in sorted(case.claim.expr.free_symbols | case.ref.expr.free_symbols,
                        key=lambda s: s.name):
            if s in tr.key_of:
                add(s)
        for e, why in cands[:MAX_CANDIDATES]:
            if case.deadline.expired:
                return None
            f = case.value_or_none(e)
            if f is None or case.same(f, 0 * f):
                continue
            if case.same(case.w * f, case.t):
                return "missing_factor", say("missing_factor", factor=case.tex(e), why=why)
            if case.same(case.w, case.t * f):
                return "extra_factor", say("extra_factor", factor=case.tex(e), why=why)
        return None


ACTIVATION_NAMES = {a.name: a.label for a in ops.ACTIVATIONS.values()}


class WrongActivation:
    """The slope of act at a unit replaced by another activation's slope (or by the
    activation itself): w = dA/dB with that one local derivative swapped."""

    def match(self, case):
        tr = case.truth
        if case.ref.form == "node":
            return self._definition(case)
        if not _is_derivative(case):
            return None
        for k in case.path_nodes():
            node = tr.g.nodes[k]
            if node.op not in ops.SLOPE or node.op == "identity" or len(node.inputs) != 1:
                continue
            z = node.inputs[0]
            if not tr.depends(z, case.ref.wrt):
                continue
            out, zs = tr.sym[k], tr.sym[z]
            # the activation itself first: sigma where sigma' was due is that slip, even
            # though sigma is also softplus' slope
            alts = [("itself", out)] + [(n, ops.SLOPE[n](out, zs)) for n in ops.SLOPE
                                        if n not in (node.op, "identity")]
            for name, slope in alts:
                alt = case.value_or_none(tr.total(case.ref.of, case.ref.wrt, {(k, z): slope}))
                if alt is not None and case.same(case.w, alt):
                    due = case.tex(tr.local(k, z))
                    act = ACTIVATION_NAMES[node.op]
                    if name == "itself":
                        return "wrong_activation", say("activation_itself", node=case.name(k),
                                                       claim=case.tex(out), act=act, due=due)
                    return "wrong_activation", say(
                        "activation_slope", node=case.name(k), claim=case.tex(slope),
                        other=ACTIVATION_NAMES[name], act=act, due=due)
        return None

    def _definition(self, case):
        tr = case.truth
        node = tr.g.nodes[case.ref.of]
        if node.op not in ops.FORWARD or len(node.inputs) != 1:
            return None
        z = tr.sym[node.inputs[0]]
        for name, fn in ops.FORWARD.items():
            if name == node.op:
                continue
            alt = case.value_or_none(fn(z))
            if alt is not None and case.same(case.w, alt):
                return "wrong_activation", say("wrong_activation", other=ACTIVATION_NAMES[name],
                                               act=ACTIVATION_NAMES[node.op])
        return None


LAYER_TYPES = tuple(type(r) for r in LAYER_RULES)
# tensor layers' slips first: a dropout's missing scale is also a constant factor, a
# sum over some uses also a missing path; theirs is the more telling name
RULES = (SignFlip(), *LAYER_RULES, ConstantFactor(), ChainBreak(), MissingPath(), WrongActivation(),
         MissingFactor(), TransposedWeight(), WrongIndex(), WrongDerivative())

__all__ = ["Case", "RULES", "diagnose"]
