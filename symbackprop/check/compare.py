"""A claim compared with the network: both sides evaluated at the random points (or at
the worked example, or exactly for a chain of numbers), to a tolerance, within the time
allowed one equation; the link's verdict with its counterexample and diagnosis."""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..render.printer import number
from . import diagnose
from .messages import say
from .adjoint import factor_value
from .expr_size import small
from .numbers import NotANumber
from .page import Page
from .rounding import MIN_DIGITS, judge_number, rounded_note, written
from .parse import Side, is_free
from .show import counterexample, expected
from .truth import Truth, deriv_of, deriv_symbol


RTOL = 1e-9             # relative tolerance of the numeric comparison
ATOL_SCALE = 1e-11      # ... plus this times the typical magnitude of the values
SYMBOLIC_MAX_OPS = 24   # equal sides this small are also shown equal symbolically


class TimeUp(Exception):
    """The time allowed to judge one equation is over."""


class Deadline:
    """Checked between the steps of judging (each step is bounded by the limits of the
    grammar and the parser), so no signal or thread is needed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.perf_counter() + seconds

    def check(self):
        if time.perf_counter() > self.end:
            raise TimeUp()

    @property
    def expired(self) -> bool:
        return time.perf_counter() > self.end


@dataclass
class Link:
    verdict: str
    message: str = ""
    counterexample: dict | None = None
    diagnosis: str | None = None
    expected: str | None = None
    notes: list = field(default_factory=list)
    carried: bool = False           # right given a wrong value above (error carried forward)


def _number_only(side: Side) -> bool:
    return side.form in ("number", "constant") and not side.batch


def value(truth: Truth, points, expr) -> np.ndarray:
    """``expr`` at the points; derivative placeholders take the network's true values."""
    env = points.env
    for s in expr.free_symbols:
        if s not in env and is_free(s):  # a free variable: its own fixed random draws
            rng = np.random.default_rng(zlib.crc32(s.name.encode()))
            env[s] = np.round(rng.uniform(-2.0, 2.0, size=points.mask.shape), 2)
        if s not in env:
            pair = deriv_of(s)
            if pair is None:
                raise NotANumber(f"no value for {s}")
            v = factor_value(truth, points, *pair) if truth.tensor_names is not None \
                else points(truth.factor(*pair))  # tensor networks: numbers by a sweep
            env[s] = np.broadcast_to(v, points.mask.shape)
    return points(expr)


def _liftable(truth: Truth, side: Side) -> bool:
    """The loss, or its derivative by a parameter shared by the samples: per-sample
    terms whose sum (or mean) over the batch the written sum stands for."""
    if side.form == "node":
        return side.of == truth.loss
    return side.form == "derivative" and side.of == truth.loss and side.wrt in truth.shared


def _lift(truth: Truth, points, v: np.ndarray) -> np.ndarray:
    v = np.broadcast_to(v, points.mask.shape)
    total = np.where(points.mask, v, 0.0).sum(axis=1, keepdims=True)
    return total / points.count if truth.reduce == "mean" else total


def symbolic_equal(truth: Truth, ref: Side, claim: Side) -> bool:
    """True when the two sides are the same expression once every derivative is replaced
    by the network's, and that is cheap to see: small expressions only, expanded, with
    intermediates kept as symbols. False means "not shown", not "different": the numbers
    decide, and this only says how sure the verdict is."""
    if ref.batch or claim.batch:
        return False
    a, b = ref.expr, claim.expr
    if sp.count_ops(a) + sp.count_ops(b) > SYMBOLIC_MAX_OPS:
        return False
    d = a - b
    if d == 0:
        return True
    values = {s: truth.factor(*deriv_of(s)) for s in d.free_symbols if deriv_of(s)}
    if not all(small(v, SYMBOLIC_MAX_OPS * 8) for v in values.values()):
        return False
    d = d.xreplace(values)
    if sp.count_ops(d) > SYMBOLIC_MAX_OPS or any(
            p.exp.is_Integer and abs(p.exp) > 4 for p in d.atoms(sp.Pow)):
        return False
    return sp.expand(d) == 0


