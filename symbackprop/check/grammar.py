"""The grammar of hand derivations: one side of an equation, in the lesson's LaTeX or in
plain ASCII, parsed by lark into a small immutable AST. User text never reaches eval,
exec, sympify or parse_expr.

    LaTeX   \\frac{dL}{dw_1^{[1]}}   -\\frac{2}{N}\\left(y_{true} - y_{pred}\\right) h_1
    ASCII   dL/dw1[1]                -2*w1[2]*x1/N*(y_true - y_pred)

The AST (frozen dataclasses, n-ary sums and products so long chains stay shallow):

    Num(value)  Name(text, ...)  Neg(x)  Add(terms)  Mul(factors)  Div(num, den)
    Pow(base, exp)  Call(fn, arg, prime)  Deriv(of, wrt, expr)  Sum(var, lo, hi, body)
    Indicator(left, rel, right)

Bounds are checked while the LALR parser reduces, before SymPy ever sees a number: the
nesting depth, the digits of every literal, and the digits of any number SymPy could
compute from the constants (a power, exp(c log b) = b^c), so towers of powers and
expression bombs are rejected at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

MAX_CHARS = 5000          # characters of one equation
MAX_DEPTH = 40            # nesting of groups, calls, fractions, signs and powers
MAX_DIGITS = 15           # digits of a number literal
MAX_EXPONENT = 64         # |e| of a constant exponent
MAX_POWER_DIGITS = 400    # digits of a number SymPy could compute for one constant power
MAX_POWER_WORK = 1000     # ... and for all of them in an equation together

FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu", "softplus", "sqrt")


class ParseError(ValueError):
    """Text that is not an expression of the grammar, or one beyond the bounds."""

    def __init__(self, message, col=None):
        super().__init__(message)
        self.message = message
        self.col = col


# ---------------------------------------------------------------------------- the AST

@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Name:
    """A written name: ``base`` (w, y, \\delta), subscript, layer label ``[l]`` and
    sample index ``(n)``, as written; ``ascii`` for the plain form (w1[2], y_true)."""
    base: str
    sub: str | None = None
    layer: str | None = None
    sample: str | None = None
    ascii: bool = False
    col: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Neg:
    x: object


@dataclass(frozen=True)
class Add:
    terms: tuple


@dataclass(frozen=True)
class Mul:
    factors: tuple


@dataclass(frozen=True)
class Div:
    num: object
    den: object


@dataclass(frozen=True)
class Pow:
    base: object
    exp: object


@dataclass(frozen=True)
class Call:
    """fn(arg), or its derivative fn'(arg) when ``prime``."""
    fn: str
    arg: object
    prime: bool = False


@dataclass(frozen=True)
class Deriv:
    """d(of)/d(wrt) for a name ``of``, or d(expr)/d(wrt) for an explicit expression."""
    of: Name | None
    wrt: Name
    expr: object = None
    partial: bool = False


@dataclass(frozen=True)
class Sum:
    """\\sum_{var=lo}^{hi} body; ``lo``/``hi`` are the bounds as written (None: none)."""
    var: str
    lo: str | None
    hi: str | None
    body: object


@dataclass(frozen=True)
class Indicator:
    """\\mathbb{1}[left rel right], rel one of > >= < <=."""
    left: object
    rel: str
    right: object


def children(node) -> tuple:
    kind = type(node)
    if kind in (Add,):
        return node.terms
    if kind is Mul:
        return node.factors
    if kind is Div:
        return (node.num, node.den)
    if kind is Pow:
        return (node.base, node.exp)
    if kind is Neg:
        return (node.x,)
    if kind is Call:
        return (node.arg,)
    if kind is Deriv:
        return tuple(n for n in (node.of, node.wrt, node.expr) if n is not None)
    if kind is Sum:
        return (node.body,)
    if kind is Indicator:
        return (node.left, node.right)
    return ()


def walk(node):
    """Every node, with an explicit stack."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children(n))


# ---------------------------------------------------------------------------- grammars

_COMMON = r"""
?sum: term
    | sum ADDOP term            -> binop
?term: ADDOP term               -> sign
    | product
?product: factor
    | product MULOP factor      -> binop
    | product factor            -> imul
?factor: postfix
    | postfix POW sup           -> power
    | postfix POW ADDOP sup     -> power_signed
