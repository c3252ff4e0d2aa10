"""Plain-math formulas from user specs (``f = "q * z"``), parsed safely.

User text is untrusted. It goes through the small lark grammar below, never through
eval, exec, sympify or parse_expr, into an immutable AST of frozen dataclasses:

    Num("0.5")  Name("x")  Neg(x)  BinOp("+" | "-" | "*" | "/" | "^", left, right)  Call("exp", x)

The LALR parser is iterative and builds the AST while it reduces (no parse tree, no
recursive transform). Every node's nesting depth and a bound on the numbers SymPy would
compute for it are checked as the node is built, so bombs like ``9^9^9^9``, a deep tower,
or ``exp(999999999*log(2))`` (which SymPy turns into ``2**999999999``) are rejected
before any work is done. The walkers (``names``, ``to_sympy``, ``evaluate``,
``to_text``) use an explicit stack, so long flat chains like ``a + b + ... + z`` are fine.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from .errors import SpecError

MAX_LENGTH = 2000        # characters of formula text
MAX_DEPTH = 60           # nesting: parentheses, calls, unary signs, powers, mixed operators
MAX_NUMBER = 10**9       # magnitude of a number literal
MAX_DIGITS = 30          # digits of a number literal's mantissa
MAX_EXPONENT = 100       # |e| of a power whose exponent is a constant
MAX_POWER_DIGITS = 500   # digits of a number SymPy could compute for one constant power
MAX_POWER_WORK = 1000    # ... and for all of them in a formula together

FUNCTIONS = ("abs", "cos", "exp", "log", "relu", "sigmoid", "sin", "sqrt", "tanh")

GRAMMAR = r"""
?start: sum
?sum: product
    | sum ADDOP product     -> binop
?product: unary
    | product MULOP unary   -> binop
?unary: power
    | ADDOP unary           -> sign
?power: atom
    | atom POWOP unary      -> binop
?atom: NUMBER               -> number
    | NAME                  -> name
    | NAME LPAR sum RPAR    -> call
    | LPAR sum RPAR         -> group
