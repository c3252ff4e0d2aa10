"""Walkers over the AST, each dispatching by node class name (``ast.Walker``):

    names(node)                          the free names a formula uses
    calls(node, fns)                     the calls of some functions (kinks, domains)
    ToSympy                              the SymPy expression, with SymPy constructors only
    to_sympy(node, symbols, functions)   ... of a formula, names looked up in ``symbols``
    evaluate(node, values)               a formula's value with NumPy alone (an oracle)
    to_text(node)                        canonical plain text: parse(to_text(n)) == n

All fold bottom-up with an explicit stack, so long flat chains (a + b + ... + z) are fine.
"""

from __future__ import annotations

from ..errors import SpecError
from . import vocabulary
from .ast import Call, Fold, Name, walk
from .formula_grammar import LIMITS, show, suggest


def names(node) -> set[str]:
    """The free names a formula uses."""
    return {n.id for n in walk(node) if type(n) is Name}


def calls(node, fns) -> list:
    """The calls of the functions ``fns`` inside ``node``, outermost first."""
    return [n for n in walk(node) if type(n) is Call and n.fn in fns]


def _lookup(table, node, where):
    try:
        return table[node.id]
    except KeyError:
        at = f" (column {node.col})" if node.col else ""
        hint = suggest(node.id, table)
        if not hint:
            known = sorted(map(str, table))
            more = ", ..." if len(known) > 12 else ""
            hint, at = "", f"{at}; known names: {', '.join(known[:12]) or 'none'}{more}"
        raise SpecError(f"unknown name '{show(node.id)}'{hint}{at}", where) from None


class _Terms(list):
    """The operands of a chain a + b - c ... (or a*b/c ...), added (multiplied) once at
    the end: SymPy's Add(Add(a, b), c) re-flattens at every step, quadratic in the chain."""

    def __init__(self, group, first):
        super().__init__([first])
        self.group = group


class ToSympy(Fold):
    """AST -> SymPy, built only with SymPy constructors. A subclass says what a name is
    (``_walk_Name``) and may add the claim-only nodes; ``chains`` says which operators
    are gathered into one Add or Mul (the grammar's chains); ``exponent`` bounds a
    numeric exponent that names made (x^(y - y + 1e9), or names mapped to numbers)."""

    def __init__(self, functions: dict, chains: dict, exponent: int):
        super().__init__()
        import sympy

        self.sp, self.functions, self.chains, self.exponent = sympy, functions, chains, exponent

    def fold(self, root):
        return self.done(super().fold(root))

    def done(self, x):
        if type(x) is _Terms:
            return (self.sp.Add if x.group == "+" else self.sp.Mul)(*x)
        return x

    def too_large(self, b):
        raise ValueError(f"exponent {b} too large")

    def negate(self, x):
        return self.sp.Mul(self.sp.S.NegativeOne, x)

    def _walk_Num(self, n, args):
        value = n.exact
        return self.sp.Rational(value.numerator, value.denominator)

    def _walk_Neg(self, n, args):
        return self.negate(self.done(args[0]))

    def _walk_Call(self, n, args):
        return self.functions[n.fn](self.done(args[0]))

    def _walk_BinOp(self, n, args):
        sp = self.sp
        a, b = args[0], self.done(args[1])
        if n.op == "^":
            if b.is_Number and not (b.is_finite and abs(float(b)) <= self.exponent):
                self.too_large(b)
            return self.power(self.done(a), b)
        group = self.chains.get(n.op)
        if n.op == "-":
            b = self.negate(b)
        elif n.op == "/":
            b = sp.Pow(b, sp.S.NegativeOne)
        if group is None:  # an operator that is no chain (a claim's a/b): one product
            return sp.Mul(self.done(a), b)
        terms = a if type(a) is _Terms and a.group == group else _Terms(group, self.done(a))
        terms.append(b)
        return terms

    def power(self, base, exp):
        return self.sp.Pow(base, exp)


class _FormulaToSympy(ToSympy):
    def __init__(self, symbols, functions, where):
        super().__init__(functions, LIMITS.chains, LIMITS.exponent)
        self.symbols, self.where = symbols, where

    def too_large(self, b):
        # parse() bounds what literals make; this catches names that cancel
        raise SpecError(f"exponent {b} too large (limit |e| <= {self.exponent})", self.where)

    def _walk_Name(self, n, args):
        return _lookup(self.symbols, n, self.where)

    def _walk_Call(self, n, args):
        if n.fn not in self.functions:
            raise SpecError(f"function '{n.fn}' is not available here"
                            f" (available: {', '.join(sorted(self.functions))})", self.where)
        return super()._walk_Call(n, args)


def to_sympy(node, symbols: dict, functions: dict | None = None, *, where: str | None = None):
    """The SymPy expression of a formula. ``symbols`` maps names to SymPy objects;
    ``functions`` maps function names to callables (default: the vocabulary's)."""
    if functions is None:
        functions = vocabulary.FORMULA_SYMPY
    return _FormulaToSympy(symbols, functions, where).fold(node)


class _Evaluate(Fold):
    """The formula's value with NumPy alone (float arrays), an oracle independent of SymPy."""

    def __init__(self, values, where):
        super().__init__()
        import numpy

        self.np, self.values, self.where = numpy, values, where
        self.ops = {"+": numpy.add, "-": numpy.subtract, "*": numpy.multiply,
                    "/": numpy.divide, "^": numpy.power}

    def _walk_Num(self, n, args):
        return self.np.float64(n.exact)

    def _walk_Name(self, n, args):
        return self.np.asarray(_lookup(self.values, n, self.where), dtype=float)

    def _walk_Neg(self, n, args):
        return self.np.negative(args[0])

    def _walk_Call(self, n, args):
        return vocabulary.BY_NAME[n.fn].numpy(args[0])

    def _walk_BinOp(self, n, args):
        return self.ops[n.op](*args)


def evaluate(node, values: dict, *, where: str | None = None):
    """The formula's value with NumPy alone (float arrays), an oracle independent of SymPy."""
    e = _Evaluate(values, where)
    return e.np.asarray(e.fold(node), dtype=float)


# precedence levels for printing: sum < product < sign < power < atom
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


class _Text(Fold):
    """(text, precedence) of each node, with only the parentheses the grammar needs."""

    @staticmethod
    def wrap(part, need):
        text, prec = part
        return f"({text})" if prec < need else text

    def _walk_Num(self, n, args):
        return n.value, 3 if n.value.startswith("-") else 5

    def _walk_Name(self, n, args):
        return n.id, 5

    def _walk_Call(self, n, args):
        return f"{n.fn}({args[0][0]})", 5

    def _walk_Neg(self, n, args):
        return "-" + self.wrap(args[0], 3), 3

    def _walk_BinOp(self, n, args):
        p = _PREC[n.op]
        if n.op == "^":  # right-associative; the base must be an atom, the exponent a signed power
            return f"{self.wrap(args[0], 5)}^{self.wrap(args[1], 3)}", 4
        sep = f" {n.op} " if p == 1 else n.op
        return f"{self.wrap(args[0], p)}{sep}{self.wrap(args[1], p + 1)}", p


def to_text(node) -> str:
    """Canonical plain text with only the parentheses the grammar needs; parse(to_text(n)) == n."""
    return _Text().fold(node)[0]
