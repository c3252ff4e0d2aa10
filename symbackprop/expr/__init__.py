"""User expressions, one package: one AST, one bound tracker and prescan, two grammars.

    ast.py              the node classes; Walker / Fold (dispatch by class name)
    bounds.py           the bound tracker (length, depth, numbers, time) and the prescan
    vocabulary.py       the one table of function names and spellings
    formula_grammar.py  graph-spec formulas: "sigmoid(a*b) + c"
    claim_text.py       a claim's LaTeX normalized, its written names read
    claim_grammar.py    the claims of hand derivations, LaTeX or ASCII
    walkers.py          names, calls, to SymPy, NumPy evaluation, canonical text

User text never reaches eval, exec, sympify or parse_expr.
"""

from .ast import (BinOp, Call, Deriv, Fold, Indicator, Name, Neg, Node, Num, Sum, Walker,
                  operands, walk)
from .claim_grammar import ParseError, normalize_latex, parse_claim
from .formula_grammar import FUNCTIONS, parse_formula
from .walkers import ToSympy, calls, evaluate, names, to_sympy, to_text

__all__ = ["BinOp", "Call", "Deriv", "FUNCTIONS", "Fold", "Indicator", "Name", "Neg", "Node",
           "Num", "ParseError", "Sum", "ToSympy", "Walker", "calls", "evaluate", "names",
           "normalize_latex", "operands", "parse_claim", "parse_formula", "to_sympy", "to_text",
           "walk"]
