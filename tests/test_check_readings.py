"""The notation the README promises, read completely (issue 13): spacing commands,
\\tanh^2, \\max(0, z), \\operatorname, \\mathrm, \\frac{d\\sigma(z)}{dz}, inline
\\partial L/\\partial w, Unicode in plain text, cases, matrices, evaluation bars, and parse
errors that say where and what was expected. Each claim is a derivative worked by hand
(comments); a wrong twin of each is caught."""

import numpy as np
import pytest

from symbackprop import spec
from symbackprop.check import check_equation, check_text

TANH = spec.loads("inputs = 1\nloss = 'mse'\n[[layers]]\nunits = 2\nactivation = 'tanh'\n"
                  "[[layers]]\nunits = 1\n", name="tanhnet")
RELU = spec.loads("inputs = 1\nloss = 'mse'\n[[layers]]\nunits = 2\nactivation = 'relu'\n"
                  "[[layers]]\nunits = 1\n", name="relunet")


@pytest.mark.parametrize("net, good, bad", [
    # spacing: a thin space before a name, \; and \! inside a product
    ("easynet", r"\frac{dL}{dw_2^{[2]}} = \frac{dL}{dy_{pred}}\,h_2",
     r"\frac{dL}{dw_2^{[2]}} = \frac{dL}{dy_{pred}}\,h_1"),
    ("easynet", r"y_{pred} = w_1^{[2]}\;h_1 + \,w_2^{[2]}\!h_2",
     r"y_{pred} = w_1^{[2]}\;h_2 + \,w_2^{[2]}\!h_1"),
    # tanh' = 1 - tanh^2
    (TANH, r"\frac{dh_1}{dz_1^{[1]}} = 1 - \tanh^2(z_1^{[1]})",
     r"\frac{dh_1}{dz_1^{[1]}} = 1 - \tanh(z_1^{[1]})"),
    (TANH, r"\frac{dh_1}{dz_1^{[1]}} = 1 - \mathrm{tanh}^{2}(z_1^{[1]})",
     r"\frac{dh_1}{dz_1^{[1]}} = 1 + \mathrm{tanh}^{2}(z_1^{[1]})"),
    # relu = max(0, z); relu' = 1[z > 0]
    (RELU, r"h_1 = \max(0, z_1^{[1]})", r"h_1 = \max(0, z_2^{[1]})"),
    (RELU, r"h_1 = \operatorname{relu}(z_1^{[1]})", r"h_1 = \operatorname{relu}(-z_1^{[1]})"),
    (RELU, r"\frac{dh_1}{dz_1^{[1]}} = \begin{cases} 1 & z_1^{[1]} > 0 \\ 0 & \text{otherwise}"
           r"\end{cases}",
     r"\frac{dh_1}{dz_1^{[1]}} = \begin{cases} 1 & z_1^{[1]} > 0 \\ 1 & \text{otherwise}"
     r"\end{cases}"),
    # sigma' = sigma (1 - sigma), the derivative written on the function
    ("sigmoid222", r"\frac{d\sigma(z_1^{[2]})}{dz_1^{[2]}} = o_1 (1 - o_1)",
     r"\frac{d\sigma(z_1^{[2]})}{dz_1^{[2]}} = o_1"),
    # an inline fraction, and an evaluation bar at the example
    ("easynet", r"\partial L/\partial y_{pred} = -\frac{2}{N}(y_{true} - y_{pred})",
     r"\partial L/\partial y_{pred} = \frac{2}{N}(y_{true} - y_{pred})"),
    ("easynet", r"\left.\frac{dL}{dy_{pred}}\right|_{y_{pred} = 0.16} = -1.68",
     r"\left.\frac{dL}{dy_{pred}}\right|_{y_{pred} = 0.16} = -1.86"),
])
def test_notation_is_read(net, good, bad):
    r = check_equation(net, good)
    assert r.verdict == "correct", (good, r.message)
    r = check_equation(net, bad)
    assert r.verdict == "wrong", (bad, r.message)


def test_unicode_in_plain_text():
    text = "∂L/∂y_pred = −2·(y_true − y_pred)/N\n∂L/∂y_pred = 2·(y_true − y_pred)/N\n"
    assert [r.verdict for r in check_text("easynet", text, "text")] == ["correct", "wrong"]


def test_thick_space_does_not_split_a_claim():
    text = "$$\\frac{dL}{dw_1^{[2]}} = \\frac{dL}{dy_{pred}} \\; h_1$$\n"
    out = check_text("easynet", text, "markdown")
    assert [r.verdict for r in out] == ["correct"]


def test_a_matrix_is_one_claim_not_checked_with_a_reason():
    text = ("$$\\frac{\\partial L}{\\partial W} = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 "
            "\\end{bmatrix}$$\n")
    out = check_text("easynet", text, "markdown")
    assert len(out) == 1 and out[0].verdict == "not_checked"
    assert "a matrix, read as one claim" in out[0].message


def test_cases_in_a_page_are_one_claim():
    text = ("$$\\frac{dh_1}{dz_1^{[1]}} = \\begin{cases} 1 & \\text{if } z_1^{[1]} > 0 \\\\ "
            "0 & \\text{otherwise} \\end{cases}$$\n")
    out = check_text(RELU, text, "markdown")
    assert [r.verdict for r in out] == ["correct"]


@pytest.mark.parametrize("text, where", [
    ("L = h_1 +", "unexpected end of the expression; expected"),
    ("L = h_1 * * 2", "at column 7; expected"),
    (r"L = \frac{h_1}", "expected '{'"),
])
def test_parse_errors_say_where_and_what_was_expected(text, where):
    r = check_equation("easynet", text)
    assert r.verdict == "error" and where in r.message


def _slope(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("good, bad, f, df", [
    (r"\frac{d\sigma(x)}{dx} = \sigma(x)(1 - \sigma(x))",
     r"\frac{d\sigma(x)}{dx} = \sigma(x)(1 + \sigma(x))",
     lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    (r"\tanh'(z) = 1 - \tanh^2(z)", r"\tanh'(z) = 1 - \tanh(z)",
     np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    (r"\frac{d}{dx} \log(x) = \frac{1}{x}", r"\frac{d}{dx} \log(x) = \log(x)",
     np.log, lambda x: 1 / x),
])
def test_a_functions_identity_in_its_own_variable(good, bad, f, df):
    # the hand formula (df), confirmed by finite differences: the oracle of the claim
    xs = np.array([0.3, 0.9, 1.7])
    assert np.allclose(_slope(f, xs), df(xs), rtol=1e-6)
    r = check_equation("easynet", good)
    assert r.verdict == "correct", r.message
    r = check_equation("easynet", bad)
    assert r.verdict == "wrong" and "at the worked example" not in r.message
    # E = m c^2 has no function: still not about the network
    assert check_equation("easynet", "E = m c^2").verdict == "not_checked"
