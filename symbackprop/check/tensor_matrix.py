"""Tensor (matrix-form) claims about tensor layers (issue 15, point 4):

    \\frac{\\partial L}{\\partial V} = \\sum_t \\delta_t h_{t-1}^\\top      (an rnn)
    \\frac{\\partial L}{\\partial W_q} = X^\\top \\bar{Q}              (attention)
    \\frac{\\partial L}{\\partial W^{[4]}} = \\delta^{[4]} a^{[3]\\top}   (a dense layer)

A side is evaluated with the network's tensors assembled from their entries (every entry
is a node of the graph: x_{t,i} makes X, T × features; V^{[1]}_{j,k} makes V), the
gradient of a tensor from the adjoint sweep (``adjoint.py``), at the worked example and
at a few random points; the claim holds when every entry agrees. A name with one index
letter picks a row as a column vector (h_{t-1}: the state at step t − 1, zeros outside
the steps, h_0 = 0); a 1-index tensor is a column; ``\\sum_t`` runs over the rows of the
tensors it indexes (or its written bounds); δ is ∂L/∂z of the claim's layer, ``a^{[l]}``
the input of the dense layer l + 1 (its ∂z/∂w). A wrong claim gets the one change that
makes it right (a transpose, the product's order, the step, the sum over the steps).
The claim is read by ``matrix_parse`` (never eval); a line this module cannot place (an
entry, an index claim, a name it does not know) is left to the other readers. A kernel's
form, a cross-correlation, is ``tensor_conv``'s; the diagnoses are ``tensor_diagnose``'s."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .adjoint import adjoints
from .index_arith import IndexUnreadable, _int_expr
from .matrix_diagnose import paths, show
from .matrix_messages import say
from .matrix_parse import MatrixUnreadable, MNode, parse_sides
from .tensor_atoms import (CAPITALS, Name, NotOurs, RankError, ShapeError, Unplaced,
                           partial_of, read_atom, shape_text)
from .tensor_conv import judge_conv
from .tensor_diagnose import RTOL, diagnosed
from .tensor_names import parts, respell

RANDOM = 3  # random (point, sample) instances besides the worked example
ATOL = 1e-12
MAX_STEPS = 64  # rows a \sum may run over

_STRIP = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|vec)\s*\{\s*(\\?[A-Za-z]+)\s*\}")
_BOUNDS = re.compile(r"\\sum\s*_\s*\{\s*([A-Za-z])\s*=\s*([^{}]+?)\s*\}\s*\^\s*"
                     r"(\{[^{}]*\}|[A-Za-z0-9])")


class Tensors:
    """One tensor network's tensors: entries by (base, layer), their values by instance."""

    def __init__(self, truth):
        self.truth = truth
        g = truth.g
        self.groups: dict = {}
        for k, v in g.latex.items():
            p = parts(v)
            if p is None or p[3] or p[1] is None or not re.fullmatch(r"\d+(,\d+)*", p[1]):
                continue
            self.groups.setdefault((p[0], p[2]), {})[tuple(int(i) for i in p[1].split(","))] = k
        for k in g.nodes:  # z^{[l]}: the output layer's too (its page names it y_pred)
            m = re.fullmatch(r"z(\d+)((?:_\d+)+)", k)
            if m:
                idx = tuple(int(i) for i in m[2][1:].split("_"))
                self.groups.setdefault(("z", m[1]), {})[idx] = k
        self.instances = []
        for pts in (truth.example, truth.points):
            if pts is not None:
                cells = [tuple(c) for c in np.argwhere(pts.mask)]
                cells = cells[:1] if pts is truth.example else cells[:RANDOM]
                self.instances += [(pts, c) for c in cells]
        self._cache: dict = {}

    def find(self, base: str, layer: str | None):
        """(base, layer) of the group a written name means, or None."""
        for b in (base, CAPITALS.get(base), base.lower()):
            if b is None:
                continue
            if (b, layer) in self.groups:
                return b, layer
            if layer is None:
                hits = [key for key in self.groups if key[0] == b]
                if len(hits) == 1:
                    return hits[0]
        return None

    def array(self, key, grad: bool, inst: int) -> np.ndarray:
        ck = (key, grad, inst)
        hit = self._cache.get(ck)
        if hit is not None:
            return hit
        entries = self.groups[key]
        shape = tuple(max(i[d] for i in entries) for d in range(len(next(iter(entries)))))
        out = np.zeros(shape)
        pts, cell = self.instances[inst]
        adj = adjoints(self.truth, pts, self.truth.loss) if grad else None
        for idx, k in entries.items():
            v = (adj.get(k, 0.0) if grad else pts(self.truth.sym[k]))
            out[tuple(i - 1 for i in idx)] = np.broadcast_to(v, pts.mask.shape)[cell]
        self._cache[ck] = out
        return out

    def dense_input(self, layer: int, inst: int, grad: bool = False) -> np.ndarray:
        """a^{[l-1]} (or its gradient): the input of dense layer l as a column, entry i
        the node its weight w_{1,i} multiplies (∂z_1/∂w_{1,i} is that node's symbol)."""
        ws = self.groups.get(("w", str(layer)))
        z = f"z{layer}_1"
        if not ws or z not in self.truth.g.nodes:
            raise NotOurs(f"no dense layer {layer}")
        keys = [self.truth.key_of.get(self.truth.local(z, ws[1, i]))
                for i in range(1, max(i[1] for i in ws) + 1)]
        if None in keys:
            raise NotOurs("an input that is not a node")
        pts, cell = self.instances[inst]
        adj = adjoints(self.truth, pts, self.truth.loss) if grad else None
        return np.array([[np.broadcast_to(adj.get(k, 0.0) if grad else
                                           pts(self.truth.sym[k]), pts.mask.shape)[cell]]
                         for k in keys])


