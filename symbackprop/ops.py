"""The registries' lookup tables, for code that reads one aspect of every record.

The records themselves live in ``activations.py`` (one per activation) and ``losses.py``
(one per loss); nothing here is defined twice. ``FORWARD[name](z)``, ``SLOPE[name](out,
z)``, ``LOSSES[name]`` (the Loss record); ``ELEMENTARY`` and ``elementary`` rewrite the
project's own functions into exp/log/erf/Piecewise for the independent sympy.diff oracle;
``NUMPY`` holds the NumPy twins for lambdify; ``FUNCTIONS`` the functions a graph spec's
formula may call; ``SPELLINGS`` how a claim may write a function (see ``spelled``).
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from . import twins
from .activations import (ACTIVATIONS, BY_CLASS, HELPERS, LEAKY_SLOPE, Activation, Helper,  # noqa: F401
                          leaky_relu, relu, sigmoid, softplus)
from .losses import BY_CLASS as LOSS_BY_CLASS
from .losses import LOSSES, Loss  # noqa: F401

# act(z)
FORWARD: dict[str, Callable] = {a.name: a.forward for a in ACTIVATIONS.values()}

# d act(z) / dz, given out = act(z)
SLOPE: dict[str, Callable] = {a.name: a.slope for a in ACTIVATIONS.values()}

# Our functions in elementary form, for the independent sympy.diff oracle: class -> rewrite
ELEMENTARY: dict[type, Callable] = {a.forward: a.elementary for a in ACTIVATIONS.values()
                                    if a.elementary is not None}
ELEMENTARY |= {h.cls: h.elementary for h in HELPERS.values()}
ELEMENTARY |= {h.cls: h.elementary for h in LOSS_BY_CLASS.values()}

# Functions a user formula may call (graph specs), by name: the formula language's own
# list (formula.FUNCTIONS), which its NumPy evaluator also knows.
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sigmoid": sigmoid, "relu": relu,
             "sin": sp.sin, "cos": sp.cos, "sqrt": sp.sqrt, "abs": sp.Abs}

# NumPy twins for lambdify, by the SymPy class name
NUMPY: dict[str, Callable] = {a.forward.__name__: a.numpy for a in ACTIVATIONS.values()
                              if a.numpy is not None}
NUMPY |= {h.cls.__name__: h.numpy for h in HELPERS.values()}
NUMPY |= {name: h.numpy for name, h in LOSS_BY_CLASS.items()}
NUMPY["Heaviside"] = twins.Heaviside

# LaTeX name of each of our SymPy functions, by class name (the printer's table)
LATEX: dict[str, str] = {name: r.latex for name, r in (BY_CLASS | LOSS_BY_CLASS).items()}

# How a formula or a claim may write a function: spelling -> the record (an Activation or
# a Helper). A claim's f(x) is ``record.forward(x)`` (a Helper: ``record.cls(x)``), its
# f'(x) is ``record.slope(f(x), x)``.
SPELLINGS: dict[str, Activation | Helper] = {}
for _rec in (*ACTIVATIONS.values(), *HELPERS.values(), *LOSS_BY_CLASS.values()):
    for _s in _rec.spellings:
        SPELLINGS.setdefault(_s, _rec)


def spelled(text: str) -> Activation | Helper | None:
    """The record a spelling names (``sigmoid``, ``\\sigma``, ``\\operatorname{GELU}``),
    or None; ASCII names are matched without regard to case."""
    return SPELLINGS.get(text) or SPELLINGS.get(text.lower()) or _LOWER.get(text.lower())


_LOWER = {s.lower(): r for s, r in SPELLINGS.items() if not s.startswith("\\")}


def call(spelling: str, arg, primed: bool = False):
    """What a claim's ``f(arg)`` or ``f'(arg)`` means, f spelled as it wrote it
    (``\\sigma'(z)`` -> σ(z)(1 - σ(z))); None when no record has that spelling."""
    rec = spelled(spelling)
    if rec is None:
        return None
    f = rec.forward if isinstance(rec, Activation) else rec.cls
    return rec.slope(f(arg), arg) if primed else f(arg)


def elementary(expr):
    """Rewrite the project's own functions into exp/log/erf/Piecewise."""
    return expr.replace(
        lambda e: type(e) in ELEMENTARY, lambda e: ELEMENTARY[type(e)](e.args[0])
    )
