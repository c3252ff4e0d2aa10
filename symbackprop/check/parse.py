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

from .. import ops
from . import grammar as G
from .numbers import SampleSum
from .truth import Truth, UnknownName, deriv_of, deriv_symbol

MAX_SUM_TERMS = 64        # terms of an unrolled \sum_{k=1}^{K}
MAX_NODES = 20_000        # AST nodes converted for one equation (sums unrolled included)
MAX_DIFF_OPS = 100        # operations of an expression the checker differentiates

OTHER_RELATIONS = (r"\approx", r"\neq", r"\ne", r"\leq", r"\geq", r"\le", r"\ge", r"\lt", r"\gt",
                   r"\sim", r"\simeq", r"\propto", r"\equiv", r"\in", r"\to", r"\mapsto", "<", ">")
PREFIXES = (r"\therefore", r"\Rightarrow", r"\implies", r"\Longrightarrow", r"\Leftrightarrow",
            r"\iff", r"\hence", r"\because")
PREFIX_WORDS = ("so", "thus", "hence", "then", "therefore", "and", "where", "with")
MATRIX = (r"\mathbf", r"\boldsymbol", r"\bm{", r"\vec", r"\nabla", r"\odot", r"\otimes",
          r"\top", "^T", "^{T}", r"\begin{bmatrix", r"\begin{pmatrix")
UNICODE = str.maketrans({"−": "-", "–": "-", "·": "*", "×": "*", "⋅": "*", "’": "'"})
UNICODE_LATEX = str.maketrans({"∂": r"\partial ", "σ": r"\sigma ", "Σ": r"\sum ", "ŷ": "y_{pred}"})
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sqrt": sp.sqrt,
             "sigmoid": ops.sigmoid, "relu": ops.relu, "softplus": ops.softplus}


class NotChecked(Exception):
    """The text is not a claim the checker judges; the message says why."""


class Unreadable(Exception):
    """The text is meant as a claim but cannot be read: a syntax error, an unknown name."""


@dataclass
class Side:
    text: str
    expr: sp.Expr
    form: str
    of: str | None = None          # derivative, expr_derivative: d(of)/d(wrt); node: the key
    wrt: str | None = None
    inner: sp.Expr | None = None   # expr_derivative: the expression differentiated
    ascii: bool = False
    names: frozenset = frozenset()  # node keys written directly
    factors: tuple = ()             # chain: per product, the (of, wrt) pairs in written order
    batch: bool = False             # has a sum over the samples

    @property
    def derivs(self) -> list[tuple[str, str]]:
        out = [deriv_of(s) for s in self.expr.free_symbols]
        return sorted(p for p in out if p)


# ---------------------------------------------------------------------------- splitting

