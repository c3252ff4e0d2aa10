"""A negative number on a page (the worked example's values substituted into a formula)
is bracketed by the printer only where its place needs it: as a factor, a later term or
a power's base, (-0.2); first inside a bracket that is already there, or as a function's
argument, bare. At the very start of a formula it keeps its brackets, as the pages have
always printed it (= (-0.2) + 0.5). The expected strings are written by hand."""

import sympy as sp

from symbackprop.ops import relu, sigmoid
from symbackprop.render.printer import LessonPrinter

a, b, c = sp.symbols("a b c")
NAMES = {a: "-0.2", b: "0.5", c: "-1.5"}


def show(expr) -> str:
    return LessonPrinter(NAMES, negative=[a, c]).doprint(expr)


def test_first_in_a_bracket_and_as_a_later_term():
    assert show(a + b) == r"\left(-0.2\right) + 0.5"
    assert show(b - a) == r"0.5 - \left(-0.2\right)"
    assert show(a + c) == r"\left(-0.2\right) + \left(-1.5\right)"
    assert show(b * (a + b)) == r"0.5 \left(-0.2 + 0.5\right)"
    assert show(b * (b + c)) == r"0.5 \left(0.5 + \left(-1.5\right)\right)"
    assert show(b * (b - a)) == r"0.5 \left(0.5 - \left(-0.2\right)\right)"
    assert show(b * (-a - b)) == r"- 0.5 \left(-0.2 + 0.5\right)"


def test_a_factor_and_a_power_base_keep_their_parentheses():
    assert show(2 * a) == r"2 \left(-0.2\right)"
    assert show(b * a) == r"\left(-0.2\right) \cdot 0.5"
    assert show(a**2) == r"\left(-0.2\right)^{2}"
    assert show(1 - a**2) == r"1 - \left(-0.2\right)^{2}"
    assert show(b * (a**2 + b)) == r"0.5 \left(\left(-0.2\right)^{2} + 0.5\right)"
    assert show(b * (a * b + 1)) == r"0.5 \left(-0.2 \cdot 0.5 + 1\right)"
    assert show(b * (2 * a + 1)) == r"0.5 \left(2 \left(-0.2\right) + 1\right)"


def test_a_function_argument_is_bare_inside_the_functions_own_brackets():
    assert show(sp.tanh(a)) == r"\tanh{\left(-0.2 \right)}"
    assert show(sp.log(c)) == r"\log{\left(-1.5 \right)}"
    assert show(sigmoid(a)) == r"\sigma\left(-0.2\right)"
    assert show(sp.Max(a, b)) == r"\max\left(-0.2, 0.5\right)"


def test_a_function_of_a_sum_keeps_the_whole_sum_inside():
    """The argument -0.2 + (-1.5) starts and ends with a bracket of its own number; it is
    still the one argument: σ(-0.2 + (-1.5)), never σ(-0.2) + (-1.5)."""
    assert show(sigmoid(a + c)) == r"\sigma\left(-0.2 + \left(-1.5\right)\right)"
    assert show(relu(b * (a + c))) == \
        r"\operatorname{relu}\left(0.5 \left(-0.2 + \left(-1.5\right)\right)\right)"


def test_without_negative_numbers_the_printer_is_unchanged():
    names = {a: "w_1", b: "x", c: "b"}
    assert LessonPrinter(names).doprint(sigmoid(a * b + c) * (a - b)) == \
        r"\sigma\left(w_1 x + b\right) \left(w_1 - x\right)"


def test_a_function_of_a_product_of_brackets_keeps_its_own():
    """σ((a - b)(c + d)): the argument starts and ends with a bracket but is two of them."""
    names = {a: "a", b: "b", c: "c"}
    assert LessonPrinter(names).doprint(sigmoid((a - b) * (b + c))) == \
        r"\sigma\left(\left(a - b\right) \left(b + c\right)\right)"
