"""The one AST of user expressions: graph-spec formulas and the claims of hand derivations.

Immutable dataclasses; both grammars (``formula_grammar``, ``claim_grammar``) build them:

    Num("0.5")  Name("x")  Neg(x)  BinOp("+" | "-" | "*" | "/" | "^", left, right)
    Call("exp", x)  Call("sigmoid", z, prime=True)          sigma'(z)
    Deriv(of, wrt)  Deriv(None, wrt, expr)                  dL/dw, d(expr)/dw
    Sum(var, lo, hi, body)  Indicator(left, rel, right)     \\sum_{n=1}^{N}, 1[z > 0]

Walkers dispatch on the node's class name the way SymPy's ``Printer._print`` does: a
``Walker`` subclass defines ``_walk_Num``, ``_walk_BinOp``, ...; the method is found
through the class's MRO (so ``_walk_Node`` catches every node), else ``_walk_fallback``.
``Fold`` walks bottom-up with an explicit stack, so long chains (a + b + ... + z, each
a BinOp on the left of the next) never recurse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Node:
    """Base of every node: a walker's ``_walk_Node`` gets what nothing nearer takes."""

    def children(self) -> tuple:
        return ()


@dataclass(frozen=True)
class Num(Node):
    """A number literal, kept exactly as written (``"0.1"``, ``"1e-3"``)."""
    value: str

    @property
    def exact(self) -> Fraction:
        """The literal as an exact fraction: "0.1" -> 1/10 (never a float)."""
        return Fraction(Decimal(self.value))


@dataclass(frozen=True)
class Name(Node):
    """A written name. Formulas use ``id`` alone; a claim's name also has its subscript,
    layer label ``[l]`` and sample index ``(n)`` as written, and ``ascii`` for the plain
    form (w1[2], y_true). ``col`` (1-based, 0 if unknown) is for messages, ignored by ==."""
    id: str
    sub: str | None = None
    layer: str | None = None
    sample: str | None = None
    ascii: bool = False
    col: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Neg(Node):
    """-x"""
    x: Node

    def children(self):
        return (self.x,)


@dataclass(frozen=True)
class BinOp(Node):
    """left op right, op one of + - * / ^ (a chain a + b + c is BinOp(+, BinOp(+, a, b), c))."""
    op: str
    left: Node
    right: Node

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    """fn(arg), or the derivative fn'(arg) when ``prime``; fn is a vocabulary name."""
    fn: str
    arg: Node
    prime: bool = False
    col: int = field(default=0, compare=False, repr=False)

    def children(self):
        return (self.arg,)


@dataclass(frozen=True)
class Deriv(Node):
    """d(of)/d(wrt) for a name ``of``, or d(expr)/d(wrt) for an explicit expression."""
    of: Name | None
    wrt: Name
    expr: Node | None = None
    partial: bool = False

    def children(self):
        return tuple(n for n in (self.of, self.wrt, self.expr) if n is not None)


@dataclass(frozen=True)
class Sum(Node):
    """\\sum_{var=lo}^{hi} body; ``lo``/``hi`` are the bounds as written (None: none)."""
    var: str
    lo: str | None
    hi: str | None
    body: Node

    def children(self):
        return (self.body,)


@dataclass(frozen=True)
class Indicator(Node):
    """\\mathbb{1}[left rel right], rel one of > >= < <=."""
    left: Node
    rel: str
    right: Node

    def children(self):
        return (self.left, self.right)


def walk(node: Node):
    """Every node (pre-order), with an explicit stack."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def operands(node: Node, ops: str) -> list:
    """The operands of a left-associative chain of the operators ``ops``:
    operands(a + b - c, "+-") == [a, b, c]; a node that is no such chain is its own one."""
    out = []
    while type(node) is BinOp and node.op in ops:
        out.append(node.right)
        node = node.left
    out.append(node)
    return out[::-1]


class Walker:
    """Dispatch by class name through the MRO, like SymPy's ``Printer._print``."""

    def __init__(self):
        self._methods: dict = {}

    def method(self, node):
        kind = type(node)
        found = self._methods.get(kind)
        if found is None:
            for cls in kind.__mro__:
                found = getattr(self, f"_walk_{cls.__name__}", None)
                if found is not None:
                    break
            else:
                found = self._walk_fallback
            self._methods[kind] = found
        return found

    def __call__(self, node, *args):
        """The walk of one node: ``_walk_<ClassName>(node, *args)``."""
        return self.method(node)(node, *args)

    def _walk_fallback(self, node, *args):
        raise TypeError(f"{type(self).__name__} cannot walk a {type(node).__name__}")


class Fold(Walker):
    """Bottom-up: ``_walk_X(node, results_of_its_children)``, with an explicit stack.

    ``children(node)`` says what is folded first; a subclass may keep a node's insides to
    itself (``opaque``: the class names whose children it walks on its own)."""

    opaque: frozenset = frozenset()

    def children(self, node) -> tuple:
        return () if type(node).__name__ in self.opaque else node.children()

    def fold(self, root):
        stack, out = [(root, False)], []
        while stack:
            node, ready = stack.pop()
            if ready:
                k = len(out) - len(self.children(node))
                args = out[k:]
                del out[k:]
                out.append(self.method(node)(node, args))
            else:
                stack.append((node, True))
                stack.extend((kid, False) for kid in reversed(self.children(node)))
        return out[0]
