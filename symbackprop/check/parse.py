"""An equation's text -> its sides, each a SymPy expression in the network's symbols.

A side is one of the forms a derivation line uses:

    derivative       \\frac{dL}{dw_1^{[1]}}               D(L, w1_1_1)
    expr_derivative  \\frac{d}{dw}(h_1 w + h_2 v)         the CAS's derivative of the inner text
    node             h_1, y_{pred}, L                   a definition's left side
    chain            \\frac{dL}{dy}\\frac{dy}{dw} (+ ...)  products of derivatives
    number           -1.68 \\cdot 0.3                    a value at one point (decimals)
    constant         0, \\frac{1}{2}                      a constant: the claim holds everywhere
    expression       anything else

A derivative of two names becomes a placeholder symbol ``D(of,wrt)`` that stands for
the network's true derivative; the judge supplies its value. Names are looked up in the
network's table (``Truth.lookup``) with a suggestion when they are not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from ..expr import vocabulary
from ..expr.ast import Deriv, Name, Sum, walk
from ..expr.claim_grammar import LIMITS, ParseError, normalize_latex, parse_claim
from ..expr.walkers import ToSympy
from .equation import (UNICODE, UNICODE_ASCII, UNICODE_LATEX, NotChecked, Unreadable,
                       matrix_notation, mode_of, split_relations, split_sides)
from .forms import Side, build_side
from .numbers import SampleSum
from .tensor_names import max_of_entries, respell
from .truth import Truth, UnknownName, deriv_of, deriv_symbol

MAX_SUM_TERMS = 64        # terms of an unrolled \sum_{k=1}^{K}
MAX_NODES = 20_000        # AST nodes converted for one equation (sums unrolled included)
MAX_DIFF_OPS = 100        # operations of an expression the checker differentiates
RAW_LENGTH = 2            # typesetting may make the text this many times the grammar's limit

__all__ = ["NotChecked", "Parsed", "Side", "Unreadable", "matrix_notation", "mode_of",
           "parse_equation", "split_sides"]


# ---------------------------------------------------------------------------- building

class Builder(ToSympy):
    """AST -> SymPy in the network's symbols; unknown names are collected, not fatal,
    so one message can name them all. A sum's body is walked once per index (``env``
    maps the index to its value) and a derivative's parts by ``deriv``: both opaque."""

    opaque = frozenset({"Sum", "Deriv"})

    def __init__(self, truth: Truth, page=None):
        super().__init__(vocabulary.CLAIM_SYMPY, LIMITS.chains, LIMITS.exponent)
        self.truth = truth
        self.page = page
        self.readings: list[tuple[str, int | None]] = []  # ("euler" | "defined", line)
        self.used_definitions: list[int] = []
        self.unknown: list[str] = []
        self.known: set[str] = set()
        self.nodes = 0
        self.general: list[str] = []  # symbolic indices: h^{[l]}, w_{jk}
        self.env: dict = {}
        self.free = False             # read unknown single letters as free variables
        self.unknown_names: list[Name] = []

    # a name, with the indices of the enclosing \sum_{k=1}^{K} substituted
    def name(self, n: Name, env: dict):
        if not n.ascii and n.id in env and n.sub is None and n.layer is None:
            return sp.Integer(env[n.id])
        if env and not n.ascii:
            sub = n.sub
            if sub is not None:
                sub = ",".join(str(env.get(p, p)) for p in sub.split(","))
            layer = str(env.get(n.layer, n.layer)) if n.layer is not None else None
            n = Name(n.id, sub, layer, n.sample, False, n.col)
        z = self.truth.delta(n)
        if z is not None:  # δ_j^{[l]}: the page's name of dL/dz_j^{[l]}
            return deriv_symbol(self.truth.loss, z)
        try:
            key = self.truth.lookup(n)
        except UnknownName as e:
            defined = self.defined(n)
            if defined is not None:
                return defined
            if n.id == "e" and n.sub is None and n.layer is None:
                if ("euler", None) not in self.readings:
                    self.readings.append(("euler", None))
                return sp.E
            if self.free and free_variable(n):
                return free_symbol(n.id)
            self.unknown_names.append(n)
            index = _general_index(n)
            if index and index not in self.general:
                self.general.append(index)
            if e.message not in self.unknown:
                self.unknown.append(e.message)
            return sp.Symbol("?" + n.id, real=True)
        self.known.add(key)
        return self.truth.sym[key]

    def defined(self, n: Name):
        """The expression a name stands for on this page (the writer's definition)."""
        if self.page is None or not self.page.definitions:
            return None
        d = self.page.definitions.get(written_key(n))
        if d is None:
            return None
        if ("defined", d.line) not in self.readings:
            self.readings.append(("defined", d.line))
        return d.expr

    def key(self, n: Name) -> str | None:
        s = self.name(n, {})
        if s is sp.E:
            self.unknown.append(f"{n.id}: no such name in the network")
        return self.truth.key_of.get(s)

    def deriv(self, node: Deriv, env: dict):
        if self.free and free_variable(node.wrt):
            x = self.name(node.wrt, env)
            if is_free(x):  # d/dx of an expression in a free variable: the CAS's own
                if node.expr is None:
                    raise NotChecked("not about the network: a derivative of one letter by "
                                     "another, with no function to differentiate")
                inner = self.expr(node.expr, env)
                if sp.count_ops(inner) > MAX_DIFF_OPS:
                    raise Unreadable(f"too large to differentiate (more than {MAX_DIFF_OPS} "
                                     f"operations)")
                return sp.diff(inner, x)
        wrt = self.key(node.wrt)
        if node.expr is None:
            of = self.key(node.of)
            if of is None or wrt is None:
                return sp.Symbol("?d", real=True)
            if of != wrt and self.truth.depends(wrt, of):
                t = self.truth
                raise NotChecked(f"{t.latex[wrt]} is computed from {t.latex[of]}, not the other "
                                 f"way round: d{t.latex[of]}/d{t.latex[wrt]} is not a derivative "
                                 f"of the network")
            return deriv_symbol(of, wrt)
        inner = self.expr(node.expr, env)
        if wrt is None:
            return sp.Symbol("?d", real=True)
        return self.differentiate(inner, wrt)

    def differentiate(self, inner, wrt: str):
        """d(inner)/d(wrt) in the network: Σ_s ∂inner/∂s · ds/dwrt over its symbols s."""
        if inner.has(SampleSum):
            raise Unreadable("a sum over the samples inside a derivative is not supported")
        if sp.count_ops(inner) > MAX_DIFF_OPS:  # the product rule makes n factors n^2
            raise Unreadable(f"too large to differentiate (more than {MAX_DIFF_OPS} operations)")
        t = self.truth
        out = []
        for s in sorted(inner.free_symbols, key=lambda s: s.name):
            if deriv_of(s):
                raise Unreadable("a derivative of a derivative is not supported")
            k = t.key_of.get(s)
            if k is None:
                continue
            if k == wrt:
                chain = sp.Integer(1)
            elif t.depends(k, wrt):
                chain = deriv_symbol(k, wrt)
            else:
                continue
            out.append(sp.diff(inner, s) * chain)
        return sp.Add(*out)

    def expr(self, node, env: dict | None = None):
        outer, self.env = self.env, env or {}
        try:
            return self.fold(node)
        finally:
            self.env = outer

    def method(self, node):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unreadable(f"too large to judge (more than {MAX_NODES} terms and factors)")
        return super().method(node)

    def negate(self, x):
        return -x

    def too_large(self, b):
        raise Unreadable(f"exponent {b} too large (limit {LIMITS.exponent})")

    def _walk_BinOp(self, n, args):
        if n.op == "^":  # as written: SymPy's own comparison decides what is too large
            b = self.done(args[1])
            if b.is_Number and not abs(b) <= LIMITS.exponent:
                self.too_large(b)
        return super()._walk_BinOp(n, args)

    def power(self, base, exp):
        return sp.exp(exp) if base is sp.E else sp.Pow(base, exp)

    def _walk_Name(self, n, args):
        return self.name(n, self.env)

    def _walk_Deriv(self, n, args):
        return self.deriv(n, self.env)

    def _walk_Sum(self, n, args):
        return self.sum(n, self.env)

    def _walk_Indicator(self, n, args):
        a, b = map(self.done, args)
        if n.rel in ("<", "<="):
            a, b = b, a
        return sp.Heaviside(a - b, 0 if len(n.rel) == 1 else 1)

    def _walk_Call(self, node, args):
        arg = self.done(args[0])
        fn = self.functions[node.fn]
        if not node.prime:
            return fn(arg)
        d = sp.Dummy("u", real=True)  # f'(arg): the CAS's derivative of f, at arg
        if node.fn in vocabulary.SLOPES:
            return vocabulary.SLOPES[node.fn](fn(arg), arg)
        return sp.diff(fn(d), d).xreplace({d: arg})

    def _walk_fallback(self, node, args):
        raise Unreadable(f"cannot read {type(node).__name__}")

    def sum(self, node: Sum, env):
        samples = node.hi in ("N",) or (node.hi is None and any(
            type(n) is Name and n.sample == node.var for n in walk(node.body)))
        if samples:
            if env.get("__samples__"):
                raise Unreadable("a sum over the samples inside another one")
            return SampleSum(self.expr(node.body, dict(env, __samples__=True)))
        try:
            lo, hi = int(node.lo), int(node.hi)
        except (TypeError, ValueError):
            raise Unreadable(f"the bounds of \\sum_{{{node.var}}} must be numbers, or 1 and N for "
                             f"the samples") from None
        if not 0 <= hi - lo < MAX_SUM_TERMS:
            raise Unreadable(f"a sum of {hi - lo + 1} terms (limit {MAX_SUM_TERMS})")
        return sp.Add(*[self.expr(node.body, dict(env, **{node.var: i}))
                        for i in range(lo, hi + 1)])