class Claim:
    """One claim's evaluation: its layer (for δ and a), its sums' bounds."""

    def __init__(self, tensors: Tensors, bounds: dict):
        self.t, self.bounds, self.layer = tensors, bounds, None
        self.dk = None  # attention's d_k, where the network has one

    def value(self, node: MNode, inst: int, env: dict, depth=0):
        if depth > 60:
            raise NotOurs("nested too deeply")
        op, ev = node.op, (lambda n: self.value(n, inst, env, depth + 1))
        if op == "num":
            return np.float64(node.args[0])
        if op == "atom":
            return self.atom(read_atom(node.text), inst, env)
        if op == "frac" and partial_of(node) is not None:
            name = partial_of(node)
            return self.atom(replace(name, grad=True), inst, env)
        if op == "transpose":
            return np.asarray(ev(node.args[0])).T
        if op == "neg":
            return -ev(node.args[0])
        if op == "sum":
            return self.sum(node, inst, env, depth)
        if op not in ("matmul", "had", "add", "sub", "frac"):
            raise NotOurs(op)
        a, b = ev(node.args[0]), ev(node.args[1])
        if op == "frac":
            if np.ndim(b):
                raise ShapeError(say("frac_not_scalar"))
            return a / b
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            return a * b if op in ("matmul", "had") else _same(a, b, op)
        if op == "matmul":
            if a.shape[1] != b.shape[0]:
                raise ShapeError(say("product_shapes", a=show(node.args[0]),
                                     b=show(node.args[1]), left=shape_text(a), right=shape_text(b)))
            return a @ b
        if a.shape != b.shape:
            raise ShapeError(say("sum_shapes", left=shape_text(a), right=shape_text(b)))
        return _same(a, b, op)

    def sum(self, node: MNode, inst: int, env: dict, depth: int):
        letter = node.text or _letter(node.args[0], env)
        if letter is None:
            raise Unplaced(say("tensor_sum_index"))
        n = self.extent(letter, node.args[0], env)
        lo, hi = 1, n
        if letter in self.bounds:
            lo, hi = (_int_expr(b, {"T": n}) for b in self.bounds[letter])
        if n == 0 or hi - lo > MAX_STEPS:
            raise Unplaced(say("tensor_sum_range", index=letter, most=MAX_STEPS))
        total = 0
        for v in range(lo, hi + 1):
            total = total + self.value(node.args[0], inst, {**env, letter: v}, depth + 1)
        return total

    def extent(self, letter: str, node: MNode, env: dict) -> int:
        """The rows of the tensors a letter picks from in ``node``."""
        n = 0
        for _, a in paths(node):
            if a.op == "atom":
                name = read_atom(a.text)
                if name.sub and letter in re.findall(r"[A-Za-z]", name.sub):
                    n = max(n, self.tensor(name, 0).shape[0])
            elif a.op == "frac" and partial_of(a) is not None:
                name = partial_of(a)
                if name.sub and letter in re.findall(r"[A-Za-z]", name.sub):
                    n = max(n, self.tensor(replace(name, grad=True), 0).shape[0])
        return n

    def tensor(self, name: Name, inst: int) -> np.ndarray:
        """The whole tensor a name means (before a row is picked)."""
        if name.base == "a" and (name.layer or self.layer):
            layer = int(name.layer) + 1 if name.layer else int(self.layer)
            return self.t.dense_input(layer, inst, name.grad)  # a^{[l-1]}, layer l's input
        if name.base == r"\delta":
            layer = name.layer or self.layer
            key = ("z", layer) if ("z", layer) in self.t.groups else None
            grad = True
        else:
            key, grad = self.t.find(name.base, name.layer), name.grad
        if key is None:
            known = sorted({b for b, _ in self.t.groups if not b.startswith("\\")})
            raise Unplaced(say("tensor_unknown", name=name.base, known=", ".join(known)))
        a = self.t.array(key, grad, inst)
        if a.ndim > 2:
            raise RankError(say("tensor_rank", name=name.base, rank=a.ndim))
        return a

    def atom(self, name: Name, inst: int, env: dict):
        a = self.tensor(name, inst)
        if name.sub is not None:  # a row, by an index of the sums (or T, or a number)
            if "," in name.sub or a.ndim != 2:
                raise NotOurs("an entry")
            try:
                i = _int_expr(name.sub, {**env, "T": a.shape[0]})
            except IndexUnreadable:
                raise Unplaced(say("tensor_free_index", name=name.base, sub=name.sub)) from None
            a = a[i - 1] if 1 <= i <= a.shape[0] else np.zeros(a.shape[1])
        if a.ndim == 1:
            a = a[:, None]  # a vector is a column
        return a.T if name.transposed else a