ADDOP: "+" | "-"
MULOP: "*" | "/"
LPAR: "("
RPAR: ")"
NUMBER: /[0-9]+(\.[0-9]+)?|\.[0-9]+/
%ignore /[ \t\r\n]+/
"""

LATEX = _COMMON + r"""
?start: sum
?sup: LBRACE sum RBRACE         -> group
    | NUMBER                    -> supnumber
    | NAME                      -> name
?postfix: atom
    | FUNC atom                 -> call
    | FUNC PRIME atom           -> dcall
?atom: NUMBER                   -> number
    | NAME                      -> name
    | LPAR sum RPAR             -> group
    | LBRACK sum RBRACK         -> group
    | LBRACE sum RBRACE         -> group
    | FRAC LBRACE sum RBRACE LBRACE sum RBRACE                  -> frac
    | FRAC LBRACE DIFF NAME RBRACE LBRACE DIFF NAME RBRACE      -> deriv
    | FRAC LBRACE DIFF LPAR sum RPAR RBRACE LBRACE DIFF NAME RBRACE -> dexpr
    | FRAC LBRACE DIFF RBRACE LBRACE DIFF NAME RBRACE factor    -> dapply
    | SQRT LBRACE sum RBRACE    -> sqrt
    | SUMOP term                -> sumop
    | INDICATOR LBRACK sum REL sum RBRACK -> indicator
POW: "^"
PRIME: "'"
LBRACE: "{"
RBRACE: "}"
LBRACK: "["
RBRACK: "]"
FRAC: "\\frac"
SQRT: "\\sqrt"
INDICATOR: "\\mathbb{1}"
REL: ">" | "<" | "\\geq" | "\\leq" | "\\ge" | "\\le"
FUNC.2: /\\(exp|log|ln|sigma|tanh|relu|softplus)(?![A-Za-z])/
DIFF.3: /\\partial(?![A-Za-z])|d(?=\s*[A-Za-z\\(}])/
SUMOP: /\\sum(\s*[_^]\s*(\{[^{}]*\}|[A-Za-z0-9]))*/
NAME: /(\\(alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|nu|xi|rho|tau|phi|varphi|psi|omega|Delta)(?![A-Za-z])|\\mathrm\{[A-Za-z][A-Za-z0-9]*\}|[A-Za-z])(\s*_\s*(\{[^{}]*\}|[A-Za-z0-9])|\s*\^\s*\{\s*\[[^{}\[\]]*\]\s*\}|\s*\^\s*\{\s*\([^{}()]*\)\s*\})*/
"""

ASCII = _COMMON + r"""
?start: sum
?sup: NUMBER                    -> number
    | NAME                      -> name
    | LPAR sum RPAR             -> group
?postfix: atom
    | FUNC LPAR sum RPAR        -> acall
    | FUNC PRIME LPAR sum RPAR  -> adcall
?atom: NUMBER                   -> number
    | NAME                      -> name
    | LPAR sum RPAR             -> group
    | DERIV                     -> aderiv
    | DOPEN sum RPAR SLASH NAME -> adexpr
