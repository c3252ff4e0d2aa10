"""symbackprop.expr itself: one AST for both grammars, one bound tracker applied to both
(deep nesting, huge numbers, long input, a time budget: each a clean one-line error that
says where), and walkers that dispatch by class name with a fallback. Expected values are
SymPy expressions and numbers built by hand here."""

import time

import pytest
import sympy

from symbackprop import ops
from symbackprop.errors import SpecError
from symbackprop.expr import (BinOp, Call, Deriv, Name, Neg, Num, ParseError, ToSympy, Walker,
                              bounds, claim_grammar, formula_grammar, operands, parse_claim,
                              parse_formula, to_sympy, vocabulary)

x, y = sympy.symbols("x y", real=True)


def claim(text, mode="latex"):
    parse_claim.cache_clear()  # each test sees the parser work, not the cache
    return parse_claim(text, mode)


# --------------------------------------------------------------- one AST

@pytest.mark.parametrize("formula, latex, ascii_", [
    ("x*y - 2", r"x y - 2", "x*y - 2"),
    ("sigmoid(x)^2", r"\sigma(x)^{2}", "sigmoid(x)^2"),
    ("x/(y + 1)", r"\frac{x}{y + 1}", "x/(y + 1)"),
    ("-exp(x)", r"-\exp(x)", "-exp(x)"),
])
def test_both_grammars_build_the_same_nodes(formula, latex, ascii_):
    f = parse_formula(formula)
    assert claim(latex) == f
    assert claim(ascii_, "ascii") == _ascii_names(f)


def _ascii_names(node):
    """The formula's tree with its names marked as written in ASCII (the claim grammar's)."""
    if type(node) is Name:
        return Name(node.id, ascii=True)
    kids = {k: _ascii_names(v) for k, v in vars(node).items() if isinstance(v, (Name, Num, Neg,
                                                                               BinOp, Call))}
    return type(node)(**{**vars(node), **kids})


def test_claim_nodes_by_hand():
    # a leading sign takes the whole product: -(2/N h_1)
    assert claim(r"-\frac{2}{N} h_1") == Neg(BinOp("*", BinOp("/", Num("2"), Name("N")),
                                                    Name("h", "1")))
    assert claim(r"\frac{dL}{dw_1^{[2]}}") == Deriv(Name("L"), Name("w", "1", "2"))
    assert claim(r"\sigma'(z)") == Call("sigmoid", Name("z"), prime=True)
    assert operands(claim("a - b + c"), "+-") == [Name("a"), Name("b"), Name("c")]


# --------------------------------------------------------------- one bound tracker, both grammars

DEEP = 999  # within both length limits: the depth is what fails


@pytest.mark.parametrize("formula, latex, part", [
    ("(" * DEEP + "x" + ")" * DEEP, "(" * DEEP + "x" + ")" * DEEP, "nested too deeply"),
    ("-" * 200 + "x", "-" * 200 + "x", "nested too deeply"),
    ("exp(" * 70 + "x" + ")" * 70, r"\exp(" * 70 + "x" + ")" * 70, "nested too deeply"),
    ("9^9^9^9", "9^{9^{9^{9}}}", "too large"),
    ("exp(999999999*log(2))", r"\exp(999999 \log 2)", "power too large"),
    ("x^1000", "x^{1000}", "exponent too large"),
    ("1" * 40, "1" * 40, "too long"),
    ("x" * 6000, "x" * 6000, "too long"),
    ("x/(3 - 3)", r"\frac{x}{3 - 3}", "division by zero"),
])
def test_the_same_bounds_reject_in_both_grammars(formula, latex, part):
    start = time.perf_counter()
    with pytest.raises(SpecError, match=part) as f_err:
        parse_formula(formula, where="f")
    with pytest.raises(ParseError, match=part) as c_err:
        claim(latex)
    assert time.perf_counter() - start < 2.0
    assert "\n" not in str(c_err.value)
    if "long (" not in str(f_err.value):  # a bound crossed inside the text: column and caret
        assert "column" in str(f_err.value) and str(f_err.value).count("\n") == 2


def test_a_bomb_the_old_claim_bounds_let_through():
    """log(exp(c)) is c: SymPy turns exp(log(exp(c)) log 2) into 2**c. The claim grammar's
    own tracker did not count c there (the checker hung on this line); the shared
    tracker, the formula's rules, rejects it at once in both grammars."""
    start = time.perf_counter()
    with pytest.raises(ParseError, match="power too large"):
        claim(r"\exp(\log(\exp(999999999999999)) \log 2)")
    with pytest.raises(SpecError, match="power too large"):
        parse_formula("exp(log(exp(999999999))*log(2))")
    assert time.perf_counter() - start < 1.0


