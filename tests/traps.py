"""Traps for every way text could become code or an expression: the safety tests of the
formula parser and of the checker install these and assert that nothing was called."""

import builtins
import sys

import sympy
import sympy.parsing.sympy_parser


def trap_evaluators(mp, calls: list) -> list:
    """With ``mp`` (a pytest MonkeyPatch): eval, exec, compile, sympify and parse_expr fail
    the test when called, and each call is appended to ``calls``. SymPy's own constructors
    call sympify on SymPy objects, so only a string reaching it counts."""

    def trap(name):
        def called(*args, **kwargs):
            calls.append((name, args))
            raise AssertionError(f"{name} was called with {args!r}")
        return called

    real_sympify = sys.modules["sympy.core.sympify"].sympify

    def sympify_spy(a, *args, **kwargs):
        if isinstance(a, str):
            calls.append(("sympy.core.sympify.sympify", (a,)))
            raise AssertionError(f"sympify was called with the string {a!r}")
        return real_sympify(a, *args, **kwargs)

    mp.setattr(builtins, "eval", trap("eval"))
    mp.setattr(builtins, "exec", trap("exec"))
    mp.setattr(builtins, "compile", trap("compile"))
    mp.setattr(sympy, "sympify", trap("sympy.sympify"))
    mp.setattr(sympy, "parse_expr", trap("sympy.parse_expr"))
    mp.setattr(sympy.parsing.sympy_parser, "parse_expr", trap("parse_expr"))
    mp.setattr(sys.modules["sympy.core.sympify"], "sympify", sympify_spy)
    return calls
