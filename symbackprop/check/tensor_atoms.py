"""The names of a tensor (matrix-form) claim about tensor layers (``tensor_matrix.py``):
an atom ``\\bar{Q}``, ``h_{t-1}^{\\top}``, ``W_{hh}``, ``a^{[3]\\top}`` read as a base, one
subscript (a row: an index of the sums, T, a number), a layer, a transpose and whether it
is a gradient (\\bar{Q}, dQ); the names courses give a layer's parameters (W_{hh}, W_q)
mapped to the page's. Read by regular expressions over ``matrix_parse``'s atoms: never eval."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .matrix_parse import MNode

_ATOM = re.compile(r"(?P<base>\\[A-Za-z]+\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z]+)(?P<scripts>.*)")
_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")
# names of a layer's parameters as courses write them -> the page's base
_ALIASES = {("W", "hh"): "V", ("W", "ih"): "U", ("W", "xh"): "U", ("W", "hx"): "U",
            ("b", "ih"): "b", ("b", "hh"): "c", ("W", "q"): "Wq", ("W", "k"): "Wk",
            ("W", "v"): "Wv", ("W", "Q"): "Wq", ("W", "K"): "Wk", ("W", "V"): "Wv"}
CAPITALS = {"A": r"\alpha", "W": "w"}  # a matrix's letter -> its entries' letter


class NotOurs(Exception):
    """Not a tensor claim this reader places: the other readers may."""


class Unplaced(NotOurs):
    """A name or index a tensor claim cannot place: a one-line error once its left side
    is a tensor of the network."""


class RankError(Unplaced):
    """A tensor of more than two indices (a kernel): its tensor form is not read."""


class ShapeError(Exception):
    """A side cannot be formed; the message names the shapes."""


@dataclass(frozen=True)
class Name:
    base: str
    sub: str | None
    layer: str | None
    transposed: bool
    grad: bool  # \bar{Q}, dQ, δ: a gradient


def read_atom(text: str) -> Name:
    m = _ATOM.fullmatch(text)
    if m is None:
        raise NotOurs(text)
    base, sub, layer, t, grad = m["base"], None, None, False, False
    rest = m["scripts"]
    for kind, body in _SCRIPT.findall(rest):
        if kind == "_":
            if sub is not None:
                raise NotOurs(text)
            sub = body
        else:
            lay = re.match(r"\[(\d+)\]", body)
            if lay:
                layer, body = lay[1], body[lay.end():]
            if body in (r"\top", "T", r"\intercal"):
                t = True
            elif body:
                raise NotOurs(text)  # a sample (n), a power: not a tensor claim
    if _SCRIPT.sub("", rest):
        raise NotOurs(text)
    bar = re.fullmatch(r"\\bar\{(\\?[A-Za-z]+)\}", base)
    if bar:
        base, grad = bar[1], True
    elif len(base) == 2 and base[0] == "d" and base[1].isupper():
        base, grad = base[1], True
    if (base, sub) in _ALIASES:
        base, sub = _ALIASES[base, sub], None
    return Name(base, sub, layer, t, grad)


def partial_of(node: MNode) -> Name | None:
    """∂L/∂X: the name X (a gradient's denominator), or None."""
    num, den = node.args
    if not (num.op == den.op == "matmul" and num.args[0].op == den.args[0].op == "atom"
            and num.args[0].text == den.args[0].text == r"\partial"):
        return None
    if num.args[1].op != "atom" or num.args[1].text != "L" or den.args[1].op != "atom":
        return None
    return read_atom(den.args[1].text)


def shape_text(a) -> str:
    return "a number" if not np.shape(a) else " × ".join(map(str, np.shape(a)))