ADDOP: "+" | "-"
MULOP: "*" | "/"
POWOP: "**" | "^"
LPAR: "("
RPAR: ")"
NUMBER: /([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][+-]?[0-9]+)?/
NAME: /[A-Za-z][A-Za-z0-9_]*/
%ignore /[ \t\r\n]+/
"""


# ---------------------------------------------------------------------------- the AST

@dataclass(frozen=True)
class Num:
    """A number literal, kept exactly as written (``"0.1"``, ``"1e-3"``)."""
    value: str


@dataclass(frozen=True)
class Name:
    """A free name; ``col`` (1-based, 0 if unknown) is for messages and ignored by ==."""
    id: str
    col: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Neg:
    """-x"""
    x: "Node"


@dataclass(frozen=True)
class BinOp:
    """left op right, op one of + - * / ^"""
    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Call:
    """fn(arg), fn one of FUNCTIONS"""
    fn: str
    arg: "Node"
    col: int = field(default=0, compare=False, repr=False)


Node = Num | Name | Neg | BinOp | Call


def _children(node):
    kind = type(node)
    if kind is BinOp:
        return (node.left, node.right)
    if kind is Neg:
        return (node.x,)
    if kind is Call:
        return (node.arg,)
    return ()


def _fold(root, visit):
    """visit(node, results_of_children) bottom-up, with an explicit stack (no recursion)."""
    stack, out = [(root, False)], []
    while stack:
        node, ready = stack.pop()
        kids = _children(node)
        if ready:
            k = len(out) - len(kids)
            args = out[k:]
            del out[k:]
            out.append(visit(node, args))
        else:
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(kids))
    return out[0]


# ---------------------------------------------------------------------------- errors

def _caret(text, line, col):
    """The offending line and a caret under column ``col`` (a window of it if long)."""
    src = text.split("\n")[line - 1] if text else ""
    start = max(0, col - 1 - 40)
    shown = src[start:start + 80]
    return f"\n    {shown}\n    {' ' * (col - 1 - start)}^"


def _at(text, line, col):
    if "\n" in text:
        return f"line {line}, column {col}"
    return f"column {col}"


class _Fail(Exception):
    """Raised inside the parser callbacks; turned into a SpecError with a caret by parse()."""

    def __init__(self, message, token=None, line=1, col=1):
        super().__init__(message)
        self.message = message
        self.line = getattr(token, "line", None) or line
        self.col = getattr(token, "column", None) or col


def _suggest(word, known):
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------------------- parsing

class _Built:
    """A node under construction, with what the limits need.

    SymPy evaluates as it builds: ``2^(x - x + N)`` becomes ``2**N`` and so does
    ``exp(N*log(2))``, so bounds must hold whatever cancels. Digits are bounds on the
    numerators and denominators of any rational SymPy could form from the literals:

    depth  nesting depth;
    size   digits of any number the node could evaluate to (names count 0);
    coef   the same, but not counting what is inside log(...) (log(2) stays symbolic),
           since exp(c*log(b)) evaluates to b**c: c is what matters there;
    logs   digits of the arguments of the log(...) calls inside (None if there are none);
    exps   whether an exp or sigmoid is inside (log(exp(c)) evaluates to c);
    work   total digits of the constant powers SymPy would compute (a fractional power
           of an n-digit integer costs about n**2);
    value  the float value when the node is a constant, else None;
    hi     a bound on the magnitude of any number it could evaluate to, and
    inv    on 1/that (inf when unknown: sums may cancel to anything small).
    """

    __slots__ = ("node", "depth", "size", "coef", "logs", "exps", "work", "value", "hi", "inv")

    def __init__(self, node, depth, size=0, coef=0, logs=None, exps=False, work=0, value=None,
                 hi=1.0, inv=1.0):
        self.node, self.depth, self.size, self.coef = node, depth, size, coef
        self.logs, self.exps, self.work, self.value = logs, exps, work, value
        self.hi, self.inv = hi, inv


_GROUP = {"+": "+", "-": "+", "*": "*", "/": "*", "^": "^"}
_EXP_LIKE = ("exp", "sigmoid")   # the caller's sigmoid may well be 1/(1 + exp(-x))
_FLOAT = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "sin": math.sin,
          "cos": math.cos, "sqrt": math.sqrt, "abs": abs, "relu": lambda v: max(v, 0.0),
          "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0}


def _float_op(op, a, b):
    """Constant folding in floats, only to check limits; overflow is inf, never an error."""
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        r = a ** b
        return r if isinstance(r, float) else None  # negative ** fraction: complex
    except OverflowError:
        return math.inf


def _float_call(fn, v):
    try:
        return _FLOAT[fn](v)
    except OverflowError:
        return math.inf
    except ValueError:  # log(0), sqrt(-1): not a real number
        return None


def _mul(a, b):
    return 0.0 if 0 in (a, b) else a * b  # overflows to inf, never raises


def _pow(a, e):
    try:
        return max(a, 1.0) ** e
    except OverflowError:
        return math.inf


def _logs(*parts):
    found = [b.logs for b in parts if b.logs is not None]
    return sum(found) if found else None


def _number(tok):
    text = str(tok)
    mantissa, _, exp = text.lower().partition("e")
    digits = sum(ch.isdigit() for ch in mantissa)
    if digits > MAX_DIGITS:
        raise _Fail(f"number too long at {{at}} ({digits} digits; limit {MAX_DIGITS})", tok)
    if len(exp.lstrip("+-")) > 2:
        raise _Fail("number's exponent too long at {at} (at most 2 digits)", tok)
    value = Fraction(Decimal(text))
    if value > MAX_NUMBER:
        raise _Fail(f"number {text} too large at {{at}} (limit 1e9)", tok)
    size = len(str(value.numerator)) + (len(str(value.denominator)) if value.denominator > 1 else 0)
    v = float(value)
    return _Built(Num(text), 1, size, size, value=v, hi=v, inv=1 / v if v else math.inf)


def _name(tok):
    if tok in FUNCTIONS:
        raise _Fail(f"'{tok}' is a function; call it as {tok}(...) at {{at}}", tok)
    return _Built(Name(str(tok), tok.column), 1)


def _power(base_digits, e, tok, what="power too large"):
    """Digits of base**e for a base of ``base_digits`` digits, within MAX_POWER_DIGITS."""
    digits = base_digits * max(1, math.ceil(e))  # e may be inf: then so is digits
    if digits > MAX_POWER_DIGITS:
        shown = f"about {digits:.0f}" if digits < 1e6 else "millions of"
        raise _Fail(f"{what} at {{at}} (its numbers could have {shown} digits;"
                    f" limit {MAX_POWER_DIGITS})", tok)
    return int(digits)


def _bound(digits):
    """The largest number of so many digits, as a float that cannot overflow."""
    return 10.0 ** min(digits, 300)


def _call(tok, _lpar, arg, _rpar):
    fn = str(tok)
    if fn not in FUNCTIONS:
        raise _Fail(f"unknown function '{_show(fn)}' at {{at}}{_suggest(fn, FUNCTIONS)}"
                    f" (allowed: {', '.join(FUNCTIONS)})", tok)
    size, coef, logs, work = arg.size, arg.coef, arg.logs, arg.work
    if fn == "sqrt" and size:
        work += _power(size, 1, tok)
    elif fn == "log":
        logs = (logs or 0) + size
        coef = coef if arg.exps else 0
    elif fn in _EXP_LIKE and logs is not None:
        # exp(c*log(b)) is b**c: c has at most arg.coef digits, b at most `logs`
        size = coef = size + _power(logs, _bound(arg.coef), tok,
                                    f"{fn}(c*log(b)) is b**c, a power too large")
        work += size - arg.size if logs else 0
        logs = None
    value = None if arg.value is None else _float_call(fn, arg.value)
    # exp(0) = 1, log(exp(c)) = c, sigmoid(0) = 1/2: at most the argument's numbers, or 2
    hi, inv = max(2.0, arg.hi), max(2.0, arg.inv)
    if fn in _EXP_LIKE and arg.logs is not None:
        hi = inv = math.inf
    built = _Built(Call(fn, arg.node, tok.column), arg.depth + 1, size, coef, logs,
                   arg.exps or fn in _EXP_LIKE, work, value, hi, inv)
    return _checked(built, tok)


def _group(_lpar, inner, _rpar):
    return inner


def _sign(op, x):
    if op == "+":
        return x
    value = None if x.value is None else -x.value
    return _checked(_Built(Neg(x.node), x.depth + 1, x.size, x.coef, x.logs, x.exps,
                           x.work, value, x.hi, x.inv), op)


def _binop(left, optok, right):
    op = "^" if optok in ("**", "^") else str(optok)
    if op == "/" and right.value == 0:
        raise _Fail("division by zero at {at}", optok)
    value = None
    if left.value is not None and right.value is not None:
        if op == "^" and left.value == 0 and right.value < 0:
            raise _Fail("division by zero (0 to a negative power) at {at}", optok)
        value = _float_op(op, left.value, right.value)
    size, coef, work = left.size + right.size, left.coef + right.coef, left.work + right.work
    if op in "+-":
        hi, inv = left.hi + right.hi, math.inf
    elif op == "*":
        hi, inv = _mul(left.hi, right.hi), _mul(left.inv, right.inv)
    elif op == "/":
        hi, inv = _mul(left.hi, right.inv), _mul(left.inv, right.hi)
    if op == "^":
        depth = max(left.depth, right.depth) + 1
        if right.value is not None:
            e = abs(right.value)
            if not e <= MAX_EXPONENT:  # also catches inf and nan
                raise _Fail(f"exponent too large at {{at}} (limit |e| <= {MAX_EXPONENT})", optok)
        else:  # names may cancel (x - x + 9): any number the exponent makes could remain
            e = min(_bound(right.size), right.hi)
        hi = inv = _pow(max(left.hi, left.inv), e)
        if left.size:
            digits = _power(left.size, e, optok)
            size, work = digits + right.size, work + digits
            coef = _power(left.coef, e, optok) + right.coef
    else:
        # a left-associative chain a + b - c + ... is one level, not one per operator
        chained = type(left.node) is BinOp and _GROUP[left.node.op] == _GROUP[op]
        depth = max(left.depth if chained else left.depth + 1, right.depth + 1)
    built = _Built(BinOp(op, left.node, right.node), depth, size, coef, _logs(left, right),
                   left.exps or right.exps, work, value, hi, inv)
    return _checked(built, optok)


def _checked(built, tok):
    if built.depth > MAX_DEPTH:
        raise _Fail(f"formula nested too deeply at {{at}} (limit {MAX_DEPTH})", tok)
    if built.work > MAX_POWER_WORK:
        raise _Fail(f"too many large constant powers at {{at}} (about {built.work} digits"
                    f" in all; limit {MAX_POWER_WORK})", tok)
    return built


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    class Build:
        """LALR reduction callbacks: each gets its rule's children and returns a _Built."""
        number = staticmethod(lambda kids: _number(*kids))
        name = staticmethod(lambda kids: _name(*kids))
        call = staticmethod(lambda kids: _call(*kids))
        group = staticmethod(lambda kids: _group(*kids))
        sign = staticmethod(lambda kids: _sign(*kids))
        binop = staticmethod(lambda kids: _binop(*kids))

    return Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=Build(),
                maybe_placeholders=False)