@dataclass
class Parsed:
    sides: list[Side] = field(default_factory=list)
    ascii: bool = False
    relations: list[str] = field(default_factory=list)   # per link: '=' or 'approx'
    defines: tuple | None = None      # (written key, text) of a new name on the left
    readings: list = field(default_factory=list)


def written_key(n: Name) -> str:
    """A written name as one string, for the page's definitions: e, \\delta_1, Loss."""
    return f"{n.id}|{n.sub}|{n.layer}|{n.sample}".replace("None", "")


def _new_name(truth: Truth, ast) -> Name | None:
    """The left side's name when it is a name the network does not have and whose letter
    it does not use either (a typo of a network name, z_{o1} for z_1, stays an error)."""
    if type(ast) is not Name:
        return None
    try:
        truth.lookup(ast)
        return None
    except UnknownName:
        pass
    return None if truth.uses_letter(ast) else ast


def parse_equation(truth: Truth, text: str, mode: str = "latex", page=None) -> Parsed:
    """Sides of an equation in the network's symbols. NotChecked: not a claim;
    Unreadable: a claim that cannot be read (the message says where). With a ``page``,
    the writer's definitions are read, and a new name on the left defines one."""
    if len(text) > RAW_LENGTH * LIMITS.length:  # before any rewriting: each is linear
        raise Unreadable(f"equation too long ({len(text)} characters; limit {LIMITS.length})")
    text = text.translate(UNICODE)
    if mode == "latex":
        text = text.translate(UNICODE_LATEX)
    else:
        text = text.translate(UNICODE_ASCII)
    if mode == "latex" and re.search(r"\\begin\{[bpvBV]?matrix\}", text):
        raise NotChecked("a matrix, read as one claim: only scalar equations are checked "
                         "(write its entries one per line to have them checked)")
    if mode == "latex" and matrix_notation(text):
        raise NotChecked("matrix or vector notation: only scalar equations are checked")
    if mode == "latex" and truth.tensor_names is not None:
        text = respell(text)  # \hat{a}, \sigma^{2\,[2]}, {W_q}, ^{[l](n)}: tensor_names.py
    src = normalize_latex(text) if mode == "latex" else text
    if mode == "latex" and truth.tensor_names is not None and r"\max(" in src:
        src = max_of_entries(src)  # a max-pool's window: tensor_names.py
    if mode == "latex" and _UPDATE.search(src):
        raise NotChecked("a gradient-descent update (a weight's new value): only derivatives, "
                         "nodes and values are checked")
    if mode == "latex" and re.search(r"\\begin\{(cases|dcases)\}", src):
        raise NotChecked("a case split whose conditions are not single comparisons: only "
                         "cases like 'v & z > 0' and 'otherwise' are checked")
    if len(src) > LIMITS.length:
        raise Unreadable(f"equation too long ({len(src)} characters; limit {LIMITS.length})")
    parts, relations = split_relations(src)
    if any(not p for p in parts):
        raise Unreadable("a side of the equation is empty")
    asts, modes = [], []
    for p in parts:
        ast, m = _parse_side(p, mode)
        asts.append(ast)
        modes.append(m)
    builder = Builder(truth, page)
    new = _new_name(truth, asts[0]) if page is not None and len(parts) > 1 else None
    if new is not None and page.definitions.get(written_key(new)) is not None:
        new = None  # already defined: this line uses the definition
    defines = None
    if new is not None:
        defines = (written_key(new), parts[0])
        parts, asts, modes, relations = parts[1:], asts[1:], modes[1:], relations[1:]
    try:
        sides = [build_side(truth, p, ast, builder, m == "ascii")
                 for p, ast, m in zip(parts, asts, modes)]
    except (ValueError, TypeError, ArithmeticError) as e:  # SymPy refusing, e.g. H(i)
        raise Unreadable(f"not a real expression of the network ({e})"[:200]) from None
    if builder.general:
        raise NotChecked(f"about a general index ({', '.join(builder.general)}): only "
                         f"equations about particular quantities of the network are checked")
    if builder.unknown and not builder.known and _free_claim(asts, builder):
        # a fact about a function, in a variable of its own: sigma'(x) = sigma(x)(1 - sigma(x))
        builder = Builder(truth, page)
        builder.free = True
        try:
            sides = [build_side(truth, p, ast, builder, m == "ascii")
                     for p, ast, m in zip(parts, asts, modes)]
        except (ValueError, TypeError, ArithmeticError) as e:
            raise Unreadable(f"not a real expression ({e})"[:200]) from None
    if builder.unknown:
        if not builder.known:
            raise NotChecked("not about the network: " + "; ".join(builder.unknown))
        raise Unreadable("; ".join(builder.unknown))
    return Parsed(sides, all(m == "ascii" for m in modes), relations, defines, builder.readings)


