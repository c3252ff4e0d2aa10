"""The one bound tracker of both grammars: input length, nesting depth, the size of every
number, and a wall-clock budget, checked while the LALR parser reduces, before SymPy
ever sees a number; and the one prescan (balanced brackets, not nested too deeply).

SymPy evaluates as it builds: ``2^(x - x + N)`` becomes ``2**N`` and so does
``exp(N*log(2))``, so bounds must hold whatever cancels. A ``Bound`` is a node under
construction with what the limits need; digits are bounds on the numerators and
denominators of any rational SymPy could form from the literals:

    depth  nesting depth;
    size   digits of any number the node could evaluate to (names count 0);
    coef   the same, but not counting what is inside log(...) (log(2) stays symbolic),
           since exp(c*log(b)) evaluates to b**c: c is what matters there;
    logs   digits of the arguments of the log(...) calls inside (None if there are none);
    exps   whether an exp-like call is inside (log(exp(c)) evaluates to c);
    work   total digits of the constant powers SymPy would compute (a fractional power
           of an n-digit integer costs about n**2);
    value  the exact value (a Fraction, or a float past a function) when constant, else None;
    hi     a bound on the magnitude of any number it could evaluate to, and
    inv    on 1/that (inf when unknown: sums may cancel to anything small).

Each grammar has its ``Limits`` (the numbers, and its message table); a limit crossed is
a ``Fail(key, ...)`` that the grammar turns into its error with line and column.
"""

from __future__ import annotations

import math
from time import monotonic as clock
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from . import vocabulary
from .ast import BinOp, Call, Name, Neg, Num


@dataclass(frozen=True)
class Limits:
    length: int             # characters of text
    depth: int              # nesting: brackets, calls, signs, powers, mixed operators
    digits: int             # digits of a number literal's mantissa
    number: int | None      # magnitude of a number literal (None: the digits bound it)
    exponent: int           # |e| of a power whose exponent is a constant
    power_digits: int       # digits of a number SymPy could compute for one constant power
    power_work: int         # ... and for all of them in one text together
    seconds: float          # wall-clock budget of one parse
    chains: dict            # operator -> its chain group: a + b - c is one level, not two
    brackets: str           # what the prescan balances, in pairs: "()" or "()[]{}"
    escapes: bool           # whether \( \{ are not brackets (LaTeX)
    magnitudes: bool        # trust magnitude estimates (hi, float values), not digits only
    euler: bool             # whether the name e is Euler's number (e^x is exp(x))
    messages: dict          # Fail key -> message template


class Fail(Exception):
    """A limit crossed, or a grammar's own complaint; ``key`` selects the message."""

    def __init__(self, key, token=None, *, line=None, col=None, pos=None, **params):
        super().__init__(key)
        self.key, self.params = key, params
        self.line = getattr(token, "line", None) or line or 1
        self.col = getattr(token, "column", None) or col
        self.pos = pos

    def message(self, limits: Limits, **extra) -> str:
        return limits.messages[self.key].format(**self.params, **extra)


class Bound:
    __slots__ = ("node", "depth", "size", "coef", "logs", "exps", "work", "value", "hi", "inv")

    def __init__(self, node, depth=1, size=0, coef=0, logs=None, exps=False, work=0, value=None,
                 hi=1.0, inv=1.0):
        self.node, self.depth, self.size, self.coef = node, depth, size, coef
        self.logs, self.exps, self.work, self.value = logs, exps, work, value
        self.hi, self.inv = hi, inv


def _fold(f, *args):
    """Constant folding, only to check limits: overflow is inf, a complex result None."""
    try:
        r = f(*args)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError):  # log(0), sqrt(-1): not a real number
        return None
    return r if isinstance(r, (Fraction, float, int)) else None


_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
        "/": lambda a, b: a / b, "^": lambda a, b: a ** b}


def _mul(a, b):
    return 0.0 if 0 in (a, b) else a * b  # overflows to inf, never raises


def _pow(a, e):
    try:
        return max(a, 1.0) ** e
    except OverflowError:
        return math.inf


def _bound(digits):
    """The largest number of so many digits, as a float that cannot overflow."""
    return 10.0 ** min(digits, 300)


def _logs(*parts):
    found = [b.logs for b in parts if b.logs is not None]
    return sum(found) if found else None


