"""Matrix and vector claims judged in a notation profile (issue 14, points 3 and 5).

Each side of ``dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}`` is evaluated with the arrays
of the network's shapes, in the profile's layout, at several random points and batch
sizes m >= 2; the arrays are the independent NumPy reference's (``profiles.numbers``).
A wrong claim is diagnosed by the one change that makes it right: a transpose added or
removed, a product's order, elementwise for matrix product or the reverse, a 1/m missing
or twice, the sum over the samples, the activation or its derivative, the layer.
A name the profile does not fix, alone on the left (``\\delta^{[2]} = ...``), is read as
a definition and stands for its right side afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import reference
from ..profiles.base import Profile
from ..profiles.numbers import numbers
from .matrix_diagnose import diagnose, show
from .matrix_messages import say
from .matrix_names import normal, table
from .matrix_parse import MatrixUnreadable, MNode, parse_sides

SIZES = (2, 3)  # batch sizes m
POINTS = 2  # random points per batch size
RTOL, ATOL = 1e-9, 1e-11
UNIT_INDICES = ("j", "k")  # a sum over these runs over a layer's units, not the samples
ROUNDING = 5e-3  # a number written at the worked example: about three digits


class ShapeError(Exception):
    """A side cannot be formed: the message names the shapes."""


class Broadcast(Exception):
    """A side is formed only by NumPy's broadcasting."""


@dataclass
class Verdict:
    verdict: str  # correct | wrong | not_checked | error
    message: str
    diagnosis: str | None = None
    counterexample: dict | None = None
    kind: str = "matrix"  # the report's kind of claim: matrix, index


@dataclass
class Point:
    m: int
    arrays: dict  # (role, layer) -> array in the layout
    acts: dict  # layer -> activation name
    index: int = 0  # its place among the session's points


