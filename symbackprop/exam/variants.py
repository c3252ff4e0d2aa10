"""Variants: seeded draws of values, rejected when a question they ask would be trivial
(a zero loss, a zero factor, a relu at its kink) or an update would not show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive import Derivation
from ..errors import SpecError
from ..numeric import Values, forward
from ..steps import Cite, Step, Sum
from .numbers import _value, clean, round12, unit
from .pools import KINKS, _draw, _pools, _targets, param_pool
from .questions import target_pool

MAX_VARIANTS = 1000
MAX_DRAWS = 200  # attempts per variant before giving up
ZERO = 1e-9  # a step value this small makes a question trivial


@dataclass
class Variant:
    id: int
    values: Values  # one sample
    lr: float
    param: str  # the parameter questions without a fixed one are about



def closure(d: Derivation, params) -> list[Step]:
    """The steps a derivation of ``params`` needs: their own and every branching sum
    they cite, in the lesson's order."""
    need: dict = {}

    def visit(s):
        if s in need:
            return
        need[s] = True
        for t in (s.terms if isinstance(s, Sum) else (s,)):
            for f in t.factors:
                if isinstance(f, Cite) and f.step.named:
                    visit(f.step)

    for p in params:
        visit(d.gradients[p])
    return [s for s in d.steps if s in need]



def trivial(d: Derivation, values: Values, params) -> bool:
    """True when the loss is 0 (y_pred = y_true), or a step of the derivation of
    ``params`` is 0 at ``values``: the gradient itself, a factor of its chain (a relu off,
    h_j = 0), or a branching sum it cites (its paths cancelling). A question on it would
    be trivial. Also when a relu sits exactly at its kink z = 0, where float rounding
    would decide its slope, or a weighted sum is 0. A zero elsewhere (one dead path of a
    sum, a unit the questions do not pass through) is allowed. A circuit's value out of
    its domain (not finite) is refused too."""
    g = d.graph
    with np.errstate(all="ignore"):
        env = clean(forward(d, values))
    if not all(np.all(np.isfinite(v)) for v in env.values()):
        return True  # a circuit's log or division out of its domain
    if env[g.sym(d.loss)][0] == 0:
        return True
    if any(g.nodes[k].op in KINKS and env[g.sym(g.nodes[k].inputs[0])][0] == 0
           for k in g.computed):
        return True
    if any(g.nodes[k].op == "linear" and env[g.sym(k)][0] == 0 for k in g.computed):
        return True  # a weighted sum of 0: a forward answer a guess would hit
    cache: dict = {}
    return any(abs(_value(s.eval(env, cache))) < ZERO for s in closure(d, params))


def visible(d: Derivation, values: Values, lr: float, param: str) -> bool:
    """True when one step of gradient descent moves ``param`` by at least 3 units of
    its ``DIGITS``-th significant digit: the update is visible in a rounded answer."""
    grad = _value(d.gradients[param].eval(clean(forward(d, values)), {}))
    new = values.params[param] - lr * grad
    return abs(lr * grad) >= 3 * unit(new)


def _numbers(d: Derivation, values: Values, params) -> tuple:
    """What a variant's numeric answers are made of: every node value and the gradients
    its questions ask for, rounded like the key."""
    g = d.graph
    env = clean(forward(d, values))
    cache: dict = {}
    return (tuple(round12(_value(env[g.sym(k)])) for k in g.computed),
            tuple(round12(_value(d.gradients[p].eval(env, cache)))
                  for p in g.params if p in params))


def draw_distinct(count: int, seed: int, draw, rejected, numbers) -> list[Variant]:
    """``count`` variants from one seeded generator, each the first draw that is new (not
    an earlier variant's values), not ``rejected`` (a question it asks would be trivial),
    and whose answers (``numbers``) are not an earlier variant's: other values can give
    the same answers (x + y the same, ...). ``draw(rng)`` -> (inputs, targets, params, lr,
    param); ``rejected`` and ``numbers`` take (values, lr, param)."""
    rng = np.random.default_rng(seed)
    out, seen, alike = [], set(), set()
    for k in range(1, count + 1):
        for _ in range(MAX_DRAWS):
            X, T, params, lr, param = draw(rng)
            key = (tuple(X), tuple(T), tuple(params.values()))
            if key in seen:
                continue
            values = Values([X], [T], params)
            if rejected(values, lr, param):
                continue
            answers = numbers(values, lr, param)
            if answers in alike:
                continue
            seen.add(key)
            alike.add(answers)
            out.append(Variant(k, values, lr, param))
            break
        else:
            raise SpecError(f"could not draw {count} distinct variants with no zero factor "
                            f"in their questions (found {len(out)}); ask for fewer")
    return out


def draw_variants(d: Derivation, count: int, seed: int, fixed=(), updated=()) -> list[Variant]:
    """``count`` distinct variants; ``fixed``: parameters some question names, checked
    like each variant's drawn one; ``updated``: those of them an update question asks for.
    Without fixed parameters the values depend on the spec and the seed alone."""
    g, net = d.graph, d.graph.spec
    inputs, targets, rates = _pools(net)
    weights = param_pool(net)
    pool = target_pool(g)

    def draw(rng):
        params = {p: float(_draw(rng, weights)) for p in g.params}
        X = [float(_draw(rng, inputs)) for _ in g.inputs]
        T = _targets(net, rng, targets)
        lr = float(_draw(rng, rates))
        return X, T, params, lr, pool[int(rng.integers(len(pool)))]

    def asked(param):
        return list(dict.fromkeys((param, *fixed)))

    def rejected(values, lr, param):
        return trivial(d, values, asked(param)) or not all(
            visible(d, values, lr, p) for p in dict.fromkeys((param, *updated)))

    return draw_distinct(count, seed, draw, rejected,
                         lambda values, lr, param: _numbers(d, values, asked(param)))
