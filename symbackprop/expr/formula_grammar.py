"""The grammar of plain-math formulas in user specs (``f = "q * z"``), parsed safely.

User text is untrusted. It goes through the small lark grammar below, never through
eval, exec, sympify or parse_expr, into the AST of ``ast.py``. The LALR parser is
iterative and builds the AST while it reduces (no parse tree, no recursive transform);
every node passes the bound tracker (``bounds.py``) as it is built, so bombs like
``9^9^9^9``, a deep tower, or ``exp(999999999*log(2))`` (which SymPy turns into
``2**999999999``) are rejected before any work is done.
"""

from __future__ import annotations

import difflib
from contextvars import ContextVar
from functools import lru_cache

from ..errors import SpecError
from . import vocabulary
from .ast import Name, Node
from .bounds import Fail, Limits, Tracker, check_length, prescan

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

_POWER = "{what} at {{at}} (its numbers could have {shown} digits; limit {limit})"
LIMITS = Limits(
    length=2000, depth=60, digits=30, number=10**9, exponent=100, power_digits=500,
    power_work=1000, seconds=2.0,
    chains={"+": "+", "-": "+", "*": "*", "/": "*"}, brackets="()", escapes=False,
    magnitudes=True, euler=False,
    messages={
        "length": "formula too long ({n} characters; limit {limit})",
        "depth": "formula nested too deeply at {{at}} (limit {limit})",
        "nested": "parentheses nested too deeply at {{at}} (limit {limit})",
        "unmatched": "unexpected ')' at {{at}}: no '(' to match it",
        "unclosed": "'(' at {{at}} is never closed",
        "work": "too many large constant powers at {{at}} (about {work} digits in all;"
                " limit {limit})",
        "time": "formula took too long to read at {{at}} (limit {limit:g} s)",
        "power": _POWER.replace("{what}", "power too large"),
        "exp_log": _POWER.replace("{what}", "{fn}(c*log(b)) is b**c, a power too large"),
        "exponent": "exponent too large at {{at}} (limit |e| <= {limit})",
        "div0": "division by zero at {{at}}",
        "div0_power": "division by zero (0 to a negative power) at {{at}}",
        "digits": "number too long at {{at}} ({digits} digits; limit {limit})",
        "number_exponent": "number's exponent too long at {{at}} (at most 2 digits)",
        "number": "number {text} too large at {{at}} (limit 1e9)",
        "function_as_name": "'{name}' is a function; call it as {name}(...) at {{at}}",
        "unknown_function": "unknown function '{name}' at {{at}}{hint} (allowed: {allowed})",
    })

FUNCTIONS = vocabulary.FORMULA_NAMES
_TRACKER: ContextVar[Tracker] = ContextVar("formula_tracker")


def suggest(word, known):
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def show(word, limit=40):
    word = str(word)
    return word if len(word) <= limit else word[:limit] + "..."


def _name(tok):
    if tok in FUNCTIONS:
        raise Fail("function_as_name", tok, name=str(tok))
    return _TRACKER.get().name(Name(str(tok), col=tok.column))


def _call(tok, _lpar, arg, _rpar):
    fn = str(tok)
    if fn not in FUNCTIONS:
        raise Fail("unknown_function", tok, name=show(fn), hint=suggest(fn, FUNCTIONS),
                   allowed=", ".join(FUNCTIONS))
    return _TRACKER.get().call(fn, arg, tok)


def _sign(op, x):
    return x if op == "+" else _TRACKER.get().negate(x, op)


def _binop(left, optok, right):
    op = "^" if optok in ("**", "^") else str(optok)
    return _TRACKER.get().binop(left, op, right, optok)


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    class Build:
        """LALR reduction callbacks: each gets its rule's children and returns a Bound."""
        number = staticmethod(lambda kids: _TRACKER.get().number(kids[0]))
        name = staticmethod(lambda kids: _name(*kids))
        call = staticmethod(lambda kids: _call(*kids))
        group = staticmethod(lambda kids: kids[1])
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


def _caret(text, line, col):
    """The offending line and a caret under column ``col`` (a window of it if long)."""
    src = text.split("\n")[line - 1] if text else ""
    start = max(0, col - 1 - 40)
    shown = src[start:start + 80]
    return f"\n    {shown}\n    {' ' * (col - 1 - start)}^"


def _at(text, line, col):
    return f"line {line}, column {col}" if "\n" in text else f"column {col}"


def parse_formula(text: str, *, where: str = "<formula>") -> Node:
    """Parse untrusted formula text into an AST; any problem is a SpecError naming the column."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if not isinstance(text, str):
        raise SpecError(f"a formula must be a string, not {type(text).__name__}", where)
    try:
        check_length(text, LIMITS)
    except Fail as e:
        raise SpecError(e.message(LIMITS), where) from None
    if not text.strip():
        raise SpecError("empty formula", where)
    token = _TRACKER.set(Tracker(LIMITS))
    try:
        prescan(text, LIMITS)
        return _parser().parse(text).node
    except Fail as e:
        line, col, message = e.line, e.col or 1, e.message(LIMITS)
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
            message = f"unexpected {what}'{show(tok)}' at {{at}}"
        if tok.type in ("NAME", "NUMBER", "LPAR") and "MULOP" in e.expected:
            message += " (missing '*'?)"
        elif _expected(set(e.expected)):
            message += f"; expected {_expected(set(e.expected))}"
    finally:
        _TRACKER.reset(token)
    raise SpecError(message.replace("{at}", _at(text, line, col)) + _caret(text, line, col), where)