@dataclass
class Session:
    """One page read in one profile: its names, points and the student's definitions."""

    profile: Profile
    net: object
    graph: object
    names: dict = field(default_factory=dict)
    defs: dict = field(default_factory=dict)  # normalised name -> its value at each point
    points: list = field(default_factory=list)
    example: list | None = None  # the worked example, one sample: where numbers are due
    cost: str = ""  # the profile's name of the cost (C, J, E_{total}), as the reader writes it

    @classmethod
    def start(cls, profile: Profile, truth) -> "Session":
        s = cls(profile, truth.net, truth.g)
        s.names = table(profile, truth.net.sizes)
        s.cost = normal(profile.spell("cost"))
        rng = np.random.default_rng(20240)
        for m in SIZES:
            for _ in range(POINTS):
                s.points.append(s._point(s.graph.sample(rng, m)))
        ex = s.graph.example
        s.example = [s._point(ex)] if ex is not None and ex.n == 1 else None
        return s

    def _point(self, v) -> Point:
        g, net, p = self.graph, self.net, self.profile
        m = v.n
        nums = numbers(p, net, g.table, v)
        rows = p.layout == "rows"
        arrays = {("X", 0): nums.X, ("Y", len(net.layers)): nums.Y}
        for l, nb in enumerate(nums.layers, 1):
            for role in ("W", "Z", "A", "dZ", "dA", "dW"):
                arrays[role, l] = np.asarray(getattr(nb, role), dtype=float)
            for role in ("b", "db"):
                b = getattr(nb, role)
                if b is not None:
                    b = np.asarray(b, dtype=float).reshape(-1)
                    arrays[role, l] = b[None, :] if rows else b[:, None]
        L = len(net.layers)
        arrays["Yhat", L] = nums.P if nums.P is not None else arrays["A", L]
        if nums.P is not None:
            arrays["P", L] = nums.P
        acts = {l: layer.activation for l, layer in enumerate(net.layers, 1)}
        return Point(m, arrays, acts, len(self.points))

    # ------------------------------------------------------------------ judging

    def judge(self, text: str) -> Verdict | None:
        """The verdict of a matrix claim, or None when the text is not one (the scalar
        checker reads it then)."""
        try:
            sides = parse_sides(text)
        except MatrixUnreadable:
            return None
        if len(sides) < 2 or not any(self._mentions(s) for s in sides):
            return None
        first = sides[0]
        if first.op == "atom" and first.text not in self.names and first.text not in self.defs \
                and len(sides) == 2 and self._readable(sides[1]):
            try:  # its value at each point, once: a later line reads it, never re-derives it
                self.defs[first.text] = [self.value(sides[1], pt)
                                         for pt in self.points + (self.example or [])]
            except (ShapeError, Broadcast) as e:
                return Verdict("wrong", str(e), "shape")
            return Verdict("not_checked", say("definition", name=first.text,
                                              profile=self.profile.name))
        if any(self._unknown(s) is not None for s in sides):
            return None  # a name the profile does not know: the scalar checker's
        for a, b in zip(sides, sides[1:]):
            v = self._at_example(a, b) if self._number(a) or self._number(b) \
                else self._link(a, b)
            if v.verdict != "correct":
                return v
        return Verdict("correct", say("holds", layout=self.profile.layout,
                                      points=POINTS, sizes=", ".join(map(str, SIZES))))

    def _number(self, node: MNode) -> bool:
        if node.op == "atom":
            return False
        return all(self._number(a) for a in node.args if isinstance(a, MNode))

    def _at_example(self, a: MNode, b: MNode) -> Verdict:
        """A side of numbers: the other side's value at the worked example (one sample),
        to the digits written."""
        if self.example is None:
            return Verdict("not_checked", say("no_example"))
        try:
            x, y = (np.asarray(self.value(s, self.example[0]), dtype=float) for s in (a, b))
        except (ShapeError, Broadcast) as e:
            return Verdict("wrong", str(e), "shape")
        if x.size != 1 and y.size != 1 and x.shape != y.shape:
            return Verdict("wrong", say("shape_mismatch", left=_shape(x), right=_shape(y)),
                           "shape")
        if np.allclose(x, y, rtol=ROUNDING, atol=1e-12):
            return Verdict("correct", say("at_example"))
        return Verdict("wrong", say("differs_example", got=np.round(y, 6).tolist(),
                                    due=np.round(x, 6).tolist()))

    def _mentions(self, node: MNode) -> bool:
        if node.op == "frac" and self._gradient_of(node) is not None:
            return True
        if node.op == "atom":
            return node.text in self.names or node.text in self.defs
        return any(isinstance(a, MNode) and self._mentions(a) for a in node.args)

    def _unknown(self, node: MNode) -> str | None:
        if node.op == "frac" and self._gradient_of(node) is not None:
            return None  # ∂C/∂w^3: a gradient the profile names
        if node.op == "atom":
            if node.text in self.names or node.text in self.defs or self._scalar(node.text):
                return None
            return node.text
        for a in node.args:
            if isinstance(a, MNode):
                u = self._unknown(a)
                if u is not None:
                    return u
        return None

    def _readable(self, node: MNode) -> bool:
        return self._unknown(node) is None and self._mentions(node)

    def _scalar(self, text: str) -> bool:
        """The batch size, alone or squared (m, N, m^{2})."""
        return _batch_power(text, self.profile.batch) is not None

    def _link(self, ref: MNode, claim: MNode) -> Verdict:
        if ref.op != "atom" and claim.op == "atom":
            ref, claim = claim, ref
        try:
            want = [self.value(ref, pt) for pt in self.points]
        except (ShapeError, Broadcast) as e:
            return Verdict("wrong", str(e), "shape")
        try:
            got = [self.value(claim, pt) for pt in self.points]
        except ShapeError as e:
            return self._wrong(ref, claim, want, str(e), "shape")
        except Broadcast as e:
            return self._wrong(ref, claim, want, str(e), "broadcast")
        for pt, w, g in zip(self.points, want, got):
            if np.shape(w) != np.shape(g) and np.size(g) != 1:
                return self._wrong(ref, claim, want, say(
                    "shape_mismatch", left=_shape(w), right=_shape(g)), "shape")
            if not np.allclose(g, w, rtol=RTOL, atol=ATOL * (1 + np.max(np.abs(w)))):
                idx = np.unravel_index(np.argmax(np.abs(np.broadcast_to(g, np.shape(w)) - w)),
                                       np.shape(w)) if np.ndim(w) else ()
                ce = {"m": pt.m, "entry": [int(i) + 1 for i in idx],
                      "claimed": float(np.broadcast_to(g, np.shape(w))[idx]),
                      "correct": float(np.asarray(w)[idx])}
                msg = say("differs", m=pt.m, entry=tuple(ce["entry"]),
                          got=f"{ce['claimed']:.6g}", due=f"{ce['correct']:.6g}")
                v = self._wrong(ref, claim, want, msg, None)
                v.counterexample = ce
                return v
        return Verdict("correct", "")

    def _wrong(self, ref, claim, want, message, code) -> Verdict:
        found = diagnose(self, ref, claim, want)
        if found is not None:
            key, fields = found
            return Verdict("wrong", f"{message}; {say(key, **fields)}", key)
        return Verdict("wrong", message, code)

    # ------------------------------------------------------------------ values

    def matches(self, node: MNode, want: list) -> bool:
        try:
            got = [self.value(node, pt) for pt in self.points]
        except (ShapeError, Broadcast):
            return False
        return all(np.shape(g) == np.shape(w) and
                   np.allclose(g, w, rtol=RTOL, atol=ATOL * (1 + np.max(np.abs(w))))
                   for g, w in zip(got, want))

    def value(self, node: MNode, pt: Point, depth: int = 0):
        if depth > 80:
            raise ShapeError("nested too deeply")
        ev = self.value
        op = node.op
        if op == "num":
            return np.float64(node.args[0])
        if op == "atom":
            power = _batch_power(node.text, self.profile.batch)
            if power is not None:
                return np.float64(pt.m) ** power
            if node.text in self.defs:
                return self.defs[node.text][pt.index]
            if node.text not in self.names:  # a name a diagnosis took out of its gradient
                raise ShapeError(f"{node.text} has no value in this network")
            role, l, t = self.names[node.text]
            a = pt.arrays.get((role, l))
            if a is None:
                raise ShapeError(f"{node.text} has no value in this network")
            return a.T if t else a
        if op == "transpose":
            return np.asarray(ev(node.args[0], pt, depth + 1)).T
        if op == "neg":
            return -ev(node.args[0], pt, depth + 1)
        if op == "frac" and self._gradient_of(node) is not None:
            return self._gradient(node, pt)
        a = ev(node.args[0], pt, depth + 1) if node.args else None
        if op == "sum":  # over the samples (\sum_i, \sum_n), or the units (\sum_j, \sum_k)
            samples = 0 if self.profile.layout == "rows" else 1
            axis = 1 - samples if node.text in UNIT_INDICES else samples
            return np.sum(a, axis=axis, keepdims=True) if np.ndim(a) == 2 else a
        if op == "call":
            return self._call(node, a, pt)
        b = ev(node.args[1], pt, depth + 1)
        if op == "matmul":
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                return a * b
            if np.shape(a)[1] != np.shape(b)[0]:
                raise ShapeError(say("product_shapes", a=_text(node.args[0]),
                                     b=_text(node.args[1]), left=_shape(a), right=_shape(b)))
            return a @ b
        if op == "frac":
            if np.ndim(b) != 0:
                raise ShapeError(say("frac_not_scalar"))
            return a / b
        if op == "pow":
            return a ** b
        if op in ("had", "add", "sub"):
            if np.ndim(a) and np.ndim(b) and np.shape(a) != np.shape(b):
                if not self._bias_broadcast(node, a, b):
                    try:
                        np.broadcast_shapes(np.shape(a), np.shape(b))
                    except ValueError:
                        raise ShapeError(say("sum_shapes", left=_shape(a),
                                             right=_shape(b))) from None
                    raise Broadcast(say("broadcast", left=_shape(a), right=_shape(b)))
            return a * b if op == "had" else (a + b if op == "add" else a - b)
        raise ShapeError(f"cannot evaluate {op}")

    def _gradient_of(self, node: MNode):
        """∂C/∂w^3 (Nielsen), ∂J/∂W^{[2]}: the (role, layer, transposed) of the gradient a
        fraction of partials names, or None."""
        num, den = node.args
        if not (num.op == den.op == "matmul" and num.args[0].op == den.args[0].op == "atom"
                and num.args[0].text == den.args[0].text == r"\partial"):
            return None
        cost, wrt = num.args[1], den.args[1]
        if cost.op != "atom" or cost.text not in ("C", "J", "L", "E", self.cost):
            return None
        if wrt.op != "atom" or wrt.text not in self.names:
            return None
        role, l, t = self.names[wrt.text]
        grad = {"W": "dW", "b": "db", "Z": "dZ", "A": "dA"}.get(role)
        return None if grad is None else (grad, l, t)

    def _gradient(self, node: MNode, pt: Point):
        found = self._gradient_of(node)
        if found is None:
            return None
        grad, l, t = found
        a = pt.arrays.get((grad, l))
        if a is None:
            raise ShapeError(f"{show(node)} has no value in this network")
        return a.T if t else a

    def _bias_broadcast(self, node, a, b) -> bool:
        """Z = W A + b: a bias (or a sum over the samples) added to every example."""
        if node.op != "add":
            return False
        for side, other in ((node.args[0], b), (node.args[1], a)):
            if side.op == "atom" and self.names.get(side.text, ("",))[0] in ("b", "db"):
                return True
        return False

    def _call(self, node: MNode, a, pt: Point):
        name = node.text.replace(r"\prime", "").replace("'", "")
        prime = node.prime or r"\prime" in node.text or "'" in node.text
        act = _activation(name, node.args[0], self.names, pt, self.profile)
        if act == "softmax":
            axis = 1 if self.profile.layout == "rows" else 0
            e = np.exp(a - np.max(a, axis=axis, keepdims=True))
            return e / np.sum(e, axis=axis, keepdims=True)
        fwd, slope = reference.ACTIVATIONS[act]
        return slope(a) if prime else fwd(a)


