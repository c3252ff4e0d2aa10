"""The notation a page may use: the lesson's LaTeX and plain ASCII, read into the
network's own symbols (built here from the graph's naming table, not by the checker)."""

import pytest
import sympy as sp

from symbackprop import ops, spec
from symbackprop.check import check_equation, truth_of
from symbackprop.check.parse import parse_equation
from symbackprop.graph import build_graph

G = build_graph(spec.load("easynet"))
S = {latex: G.sym(k) for k, latex in G.latex.items()}  # the lesson's name -> symbol
x1, x2, x3, t, N = S["x_1"], S["x_2"], S["x_3"], S["y_{true}"], S["N"]
h1, h2, y = S["h_1"], S["h_2"], S["y_{pred}"]
w11, w31, w12 = S["w_1^{[1]}"], S["w_3^{[1]}"], S["w_1^{[2]}"]


def rhs(text, mode="latex", net="easynet"):
    """The right side of ``L = <text>`` as the checker reads it."""
    parsed = parse_equation(truth_of(net), "L = " + text, mode)
    return parsed.sides[1].expr


@pytest.mark.parametrize("text, expected", [
    (r"-\frac{2}{N}\left(y_{true} - y_{pred}\right) h_1", -2 * (t - y) * h1 / N),
    (r"2 h_1 x_1", 2 * h1 * x1),
    (r"2 \cdot h_1 \times x_1 * x_2", 2 * h1 * x1 * x2),
    (r"w_1^{[2]}x_1", w12 * x1),
    (r"w^{[2]}_1 x_{1}", w12 * x1),
    (r"w_{1}^{ [2] } x_1", w12 * x1),
    (r"y_{\text{pred}} - y_{\mathrm{true}}", y - t),
    (r"\hat{y} - y_{true}", y - t),
    (r"\left[ h_1 + h_2 \right]^2", (h1 + h2) ** 2),
    (r"h_1^2 + h_1^{3}", h1 ** 2 + h1 ** 3),
    (r"\frac12 h_1", h1 / 2),
    (r"\dfrac{h_1}{h_2}", h1 / h2),
    (r"e^{-h_1} + \exp(h_2) + \exp{h_1}", sp.exp(-h1) + sp.exp(h2) + sp.exp(h1)),
    (r"\sigma(h_1) + \tanh\left(h_2\right) + \log y_{pred} + \ln(h_1)",
     ops.sigmoid(h1) + sp.tanh(h2) + sp.log(y) + sp.log(h1)),
    (r"\sigma'(h_1)", ops.sigmoid(h1) * (1 - ops.sigmoid(h1))),
    (r"\operatorname{relu}(h_1) + \sqrt{h_2}", ops.relu(h1) + sp.sqrt(h2)),
    (r"\sum_{i=1}^{3} x_i", x1 + x2 + x3),
    (r"\sum_{k=1}^{2} h_k w_k^{[2]}", h1 * w12 + h2 * S["w_2^{[2]}"]),
    (r"- - h_1", h1),
    (r"\mathbb{1}[h_1 > 0]", sp.Heaviside(h1, 0)),
])
def test_latex_reads_into_the_networks_symbols(text, expected):
    assert sp.expand(rhs(text) - expected) == 0


@pytest.mark.parametrize("text, expected", [
    ("-2*w1[2]*x1/N*(y_true - y_pred)", -2 * w12 * x1 / N * (t - y)),
    ("2(y_pred - y_true) h1", 2 * (y - t) * h1),
    ("x_1*w_1[1] + x2*w3[1]", x1 * w11 + x2 * w31),
    ("h1^2 + h2**3 + x1^-1", h1 ** 2 + h2 ** 3 + 1 / x1),
    ("sigmoid(h1) * exp(-h2) + ln(y_pred)", ops.sigmoid(h1) * sp.exp(-h2) + sp.log(y)),
    ("sigma'(h1)", ops.sigmoid(h1) * (1 - ops.sigmoid(h1))),
])
def test_ascii_reads_into_the_networks_symbols(text, expected):
    assert sp.expand(rhs(text, "ascii") - expected) == 0


@pytest.mark.parametrize("text", [
    r"\frac{dL}{dw_1^{[1]}}", r"\frac{d L}{d w_1^{[1]}}", r"\frac{\partial L}{\partial w_1^{[1]}}",
    r"\dfrac{\mathrm{d}L}{\mathrm{d}w^{[1]}_1}", r"\frac{d}{dw_1^{[1]}} L", "dL/dw1[1]",
    "dL / dw_1[1]",
])
def test_derivative_spellings(text):
    mode = "ascii" if "/" in text else "latex"
    side = parse_equation(truth_of("easynet"), f"{text} = 0", mode).sides[0]
    assert (side.form, G.latex[side.of], G.latex[side.wrt]) == ("derivative", "L", "w_1^{[1]}")