def _expected(terminals):
    """What the parser would have accepted, in words."""
    if "NUMBER" in terminals:
        return "a number, a name or '('"
    words = ["an operator"] if terminals & {"ADDOP", "MULOP", "POWOP"} else []
    words += ["')'"] if "RPAR" in terminals else []
    return " or ".join(words)


def _show(word, limit=40):
    word = str(word)
    return word if len(word) <= limit else word[:limit] + "..."


def _prescan(text):
    """Balanced parentheses, nested at most MAX_DEPTH deep, in one cheap pass."""
    opened, line, col0 = [], 1, -1
    for i, ch in enumerate(text):
        if ch == "\n":
            line, col0 = line + 1, i
        elif ch == "(":
            opened.append((line, i - col0))
            if len(opened) > MAX_DEPTH:
                raise _Fail(f"parentheses nested too deeply at {{at}} (limit {MAX_DEPTH})",
                            line=line, col=i - col0)
        elif ch == ")":
            if not opened:
                raise _Fail("unexpected ')' at {at}: no '(' to match it", line=line, col=i - col0)
            opened.pop()
    if opened:
        line, col = opened[-1]
        raise _Fail("'(' at {at} is never closed", line=line, col=col)


def parse(text: str, *, where: str = "<formula>") -> Node:
    """Parse untrusted formula text into an AST; any problem is a SpecError naming the column."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if not isinstance(text, str):
        raise SpecError(f"a formula must be a string, not {type(text).__name__}", where)
    if len(text) > MAX_LENGTH:
        raise SpecError(f"formula too long ({len(text)} characters; limit {MAX_LENGTH})", where)
    if not text.strip():
        raise SpecError("empty formula", where)
    try:
        _prescan(text)
        return _parser().parse(text).node
    except _Fail as e:
        line, col, message = e.line, e.col, e.message
    except UnexpectedCharacters as e:
        line, col = e.line, e.column
        message = f"unexpected character {text[e.pos_in_stream]!r} at {{at}}"
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            lines = text.rstrip().split("\n")
            line, col = len(lines), len(lines[-1]) + 1
            message = "unexpected end of formula at {at}"
        else:
            line, col = tok.line, tok.column
            what = {"NAME": "name ", "NUMBER": "number "}.get(tok.type, "")
            message = f"unexpected {what}'{_show(tok)}' at {{at}}"
        if tok.type in ("NAME", "NUMBER", "LPAR") and "MULOP" in e.expected:
            message += " (missing '*'?)"
        elif _expected(set(e.expected)):
            message += f"; expected {_expected(set(e.expected))}"
    raise SpecError(message.replace("{at}", _at(text, line, col)) + _caret(text, line, col), where)


# ---------------------------------------------------------------------------- walkers

def names(node: Node) -> set[str]:
    """The free names a formula uses."""
    found = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is Name:
            found.add(n.id)
        stack.extend(_children(n))
    return found


def _lookup(table, node, where):
    try:
        return table[node.id]
    except KeyError:
        at = f" (column {node.col})" if node.col else ""
        hint = _suggest(node.id, table)
        if not hint:
            known = sorted(map(str, table))
            more = ", ..." if len(known) > 12 else ""
            hint, at = "", f"{at}; known names: {', '.join(known[:12]) or 'none'}{more}"
        raise SpecError(f"unknown name '{_show(node.id)}'{hint}{at}", where) from None


def _exact(text):
    """A literal as an exact SymPy number: "0.1" -> Rational(1, 10), "1e3" -> Integer(1000)."""
    import sympy

    value = Fraction(Decimal(text))
    return sympy.Rational(value.numerator, value.denominator)


class _Terms(list):
    """The operands of a chain a + b - c ... (or a*b/c ...), added (multiplied) once at
    the end: SymPy's Add(Add(a, b), c) re-flattens at every step, quadratic in the chain."""

    def __init__(self, op, first):
        super().__init__([first])
        self.op = op