def _same(a, b, op):
    return a * b if op == "had" else (a + b if op == "add" else a - b)


def _letter(node: MNode, env: dict) -> str | None:
    letters = set()
    for _, a in paths(node):
        if a.op == "atom":
            sub = read_atom(a.text).sub or ""
            letters |= {c for c in re.findall(r"[A-Za-z]", sub) if c != "T" and c not in env}
    return letters.pop() if len(letters) == 1 else None


def _prepare(text: str):
    bounds = {}

    def keep(m):
        bounds[m[1]] = (m[2], m[3].strip("{}"))
        return rf"\sum_{{{m[1]}}}"

    text = _BOUNDS.sub(keep, respell(text))
    for _ in range(3):
        text = _STRIP.sub(r"\1", text)
    return _SLASH.sub(r"\\frac{\\partial L}{\\partial \1}", text), bounds


# \partial L/\partial V (the pages' inline form) -> \frac{\partial L}{\partial V}
_SLASH = re.compile(r"\\partial\s*L\s*/\s*\\partial\s*(\\?[A-Za-z]+(?:\s*[_^]\s*(?:\{[^{}]*\}|"
                    r"\\?[A-Za-z0-9]+))*)")
# \sqrt{d_k} (attention's scale) -> its number, from the width of Q
_SQRT_DK = re.compile(r"\\sqrt\s*\{\s*d_\s*(?:\{\s*k\s*\}|k)\s*\}")

