"""Index claims judged in a profile (issue 14, point 4): a claim with free indices,
``\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j``, holds when it holds for
every instance the network has (every layer l where its names exist, every unit j and
input k), at several random points, one example at a time; a wrong one is reported with
its first failing instance and a diagnosis (indices swapped, a missing sum, the wrong
layer). Concrete names (Nielsen's ``\\delta^3_1``, Mazur's ``out_{o1}``, ``w_5^{+}``) are
instances with no free index; a side that is a number is a value at the worked example."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass

import numpy as np

from .. import reference
from ..profiles.numbers import numbers
from .index_diagnose import diagnose
from .index_names import Ref, lesson_entry, mazur_atom, parse_atom
from .matrix_diagnose import show
from .matrix_messages import say
from .matrix_parse import MatrixUnreadable, MNode, parse_sides

POINTS = 3
MAX_INSTANCES = 4000
MAX_WORK = 400_000  # names evaluated for one claim, sums and instances included
SECONDS = 2.0  # and the time they may take (the scalar checker's CLAIM_SECONDS)
RTOL, ATOL = 1e-9, 1e-12
ROUNDING = 5e-3  # a value at the example may be rounded to about three digits
COSTS = {"C", "J", "L", "E"}


class TooMuchWork(Exception):
    """A claim whose instances and sums would take too long to evaluate."""


class NoValue(Exception):
    """An instance where a name has no entry (index or layer out of range)."""


@dataclass
class Entries:
    """One point, one example: each role's arrays per network layer."""

    arrays: dict  # (role, layer) -> 1-D or 2-D array
    cost: float


