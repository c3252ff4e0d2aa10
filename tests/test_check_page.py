"""A page read top to bottom (issue 13): givens, the writer's definitions, N fixed by the
page, error carried forward, chains judged link by link at the example, messages.

The oracle is hand arithmetic on the easy network's worked example (x = (1, 2, 3),
y_true = 1, w^{[1]} = (0.1, 0.2, -0.3, 0.4, 0.5, -0.1) numbered input by input,
w^{[2]} = (0.3, -0.2)), checked by the test's own NumPy forward pass below."""

import numpy as np
import pytest

from symbackprop import spec
from symbackprop.check import check_equation, check_text


def easynet_by_hand():
    x = np.array([1.0, 2.0, 3.0])
    w1 = {1: 0.1, 2: 0.2, 3: -0.3, 4: 0.4, 5: 0.5, 6: -0.1}
    h1 = w1[1] * x[0] + w1[3] * x[1] + w1[5] * x[2]   # by_input: w_1, w_3, w_5 feed h_1
    h2 = w1[2] * x[0] + w1[4] * x[1] + w1[6] * x[2]
    y = 0.3 * h1 - 0.2 * h2
    return {"h1": h1, "h2": h2, "y": y, "dL/dy": -2 * (1.0 - y)}


E = easynet_by_hand()


def test_the_oracle():
    assert (E["h1"], E["h2"], E["y"], E["dL/dy"]) == pytest.approx((1.0, 0.7, 0.16, -1.68))


def page(text, net="easynet"):
    return [(r.line, r.verdict, r.message) for r in check_text(net, text, "markdown")]


def test_givens_are_checked_against_the_spec_example():
    out = page("$$x_1 = 1, \\quad x_2 = 2, \\quad N = 1$$\n$$x_3 = 4$$\n")
    assert [v for _, v, _ in out] == ["correct", "correct", "correct", "wrong"]
    assert "it has x_3 = 3" in out[3][2]
    # a given is no identity: no "factor is missing" for h_1 = 1 (h_1 is 1.0 at the example)
    r = check_equation("easynet", "h_1 = 1")
    assert r.verdict == "correct" and r.diagnosis is None
    r = check_equation("easynet", "h_1 = 2")
    assert r.verdict == "wrong" and r.diagnosis is None and "at the worked example" in r.message


def test_a_page_that_fixes_n_is_honoured():
    claim = r"\frac{dL}{dy_{pred}} = -2(y_{true} - y_{pred})"
    without = check_equation("easynet", claim)
    assert without.verdict == "wrong" and without.diagnosis == "constant_factor"
    assert "missing 1/N" in without.message
    out = page(f"$$N = 1$$\n$$" + claim + "$$\n$$\\frac{dL}{dy_{pred}} = -3(y_{true} - y_{pred})$$\n")
    assert [v for _, v, _ in out] == ["correct", "correct", "wrong"]


def test_the_writers_definitions():
    out = page("$$e = y_{true} - y_{pred}$$\n"
               "$$\\frac{dL}{dy_{pred}} = -\\frac{2}{N} e$$\n"
               "$$\\frac{dL}{dy_{pred}} = -\\frac{3}{N} e$$\n"
               "$$\\delta = \\frac{dL}{dy_{pred}}$$\n"
               "$$\\frac{dL}{dw_1^{[2]}} = \\delta h_1$$\n"
               "$$\\frac{dL}{dw_1^{[2]}} = \\delta h_2$$\n")
    assert [v for _, v, _ in out] == ["not_checked", "correct", "wrong", "not_checked",
                                      "correct", "wrong"]
    assert "a definition: e stands for" in out[0][2]
    assert "definition on line 1" in out[1][2]
    # without the definition, e is Euler's number: -2e/N is not dL/dy_pred
    r = check_equation("easynet", r"\frac{dL}{dy_{pred}} = -\frac{2}{N} e")
    assert r.verdict == "wrong" and "Euler" in r.message


def test_loss_as_a_word():
    r = check_equation("easynet", r"Loss = L = \frac{1}{N}(y_{true} - y_{pred})^2")
    assert r.verdict == "correct"


def test_error_carried_forward():
    # h_1 = 1.2 is wrong (1.0); given it, y_pred = 0.3 * 1.2 - 0.2 * 0.7 = 0.22 and
    # dL/dy_pred = -2 (1 - 0.22) = -1.56, by hand
    y = 0.3 * 1.2 - 0.2 * E["h2"]
    assert y == pytest.approx(0.22) and -2 * (1 - y) == pytest.approx(-1.56)
    out = page("$$h_1 = 1.2$$\n"
               "$$y_{pred} = 0.3 \\cdot 1.2 - 0.2 \\cdot 0.7 = 0.22$$\n"
               "$$\\frac{dL}{dy_{pred}} = -1.56$$\n"
               "$$\\frac{dL}{dy_{pred}} = -1.68$$\n"
               "$$\\frac{dL}{dy_{pred}} = -1.60$$\n")
    assert [v for _, v, _ in out] == ["wrong", "correct", "correct", "correct", "wrong"]
    assert "correct given line 1 (error carried forward)" in out[1][2]
    assert "correct given line 1 (error carried forward)" in out[2][2]
    assert "carried" not in out[3][2]