def _batch_power(text: str, batch: str) -> int | None:
    """m -> 1, m^{2} -> 2 (the profile's batch letter), anything else None."""
    if text == batch:
        return 1
    if text.startswith(batch + "^{") and text.endswith("}") and text[len(batch) + 2:-1] in "23":
        return int(text[len(batch) + 2:-1])
    return None


_FIXED = {r"\sigma": "sigmoid", r"\tanh": "tanh", "tanh": "tanh", "relu": "relu",
          "softmax": "softmax"}


def _activation(name: str, arg: MNode, names: dict, pt: Point, profile) -> str:
    """The activation a call names: σ and tanh by their names, g^{[l]} by its layer,
    a bare g or f by the layer of its argument (Z^{[l]})."""
    from .matrix_names import normal

    base = name.split("^")[0].split("_")[0]
    if base in _FIXED:
        return _FIXED[base]
    if "@l" in profile.names["act"]:
        for l in pt.acts:
            if normal(profile.spell("act", l, hidden=len(pt.acts) - 1)) == name:
                return pt.acts[l]
    if arg.op == "atom" and arg.text in names:
        role, l, _ = names[arg.text]
        if l in pt.acts:
            return pt.acts[l]
    raise ShapeError(f"cannot tell which activation {name} is")


def _shape(a) -> str:
    s = np.shape(a)
    return "a number" if not s else " × ".join(map(str, s))


def _text(node: MNode) -> str:
    return show(node)