class IndexSession:
    def __init__(self, profile, truth):
        self.profile, self.net, self.g = profile, truth.net, truth.g
        self.sizes = truth.net.sizes
        self.work = 0
        self._refs: dict = {}
        self.L = len(truth.net.layers)
        rng = np.random.default_rng(4711)
        self.points = [self._entries(self.g.sample(rng, 1)) for _ in range(POINTS)]
        ex = self.g.example
        self.example = self._entries(ex) if ex is not None and ex.n == 1 else None

    def _entries(self, values) -> Entries:
        nums = numbers(self.profile, self.net, self.g.table, values, self.g.learning_rate)
        arr = {("X", 0): nums.X[:, 0], ("A", 0): nums.X[:, 0], ("Y", self.L): nums.Y[:, 0]}
        for l, nb in enumerate(nums.layers, 1):
            arr["W", l], arr["dW", l] = nb.W, nb.dW
            for role in ("Z", "A", "dZ", "dA", "slope"):
                arr[role, l] = getattr(nb, role)[:, 0]
            if nb.W_new is not None:
                arr["W_new", l] = nb.W_new
            if nb.b is not None:
                arr["b", l], arr["db", l] = np.ravel(nb.b), np.ravel(nb.db)
        if nums.terms is not None:
            arr["terms", self.L] = nums.terms[:, 0]
        return Entries(arr, nums.cost)

    # ------------------------------------------------------------------ names

    def ref(self, text: str) -> Ref | None:
        """The entry a name stands for (read once per name and session)."""
        if text not in self._refs:
            p = self.profile
            self._refs[text] = mazur_atom(text, self.sizes) if p.name == "mazur" \
                else parse_atom(p, text) or lesson_entry(p, self.g.table, text)
        return self._refs[text]

    def layer_of(self, expr, env) -> int:
        """A layer expression (l, l+1, L, 3) -> the network's layer (0: inputs)."""
        if expr is None or isinstance(expr, int):
            return expr if expr is not None else self.L
        m = re.fullmatch(r"([A-Za-z]|\d+)([+-]\d+)?", expr)
        if not m:
            raise NoValue(expr)
        head, shift = m.group(1), int(m.group(2) or 0)
        if head.isdigit():
            n = int(head)
        elif head == "L":
            n = self.profile.layer(self.L)
        else:
            n = env[head]
        return n + shift - self.profile.input_layer

    def entry(self, ref: Ref, env, pt: Entries, role=None) -> float:
        role = role or ref.role
        if role == "cost":
            return pt.cost
        l = self.layer_of(ref.layer, env) if ref.role not in ("X", "Y") else \
            (0 if ref.role == "X" else self.L)
        a = pt.arrays.get((role, l))
        if a is None:
            raise NoValue(role)
        idx = [env[i] if isinstance(i, str) else i for i in ref.indices]
        if any(i < 1 for i in idx):
            raise NoValue(idx)
        try:
            if np.ndim(a) == 0 or np.size(a) == 1 and role in ("b", "db"):
                return float(np.ravel(a)[0])
            return float(a[tuple(i - 1 for i in idx)])
        except IndexError:
            raise NoValue(idx) from None

    # ------------------------------------------------------------------ values

    def value(self, node: MNode, env, pt: Entries) -> float:
        self.work += 1
        if self.work > MAX_WORK or (self.work % 4096 == 0
                                    and time.perf_counter() > self.deadline):
            raise TooMuchWork()
        op = node.op
        if op == "num":
            return node.args[0]
        if op == "atom":
            if node.text == r"\eta" and self.g.learning_rate is not None:
                return self.g.learning_rate  # the worked example's learning rate
            ref = self.ref(node.text)
            if ref is None:
                raise MatrixUnreadable(node.text)
            return self.entry(ref, env, pt)
        if op == "neg":
            return -self.value(node.args[0], env, pt)
        if op == "sum":
            index = node.text
            total = 0.0
            for n in range(1, self._range(node.args[0], index, env) + 1):
                total += self.value(node.args[0], dict(env, **{index: n}), pt)
            return total
        if op == "call":
            return self._call(node, env, pt)
        if op == "frac":
            d = self._derivative(node, env, pt)
            if d is not None:
                return d
        a, b = (self.value(x, env, pt) for x in node.args[:2])
        if op in ("matmul", "had"):
            return a * b
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "frac":
            return a / b
        if op == "pow":
            return a ** b
        raise MatrixUnreadable(op)

    def _derivative(self, node, env, pt):
        """∂C/∂w^l_{jk} and the like: the entry of dW, db, dZ, dA; Mazur's factors."""
        num, den = node.args
        if not (num.op == den.op == "matmul" and num.args[0].text == den.args[0].text
                and num.args[0].text in (r"\partial", "d")):
            return None
        top, wrt = num.args[1], den.args[1]
        ref = self.ref(wrt.text) if wrt.op == "atom" else None
        if ref is None:
            raise MatrixUnreadable(show(node))
        if top.op == "atom" and (top.text in COSTS or self.ref(top.text) == Ref("cost", None, ())):
            role = {"W": "dW", "b": "db", "Z": "dZ", "A": "dA"}.get(ref.role)
            if role is None:
                raise MatrixUnreadable(show(node))
            return self.entry(ref, env, pt, role)
        of = self.ref(top.text) if top.op == "atom" else None
        if of is not None and of.role == "A" and ref.role == "Z" and of.indices == ref.indices:
            return self.entry(ref, env, pt, "slope")  # ∂out_{o1}/∂net_{o1}
        if of is not None and of.role == "Z" and ref.role == "W":  # ∂net_{o1}/∂w_5: the input
            if of.indices[0] != ref.indices[0] or self.layer_of(of.layer, env) != \
                    self.layer_of(ref.layer, env):
                return 0.0
            src = Ref("A", self.layer_of(ref.layer, env) - 1 + self.profile.input_layer,
                      (ref.indices[1],))
            return self.entry(src, env, pt)
        raise MatrixUnreadable(show(node))

    def _call(self, node, env, pt):
        name = node.text.replace(r"\prime", "").replace("'", "")
        prime = node.prime or name != node.text
        arg = node.args[0]
        x = self.value(arg, env, pt)
        act = {r"\sigma": "sigmoid", r"\tanh": "tanh", "relu": "relu"}.get(name)
        if act is None and arg.op == "atom" and self.ref(arg.text) is not None:
            ref = self.ref(arg.text)
            act = self.net.layers[self.layer_of(ref.layer, env) - 1].activation
        if act is None:
            raise MatrixUnreadable(name)
        fwd, slope = reference.ACTIVATIONS[act]
        return float(slope(np.array(x)) if prime else fwd(np.array(x)))

    def _range(self, body: MNode, index: str, env) -> int:
        """How far an index runs: the units its first name counts (w^l_{jk}: j over
        layer l, k over layer l-1)."""
        for ref in self.refs(body):
            if index in ref.indices:
                if ref.role in ("X",):
                    return self.sizes[0]
                if ref.role == "Y":
                    return self.sizes[-1]
                l = self.layer_of(ref.layer, env)
                if not 0 <= l <= self.L:
                    raise NoValue(l)
                if ref.role in ("W", "dW") and ref.indices.index(index) == 1:
                    return self.sizes[l - 1]
                return self.sizes[l]
        raise MatrixUnreadable(index)

    def refs(self, node: MNode):
        if node.op == "atom":
            ref = self.ref(node.text)
            if ref is not None:
                yield ref
        for a in node.args:
            if isinstance(a, MNode):
                yield from self.refs(a)

    # ------------------------------------------------------------------ judging

    def free(self, node: MNode, bound=frozenset()) -> tuple[set, set]:
        """(layer letters, index letters) free in a side."""
        layers, indices = set(), set()
        if node.op == "sum":
            bound = bound | {node.text}
        if node.op == "atom":
            ref = self.ref(node.text)
            if ref is not None:
                if isinstance(ref.layer, str):
                    m = re.match(r"[A-Za-z]", ref.layer)
                    if m and m.group() != "L":
                        layers.add(m.group())
                indices |= {i for i in ref.indices if isinstance(i, str) and i not in bound}
        for a in node.args:
            if isinstance(a, MNode):
                la, ia = self.free(a, bound)
                layers |= la
                indices |= ia
        return layers, indices

    def judge(self, text: str):
        from .matrix_claims import Verdict

        self.work, self.deadline = 0, time.perf_counter() + SECONDS
        try:
            v = self._judge(text)
        except TooMuchWork:
            v = Verdict("error", say("too_much_work"))
        if v is not None:
            v.kind = "index"
        return v

    def _judge(self, text: str):
        from .matrix_claims import Verdict

        try:
            sides = parse_sides(text)
        except MatrixUnreadable:
            return None
        if len(sides) < 2 or not any(any(True for _ in self.refs(s)) for s in sides):
            return None
        if any(self._unknown(s) for s in sides):
            return None
        verdict = None
        for a, b in zip(sides, sides[1:]):  # a chain a = b = c: every link
            verdict = self._link(a, b)
            if verdict is None or verdict.verdict != "correct":
                return verdict
        return verdict

    def _link(self, ref_side, claim):
        from .matrix_claims import Verdict

        free_l, free_i = self.free(ref_side)
        cl, ci = self.free(claim)
        if (ci - free_i) or (cl - free_l):
            extra = sorted((ci - free_i) | (cl - free_l))[0]
            fixed = MNode("sum", (claim,), text=extra)
            message = say("unbound_index", index=extra)
            if self.holds(ref_side, fixed):
                message += "; " + say("missing_index_sum", index=extra)
            return Verdict("wrong", message, "missing_index_sum")
        if self._number(ref_side) or self._number(claim):
            return self._at_example(ref_side, claim)
        try:
            failure = self._first_failure(ref_side, claim, free_l | cl, free_i | ci)
        except (MatrixUnreadable, KeyError, ZeroDivisionError) as e:
            return None if isinstance(e, MatrixUnreadable) else Verdict("error", str(e))
        if failure is None:
            return Verdict("correct", say("holds_index", count=self._count, ranges=self._ranges,
                                          points=POINTS))
        env, got, due = failure
        instance = ", ".join(f"{k} = {v}" for k, v in sorted(env.items())) or "the one instance"
        if got is None:
            message = say("index_range", instance=instance)
        else:
            message = say("index_differs", instance=instance, got=f"{got:.6g}",
                          due=f"{due:.6g}")
        found = diagnose(self, ref_side, claim)
        if found:
            message += "; " + say(found[0], **found[1])
        return Verdict("wrong", message, found[0] if found else None,
                       {"instance": env, "claimed": got, "correct": due})

    def _unknown(self, node: MNode) -> bool:
        if node.op == "atom":
            return (self.ref(node.text) is None and node.text not in COSTS
                    and node.text not in (r"\partial", "d")
                    and not (node.text == r"\eta" and self.g.learning_rate is not None))
        return any(self._unknown(a) for a in node.args if isinstance(a, MNode))

    def _number(self, node: MNode) -> bool:
        """A side of numbers only (0.15 · 0.05 + 0.35): a value at the example."""
        if node.op == "atom":
            return node.text == r"\eta"
        return all(self._number(a) for a in node.args if isinstance(a, MNode))

    def _at_example(self, a, b):
        from .matrix_claims import Verdict

        if self.example is None:
            return Verdict("not_checked", "a value at one point, and the spec has no worked "
                                          "example to check it at")
        x, y = self.value(a, {}, self.example), self.value(b, {}, self.example)
        if abs(x - y) <= ROUNDING * max(abs(x), abs(y)) + 1e-12:
            return Verdict("correct", "the value at the worked example, to the digits written")
        return Verdict("wrong", say("index_differs", instance="the worked example",
                                    got=f"{y:.9g}", due=f"{x:.9g}"))

    def _instances(self, layer_letters, index_letters, sides):
        letters_l = sorted(layer_letters)
        numbers_l = [self.profile.layer(l) for l in range(0, self.L + 1)]
        count = 0
        for combo in itertools.product(numbers_l, repeat=len(letters_l)):
            env = dict(zip(letters_l, combo))
            ranges = []
            try:
                for i in sorted(index_letters):
                    n = max(self._range(s, i, env) if i in self.free(s)[1] else 0 for s in sides)
                    ranges.append(range(1, n + 1))
                for side in sides:  # every layer a name uses exists
                    for ref in self.refs(side):
                        l = self.layer_of(ref.layer, env) if ref.role not in ("X", "Y") else 0
                        if ref.role != "cost" and not 0 <= l <= self.L:
                            raise NoValue(l)
                        if ref.role in ("W", "b", "Z", "dZ", "dW", "db", "slope") and l == 0:
                            raise NoValue(l)
            except NoValue:
                continue
            for values in itertools.product(*ranges):
                count += 1
                if count > MAX_INSTANCES:
                    return
                yield dict(env, **dict(zip(sorted(index_letters), values)))

    def _first_failure(self, a, b, layers, indices):
        count, seen_l = 0, set()
        for env in self._instances(layers, indices, (a, b)):
            for pt in self.points:
                try:
                    x = self.value(a, env, pt)
                except NoValue:
                    break  # not an instance of the left side
                try:
                    y = self.value(b, env, pt)
                except NoValue:
                    return env, None, x  # the claim names an entry the network lacks
                if not np.isclose(x, y, rtol=RTOL, atol=ATOL * (1 + abs(x))):
                    return env, y, x
            else:
                count += 1
                seen_l |= {(k, v) for k, v in env.items() if k in layers}
        self._count = count
        self._ranges = ", ".join(f"{k} = {v}" for k, v in sorted(seen_l)) or "one instance"
        if count == 0:
            raise MatrixUnreadable("no instance")
        return None

    def holds(self, a, b) -> bool:
        la, ia = self.free(a)
        lb, ib = self.free(b)
        try:
            return self._first_failure(a, b, la | lb, ia | ib) is None
        except (MatrixUnreadable, NoValue, KeyError, ZeroDivisionError):
            return False
