"""Reading matrix and vector claims (issue 14, point 3): LaTeX such as
``dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}`` or ``dh = ds W_2^T`` -> a small tree of
``MNode``s that ``matrix_claims`` evaluates with arrays. A hand-written recursive descent
over a token list: bounded in length, tokens and depth; user text is never evaluated.

Atoms are names with their sub- and superscripts kept as written (``dZ^{[2]}``,
``\\nabla_{W^{(2)}} J``, ``W_2^T``); ``matrix_claims`` resolves them in a profile.
Products: juxtaposition and ``\\cdot`` multiply (matrix product), ``*``, ``\\odot`` and
``\\circ`` multiply elementwise (Ng's ``*``), ``\\frac{a}{b}``, ``\\sum_{i} x`` (a sum over
the samples), ``+``, ``-``, functions with a prime (``g^{[1]\\prime}(Z^{[1]})``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 2000
MAX_TOKENS = 600
MAX_DEPTH = 60


class MatrixUnreadable(Exception):
    """Not a matrix claim this reader understands (the scalar checker may read it)."""


@dataclass(frozen=True)
class MNode:
    op: str  # atom num matmul had add sub neg frac sum call pow
    args: tuple = ()
    text: str = ""  # an atom's name as written (normalised), a function's name
    prime: bool = False  # a function's derivative


_TOKEN = re.compile(r"""
    (?P<space>\s+|\\[,;:!]|\\quad|\\qquad|~)
  | (?P<cmd>\\[A-Za-z]+)
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<word>[A-Za-z]+)
  | (?P<sym>[{}\[\]()^_+\-*/=',|.])
""", re.X)

# commands that are operators or structure, not names
_ELEMENTWISE = {r"\odot", r"\circ", "*"}
_PRODUCT = {r"\cdot", r"\times"}
_DROP = {r"\left", r"\right", r"\big", r"\Big", r"\bigl", r"\bigr", r"\mathrm", r"\mathbf",
         r"\boldsymbol", r"\bm"}
FUNCTIONS = {"g", "f", r"\sigma", r"\tanh", r"\operatorname", "softmax", r"\phi"}


def tokens(text: str) -> list[str]:
    if len(text) > MAX_CHARS:
        raise MatrixUnreadable(f"longer than {MAX_CHARS} characters")
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise MatrixUnreadable(f"cannot read {text[pos:pos + 10]!r}")
        pos = m.end()
        kind = m.lastgroup
        tok = m.group()
        if kind == "space" or tok in _DROP:
            continue
        if kind == "word" and len(out) and out[-1] == r"\operatorname":
            pass
        out.append(tok)
        if len(out) > MAX_TOKENS:
            raise MatrixUnreadable(f"more than {MAX_TOKENS} tokens")
    return out


class _Parser:
    def __init__(self, toks: list[str]):
        self.t, self.i, self.depth = toks, 0, 0

    def peek(self, k=0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise MatrixUnreadable(f"expected {want or 'more'}, found {tok or 'the end'}")
        self.i += 1
        return tok

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MatrixUnreadable("nested too deeply")

    # equation: expr (= expr)*
    def equation(self) -> list[MNode]:
        sides = [self.expr()]
        while self.peek() == "=":
            self.take()
            sides.append(self.expr())
        if self.peek() is not None:
            raise MatrixUnreadable(f"unexpected {self.peek()}")
        return sides

    def expr(self) -> MNode:
        self.nest()
        if self.peek() in ("+", "-"):
            sign = self.take()
            node = self.term()
            if sign == "-":
                node = MNode("neg", (node,))
        else:
            node = self.term()
        while self.peek() in ("+", "-"):
            op = "add" if self.take() == "+" else "sub"
            node = MNode(op, (node, self.term()))
        self.depth -= 1
        return node

    def term(self) -> MNode:
        node = self.factor()
        while True:
            tok = self.peek()
            if tok in _ELEMENTWISE:
                self.take()
                node = MNode("had", (node, self.factor()))
            elif tok in _PRODUCT:
                self.take()
                node = MNode("matmul", (node, self.factor()))
            elif tok == "/":
                self.take()
                node = MNode("frac", (node, self.factor()))
            elif tok is not None and tok not in ("+", "-", "=", ")", "}", "]", ",", "|"):
                node = MNode("matmul", (node, self.factor()))  # juxtaposition
            else:
                return node

    def group(self) -> list[str]:
        """The raw tokens of a {...} group (or one token)."""
        if self.peek() != "{":
            return [self.take()]
        self.take("{")
        out, level = [], 1
        while True:
            tok = self.take()
            if tok == "{":
                level += 1
            elif tok == "}":
                level -= 1
                if level == 0:
                    return out
            out.append(tok)

    def sub_expr(self, toks: list[str]) -> MNode:
        p = _Parser(toks)
        p.depth = self.depth
        node = p.expr()
        if p.peek() is not None:
            raise MatrixUnreadable(f"unexpected {p.peek()}")
        return node

    def factor(self) -> MNode:
        self.nest()
        tok = self.peek()
        if tok in (r"\frac", r"\tfrac", r"\dfrac"):
            self.take()
            num, den = self.sub_expr(self.group()), self.sub_expr(self.group())
            node = MNode("frac", (num, den))
        elif tok == r"\sum":
            self.take()
            index = ""
            while self.peek() in ("_", "^"):  # limits; a matrix claim sums over the samples
                where = self.take()
                limit = self.group()
                if where == "_" and limit and re.fullmatch(r"[A-Za-z]", limit[0]):
                    index = limit[0]  # the index an index claim sums over
            node = MNode("sum", (self.term(),), text=index)  # the product that follows
        elif tok in ("(", "[", "{"):
            close = {"(": ")", "[": "]", "{": "}"}[tok]
            self.take()
            inner = self.expr()
            self.take(close)
            node = self.postfix(inner)
        elif tok == "-":  # a negative factor: 0.5 \cdot -0.02
            self.take()
            node = MNode("neg", (self.factor(),))
        elif tok is not None and re.fullmatch(r"\d+(\.\d+)?|\.\d+", tok):
            node = MNode("num", (float(self.take()),))
        else:
            node = self.atom()
        self.depth -= 1
        return node

    def postfix(self, node: MNode) -> MNode:
        """A transpose or square after a parenthesis: (W^{[2]})^T, (A)^2."""
        while self.peek() == "^":
            self.take()
            g = self.group()
            if g == ["T"]:
                node = MNode("transpose", (node,))
            elif g == ["2"]:
                node = MNode("pow", (node, MNode("num", (2.0,))))
            else:
                raise MatrixUnreadable("a power that is not ^T or ^2")
        return node

    def scripts(self) -> str:
        """Sub/superscripts and primes after a base, as written (normalised)."""
        out = ""
        while self.peek() in ("_", "^", "'") or self.peek() == r"\prime":
            tok = self.take()
            if tok in ("'", r"\prime"):
                out += "'"
                continue
            out += tok + "{" + "".join(self.group()) + "}"
        return out

    def atom(self) -> MNode:
        tok = self.take()
        if tok in ("=", "+", "-", ")", "}", "]") or tok in _ELEMENTWISE or tok in _PRODUCT:
            raise MatrixUnreadable(f"unexpected {tok}")
        if tok == r"\nabla":  # \nabla_{W^{(2)}} J: one name
            text = r"\nabla" + self.scripts()
            nxt = self.peek()
            if nxt is not None and re.fullmatch(r"[A-Za-z]+|\\[A-Za-z]+", nxt):
                text += self.take() + self.scripts()
            return MNode("atom", text=text)
        if tok in (r"\hat", r"\tilde", r"\bar"):
            text = tok + "{" + "".join(self.group()) + "}"
            return MNode("atom", text=text + self.scripts())
        if tok == r"\operatorname" or tok == r"\text" or tok == r"\mathrm":
            tok = "".join(self.group())
        base = tok
        scripts = self.scripts()
        if self.peek() == "(" and (base in FUNCTIONS or base in ("softmax", "relu", "tanh")):
            self.take("(")
            arg = self.expr()
            self.take(")")
            return MNode("call", (arg,), text=base + scripts.replace("'", ""),
                         prime="'" in scripts)
        return MNode("atom", text=base + scripts)


def parse_sides(text: str) -> list[MNode]:
    """The sides of ``a = b = ...``; MatrixUnreadable when it is no such claim."""
    toks = tokens(text.strip().rstrip(".,;"))
    if not toks:
        raise MatrixUnreadable("empty")
    return _Parser(toks).equation()