def test_a_page_without_a_spec_example_gives_its_own():
    net = spec.loads("inputs = 1\nloss = 'mse'\n[[layers]]\nunits = 1\nactivation = 'sigmoid'\n",
                     name="one")
    s = 1 / (1 + np.exp(-1.0))          # z = w x = 0.5 * 2
    grad = -2 * (1 - s) * s * (1 - s) * 2
    assert (round(s, 4), round(grad, 4)) == (0.7311, -0.2115)
    out = page("$$y_{pred} = 0.7311$$\n"
               "$$x_1 = 2, \\quad y_{true} = 1, \\quad w^{[1]} = 0.5$$\n"
               "$$y_{pred} = 0.7311$$\n$$\\frac{dL}{dw^{[1]}} = -0.2115$$\n"
               "$$\\frac{dL}{dw^{[1]}} = -0.2215$$\n", net)
    assert [v for _, v, _ in out] == ["not_checked"] + ["not_checked"] * 3 + [
        "correct", "correct", "wrong"]
    assert "no worked example" in out[0][2]
    assert "taken as the page's worked example" in out[1][2]


def test_chains_are_judged_link_by_link_at_the_example():
    # circuit at x = -2, y = 5, z = -4: f = (x + y) z = -12, q = 3
    r = check_equation("circuit", "f = (-2 + 5)(-4) = -12")
    assert r.verdict == "correct"
    r = check_equation("circuit", "f = (-1 + 4)(-3) = -9")
    assert r.verdict == "wrong"
    assert r.message.splitlines()[0].startswith("link 1 (f = (-1 + 4)(-3)): wrong")
    assert "link 2 ((-1 + 4)(-3) = -9): correct" in r.message
    assert check_equation("circuit", r"\frac{\partial f}{\partial z} = q = 3").verdict == "correct"
    assert check_equation("circuit", r"\frac{\partial f}{\partial z} = q = 4").verdict == "wrong"


def test_messages_a_grader_would_sign():
    r = check_equation("easynet", r"\frac{dL}{dy_{pred}} = -\frac{2}{N}(y_{true} - y_{pred}")
    assert r.verdict == "error" and "never closed" in r.message
    r = check_equation("easynet", r"\frac{dL}{dy_{pred} = 2")
    assert r.verdict == "error" and "unbalanced braces at column 10" in r.message  # the { of {dy_
    r = check_equation("sigmoid222", r"\frac{\partial E}{\partial z_{o1}} = 0")
    assert "did you mean z_1^{[2]}?" in r.message     # the pre-activation of output 1
    r = check_equation("sigmoid222", r"\frac{\partial E}{\partial w^{[1]}_{21}} = 0")
    assert "did you mean w_3?" in r.message           # Mazur's w_3: from i_1 to h_2
    # a wrong identity on a page with a worked example: the counterexample is the example
    r = check_equation("easynet", r"\frac{dL}{dw_1^{[2]}} = -\frac{2}{N}(y_{true} - y_{pred}) h_2")
    assert r.verdict == "wrong" and "at the worked example" in r.message
    assert r.counterexample["expected"] == pytest.approx(E["dL/dy"] * E["h1"])
    assert r.counterexample["claimed"] == pytest.approx(E["dL/dy"] * E["h2"])
    # sigma where sigma' was due: the activation itself, not softplus' slope
    r = check_equation("sigmoid222", r"\frac{\partial o_1}{\partial z_1^{[2]}} = \sigma(z_1^{[2]})")
    assert r.diagnosis == "wrong_activation" and "the activation instead of" in r.message
    assert "softplus" not in r.message


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty: nothing to check"),
    ("just words\n", "no equation in the file: nothing to check"),
    ("```python\nx = 1\n```\n", "no equation in the file: nothing to check")])
def test_an_equation_free_file_says_so(text, message):
    out = check_text("easynet", text, "markdown")
    assert [(r.verdict, r.message) for r in out] == [("not_checked", message)]


DATA = __import__("pathlib").Path(__file__).parent / "data" / "check"


def test_a_textbook_page_line_by_line():
    """Mazur's worked example as a student writes it: every number is the textbook's own
    printed value (the oracle), rounded or in full; one rounded to too few digits."""
    from symbackprop.check import check_file

    got = [(r.line, r.verdict) for r in check_file("sigmoid222", DATA / "mazur_page.md")]
    assert got == [(1, "correct")] * 4 + [(n, "correct") for n in range(3, 14)] + [
        (14, "not_checked"),   # w_5^{+}: an update step, not checked (said so)
        (15, "not_checked"),   # \delta_{o1} = ...: a definition
        (16, "correct"),       # ... used: dE/dw_5 = \delta_{o1} h_1
        (17, "correct"),
        (18, "imprecise")]     # 0.00044: two significant digits


def test_a_circuit_page_and_a_flipped_sign_at_the_example():
    from symbackprop.check import check_file

    results = check_file("circuit", DATA / "circuit_page.md")
    assert [r.verdict for r in results] == ["correct"] * 9 + ["wrong"]
    assert results[-1].diagnosis == "sign"   # df/dx = z = -4 (by hand); 4 was written


def test_let_and_plain_text_definitions_and_typos():
    out = [(r.verdict, r.message) for r in check_text(
        "easynet", "let e = y_true - y_pred\ndL/dy_pred = -2*e/N\ndL/dy_pred = -2*e\n"
                   "y_pre = 2\ndelta1 = dL/dy_pred\ndL/dw1[2] = delta1*h1\n", "text")]
    assert [v for v, _ in out] == ["not_checked", "correct", "wrong", "not_checked",
                                   "not_checked", "correct"]
    assert "did you mean y_pred?" in out[3][1]       # a typo of a network name: no definition
    assert out[4][1].startswith("a definition: delta1")
