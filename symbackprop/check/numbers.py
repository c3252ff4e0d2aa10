"""Numbers for SymPy expressions without generating code: a walk over the expression
tree with NumPy arrays, dispatched by class name (as SymPy's printers do).

Values are arrays of shape (points, samples) for per-sample quantities (inputs, targets,
units) and (points, 1) for shared ones (parameters, N); NumPy broadcasts the two.
``SampleSum(e)`` adds e over the samples of each point (only the first N of them count).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import ops


class SampleSum(sp.Function):
    """Σ_{n=1}^{N} of a per-sample expression: one value per point."""

    nargs = 1

    def _latex(self, printer):
        return rf"\sum_{{n=1}}^{{N}} \left({printer._print(self.args[0])}\right)"


class NotANumber(ValueError):
    """An expression this evaluator does not know how to compute."""


def _heaviside(args, v):
    h0 = v(args[1]) if len(args) > 1 else 0.5
    return np.heaviside(v(args[0]), h0)


def _piecewise(args, v):
    out = None
    for expr, cond in reversed(args):
        val = np.asarray(v(expr), dtype=float)
        if out is None:
            out = val
        else:
            c = v(cond)
            out = np.where(c, val, out)
    return out


_RELATIONAL = {
    "StrictGreaterThan": np.greater, "GreaterThan": np.greater_equal,
    "StrictLessThan": np.less, "LessThan": np.less_equal,
    "Equality": np.equal, "Unequality": np.not_equal,  # an embedding's [x_t = v]
}

_FUNCTIONS = {
    "exp": np.exp, "log": np.log, "tanh": np.tanh, "sin": np.sin, "cos": np.cos,
    "sinh": np.sinh, "cosh": np.cosh, "Abs": np.abs, "sign": np.sign,
} | ops.NUMPY  # the project's own functions, by class name


class Evaluator:
    """``Evaluator(env, mask)(expr)``: env maps symbols to arrays; mask (points, samples)
    marks the samples that exist (n <= N at each point)."""

    def __init__(self, env: dict, mask: np.ndarray):
        self.env = env
        self.mask = mask
        self.memo: dict = {}

    def __call__(self, expr):
        with np.errstate(all="ignore"):
            return np.asarray(self.value(expr), dtype=float)

    def value(self, expr):
        hit = self.memo.get(expr)
        if hit is not None:
            return hit
        name = type(expr).__name__
        method = getattr(self, "_" + name, None)
        if method is None:
            for cls in type(expr).__mro__[1:]:
                method = getattr(self, "_" + cls.__name__, None)
                if method is not None:
                    break
        if method is None:
            raise NotANumber(f"cannot evaluate {name}")
        out = method(expr)
        self.memo[expr] = out
        return out

    def _Symbol(self, s):
        try:
            return self.env[s]
        except KeyError:
            raise NotANumber(f"no value for {s}") from None

    def _Number(self, x):
        return float(x)

    def _NumberSymbol(self, x):  # E, pi
        return float(x)

    def _ImaginaryUnit(self, x):
        raise NotANumber("not a real number")

    def _ComplexInfinity(self, x):
        return np.nan

    def _NaN(self, x):
        return np.nan

    def _Add(self, e):
        out = 0.0
        for a in e.args:
            out = out + self.value(a)
        return out

    def _Mul(self, e):
        out = 1.0
        for a in e.args:
            out = out * self.value(a)
        return out

    def _Pow(self, e):
        base, exp = e.args
        if exp == -1:
            return 1.0 / np.asarray(self.value(base), dtype=float)
        if exp == sp.S.Half:
            return np.sqrt(self.value(base))
        return np.power(np.asarray(self.value(base), dtype=float), self.value(exp))

    def _Function(self, e):
        fn = _FUNCTIONS.get(type(e).__name__)
        if fn is None:
            raise NotANumber(f"cannot evaluate {type(e).__name__}")
        return fn(*[self.value(a) for a in e.args])

    def _Heaviside(self, e):
        return _heaviside(e.args, self.value)

    def _Piecewise(self, e):
        return _piecewise(e.args, self.value)

    def _Relational(self, e):
        op = _RELATIONAL.get(type(e).__name__)
        if op is None:
            raise NotANumber(f"cannot evaluate {type(e).__name__}")
        return op(self.value(e.args[0]), self.value(e.args[1]))

    def _And(self, e):  # a max-pool's tie rule: the first largest entry of its window
        out = True
        for a in e.args:
            out = np.logical_and(out, self.value(a))
        return out

    def _Or(self, e):
        out = False
        for a in e.args:
            out = np.logical_or(out, self.value(a))
        return out

    def _Not(self, e):
        return np.logical_not(self.value(e.args[0]))

    def _BooleanTrue(self, e):
        return True

    def _BooleanFalse(self, e):
        return False

    def _SampleSum(self, e):
        inner = np.broadcast_to(np.asarray(self.value(e.args[0]), dtype=float), self.mask.shape)
        return np.where(self.mask, inner, 0.0).sum(axis=1, keepdims=True)