class Tracker:
    """The bound arithmetic of one parse: each grammar's reductions call these."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = clock() + limits.seconds

    def checked(self, b: Bound, tok=None) -> Bound:
        lim = self.limits
        if b.depth > lim.depth:
            raise Fail("depth", tok, limit=lim.depth)
        if b.work > lim.power_work:
            raise Fail("work", tok, work=b.work, limit=lim.power_work)
        if clock() > self.deadline:
            raise Fail("time", tok, limit=lim.seconds)
        return b

    def power_digits(self, base_digits, e, tok, key="power", **params):
        """Digits of base**e for a base of ``base_digits`` digits, within the limit."""
        digits = base_digits * max(1, math.ceil(e))
        if digits > self.limits.power_digits:
            shown = f"about {digits:.0f}" if digits < 1e6 else "millions of"
            raise Fail(key, tok, shown=shown, limit=self.limits.power_digits, **params)
        return int(digits)

    def number(self, tok) -> Bound:
        lim, text = self.limits, str(tok)
        mantissa, _, exp = text.lower().partition("e")
        digits = sum(ch.isdigit() for ch in mantissa)
        if digits > lim.digits:
            raise Fail("digits", tok, text=text, head=text[:20], digits=digits, limit=lim.digits)
        if len(exp.lstrip("+-")) > 2:
            raise Fail("number_exponent", tok)
        value = Fraction(Decimal(text))
        if lim.number is not None and value > lim.number:
            raise Fail("number", tok, text=text)
        size = len(str(value.numerator))
        size += len(str(value.denominator)) if value.denominator > 1 else 0
        return Bound(Num(text), 1, size, size, value=value, hi=float(value),
                     inv=1 / float(value) if value else math.inf)

    def name(self, node: Name) -> Bound:
        return Bound(node)

    def negate(self, x: Bound, tok) -> Bound:
        value = None if x.value is None else -x.value
        return self.checked(Bound(Neg(x.node), x.depth + 1, x.size, x.coef, x.logs, x.exps,
                                  x.work, value, x.hi, x.inv), tok)

    def join(self, node, parts, tok) -> Bound:
        """A node whose numbers are those of its parts (a sum, a derivative, an indicator)."""
        return self.checked(Bound(node, max(p.depth for p in parts) + 1,
                                  sum(p.size for p in parts), sum(p.coef for p in parts),
                                  _logs(*parts), any(p.exps for p in parts),
                                  sum(p.work for p in parts)), tok)

    def binop(self, left: Bound, op: str, right: Bound, tok) -> Bound:
        if op == "^":
            return self.power(left, right, tok)
        if op == "/" and right.value == 0:
            raise Fail("div0", tok)
        value = None
        if left.value is not None and right.value is not None:
            value = _fold(_OPS[op], left.value, right.value)
        if op in "+-":
            hi, inv = left.hi + right.hi, math.inf
        elif op == "*":
            hi, inv = _mul(left.hi, right.hi), _mul(left.inv, right.inv)
        else:
            hi, inv = _mul(left.hi, right.inv), _mul(left.inv, right.hi)
        # a left-associative chain a + b - c + ... is one level, not one per operator;
        # a - b is a + (-b): the subtrahend is one level deeper
        group = self.limits.chains.get(op)
        chained = group is not None and type(left.node) is BinOp \
            and self.limits.chains.get(left.node.op) == group
        rdepth = right.depth + (op == "-")
        depth = max(left.depth, rdepth + 1) if chained else max(left.depth, rdepth) + 1
        return self.checked(Bound(BinOp(op, left.node, right.node), depth,
                                  left.size + right.size, left.coef + right.coef,
                                  _logs(left, right), left.exps or right.exps,
                                  left.work + right.work, value, hi, inv), tok)

    def power(self, base: Bound, exp: Bound, tok) -> Bound:
        lim = self.limits
        size, coef, work = base.size + exp.size, base.coef + exp.coef, base.work + exp.work
        logs, exps = _logs(base, exp), base.exps or exp.exps
        e_base = lim.euler and type(base.node) is Name and base.node.id == "e" \
            and base.node.sub is None and base.node.layer is None
        if e_base:  # e^x is exp(x): first what exp(c log b) = b^c makes, then the exponent
            size, coef, logs, work, wild = self._exp_like(exp, "exp", tok)
            work += base.work
            exps = True
        if base.value == 0 and exp.value is not None and exp.value < 0:
            raise Fail("div0_power", tok)
        if exp.value is not None and not abs(exp.value) <= lim.exponent:  # also inf, nan
            raise Fail("exponent", tok, limit=lim.exponent)
        if exp.value is not None and (lim.magnitudes or isinstance(exp.value, (Fraction, int))):
            e = abs(float(exp.value))
        else:  # names may cancel (x - x + 9): any number the exponent makes could remain
            e = _bound(exp.size)
            if lim.magnitudes:
                e = min(e, exp.hi)
            if exp.value is not None:  # a float estimate (past a function): never less
                e = max(e, abs(float(exp.value)))
        hi = inv = _pow(max(base.hi, base.inv), e)
        if e_base:
            hi = inv = math.inf if wild else max(2.0, exp.hi, exp.inv)
        elif base.size:
            digits = self.power_digits(base.size, e, tok)
            size, work = digits + exp.size, work + digits
            coef = self.power_digits(base.coef, e, tok) + exp.coef
        value = None
        if base.value is not None and exp.value is not None:
            value = _fold(_OPS["^"], base.value, exp.value)
        node = BinOp("^", base.node, exp.node)
        return self.checked(Bound(node, max(base.depth, exp.depth) + 1, size, coef, logs, exps,
                                  work, value, hi, inv), tok)

    def _exp_like(self, arg: Bound, fn, tok):
        """exp(c*log(b)) is b**c: c has at most arg.coef digits, b at most ``logs``.
        Returns size, coef, logs, work, and whether it could be any number at all."""
        size, work = arg.size, arg.work
        if arg.logs is None:
            return size, arg.coef, None, work, False
        made = self.power_digits(arg.logs, _bound(arg.coef), tok, "exp_log", fn=fn)
        return size + made, size + made, None, work + made, True

    def call(self, fn: str, arg: Bound, tok, prime=False) -> Bound:
        size, coef, logs, work, exps = arg.size, arg.coef, arg.logs, arg.work, arg.exps
        # exp(0) = 1, log(exp(c)) = c, sigmoid(0) = 1/2: at most the argument's numbers, or 2
        hi, inv = max(2.0, arg.hi), max(2.0, arg.inv)
        if fn == "sqrt" and size:
            work += self.power_digits(size, 1, tok)
        elif fn == "log":
            logs = (logs or 0) + size
            coef = coef if arg.exps else 0
        elif vocabulary.exp_like(fn):
            size, coef, logs, work, wild = self._exp_like(arg, fn, tok)
            hi, inv = (math.inf, math.inf) if wild else (hi, inv)
            exps = True
        value = None
        floating = getattr(vocabulary.BY_NAME.get(fn), "floating", None)
        if arg.value is not None and floating is not None and not prime:
            value = _fold(floating, arg.value)
        node = Call(fn, arg.node, prime, getattr(tok, "column", None) or 0)
        return self.checked(Bound(node, arg.depth + 1, size, coef, logs, exps, work, value,
                                  hi, inv), tok)


def check_length(text: str, limits: Limits):
    if len(text) > limits.length:
        raise Fail("length", n=len(text), limit=limits.length)


def prescan(text: str, limits: Limits):
    """Balanced brackets, nested at most ``limits.depth`` deep, in one cheap pass."""
    pairs = dict(zip(limits.brackets[1::2], limits.brackets[0::2]))
    opened, line, col0 = [], 1, -1
    for i, ch in enumerate(text):
        if ch == "\n":
            line, col0 = line + 1, i
        elif ch in pairs.values() or ch in pairs:
            if limits.escapes and i and text[i - 1] == "\\":
                continue
            if ch in pairs:
                if not opened or opened[-1][0] != pairs[ch]:
                    raise Fail("unmatched", line=line, col=i - col0, pos=i, ch=ch)
                opened.pop()
                continue
            opened.append((ch, line, i - col0, i))
            if len(opened) > limits.depth:
                raise Fail("nested", line=line, col=i - col0, pos=i, limit=limits.depth)
    if opened:
        ch, line, col, pos = opened[-1]
        raise Fail("unclosed", line=line, col=col, pos=pos, ch=ch)