POW: "^" | "**"
PRIME: "'"
SLASH: "/"
FUNC.3: /(exp|log|ln|sigmoid|sigma|tanh|relu|softplus|sqrt)(?=\s*'?\s*\()/
DERIV.4: /d[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?\s*\/\s*d[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?/
DOPEN.4: /d\(/
NAME: /[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?/
"""

_FN = {"exp": "exp", "log": "log", "ln": "log", "sigma": "sigmoid", "sigmoid": "sigmoid",
       "tanh": "tanh", "relu": "relu", "softplus": "softplus", "sqrt": "sqrt"}


# ---------------------------------------------------------------------------- bounds

class _B:
    """A node under construction with what the bounds need (as in ``formula.py``):
    depth; digits of any number it could evaluate to (names count 0); ``coef`` the same
    outside log(...) arguments; ``logs`` digits of log arguments inside (None if none);
    ``work`` total digits of its constant powers; ``const`` its value if constant."""

    __slots__ = ("node", "depth", "digits", "coef", "logs", "work", "const")

    def __init__(self, node, depth=1, digits=0, coef=0, logs=None, work=0, const=None):
        self.node, self.depth, self.digits, self.coef = node, depth, digits, coef
        self.logs, self.work, self.const = logs, work, const


def _fail(message, tok=None):
    raise ParseError(message, getattr(tok, "column", None))


def _checked(b: _B, tok=None) -> _B:
    if b.depth > MAX_DEPTH:
        _fail(f"nested too deeply (limit {MAX_DEPTH})", tok)
    if b.work > MAX_POWER_WORK:
        _fail(f"too many large constant powers (limit {MAX_POWER_WORK} digits in all)", tok)
    return b


def _join(parts, depth_extra=1):
    logs = [p.logs for p in parts if p.logs is not None]
    return dict(depth=max(p.depth for p in parts) + depth_extra,
                digits=sum(p.digits for p in parts), coef=sum(p.coef for p in parts),
                logs=sum(logs) if logs else None, work=sum(p.work for p in parts))


def _bound(digits) -> float:
    return 10.0 ** min(digits, 300)


def _power_digits(base_digits, e, tok, what="a power too large"):
    digits = base_digits * max(1, math.ceil(e))
    if digits > MAX_POWER_DIGITS:
        _fail(f"{what} (its numbers could have {'about %d' % digits if digits < 1e6 else 'millions of'}"
              f" digits; limit {MAX_POWER_DIGITS})", tok)
    return int(digits)


def _number(tok) -> _B:
    text = str(tok)
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_DIGITS:
        _fail(f"number {text[:20]}... too long ({digits} digits; limit {MAX_DIGITS})", tok)
    try:
        value = Fraction(Decimal(text))
    except InvalidOperation:
        _fail(f"not a number: {text}", tok)
    size = len(str(value.numerator)) + (len(str(value.denominator)) if value.denominator > 1 else 0)
    return _B(Num(value), 1, size, size, const=value)


_SUB = re.compile(r"_\s*(\{[^{}]*\}|[A-Za-z0-9])")
_LAYER = re.compile(r"\^\s*\{\s*\[([^{}\[\]]*)\]\s*\}")
_SAMPLE = re.compile(r"\^\s*\{\s*\(([^{}()]*)\)\s*\}")
_BASE = re.compile(r"\\mathrm\{[A-Za-z][A-Za-z0-9]*\}|\\[A-Za-z]+|[A-Za-z]")


def _strip(s: str) -> str:
    s = re.sub(r"\s+", "", s)
    return s[1:-1] if s.startswith("{") and s.endswith("}") else s


def latex_name(text: str, col=0) -> Name:
    base = _BASE.match(text).group(0)
    rest = text[len(base):]
    subs = [_strip(m) for m in _SUB.findall(rest)]
    layers = [re.sub(r"\s+", "", m) for m in _LAYER.findall(rest)]
    samples = [re.sub(r"\s+", "", m) for m in _SAMPLE.findall(rest)]
    if len(subs) > 1 or len(layers) > 1 or len(samples) > 1:
        raise ParseError(f"{text.strip()}: more than one subscript or superscript", col)
    if base.startswith(r"\mathrm{"):
        base = base[len(r"\mathrm{"):-1]
    return Name(base, subs[0] if subs else None, layers[0] if layers else None,
                samples[0] if samples else None, False, col)


def ascii_name(text: str, col=0) -> Name:
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9]+)\])?", text.strip())
    return Name(m.group(1), None, m.group(2), None, True, col)


def _name(tok, ascii=False) -> _B:
    text = str(tok)
    node = ascii_name(text, tok.column) if ascii else latex_name(text, tok.column)
    return _B(node)


def _signed(op, b: _B, tok=None) -> _B:
    if str(op) == "+":
        return b
    const = None if b.const is None else -b.const
    return _checked(_B(Neg(b.node), b.depth + 1, b.digits, b.coef, b.logs, b.work, const), tok)


def _flat(kind, node):
    return node.terms if kind is Add and type(node) is Add else \
        node.factors if kind is Mul and type(node) is Mul else (node,)


def _binop(left: _B, op, right: _B) -> _B:
    op = str(op)
    info = _join([left, right], 0)
    if op in "+-":
        r = right if op == "+" else _signed("-", right, op)
        node = Add(_flat(Add, left.node) + (r.node,))
        const = None if left.const is None or r.const is None else left.const + r.const
        depth = max(left.depth, r.depth + 1) if type(left.node) is Add else max(left.depth, r.depth) + 1
    elif op == "*":
        node = Mul(_flat(Mul, left.node) + (right.node,))
        const = None if left.const is None or right.const is None else left.const * right.const
        depth = max(left.depth, right.depth + 1) if type(left.node) is Mul else max(left.depth, right.depth) + 1
    else:
        if right.const == 0:
            _fail("division by zero", op)
        node = Div(left.node, right.node)
        const = None if left.const is None or right.const is None else left.const / right.const
        depth = max(left.depth, right.depth) + 1
    info.update(depth=depth)
    return _checked(_B(node, const=const, **info), op)


def _is_e(node) -> bool:
    return type(node) is Name and node.base == "e" and node.sub is None and node.layer is None


def _exp_like(arg: _B, tok) -> tuple[int, int, int | None, int]:
    """exp(c log b) is b^c: the digits it could make, and its share of the work."""
    digits, coef, logs, work = arg.digits, arg.coef, arg.logs, arg.work
    if logs is not None:
        made = _power_digits(logs, _bound(coef), tok, "exp(c log b) is b^c, a power too large")
        return digits + made, coef + made, None, work + made
    return digits, coef, logs, work


def _power(base: _B, tok, exp: _B) -> _B:
    e_const = exp.const
    if e_const is not None and not abs(e_const) <= MAX_EXPONENT:
        _fail(f"exponent too large (limit |e| <= {MAX_EXPONENT})", tok)
    if base.const == 0 and e_const is not None and e_const < 0:
        _fail("division by zero (0 to a negative power)", tok)
    info = _join([base, exp], 1)
    if _is_e(base.node):
        info["digits"], info["coef"], info["logs"], info["work"] = _exp_like(exp, tok)
        info["work"] += base.work
    elif base.digits:
        e = abs(float(e_const)) if e_const is not None else _bound(exp.digits)
        made = _power_digits(base.digits, e, tok)
        info["digits"] = made + exp.digits
        info["coef"] = _power_digits(base.coef, e, tok) + exp.coef
        info["work"] += made
    const = None
    if base.const is not None and e_const is not None and e_const.denominator == 1:
        const = base.const ** int(e_const) if base.const or e_const >= 0 else None
    return _checked(_B(Pow(base.node, exp.node), const=const, **info), tok)


def _call(fn_tok, arg: _B, prime=False) -> _B:
    text = str(fn_tok).lstrip("\\")
    fn = _FN[text]
    info = _join([arg], 1)
    if fn == "log":
        info["logs"] = (arg.logs or 0) + arg.digits
        info["coef"] = 0
    elif fn in ("exp", "sigmoid", "softplus"):
        info["digits"], info["coef"], info["logs"], info["work"] = _exp_like(arg, fn_tok)
    elif fn == "sqrt" and arg.digits:
        info["work"] += _power_digits(arg.digits, 1, fn_tok)
    return _checked(_B(Call(fn, arg.node, prime), **info), fn_tok)


def _deriv(diff_tok, of: Name | None, wrt: Name, expr=None) -> Deriv:
    return Deriv(of, wrt, expr, str(diff_tok).startswith("\\"))


_SUM_LIMITS = re.compile(r"([_^])\s*(\{[^{}]*\}|[A-Za-z0-9])")


def _sumop(tok, body: _B) -> _B:
    var = lo = hi = None
    for mark, arg in _SUM_LIMITS.findall(str(tok)[len(r"\sum"):]):
        arg = _strip(arg)
        if mark == "_":
            m = re.fullmatch(r"([A-Za-z])(?:=([A-Za-z0-9]+))?", arg)
            if not m:
                _fail(f"cannot read the sum's index {arg!r} (write \\sum_{{n=1}}^{{N}})", tok)
            var, lo = m.group(1), m.group(2)
        else:
            hi = arg
    if var is None:
        _fail("a sum needs its index: \\sum_{n=1}^{N}", tok)
    return _checked(_B(Sum(var, lo, hi, body.node), **_join([body], 1)), tok)


def _group(*kids):
    return kids[1]


@lru_cache(maxsize=None)
def parser(mode: str):
    """The LALR parser of a mode ("latex" or "ascii"); callbacks build the AST as it
    reduces, so no parse tree is kept and no recursion happens."""
    from lark import Lark

    ascii = mode == "ascii"

    class Build:
        number = staticmethod(lambda k: _number(k[0]))
        supnumber = staticmethod(lambda k: _supnumber(k[0]))
        name = staticmethod(lambda k: _name(k[0], ascii))
        group = staticmethod(lambda k: _group(*k))
        sign = staticmethod(lambda k: _signed(k[0], k[1], k[0]))
        binop = staticmethod(lambda k: _binop(k[0], k[1], k[2]))
        imul = staticmethod(lambda k: _binop(k[0], "*", k[1]))
        power = staticmethod(lambda k: _power(k[0], k[1], k[2]))
        power_signed = staticmethod(lambda k: _power(k[0], k[1], _signed(k[2], k[3], k[2])))
        call = staticmethod(lambda k: _call(k[0], k[1]))
        dcall = staticmethod(lambda k: _call(k[0], k[2], True))
        acall = staticmethod(lambda k: _call(k[0], k[2]))
        adcall = staticmethod(lambda k: _call(k[0], k[3], True))
        frac = staticmethod(lambda k: _binop(k[2], _Tok("/", k[0]), k[5]))
        deriv = staticmethod(lambda k: _B(_deriv(k[2], _name(k[3]).node, _name(k[7]).node)))
        dexpr = staticmethod(lambda k: _checked(_B(
            _deriv(k[2], None, _name(k[9]).node, k[4].node), **_join([k[4]], 1)), k[0]))
        dapply = staticmethod(lambda k: _dapply(k))
        sqrt = staticmethod(lambda k: _call(_Tok("sqrt", k[0]), k[2]))
        sumop = staticmethod(lambda k: _sumop(k[0], k[1]))
        indicator = staticmethod(lambda k: _checked(_B(
            Indicator(k[2].node, _rel(k[3]), k[4].node), **_join([k[2], k[4]], 1)), k[0]))
        aderiv = staticmethod(lambda k: _aderiv(k[0]))
        adexpr = staticmethod(lambda k: _adexpr(k))

    return Lark(ASCII if ascii else LATEX, parser="lalr", lexer="contextual",
                transformer=Build(), maybe_placeholders=False)


class _Tok(str):
    """A token-like string with a column, for messages of synthesized operators."""

    def __new__(cls, text, like):
        s = super().__new__(cls, text)
        s.column = getattr(like, "column", None)
        return s


def _supnumber(tok) -> _B:
    """x^23 in TeX is x^2 3; only one digit is the exponent."""
    text = str(tok)
    if len(text) > 1 and text.isdigit():
        _fail(f"ambiguous superscript ^{text}: write ^{{{text}}}", tok)
    return _number(tok)


def _rel(tok) -> str:
    return {">": ">", "<": "<", r"\geq": ">=", r"\ge": ">=", r"\leq": "<=", r"\le": "<="}[str(tok)]


def _dapply(k) -> _B:
    target = k[8]
    wrt = _name(k[6]).node
    node = target.node
    if type(node) is Name:
        return _B(_deriv(k[2], node, wrt))
    return _checked(_B(_deriv(k[2], None, wrt, node), **_join([target], 1)), k[0])


_ADERIV = re.compile(r"d([A-Za-z][A-Za-z0-9_]*(?:\[[0-9]+\])?)\s*/\s*d([A-Za-z][A-Za-z0-9_]*(?:\[[0-9]+\])?)")


def _aderiv(tok) -> _B:
    m = _ADERIV.fullmatch(str(tok))
    return _B(Deriv(ascii_name(m.group(1), tok.column), ascii_name(m.group(2), tok.column)))


def _adexpr(k) -> _B:
    wrt = str(k[4])
    if not re.fullmatch(r"d[A-Za-z].*", wrt):
        _fail(f"d(...)/{wrt}: the denominator must be d followed by a name", k[4])
    return _checked(_B(Deriv(None, ascii_name(wrt[1:], k[4].column), k[1].node),
                       **_join([k[1]], 1)), k[0])


# ---------------------------------------------------------------------------- normalizing

_DELIMS = {r"\{": "(", r"\}": ")", r"\lbrace": "(", r"\rbrace": ")", "(": "(", ")": ")",
           "[": "[", "]": "]", "|": "|", ".": "", r"\lvert": "|", r"\rvert": "|",
           r"\langle": "(", r"\rangle": ")"}
_SIZED = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*(\\[{}]|\\lbrace|\\rbrace|\\[lr]vert|"
                    r"\\[lr]angle|[()\[\].|])")
_IN_SCRIPT = re.compile(r"([_^])\s*\{\s*\\(?:text|mathrm|textrm|mathit|rm)\s*\{([^{}]*)\}\s*\}"
                        r"|([_^])\s*\\(?:text|mathrm|textrm|mathit|rm)\s*\{([^{}]*)\}")
_WRAPPERS = re.compile(r"\\(text|mathrm|textrm|mathit|operatorname|rm)\s*\{\s*([A-Za-z]+)\s*\}")
_DROP = re.compile(r"\\(?:displaystyle|textstyle|nonumber|notag|limits|[,;:! ]|quad|qquad)"
                   r"(?![A-Za-z])|~|&")
_LABEL = re.compile(r"\\(?:label|tag)\s*\{[^{}]*\}")


def _unwrap(m) -> str:
    cmd, word = m.group(1), m.group(2)
    if word == "d":
        return "d"
    if word.lower() in ("relu", "softplus", "sigmoid", "exp", "log", "ln", "tanh"):
        return "\\" + {"sigmoid": "sigma"}.get(word.lower(), word.lower())
    if cmd in ("mathrm", "operatorname"):
        return r"\mathrm{" + word + "}"
    return word


def normalize_latex(text: str) -> str:
    """The same expression with the typesetting that does not change its meaning removed:
    \\left( \\right) -> ( ), \\cdot -> *, \\dfrac -> \\frac, spacing, \\text{pred} -> pred,
    \\operatorname{relu} -> \\relu, \\sigma^{\\prime} -> \\sigma'."""
    s = _LABEL.sub(" ", text)
    s = _SIZED.sub(lambda m: _DELIMS[m.group(1)], s)
    s = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", s)
    s = re.sub(r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\(?:cdot|times|ast)(?![A-Za-z])", "*", s)
    s = re.sub(r"\\div(?![A-Za-z])", "/", s)
    s = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\\prime(?![A-Za-z])", "'", s)
    s = re.sub(r"\\hat\s*\{\s*y\s*\}|\\hat\s+y(?![A-Za-z])", "y_{pred}", s)
    s = _IN_SCRIPT.sub(lambda m: f"{m.group(1) or m.group(3)}{{{m.group(2) or m.group(4)}}}", s)
    s = _WRAPPERS.sub(_unwrap, s)
    s = _DROP.sub(" ", s)
    return s


@lru_cache(maxsize=4096)
def parse(text: str, mode: str = "latex"):
    """The AST of one side of an equation (immutable, so a class's repeated lines are
    parsed once). Raises ParseError with a message and column."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if len(text) > MAX_CHARS:
        raise ParseError(f"too long ({len(text)} characters; limit {MAX_CHARS})")
    _prescan(text)
    if not text.strip():
        raise ParseError("empty expression")
    try:
        return parser(mode).parse(text).node
    except UnexpectedCharacters as e:
        raise ParseError(f"unexpected {text[e.pos_in_stream:e.pos_in_stream + 12]!r} "
                         f"at column {e.column}", e.column) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise ParseError("unexpected end of the expression") from None
        raise ParseError(f"unexpected {str(e.token)[:20]!r} at column {e.column}",
                         e.column) from None
    except UnexpectedEOF:
        raise ParseError("unexpected end of the expression") from None


def _prescan(text: str):
    """Balanced (), [], {} nested at most MAX_DEPTH deep, in one pass."""
    pairs = {")": "(", "]": "[", "}": "{"}
    opened = []
    for i, ch in enumerate(text):
        if ch in "([{":
            if i and text[i - 1] == "\\":
                continue
            opened.append(ch)
            if len(opened) > MAX_DEPTH:
                raise ParseError(f"nested too deeply at column {i + 1} (limit {MAX_DEPTH})", i + 1)
        elif ch in ")]}":
            if i and text[i - 1] == "\\":
                continue
            if not opened or opened[-1] != pairs[ch]:
                raise ParseError(f"unbalanced {ch!r} at column {i + 1}", i + 1)
            opened.pop()
    if opened:
        raise ParseError(f"{opened[-1]!r} is never closed")
