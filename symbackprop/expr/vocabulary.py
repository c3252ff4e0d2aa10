"""The one table of function names the expression grammars read.

Each record says how a function is spelled (a formula's ``sigmoid(x)``; a claim's
``\\sigma``, ``\\mathrm{sigmoid}``, ``sigmoid(x)``), what it is in SymPy (from
``ops``), its NumPy and float twins (the formula oracle and the parser's constant
folding), and whether it is *tame*: |f(x)| grows no faster than |x| (or log is special),
so ``f(c log b)`` never becomes the power ``b^c`` the bound tracker must price.
Everything else in ``symbackprop.expr`` (the grammars' terminals, the walkers' tables,
the bounds) is derived from ``FUNCTIONS`` below; to add a function, add one record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .. import ops


def _np():
    import numpy

    return numpy


@dataclass(frozen=True)
class Function:
    name: str                          # the canonical name (Call.fn)
    sympy: Callable                    # what to_sympy and the checker build
    latex: tuple[str, ...] = ()        # \cmd spellings a LaTeX claim may use (first: canonical)
    ascii: tuple[str, ...] = ()        # name(...) spellings an ASCII claim may use
    words: tuple[str, ...] = ()        # \mathrm{word}, \operatorname{word} read as this function
    formula: bool = False              # a graph-spec formula may call it
    tame: bool = False                 # never exp-like (see the module's docstring)
    numpy: Callable | None = None      # the NumPy oracle of formulas (independent of SymPy)
    floating: Callable | None = None   # a float version for constant folding (limits only)


def _sigmoid_float(v):
    return 1 / (1 + math.exp(-v)) if v > -700 else 0.0


FUNCTIONS: tuple[Function, ...] = (
    Function("exp", ops.FUNCTIONS["exp"], ("exp",), ("exp",), ("exp",), True, False,
             lambda x: _np().exp(x), math.exp),
    Function("log", ops.FUNCTIONS["log"], ("log", "ln"), ("log", "ln"), ("log", "ln"), True, True,
             lambda x: _np().log(x), math.log),
    Function("sigmoid", ops.FUNCTIONS["sigmoid"], ("sigma",), ("sigmoid", "sigma"), ("sigmoid",),
             True, False, lambda x: 1.0 / (1.0 + _np().exp(-x)), _sigmoid_float),
    Function("tanh", ops.FUNCTIONS["tanh"], ("tanh",), ("tanh",), ("tanh",), True, True,
             lambda x: _np().tanh(x), math.tanh),
    Function("relu", ops.FUNCTIONS["relu"], ("relu",), ("relu",), ("relu",), True, True,
             lambda x: _np().maximum(x, 0.0), lambda v: max(v, 0.0)),
    Function("softplus", ops.softplus, ("softplus",), ("softplus",), ("softplus",)),
    Function("sqrt", ops.FUNCTIONS["sqrt"], (), ("sqrt",), (), True, True,
             lambda x: _np().sqrt(x), math.sqrt),
    Function("sin", ops.FUNCTIONS["sin"], formula=True, tame=True,
             numpy=lambda x: _np().sin(x), floating=math.sin),
    Function("cos", ops.FUNCTIONS["cos"], formula=True, tame=True,
             numpy=lambda x: _np().cos(x), floating=math.cos),
    Function("abs", ops.FUNCTIONS["abs"], formula=True, tame=True,
             numpy=lambda x: _np().abs(x), floating=abs),
)



def _from_registry(listed) -> tuple[Function, ...]:
    """The registry's other activations (gelu, silu, elu, leaky_relu, ...), read in claims
    by the spellings their records give: ``gelu(z)``, ``\\mathrm{GELU}(z)``,
    ``\\operatorname{silu}'(z)``. Cautious bounds (not tame), claims only."""
    from ..activations import ACTIVATIONS

    out = []
    for a in ACTIVATIONS.values():
        if a.name in listed or a.name == "identity":
            continue
        words = tuple(dict.fromkeys(s for s in a.spellings if s.isidentifier()))
        out.append(Function(a.name, a.forward, (a.name,), words, words))
    return tuple(out)


FUNCTIONS += _from_registry({f.name for f in FUNCTIONS})

BY_NAME: dict[str, Function] = {f.name: f for f in FUNCTIONS}

# what a formula may call, in the order error messages list them
FORMULA_NAMES: tuple[str, ...] = tuple(sorted(f.name for f in FUNCTIONS if f.formula))
FORMULA_SYMPY: dict = {f.name: f.sympy for f in FUNCTIONS if f.formula}

# a claim's spellings -> the canonical name
CLAIM_LATEX: dict[str, str] = {s: f.name for f in FUNCTIONS for s in f.latex}
CLAIM_ASCII: dict[str, str] = {s: f.name for f in FUNCTIONS for s in f.ascii}
CLAIM_WORDS: dict[str, str] = {w: (w if w in f.latex else f.latex[0])
                               for f in FUNCTIONS for w in f.words}
CLAIM_SYMPY: dict = {f.name: f.sympy for f in FUNCTIONS if f.latex or f.ascii}

# the derivative a claim's f'(z) stands for, in a teacher's form (sigmoid' = s(1 - s))
SLOPES = ops.SLOPE


def exp_like(name: str) -> bool:
    """Whether f(c log b) could evaluate to b^c (unknown functions are assumed to)."""
    f = BY_NAME.get(name)
    return f is None or not f.tame