def to_sympy(node: Node, symbols: dict, functions: dict, *, where: str | None = None):
    """The SymPy expression for ``node``, built only with SymPy constructors.

    ``symbols`` maps names to SymPy objects; ``functions`` maps function names
    (``exp``, ``sigmoid``, ...) to callables such as ``sympy.exp`` or a sympy.Function.
    """
    import sympy

    minus_one = sympy.S.NegativeOne
    join = {"+": sympy.Add, "*": sympy.Mul}

    def done(x):
        return join[x.op](*x) if type(x) is _Terms else x

    def visit(n, args):
        kind = type(n)
        if kind is Num:
            return _exact(n.value)
        if kind is Name:
            return _lookup(symbols, n, where)
        if kind is Neg:
            return sympy.Mul(minus_one, done(args[0]))
        if kind is Call:
            if n.fn not in functions:
                raise SpecError(f"function '{n.fn}' is not available here"
                                f" (available: {', '.join(sorted(functions))})", where)
            return functions[n.fn](done(args[0]))
        a, b = args[0], done(args[1])
        if n.op == "^":
            if b.is_Number and not (b.is_finite and abs(float(b)) <= MAX_EXPONENT):
                # parse() bounds what literals make; this catches names that cancel
                # (x^(y - y + 1e9)) or that the caller maps to numbers
                raise SpecError(f"exponent {b} too large (limit |e| <= {MAX_EXPONENT})", where)
            return sympy.Pow(done(a), b)
        group = _GROUP[n.op]
        terms = a if type(a) is _Terms and a.op == group else _Terms(group, done(a))
        if n.op == "-":
            b = sympy.Mul(minus_one, b)
        elif n.op == "/":
            b = sympy.Pow(b, minus_one)
        terms.append(b)
        return terms

    return done(_fold(node, visit))