def _top_level(text: str):
    """(index, char) of the characters outside (), [], {}."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{" and not (i and text[i - 1] == "\\"):
            depth += 1
        elif ch in ")]}" and not (i and text[i - 1] == "\\"):
            depth -= 1
        elif depth == 0:
            yield i, ch


def split_sides(text: str) -> list[str]:
    """The sides of an equation a = b = c, after any leading \\therefore; NotChecked when
    it is not an equality at all."""
    s = text.strip()
    s = re.sub(r":=|\\coloneqq|\\triangleq|\\stackrel\{[^{}]*\}\{=\}|\\overset\{[^{}]*\}\{=\}", "=", s)
    while True:
        stripped = s.lstrip()
        for p in PREFIXES:
            if stripped.startswith(p) and not stripped[len(p):len(p) + 1].isalpha():
                stripped = stripped[len(p):]
                break
        else:
            m = re.match(r"(?i)(%s)\b[\s,:]*" % "|".join(PREFIX_WORDS), stripped)
            if m and "=" in stripped[m.end():]:
                stripped = stripped[m.end():]
            else:
                break
        s = stripped
    s = s.strip().rstrip(".,;").strip()
    top = "".join(ch if depth_ok else " " for depth_ok, ch in _mask(s))
    for rel in OTHER_RELATIONS:
        pat = re.escape(rel) + (r"(?![A-Za-z])" if rel[0] == "\\" else "")
        if re.search(pat, top):
            raise NotChecked(f"not an equality ({rel.lstrip(chr(92))}): only '=' is checked")
    cuts = [i for i, ch in _top_level(s) if ch == "="]
    if not cuts:
        raise NotChecked("not an equation (no '=')")
    parts, start = [], 0
    for i in cuts:
        parts.append(s[start:i])
        start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _mask(s):
    top = {i for i, _ in _top_level(s)}
    return [(i in top, ch) for i, ch in enumerate(s)]


def matrix_notation(text: str) -> bool:
    return any(m in text for m in MATRIX)


def mode_of(text: str) -> str:
    return "latex" if re.search(r"[\\{}]", text) else "ascii"


# ---------------------------------------------------------------------------- building

class Builder:
    """AST -> SymPy in the network's symbols; unknown names are collected, not fatal,
    so one message can name them all."""

    def __init__(self, truth: Truth):
        self.truth = truth
        self.unknown: list[str] = []
        self.known: set[str] = set()
        self.nodes = 0
        self.general: list[str] = []  # symbolic indices: h^{[l]}, w_{jk}

    # a name, with the indices of the enclosing \sum_{k=1}^{K} substituted
    def name(self, n: G.Name, env: dict):
        if not n.ascii and n.base in env and n.sub is None and n.layer is None:
            return sp.Integer(env[n.base])
        if env and not n.ascii:
            sub = n.sub
            if sub is not None:
                sub = ",".join(str(env.get(p, p)) for p in sub.split(","))
            layer = str(env.get(n.layer, n.layer)) if n.layer is not None else None
            n = G.Name(n.base, sub, layer, n.sample, False, n.col)
        if (z := self.truth.delta(n)) is not None:  # δ_j^{[l]}: a page's dL/dz_j^{[l]}
            return deriv_symbol(self.truth.loss, z)
        try:
            key = self.truth.lookup(n)
        except UnknownName as e:
            if n.base == "e" and n.sub is None and n.layer is None:
                return sp.E
            index = _general_index(n)
            if index and index not in self.general:
                self.general.append(index)
            if e.message not in self.unknown:
                self.unknown.append(e.message)
            return sp.Symbol("?" + n.base, real=True)
        self.known.add(key)
        return self.truth.sym[key]

    def key(self, n: G.Name) -> str | None:
        s = self.name(n, {})
        if s is sp.E:
            self.unknown.append(f"{n.base}: no such name in the network")
        return self.truth.key_of.get(s)

    def deriv(self, node: G.Deriv, env: dict):
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
        env = env or {}
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unreadable(f"too large to judge (more than {MAX_NODES} terms and factors)")
        kind = type(node)
        if kind is G.Num:
            return sp.Rational(node.value.numerator, node.value.denominator)
        if kind is G.Name:
            return self.name(node, env)
        if kind is G.Neg:
            return -self.expr(node.x, env)
        if kind is G.Add:
            return sp.Add(*[self.expr(t, env) for t in node.terms])
        if kind is G.Mul:
            return sp.Mul(*[self.expr(f, env) for f in node.factors])
        if kind is G.Div:
            return sp.Mul(self.expr(node.num, env), sp.Pow(self.expr(node.den, env), -1))
        if kind is G.Pow:
            base, exp = self.expr(node.base, env), self.expr(node.exp, env)
            if exp.is_Number and not abs(exp) <= G.MAX_EXPONENT:
                raise Unreadable(f"exponent {exp} too large (limit {G.MAX_EXPONENT})")
            if base is sp.E:
                return sp.exp(exp)
            return sp.Pow(base, exp)
        if kind is G.Call:
            return self.call(node, env)
        if kind is G.Deriv:
            return self.deriv(node, env)
        if kind is G.Sum:
            return self.sum(node, env)
        if kind is G.Indicator:
            a, b = self.expr(node.left, env), self.expr(node.right, env)
            if node.rel in ("<", "<="):
                a, b = b, a
            return sp.Heaviside(a - b, 0 if len(node.rel) == 1 else 1)
        raise Unreadable(f"cannot read {kind.__name__}")

    def call(self, node: G.Call, env):
        arg = self.expr(node.arg, env)
        fn = FUNCTIONS[node.fn]
        if not node.prime:
            return fn(arg)
        d = sp.Dummy("u", real=True)  # f'(arg): the CAS's derivative of f, at arg
        if node.fn in ops.SLOPE:
            return ops.SLOPE[node.fn](fn(arg), arg)
        return sp.diff(fn(d), d).xreplace({d: arg})

    def sum(self, node: G.Sum, env):
        samples = node.hi in ("N",) or (node.hi is None and any(
            type(n) is G.Name and n.sample == node.var for n in G.walk(node.body)))
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


def build_side(truth: Truth, text: str, ast, builder: Builder, ascii: bool) -> Side:
    expr = builder.expr(ast)
    kind = type(ast)
    side = Side(text, expr, "expression", ascii=ascii, batch=expr.has(SampleSum))
    side.names = frozenset(truth.key_of[s] for s in expr.free_symbols if s in truth.key_of)
    if kind is G.Deriv and ast.expr is None:
        side.form = "derivative"
        side.of, side.wrt = deriv_of(expr) or (None, None)
        if side.of is None:  # d h/d h = 1 or an unknown name
            side.form = "expression"
    elif kind is G.Deriv:
        side.form, side.wrt = "expr_derivative", builder.key(ast.wrt)
        side.inner = builder.expr(ast.expr)
    elif kind is G.Name and expr in truth.key_of:
        side.form, side.of = "node", truth.key_of[expr]
    elif not any(type(n) in (G.Name, G.Deriv) for n in G.walk(ast)):
        # a decimal is a value at one point (the worked example); 0 or 1/2 is an identity
        side.form = "number" if re.search(r"\d?\.\d", text) else "constant"
    else:
        chains = _chains(ast, builder)
        if chains:
            side.form, side.factors = "chain", chains
    return side


def _chains(ast, builder) -> tuple:
    """For a product of derivatives (or a sum of such products): the (of, wrt) pairs of
    each product in written order; () when the side is anything else."""
    terms = ast.terms if type(ast) is G.Add else (ast,)
    out = []
    for term in terms:
        while type(term) is G.Neg:
            term = term.x
        factors = term.factors if type(term) is G.Mul else (term,)
        pairs = []
        for f in factors:
            if type(f) is G.Num:
                continue
            if type(f) is not G.Deriv or f.expr is not None:
                return ()
            of, wrt = builder.key(f.of), builder.key(f.wrt)
            if of is None or wrt is None:
                return ()
            pairs.append((of, wrt))
        if not pairs:
            return ()
        out.append(tuple(pairs))
    return tuple(out)


@dataclass
class Parsed:
    sides: list[Side] = field(default_factory=list)
    ascii: bool = False


def parse_equation(truth: Truth, text: str, mode: str = "latex") -> Parsed:
    """Sides of an equation in the network's symbols. NotChecked: not a claim;
    Unreadable: a claim that cannot be read (the message says where)."""
    text = text.translate(UNICODE)
    if mode == "latex":
        text = text.translate(UNICODE_LATEX)
    if mode == "latex" and matrix_notation(text):
        raise NotChecked("matrix or vector notation: only scalar equations are checked")
    if mode == "latex" and re.search(r"\\begin\{(cases|dcases)\}", text):
        raise NotChecked("a case split (cases): only single expressions are checked")
    src = G.normalize_latex(text) if mode == "latex" else text
    if len(src) > G.MAX_CHARS:
        raise Unreadable(f"equation too long ({len(src)} characters; limit {G.MAX_CHARS})")
    parts = split_sides(src)
    if any(not p for p in parts):
        raise Unreadable("a side of the equation is empty")
    asts, modes = [], []
    for p in parts:
        ast, m = _parse_side(p, mode)
        asts.append(ast)
        modes.append(m)
    builder = Builder(truth)
    try:
        sides = [build_side(truth, p, ast, builder, m == "ascii")
                 for p, ast, m in zip(parts, asts, modes)]
    except (ValueError, TypeError, ArithmeticError) as e:  # SymPy refusing, e.g. H(i)
        raise Unreadable(f"not a real expression of the network ({e})"[:200]) from None
    if builder.general:
        raise NotChecked(f"about a general index ({', '.join(builder.general)}): only "
                         f"equations about particular quantities of the network are checked")
    if builder.unknown:
        if not builder.known:
            raise NotChecked("not about the network: " + "; ".join(builder.unknown))
        raise Unreadable("; ".join(builder.unknown))
    return Parsed(sides, all(m == "ascii" for m in modes))


def _general_index(n: G.Name) -> str | None:
    """A layer or subscript written with letters where the network numbers them
    (h^{[l]}, z^{[l-1]}, w_{jk}): an equation about every layer or unit at once."""
    if n.layer and re.search(r"[A-Za-z]", n.layer):
        return n.layer
    if n.sub and re.fullmatch(r"[ijklmn]{1,2}([+-][0-9])?", n.sub):
        return n.sub
    return None


def _parse_side(text: str, mode: str):
    try:
        return G.parse(text, mode), mode
    except G.ParseError as e:
        if mode == "latex" and not re.search(r"[\\{}]", text):
            try:
                return G.parse(text, "ascii"), "ascii"
            except G.ParseError:
                pass
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise Unreadable(f"cannot read {shown!r}: {e.message}") from None
