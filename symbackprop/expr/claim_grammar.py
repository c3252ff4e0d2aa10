"""The grammar of hand derivations: one side of an equation, in the lesson's LaTeX or in
plain ASCII, parsed by lark into the AST of ``ast.py``. User text never reaches eval,
exec, sympify or parse_expr.

    LaTeX   \\frac{dL}{dw_1^{[1]}}   -\\frac{2}{N}\\left(y_{true} - y_{pred}\\right) h_1
    ASCII   dL/dw1[1]                -2*w1[2]*x1/N*(y_true - y_pred)

Every node passes the bound tracker (``bounds.py``) while the LALR parser reduces,
before SymPy ever sees a number; the function spellings come from ``vocabulary.py``.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache

from . import vocabulary
from .ast import Deriv, Indicator, Name, Node, Sum
from .bounds import Bound, Fail, Limits, Tracker, check_length, prescan
from .claim_text import ParseError, ascii_name, latex_name, normalize_latex, strip_braces

__all__ = ["LIMITS", "ParseError", "normalize_latex", "parse_claim", "parser"]

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

LATEX = (_COMMON + r"""
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
FUNC.2: /\\(@LATEX_FUNCTIONS@)(?![A-Za-z])/
DIFF.3: /\\partial(?![A-Za-z])|d(?=\s*[A-Za-z\\(}])/
SUMOP: /\\sum(\s*[_^]\s*(\{[^{}]*\}|[A-Za-z0-9]))*/
NAME: /(\\(alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|nu|xi|rho|tau|phi|varphi|psi|omega|Delta)(?![A-Za-z])|\\mathrm\{[A-Za-z][A-Za-z0-9]*\}|[A-Za-z])(\s*_\s*(\{[^{}]*\}|[A-Za-z0-9])|\s*\^\s*\{\s*\[[^{}\[\]]*\]\s*\}|\s*\^\s*\{\s*\([^{}()]*\)\s*\})*/
""").replace("@LATEX_FUNCTIONS@", "|".join(vocabulary.CLAIM_LATEX))

ASCII = (_COMMON + r"""
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
FUNC.3: /(@ASCII_FUNCTIONS@)(?=\s*'?\s*\()/
DERIV.4: /d[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?\s*\/\s*d[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?/
DOPEN.4: /d\(/
NAME: /[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?/
""").replace("@ASCII_FUNCTIONS@", "|".join(vocabulary.CLAIM_ASCII))


_POWER = " (its numbers could have {shown} digits; limit {limit})"
LIMITS = Limits(
    length=5000, depth=40, digits=15, number=None, exponent=64, power_digits=400,
    power_work=1000, seconds=2.0, chains={"+": "+", "-": "+", "*": "*"},
    brackets="()[]{}", escapes=True, magnitudes=False, euler=True,
    messages={
        "length": "too long ({n} characters; limit {limit})",
        "depth": "nested too deeply (limit {limit})",
        "nested": "nested too deeply at column {column} (limit {limit})",
        "unmatched": "unbalanced {ch!r} at column {column}",
        "unclosed": "{ch!r} is never closed",
        "work": "too many large constant powers (limit {limit} digits in all)",
        "time": "too long to read (limit {limit:g} s)",
        "power": "a power too large" + _POWER,
        "exp_log": "exp(c log b) is b^c, a power too large" + _POWER,
        "exponent": "exponent too large (limit |e| <= {limit})",
        "div0": "division by zero",
        "div0_power": "division by zero (0 to a negative power)",
        "digits": "number {head}... too long ({digits} digits; limit {limit})",
        "said": "{message}",
    })

_TRACKER: ContextVar[Tracker] = ContextVar("claim_tracker")


def _t() -> Tracker:
    return _TRACKER.get()


def _said(message, tok=None):
    """A complaint of this grammar's own (not a limit), with the token's column."""
    return Fail("said", tok, message=message)


class _Tok(str):
    """A token-like string with a column, for messages of synthesized operators."""

    def __new__(cls, text, like):
        s = super().__new__(cls, text)
        s.column = getattr(like, "column", None)
        s.line = getattr(like, "line", None)
        return s


def _name(tok, ascii=False):
    text = str(tok)
    try:
        node = ascii_name(text, tok.column) if ascii else latex_name(text, tok.column)
    except ParseError as e:
        raise _said(e.message, tok) from None
    return _t().name(node)


def _signed(op, b, tok=None):
    return b if str(op) == "+" else _t().negate(b, tok)


def _binop(left, op, right):
    return _t().binop(left, str(op), right, op)


def _power(base, tok, exp):
    return _t().power(base, exp, tok)


def _call(fn_tok, arg, prime=False):
    return _t().call(vocabulary.CLAIM_ASCII.get(str(fn_tok)) or
                     vocabulary.CLAIM_LATEX[str(fn_tok).lstrip("\\")], arg, fn_tok, prime)


def _supnumber(tok):
    """x^23 in TeX is x^2 3; only one digit is the exponent."""
    text = str(tok)
    if len(text) > 1 and text.isdigit():
        raise _said(f"ambiguous superscript ^{text}: write ^{{{text}}}", tok)
    return _t().number(tok)


def _deriv(diff_tok, of, wrt, expr=None) -> Deriv:
    return Deriv(of, wrt, expr, str(diff_tok).startswith("\\"))


_SUM_LIMITS = re.compile(r"([_^])\s*(\{[^{}]*\}|[A-Za-z0-9])")


def _sumop(tok, body):
    var = lo = hi = None
    for mark, arg in _SUM_LIMITS.findall(str(tok)[len(r"\sum"):]):
        arg = strip_braces(arg)
        if mark == "_":
            m = re.fullmatch(r"([A-Za-z])(?:=([A-Za-z0-9]+))?", arg)
            if not m:
                raise _said(f"cannot read the sum's index {arg!r} (write \\sum_{{n=1}}^{{N}})", tok)
            var, lo = m.group(1), m.group(2)
        else:
            hi = arg
    if var is None:
        raise _said("a sum needs its index: \\sum_{n=1}^{N}", tok)
    return _t().join(Sum(var, lo, hi, body.node), [body], tok)


def _rel(tok) -> str:
    return {">": ">", "<": "<", r"\geq": ">=", r"\ge": ">=", r"\leq": "<=", r"\le": "<="}[str(tok)]


def _dapply(k):
    target, wrt = k[8], _name(k[6]).node
    if type(target.node) is Name:
        return Bound(_deriv(k[2], target.node, wrt))
    return _t().join(_deriv(k[2], None, wrt, target.node), [target], k[0])


_ADERIV = re.compile(r"d([A-Za-z][A-Za-z0-9_]*(?:\[[0-9]+\])?)\s*/\s*"
                     r"d([A-Za-z][A-Za-z0-9_]*(?:\[[0-9]+\])?)")


def _aderiv(tok):
    m = _ADERIV.fullmatch(str(tok))
    return Bound(Deriv(ascii_name(m.group(1), tok.column), ascii_name(m.group(2), tok.column)))


def _adexpr(k):
    wrt = str(k[4])
    if not re.fullmatch(r"d[A-Za-z].*", wrt):
        raise _said(f"d(...)/{wrt}: the denominator must be d followed by a name", k[4])
    return _t().join(Deriv(None, ascii_name(wrt[1:], k[4].column), k[1].node), [k[1]], k[0])


def _cache_path(mode: str):
    """Where lark keeps the grammar's analysed tables between runs (5x faster start-up):
    a file per grammar text and lark version in the user's own cache folder (never a
    shared temporary folder: lark reads the file back with pickle), or no cache when that
    folder cannot be written."""
    import hashlib
    import os

    import lark

    text = (ASCII if mode == "ascii" else LATEX) + lark.__version__
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "symbackprop")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.path.join(folder, f"claims-{mode}-{digest}.lark")


@lru_cache(maxsize=None)
def parser(mode: str):
    """The LALR parser of a mode ("latex" or "ascii"); callbacks build the AST as it
    reduces, so no parse tree is kept and no recursion happens."""
    from lark import Lark

    ascii = mode == "ascii"

    class Build:
        number = staticmethod(lambda k: _t().number(k[0]))
        supnumber = staticmethod(lambda k: _supnumber(k[0]))
        name = staticmethod(lambda k: _name(k[0], ascii))
        group = staticmethod(lambda k: k[1])
        sign = staticmethod(lambda k: _signed(k[0], k[1], k[0]))
        binop = staticmethod(lambda k: _binop(k[0], k[1], k[2]))
        imul = staticmethod(lambda k: _t().binop(k[0], "*", k[1], None))
        power = staticmethod(lambda k: _power(k[0], k[1], k[2]))
        power_signed = staticmethod(lambda k: _power(k[0], k[1], _signed(k[2], k[3], k[2])))
        call = staticmethod(lambda k: _call(k[0], k[1]))
        dcall = staticmethod(lambda k: _call(k[0], k[2], True))
        acall = staticmethod(lambda k: _call(k[0], k[2]))
        adcall = staticmethod(lambda k: _call(k[0], k[3], True))
        frac = staticmethod(lambda k: _binop(k[2], _Tok("/", k[0]), k[5]))
        deriv = staticmethod(lambda k: Bound(_deriv(k[2], _name(k[3]).node, _name(k[7]).node)))
        dexpr = staticmethod(lambda k: _t().join(
            _deriv(k[2], None, _name(k[9]).node, k[4].node), [k[4]], k[0]))
        dapply = staticmethod(_dapply)
        sqrt = staticmethod(lambda k: _call(_Tok("sqrt", k[0]), k[2]))
        sumop = staticmethod(lambda k: _sumop(k[0], k[1]))
        indicator = staticmethod(lambda k: _t().join(
            Indicator(k[2].node, _rel(k[3]), k[4].node), [k[2], k[4]], k[0]))
        aderiv = staticmethod(lambda k: _aderiv(k[0]))
        adexpr = staticmethod(_adexpr)

    return Lark(ASCII if ascii else LATEX, parser="lalr", lexer="contextual",
                transformer=Build(), maybe_placeholders=False, cache=_cache_path(mode))


_READABLE = {"NAME": "a name", "NUMBER": "a number", "LPAR": "'('", "RPAR": "')'",
             "LBRACE": "'{'", "RBRACE": "'}'", "LBRACK": "'['", "RBRACK": "']'",
             "ADDOP": "'+' or '-'", "FUNC": "a function", "FRAC": "\\frac", "SQRT": "\\sqrt",
             "DIFF": "d or \\partial", "SUMOP": "\\sum"}


def _expected(names) -> str:
    """'; expected a name, a number or '('': what the parser could have read there."""
    words = sorted({_READABLE[n] for n in names or () if n in _READABLE})
    if not words:
        return ""
    shown = words[:4]
    return "; expected " + (", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1
                            else shown[0])


def _error(e: Fail) -> ParseError:
    """The prescan counts columns from the start of the text, not of its line."""
    column = None if e.pos is None else e.pos + 1
    col = None if e.key == "unclosed" else column or e.col
    return ParseError(e.message(LIMITS, column=column), col)


@lru_cache(maxsize=4096)
def parse_claim(text: str, mode: str = "latex") -> Node:
    """The AST of one side of an equation (immutable, so a class's repeated lines are
    parsed once). Raises ParseError with a message and column."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    try:
        check_length(text, LIMITS)
        prescan(text, LIMITS)
    except Fail as e:
        raise _error(e) from None
    if not text.strip():
        raise ParseError("empty expression")
    token = _TRACKER.set(Tracker(LIMITS))
    try:
        return parser(mode).parse(text).node
    except Fail as e:
        raise _error(e) from None
    except UnexpectedCharacters as e:
        raise ParseError(f"unexpected {text[e.pos_in_stream:e.pos_in_stream + 12]!r} "
                         f"at column {e.column}{_expected(e.allowed)}", e.column) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise ParseError("unexpected end of the expression"
                             + _expected(e.expected)) from None
        raise ParseError(f"unexpected {str(e.token)[:20]!r} at column {e.column}"
                         f"{_expected(e.expected)}", e.column) from None
    except UnexpectedEOF:
        raise ParseError("unexpected end of the expression") from None
    finally:
        _TRACKER.reset(token)