@pytest.mark.parametrize("text", [
    r"\therefore \frac{dL}{dh_1} = -\frac{2}{N} w_1^{[2]} (y_{true} - y_{pred})",
    r"\Rightarrow \frac{dL}{dh_1} = -\frac{2}{N} w_1^{[2]} (y_{true} - y_{pred}).",
    r"\text{so } \frac{dL}{dh_1} := -\frac{2}{N} w_1^{[2]} (y_{true} - y_{pred}),",
    "so dL/dh1 = -2/N*w1[2]*(y_true - y_pred)",
])
def test_prefixes_and_punctuation(text):
    assert check_equation("easynet", text).verdict == "correct"


@pytest.mark.parametrize("text, message", [
    (r"\frac{dL}{dw_3^{[2]}} = 0", "w_3^{[2]}: no such weight; did you mean w_3^{[1]}?"),
    (r"\frac{dL}{dw_7^{[1]}} = 0", "w_7^{[1]}: no such weight; did you mean w_6^{[1]}?"),
    (r"h_3 = x_1", "h_3: no such unit; did you mean h_2?"),
    (r"y_{pred} = x_4", "x_4: no such input; did you mean x_3?"),
    (r"y_{prd} = h_1", "y_{prd}: no such output; did you mean y_{pred}?"),
    ("dL/dw3[2] = 0", "w3[2]: no such weight; did you mean w3[1]?"),
    (r"L = h_1 + \frac{", "cannot read"),
    (r"L = h_1 +", "unexpected end"),
    (r"L = (h_1", "never closed"),
    (r"L = h_1 = ", "empty"),
])
def test_errors_say_what_and_suggest(text, message):
    r = check_equation("easynet", text)
    assert r.verdict == "error"
    assert message in r.message


@pytest.mark.parametrize("text, reason", [
    (r"\text{we get the point}", "not an equation"),
    (r"\frac{dL}{dw_1^{[1]}}", "not an equation"),
    (r"\frac{dL}{dw_1^{[1]}} \approx h_1", "approximation between two expressions"),
    (r"y_{pred} < 1", "not an equality"),
    (r"E = m c^2", "not about the network"),
    (r"\mathbf{z}^{[1]} = W^{[1]} \mathbf{x}", "matrix or vector notation"),
    (r"\frac{dh_1}{dy_{pred}} = \frac{1}{w_1^{[2]}}", "not the other way round"),
])
def test_not_checked_with_a_reason(text, reason):
    r = check_equation("easynet", text)
    assert r.verdict == "not_checked"
    assert reason in r.message


def test_values_at_the_worked_example():
    # easynet's example: x = (1, 2, 3), y_true = 1; dL/dy_pred = -1.68, dL/dw_1^{[1]} = -0.504
    assert check_equation("easynet", r"\frac{dL}{dy_{pred}} = -1.68").verdict == "correct"
    assert check_equation("easynet", r"\frac{dL}{dw_1^{[1]}} = (-1.68)(0.3)(1) = -0.504"
                          ).verdict == "correct"
    # one significant digit for -0.504: too few digits (issue 13's number rule)
    assert check_equation("easynet", r"\frac{dL}{dw_1^{[1]}} = -0.5").verdict == "imprecise"
    r = check_equation("easynet", r"\frac{dL}{dw_1^{[1]}} = 0.504")
    assert r.verdict == "wrong" and "at the worked example" in r.message
    assert check_equation("easynet", "2 \\cdot 0.25 = 0.5").verdict == "correct"
    assert check_equation("easynet", "2 \\cdot 0.25 = 0.6").verdict == "wrong"
    # a constant without decimals is an identity, judged everywhere
    assert check_equation("easynet", r"\frac{dh_1}{dw_2^{[1]}} = 0").verdict == "correct"
    net = spec.loads("inputs = 1\n[[layers]]\nunits = 1\n", name="noexample")
    r = check_equation(net, r"\frac{dL}{dw^{[1]}} = 0.3")
    assert r.verdict == "not_checked" and "no worked example" in r.message


def test_sums_over_the_samples():
    ok = [r"L = \frac{1}{N}\sum_{n=1}^{N}\left(y_{true}^{(n)} - y_{pred}^{(n)}\right)^2",
          r"\frac{dL}{dw_1^{[2]}} = -\frac{2}{N}\sum_{n=1}^{N} h_1^{(n)}\left(y_{true}^{(n)} - y_{pred}^{(n)}\right)",
          r"\frac{dL}{dw_1^{[2]}} = \sum_{n} -\frac{2}{N} h_1^{(n)}\left(y_{true}^{(n)} - y_{pred}^{(n)}\right)"]
    for text in ok:
        assert check_equation("easynet", text).verdict == "correct", text
    # the half SSE of the textbook is a mean over the samples
    assert check_equation("sigmoid222", r"E = \frac{1}{N}\sum_{n=1}^{N} \frac{1}{2}"
                          r"\left((t_1^{(n)} - o_1^{(n)})^2 + (t_2^{(n)} - o_2^{(n)})^2\right)"
                          ).verdict == "correct"
    r = check_equation("easynet", r"\frac{dL}{dh_1} = \sum_{n=1}^{N} x_1^{(n)}")
    assert r.verdict == "not_checked" and "per-sample" in r.message