_SESSIONS: dict = {}


def judge_tensor(truth, text: str):
    """(verdict, message, diagnosis) of a tensor claim, or None when the line is not one."""
    if truth.tensor_names is None:
        return None
    prepared, bounds = _prepare(text)
    tensors = _SESSIONS.get(id(truth))
    if tensors is None or tensors.truth is not truth:
        tensors = _SESSIONS[id(truth)] = Tensors(truth)
    q = [key for key in tensors.groups if key[0] == "q"]
    dk = max(i[1] for i in tensors.groups[q[0]]) if len(q) == 1 else None
    if dk is not None:
        prepared = _SQRT_DK.sub(f" {float(np.sqrt(dk))!r} ", prepared)
    conv = judge_conv(tensors, prepared) if tensors.instances else None
    if conv is not None:
        return conv
    try:
        sides = parse_sides(prepared)
    except (MatrixUnreadable, IndexError):
        return None
    if len(sides) != 2:
        return None
    if not tensors.instances:
        return None
    claim = Claim(tensors, bounds)
    claim.dk = dk
    ref, other = sides
    if _grad(other) and not _grad(ref) or not _whole(ref) and _whole(other):
        ref, other = other, ref  # the gradient (else the whole tensor) says what is due
    if not _whole(ref):
        return None
    claim.layer = _layer_of(ref, tensors)
    try:
        want = [claim.value(ref, i, {}) for i in range(len(tensors.instances))]
    except RankError as e:
        return "not_checked", str(e), None
    except (NotOurs, ShapeError, IndexUnreadable):
        return None
    if np.ndim(want[0]) != 2:
        return None
    try:
        got = [claim.value(other, i, {}) for i in range(len(tensors.instances))]
    except Unplaced as e:  # the left side is a tensor of the network: the right is read
        return "error", str(e), None
    except NotOurs:
        return None
    except IndexUnreadable as e:
        return "error", str(e), None
    except ShapeError as e:
        return diagnosed(claim, ref, other, want, str(e), "shape")
    for i, (w, g) in enumerate(zip(want, got)):
        if np.shape(g) != np.shape(w):
            return diagnosed(claim, ref, other, want,
                          say("shape_mismatch", left=shape_text(w), right=shape_text(g)), "shape")
        if not np.allclose(g, w, rtol=RTOL, atol=ATOL * (1 + np.max(np.abs(w)))):
            e = np.unravel_index(np.argmax(np.abs(g - w)), w.shape)
            where = "at the worked example" if i == 0 and truth.example is not None \
                else "at a random point"
            msg = say("tensor_differs", where=where, entry=tuple(int(j) + 1 for j in e),
                      got=f"{g[e]:.6g}", due=f"{w[e]:.6g}")
            return diagnosed(claim, ref, other, want, msg, None)
    return ("correct", say("tensor_holds", shape=shape_text(want[0]),
                           points=len(want) - (truth.example is not None)), None)


def _whole(node: MNode) -> bool:
    """A whole tensor or its gradient, alone: the side that says what is computed."""
    try:
        if node.op == "frac" and partial_of(node) is not None:
            return partial_of(node).sub is None
        return node.op == "atom" and read_atom(node.text).sub is None
    except NotOurs:
        return False


def _grad(node: MNode) -> bool:
    try:
        return node.op == "frac" and partial_of(node) is not None or \
            node.op == "atom" and read_atom(node.text).grad
    except NotOurs:
        return False


def _layer_of(node: MNode, tensors: Tensors) -> str | None:
    name = partial_of(node) if node.op == "frac" else read_atom(node.text)
    if name.base == "a":  # a^{[l-1]}: the input of dense layer l (the only one, if unsaid)
        if name.layer is not None:
            return str(int(name.layer) + 1)
        dense = [key[1] for key in tensors.groups if key[0] == "w"]
        return dense[0] if len(dense) == 1 else None
    if name.layer is not None:
        return name.layer
    key = tensors.find(name.base, None)
    return None if key is None else key[1]