def _compare(truth, points, ref: Side, claim: Side, deadline, at_example=False, rel="=",
             page: Page | None = None, line: int = 0, example=None) -> Link:
    try:
        t = value(truth, points, ref.expr)
        w = value(truth, points, claim.expr)
    except NotANumber as e:
        return Link("error", f"cannot evaluate: {e}")
    deadline.check()
    for side, v in ((ref, t), (claim, w)):
        if side.batch and np.ndim(v) == 2 and np.shape(v)[1] > 1:
            return Link("not_checked", "mixes a sum over the samples with per-sample quantities")
    if ref.batch != claim.batch:
        per_sample = claim if ref.batch else ref
        if not _liftable(truth, per_sample):
            return Link("not_checked", "mixes a sum over the samples with per-sample quantities")
        if ref.batch:
            w = _lift(truth, points, w)
        else:
            t = _lift(truth, points, t)
    batch = ref.batch or claim.batch
    shape = (points.mask.shape[0], 1) if batch else points.mask.shape
    t = np.broadcast_to(t, shape)
    w = np.broadcast_to(w, shape)
    valid = points.mask if not batch else np.ones(shape, dtype=bool)
    finite = valid & np.isfinite(t)
    if not finite.any():
        return Link("error", "the correct value is not defined at the test points")
    if at_example:
        return _at_example(truth, points, ref, claim, t, w, finite, batch, rel, page, line)
    close = _close(t, w, finite)
    bad = finite & ~close
    if not bad.any():
        if symbolic_equal(truth, ref, claim):
            return Link("correct", "equal symbolically")
        return Link("correct", f"equal at {int(finite.sum())} random points")
    p, s = map(int, np.argwhere(bad)[0])
    ce = counterexample(truth, points, ref, claim, p, s, batch, w[p, s], t[p, s])
    shown_at_example = False
    if example is not None and not batch:  # the worked example, when it shows the error
        try:
            te, we = value(truth, example, ref.expr), value(truth, example, claim.expr)
            te, we = np.broadcast_to(te, (1, 1)), np.broadcast_to(we, (1, 1))
            if np.isfinite(te).all() and not _close(te, we, np.ones((1, 1), bool)).all():
                ce = counterexample(truth, example, ref, claim, 0, 0, False, we[0, 0], te[0, 0])
                shown_at_example = True
        except NotANumber:
            pass
    link = Link("wrong", counterexample=ce)
    link.expected = expected(truth, ref, claim)
    if not at_example and (ref.expr.free_symbols or claim.expr.free_symbols):
        case = diagnose.Case(truth, points, ref, claim, t, w, finite, deadline,
                             lambda e: _at(truth, points, e, shape), _close)
        found = diagnose.diagnose(case)
        if found:
            link.diagnosis, note = found
            link.notes.append(note)
    link.message = _wrong_message(link, ce, shown_at_example)
    return link


def _at_example(truth, points, ref: Side, claim: Side, t, w, finite, batch, rel, page, line):
    """A value at the worked example, judged to the digits written; a wrong one is
    remembered so later lines right given it are "correct given line N"."""
    number_side = claim if _number_only(claim) else ref
    other = ref if number_side is claim else claim
    if number_side is ref:
        t, w = w, t
    verdicts = judge_number(t, w, number_side.text)
    if (verdicts[finite] == "correct").all():
        note = rounded_note(t, w, number_side.text) if rel == "=" else None
        return Link("correct", say("at_example") + (f"; {note}" if note else ""))
    if (verdicts[finite] != "wrong").all():
        return Link("imprecise", say("imprecise", digits=MIN_DIGITS,
                                     value=number(float(t.ravel()[0]), 6)))
    if page is not None and page.worked:
        carried = page.carried(truth, points)
        try:
            tc = np.broadcast_to(value(truth, carried, other.expr), t.shape)
        except NotANumber:
            tc = None
        if tc is not None and (judge_number(tc, w, number_side.text)[finite] != "wrong").all():
            lines = page.carried_lines(set(carried.env))
            return Link("correct", say("carried", lines=", ".join(map(str, lines))), carried=True)
    if page is not None and written(number_side.text) is not None:
        if other.form == "node":
            page.worked[truth.sym[other.of]] = (float(w.ravel()[0]), line)
        elif other.form == "derivative":
            page.worked[deriv_symbol(other.of, other.wrt)] = (float(w.ravel()[0]), line)
    ce = counterexample(truth, points, ref, claim, 0, 0, batch, w.ravel()[0], t.ravel()[0])
    link = Link("wrong", counterexample=ce)
    link.expected = expected(truth, ref, claim)
    flipped = judge_number(-t, w, number_side.text)[finite]
    if np.any(t[finite] != 0) and (flipped == "correct").all():
        link.diagnosis = "sign"  # the one slip a single number shows for sure
        link.notes.append(say("sign"))
    link.message = _wrong_message(link, ce, True)
    return link