def test_each_grammar_keeps_its_own_numbers():
    assert formula_grammar.LIMITS.depth == 60 and claim_grammar.LIMITS.depth == 40
    parse_formula("(" * 60 + "x" + ")" * 60)
    with pytest.raises(ParseError, match=r"nested too deeply at column 41 \(limit 40\)"):
        claim("(" * 41 + "x" + ")" * 41)
    claim("(" * 40 + "x" + ")" * 40)


def test_claim_errors_carry_the_column():
    with pytest.raises(ParseError) as err:
        claim("x + y^{100}")
    assert err.value.col == 6 and "exponent too large (limit |e| <= 64)" in err.value.message
    with pytest.raises(ParseError) as err:
        claim("x + ]")
    assert err.value.col == 5 and "unbalanced ']' at column 5" in err.value.message


class _Clock:
    """A clock that moves one second each time it is read: any parse of more than a
    couple of nodes overruns its budget."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("parse, text, error, part", [
    (parse_formula, "x + y + z + w + v", SpecError, r"formula took too long to read at column \d+"
                                            r" \(limit 2 s\)"),
    (lambda t: claim(t), "x + y + z + w + v", ParseError, r"too long to read \(limit 2 s\)"),
])
def test_the_time_budget_ends_in_a_clean_error(monkeypatch, parse, text, error, part):
    monkeypatch.setattr(bounds, "clock", _Clock())
    with pytest.raises(error, match=part):
        parse(text)


def test_the_time_budget_is_not_reached_by_real_input():
    parse_formula("+".join(["sigmoid(x*y)"] * 150))
    claim(" + ".join([r"\sigma(x_1 w_1^{[1]})"] * 150))


# --------------------------------------------------------------- one vocabulary

def test_every_formula_function_is_read_and_built():
    assert formula_grammar.FUNCTIONS == vocabulary.FORMULA_NAMES
    for fn in vocabulary.FORMULA_NAMES:
        assert to_sympy(parse_formula(f"{fn}(x)"), {"x": x}) == ops.FUNCTIONS[fn](x)


@pytest.mark.parametrize("text, mode, fn", [
    (r"\sigma(x)", "latex", "sigmoid"), (r"\ln(x)", "latex", "log"),
    (r"\mathrm{sigmoid}(x)", "latex", "sigmoid"), (r"\operatorname{ReLU}(x)", "latex", "relu"),
    ("sigma(x)", "ascii", "sigmoid"), ("softplus(x)", "ascii", "softplus"),
])
def test_claim_spellings_come_from_the_vocabulary(text, mode, fn):
    src = claim_grammar.normalize_latex(text) if mode == "latex" else text
    node = claim(src, mode)
    assert type(node) is Call and node.fn == fn
    assert vocabulary.CLAIM_SYMPY[fn] is vocabulary.BY_NAME[fn].sympy


def test_unknown_functions_count_as_exp_like():
    assert vocabulary.exp_like("exp") and vocabulary.exp_like("a_new_activation")
    assert not vocabulary.exp_like("tanh") and not vocabulary.exp_like("relu")


# --------------------------------------------------------------- walkers

class _Names(ToSympy):
    """A claim's names as plain symbols, to compare with SymPy built by hand."""

    def __init__(self):
        super().__init__(vocabulary.CLAIM_SYMPY, claim_grammar.LIMITS.chains, 64)

    def _walk_Name(self, n, args):
        return sympy.Symbol(n.id, real=True)


def test_to_sympy_of_a_claim_agrees_with_sympy_by_hand():
    got = _Names().fold(claim(r"\frac{x}{y} - 2 \exp(x) y^{2} + \sigma(y)"))
    assert got == x / y - 2 * sympy.exp(x) * y**2 + ops.sigmoid(y)
    long = _Names().fold(claim(" - ".join(["x"] * 1200)))  # a flat chain: no recursion
    assert long == -1198 * x


def test_dispatch_follows_the_mro_and_falls_back():
    class Counting(Walker):
        def _walk_Node(self, node):
            return "any node"

        def _walk_Num(self, node):
            return "a number"

    class Literal(Num):
        pass

    w = Counting()
    assert w(Num("1")) == "a number"
    assert w(Literal("1")) == "a number"  # found through the MRO
    assert w(Name("x")) == "any node"

    with pytest.raises(TypeError, match="_Names cannot walk a Deriv"):
        _Names().fold(claim(r"\frac{dL}{dx}"))  # no _walk_Deriv, no _walk_Node: the fallback
