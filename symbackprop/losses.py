"""The losses: one record each, everything about it in one place.

``Loss.term(targets, outputs, N)`` is one sample's contribution, the node the lesson
differentiates. When ``has_mean`` the term already carries the 1/N of the mean (the
lesson's MSE); otherwise the batch loss is the mean of the terms (the textbook's
E = Σ ½(t - o)²). Page LaTeX takes the targets ``t`` and outputs ``y`` as lists of
LaTeX names already marked with the sample, t_1^{(n)}.

Adding a loss: a record in ``LOSSES`` (and a SymPy ``Function`` with its slope, if the
term needs a function SymPy does not have), and its own formulas in ``reference.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from . import twins
from .activations import Helper, spell


def _total(items) -> sp.Expr:
    return sum(items, sp.Integer(0))


@dataclass(frozen=True)
class Loss:
    name: str  # as a spec writes it
    term: Callable  # (targets, outputs, N) -> one sample's term, SymPy
    has_mean: bool  # the term carries the 1/N of the mean
    title: str  # its name in prose: "mean squared error"
    summand: Callable  # (t, y) -> (LaTeX of sample n's part of the mean, needs parentheses)
    gradient: Callable | None  # (y, h) -> ∇_h of the loss, vectors, for the matrix form;
    #                            None when the output's δ is (h - y)/N (``fused``)
    sample: Callable  # (rng, n, K) -> n rows of K valid targets (verification)
    draw: Callable  # (rng, K, pool) -> K targets for an exam, ``pool``: the output's values
    fused: str | None = None  # output activation with which δ^{[L]} = (h - y)/N
    on_logits: bool = False  # the loss reads the output layer's z: the softmax is its own
    errors_positive: bool = False  # pages keep (t - y) positive rather than (y - t)
    definition: str | None = None  # the functions of its own that a page defines, LaTeX
    functions: tuple[Helper, ...] = ()  # its own SymPy functions (huber and its slope)


class _Registered(sp.Function):
    """A loss's own function, whose derivative is the slope its record states."""

    def fdiff(self, argindex=1):
        return BY_CLASS[type(self).__name__].slope(self, self.args[0])


class huber(_Registered):
    """huber(r) = ½ r² for |r| <= 1, |r| - ½ otherwise (δ = 1)"""


class clip(_Registered):
    """clip(r) = huber'(r) = max(-1, min(1, r)): the residual clipped to [-1, 1]"""


def _huber(t, y, N):
    return _total(huber(tk - yk) for tk, yk in zip(t, y)) / N


def _mse(t, y, N):
    return _total((tk - yk) ** 2 for tk, yk in zip(t, y)) / N


def _half_sse(t, y, N):
    return _total(sp.Rational(1, 2) * (tk - yk) ** 2 for tk, yk in zip(t, y))


def _bce(t, y, N):
    (tk,), (yk,) = t, y
    return -(tk * sp.log(yk) + (1 - tk) * sp.log(1 - yk)) / N


def _softmax_ce(t, z, N):
    # -Σ t_k log softmax_k(z) = log Σ e^{z_j} - Σ t_k z_k when Σ t_k = 1 (one-hot or a
    # distribution); the second form differentiates to (softmax_j - t_j) exactly.
    return (sp.log(_total(sp.exp(zk) for zk in z)) - _total(tk * zk for tk, zk in zip(t, z))) / N


def _squares(half: str):
    def summand(t, y):
        inner = " + ".join(rf"{half}\left({a} - {b}\right)^2" for a, b in zip(t, y))
        return inner, len(t) > 1
    return summand


def _bce_summand(t, y):
    return (rf"-\left({t[0]} \log {y[0]} + \left(1 - {t[0]}\right)"
            rf" \log\left(1 - {y[0]}\right)\right)"), True


def _ce_summand(t, y):
    return ("-" + " - ".join(rf"{a} \log {b}" for a, b in zip(t, y))).replace("--", "-"), True


def _normal(rng, n, K):
    return rng.normal(size=(n, K))


def _wide(rng, n, K):
    return rng.normal(scale=2.0, size=(n, K))  # residuals on both sides of |r| = 1


def _huber_summand(t, y):
    return " + ".join(rf"\operatorname{{huber}}\left({a} - {b}\right)" for a, b in zip(t, y)), len(t) > 1


def _from_pool(rng, K, pool):
    return [float(pool[int(rng.integers(len(pool)))]) for _ in range(K)]


def _one_hot(rng, n, K):
    return np.eye(K)[rng.integers(0, K, size=n)]


def _one_hot_exam(rng, K, pool):
    return [float(v) for v in np.eye(K)[int(rng.integers(K))]]


def _bits(rng, n, K):
    return rng.integers(0, 2, size=(n, K)).astype(float)


def _bit_exam(rng, K, pool):
    return [float(rng.integers(2))]


LOSSES: dict[str, Loss] = {r.name: r for r in (
    Loss("mse", _mse, True, "mean squared error", _squares(""),
         lambda y, h: rf"-\frac{{2}}{{N}}\left({y} - {h}\right)", _normal, _from_pool,
         errors_positive=True),
    Loss("half_sse", _half_sse, False, "half sum of squared errors", _squares(r"\frac{1}{2}"),
         lambda y, h: rf"-\left({y} - {h}\right)", _normal, _from_pool, errors_positive=True),
    # with a sigmoid output the slope y(1 - y) cancels: δ = (y_pred - y_true)/N
    Loss("bce", _bce, True, "binary cross-entropy", _bce_summand,
         lambda y, h: rf"\frac{{1}}{{N}}\left(\frac{{1 - {y}}}{{1 - {h}}} - \frac{{{y}}}{{{h}}}\right)",
         _bits, _bit_exam, fused="sigmoid"),
    # on the logits: δ = (softmax(z) - y_true)/N
    Loss("softmax_ce", _softmax_ce, True, "softmax cross-entropy", _ce_summand, None,
         _one_hot, _one_hot_exam, fused="identity", on_logits=True),
    # δ = 1; a mean over the samples and a sum over the outputs, like mse
    Loss("huber", _huber, True, "Huber loss", _huber_summand,
         lambda y, h: rf"-\frac{{1}}{{N}}\operatorname{{clip}}\left({y} - {h}\right)",
         _wide, _from_pool, errors_positive=True,
         definition=r"\operatorname{huber}\left(r\right) = \frac{1}{2} r^{2} \text{ for } "
                    r"\left|r\right| \le 1, \; \left|r\right| - \frac{1}{2} \text{ otherwise}, "
                    r"\; \operatorname{clip}\left(r\right) = \operatorname{huber}'\left(r\right) = "
                    r"\max\left(-1, \min\left(1, r\right)\right)",
         functions=(
             Helper(huber, lambda out, r: clip(r), r"\operatorname{huber}",
                    lambda r: sp.Piecewise((r**2 / 2, sp.Abs(r) <= 1),
                                           (sp.Abs(r) - sp.S.Half, True)),
                    twins.huber, spellings=spell("huber")),
             Helper(clip, lambda out, r: sp.Piecewise((1, sp.Abs(r) <= 1), (0, True)),
                    r"\operatorname{clip}",
                    lambda r: sp.Piecewise((r, sp.Abs(r) <= 1), (sp.sign(r), True)),
                    twins.clip, spellings=spell("clip")),
         )),
)}


# SymPy class name -> the record of a loss's own function
BY_CLASS: dict[str, Helper] = {h.cls.__name__: h for r in LOSSES.values() for h in r.functions}