def _at(truth, points, expr, shape):
    return np.broadcast_to(value(truth, points, expr), shape)


def _close(t, w, valid) -> np.ndarray:
    with np.errstate(all="ignore"):
        a, b = np.abs(t), np.abs(w)
        scale = np.mean(a[valid]) + np.mean(np.where(np.isfinite(b), b, 0.0)[valid])
        ok = np.abs(t - w) <= RTOL * (a + b) + ATOL_SCALE * scale
    return ok & np.isfinite(w) & np.isfinite(t)


def _arithmetic(a: Side, b: Side, rel: str = "=") -> Link:
    """Two sides with no names: the written number (if one side is one) is judged to
    its digits against the other side's exact value."""
    if written(a.text) is not None and written(b.text) is None:
        a, b = b, a
    try:
        x, y = complex(a.expr.evalf(30)), complex(b.expr.evalf(30))
    except TypeError:
        return Link("error", "not a number")
    t, w = np.array([[x.real]]), np.array([[y.real]])
    if x.imag or y.imag or not np.isfinite(t).all():
        return Link("error", "not a real number")
    verdict = judge_number(t, w, b.text)[0, 0]
    if verdict == "wrong" and abs(x.real - y.real) <= _rounding_slack(a):
        verdict = "correct"  # the left side's own numbers were rounded: within their error
    if verdict == "correct":
        note = rounded_note(t, w, b.text) if rel == "=" else None
        return Link("correct", "the arithmetic is right" + (f"; {note}" if note else ""))
    if verdict == "imprecise":
        return Link("imprecise", say("imprecise", digits=MIN_DIGITS, value=number(x.real, 6)))
    return Link("wrong", f"the arithmetic is wrong: {number(x.real)} on the left, "
                         f"{number(y.real)} on the right",
                counterexample={"point": {}, "claimed": float(y.real), "expected": float(x.real)})


def _rounding_slack(side) -> float:
    """How far a sum of products of rounded decimals (0.510133 · (-1.43409) + …) may be
    from the exact value: each decimal written is off by up to half a unit of its last
    digit, and it multiplies at most the largest number written (a first-order bound
    for the sums of products a page's worked numbers are)."""
    plain = re.sub(r"\\(?:left|right|cdot|times)(?![A-Za-z])", " ", side.text)
    found = list(re.finditer(r"\d*\.(\d+)", side.text))[:64]
    if not found or not re.fullmatch(r"[\d.\s+\-*()]+", plain):
        return 0.0
    numbers = [abs(float(v)) for v in re.findall(r"\d*\.?\d+", side.text)[:64]]
    largest = max([1.0] + numbers)
    return sum(0.5 * 10.0 ** -len(m.group(1)) for m in found) * largest


def _wrong_message(link: Link, ce: dict, at_example: bool) -> str:
    lines = list(link.notes)
    values = {**ce["point"], **ce.get("where", {})}
    scalars = [k for k in values if not isinstance(values[k], list)]
    shown = [k for k in ce.get("shown", ()) if k in scalars] or scalars
    where = "at the worked example" if at_example else "at " + ", ".join(
        f"{k} = {number(values[k], 4)}" for k in shown)
    if ce.get("samples"):
        where += f" (summed over {ce['samples']} samples)"
    lines.append(f"counterexample {where}: claimed {number(ce['claimed'], 6)}, "
                 f"correct {number(ce['expected'], 6)}")
    if link.expected:
        lines.append(f"correct: {link.expected}")
    return "\n".join(lines)