def _np_sigmoid(x):
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))


def _np_relu(x):
    import numpy as np

    return np.maximum(x, 0.0)


def evaluate(node: Node, values: dict, *, where: str | None = None):
    """The formula's value with NumPy alone (float arrays), an oracle independent of SymPy."""
    import numpy as np

    fns = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": _np_sigmoid,
           "relu": _np_relu, "sin": np.sin, "cos": np.cos, "sqrt": np.sqrt, "abs": np.abs}
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}

    def visit(n, args):
        kind = type(n)
        if kind is Num:
            return np.float64(Fraction(Decimal(n.value)))
        if kind is Name:
            return np.asarray(_lookup(values, n, where), dtype=float)
        if kind is Neg:
            return np.negative(args[0])
        if kind is Call:
            return fns[n.fn](args[0])
        return ops[n.op](*args)

    return np.asarray(_fold(node, visit), dtype=float)


# precedence levels for printing: sum < product < sign < power < atom
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


def to_text(node: Node) -> str:
    """Canonical plain text with only the parentheses the grammar needs; parse(to_text(n)) == n."""

    def wrap(part, need):
        text, prec = part
        return f"({text})" if prec < need else text

    def visit(n, args):
        kind = type(n)
        if kind is Num:
            return n.value, 3 if n.value.startswith("-") else 5
        if kind is Name:
            return n.id, 5
        if kind is Call:
            return f"{n.fn}({args[0][0]})", 5
        if kind is Neg:
            return "-" + wrap(args[0], 3), 3
        p = _PREC[n.op]
        if n.op == "^":  # right-associative; the base must be an atom, the exponent a signed power
            return f"{wrap(args[0], 5)}^{wrap(args[1], 3)}", 4
        sep = f" {n.op} " if p == 1 else n.op
        return f"{wrap(args[0], p)}{sep}{wrap(args[1], p + 1)}", p

    return _fold(node, visit)[0]