# w^{+}, w^{new}, w^{(t+1)}: the updated weight of a training step
_UPDATE = re.compile(r"\^\s*\{\s*(?:\+|new|\\text\s*\{\s*new\s*\}|\(\s*t\s*\+\s*1\s*\))\s*\}")
FREE = "free:"   # the prefix of a free variable's symbol (no network key has a colon)


def free_variable(n: Name) -> bool:
    """A plain single letter (x, z, u): in a claim about no name of the network, the
    variable of a function's identity."""
    return n.sub is None and n.layer is None and n.sample is None and \
        len(n.id) == 1 and n.id.isalpha() and n.id != "e"


def free_symbol(letter: str) -> sp.Symbol:
    return sp.Symbol(FREE + letter, real=True)


def is_free(s) -> bool:
    return isinstance(s, sp.Symbol) and s.name.startswith(FREE)


def _free_claim(asts, builder: Builder) -> bool:
    """Every unknown name a free variable, and a function or a derivative to be about:
    sigma'(x) = sigma(x)(1 - sigma(x)) is judged, E = m c^2 is not about the network."""
    if not builder.unknown_names or not all(free_variable(n) for n in builder.unknown_names):
        return False
    return any(type(n).__name__ in ("Call", "Deriv") for ast in asts for n in walk(ast))


def _general_index(n: Name) -> str | None:
    """A layer or subscript written with letters where the network numbers them
    (h^{[l]}, z^{[l-1]}, w_{jk}): an equation about every layer or unit at once."""
    if n.layer and re.search(r"[A-Za-z]", n.layer):
        return n.layer
    if n.sub and re.fullmatch(r"[ijklmn]{1,2}([+-][0-9])?", n.sub):
        return n.sub
    return None


def _parse_side(text: str, mode: str):
    try:
        return parse_claim(text, mode), mode
    except ParseError as e:
        if mode == "latex" and not re.search(r"[\\{}]", text):
            try:
                return parse_claim(text, "ascii"), "ascii"
            except ParseError:
                pass
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise Unreadable(f"cannot read {shown!r}: {e.message}") from None
