"""Exact LaTeX of the lesson's formulas (sympy's test_latex style)."""

from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.render.printer import number
from symbackprop.render.views import Notation, forward_equations, svg_label
from tests.conftest import corpus_spec


def _easynet():
    d = derive(build_graph(corpus_spec("easynet")))
    return d, Notation(d)


def test_lesson_results_in_the_lesson_form():
    d, n = _easynet()
    assert n.tex(d.locals[("L", "h2_1")].expr) == r"- \frac{2}{N} \left(y_{true} - y_{pred}\right)"
    assert n.tex(d.gradients["w2_1_1"].expr) == r"- \frac{2 h_1}{N} \left(y_{true} - y_{pred}\right)"
    assert n.tex(d.gradients["w1_1_1"].expr) == \
        r"- \frac{2 w_1^{[2]} x_1}{N} \left(y_{true} - y_{pred}\right)"
    assert n.frac("L", "w1_1_1") == r"\frac{dL}{dw_1^{[1]}}"


def test_forward_equations_number_weights_input_by_input():
    d, n = _easynet()
    eqs = {e["lhs"]: e["rhs"] for e in forward_equations(n)}
    assert eqs["h_1"] == r"x_1 w_1^{[1]} + x_2 w_3^{[1]} + x_3 w_5^{[1]}"
    assert eqs["h_2"] == r"x_1 w_2^{[1]} + x_2 w_4^{[1]} + x_3 w_6^{[1]}"
    assert eqs["y_{pred}"] == r"h_1 w_1^{[2]} + h_2 w_2^{[2]}"


def test_partial_notation_and_textbook_names():
    d = derive(build_graph(corpus_spec("relu_partial")))
    n = Notation(d)
    assert n.frac("L", "w1_1_1") == r"\frac{\partial L}{\partial w_1^{[1]}}"
    mazur = derive(build_graph(corpus_spec("mazur")))
    latex = mazur.graph.latex
    # global by-unit numbering: w1: i1->h1, w2: i2->h1, w3: i1->h2, w5: h1->o1, w8: h2->o2
    assert [latex[k] for k in ("w1_1_1", "w1_1_2", "w1_2_1", "w2_1_1", "w2_2_2", "b1", "b2")] == \
        ["w_1", "w_2", "w_3", "w_5", "w_8", "b_1", "b_2"]


def test_numbers_and_labels():
    assert number(-0.504) == "-0.504"
    assert number(0.1 + 0.2) == "0.3"
    assert number(1.5e-9) == r"1.5 \times 10^{-9}"
    assert svg_label("w_1^{[2]}") == [("w", ""), ("1", "sub"), ("[2]", "super")]
    assert svg_label("y_{pred}") == [("y", ""), ("pred", "sub")]
