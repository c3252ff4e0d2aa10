"""Numbers judged to the digits written (issue 13). The oracle is the test's own NumPy
forward and backward pass of Mazur's 2-2-2 network (whose printed values, 0.082167041 and
0.000438568, it reproduces), the circuit f = (x + y) z by hand, and the logistic by hand."""

import numpy as np
import pytest

from symbackprop.check import check_equation
from symbackprop.check.rounding import judge_number, written


def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def mazur():
    """Matt Mazur's example, by hand: dE/dw5 and dE/dw1."""
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    w1, w2, w3, w4, b1 = 0.15, 0.20, 0.25, 0.30, 0.35
    w5, w6, w7, w8, b2 = 0.40, 0.45, 0.50, 0.55, 0.60
    h1, h2 = sig(w1 * i1 + w2 * i2 + b1), sig(w3 * i1 + w4 * i2 + b1)
    o1, o2 = sig(w5 * h1 + w6 * h2 + b2), sig(w7 * h1 + w8 * h2 + b2)
    d1, d2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
    return {"w5": d1 * h1, "w1": (d1 * w5 + d2 * w7) * h1 * (1 - h1) * i1}


M = mazur()


def test_the_oracle_reproduces_the_printed_values():
    assert M["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert M["w1"] == pytest.approx(0.000438568, abs=1e-9)


W5 = r"\frac{\partial E}{\partial w_5} = "
W1 = r"\frac{\partial E}{\partial w_1} = "


@pytest.mark.parametrize("lhs, written_value, verdict", [
    (W5, f"{M['w5']:.9f}", "correct"),
    (W5, f"{M['w5']:.4f}", "correct"),           # 0.0822, rounded
    (W5, "0.08216", "correct"),                  # truncated
    (W5, "0.0821", "correct"),                   # 0.082167 truncated to four decimals
    (W5, "0.0820", "wrong"),                     # 1.67e-4 below: more than one unit
    (W5, "0.0823", "wrong"),                     # more than one unit from 0.082167
    (W5, "0.081167041", "wrong"),                # nine digits, wrong in the third
    (W5, "0.1", "imprecise"),                    # one significant digit
    (W5, "0.08", "imprecise"),
    (W5, "0.09", "imprecise"),                   # within one unit of 0.08: still too few digits
    (W5, "0.5", "wrong"),
    (W1, "0.0", "imprecise"),                    # no significant digit for 0.000438568
    (W1, "0.000439", "correct"),
    (W1, r"4.39 \times 10^{-4}", "correct"),
    (W1, r"4.38 \times 10^{-4}", "correct"),     # truncated
    (W1, r"4.48 \times 10^{-4}", "wrong"),
    (W1, "0.00044", "imprecise"),
])
def test_a_value_is_judged_to_its_digits(lhs, written_value, verdict):
    # the oracle's decision, by hand: |w - t| < one unit of the last digit, and at least
    # three significant digits unless the value is exact
    t = M["w5"] if lhs is W5 else M["w1"]
    r = check_equation("sigmoid222", lhs + written_value)
    assert r.verdict == verdict, (written_value, t, r.message)
    if verdict == "imprecise":
        assert "at least 3 significant digits" in r.message


def test_the_rule_itself_on_hand_values():
    t = np.array([[0.0821670407]])
    assert judge_number(t, np.array([[0.0822]]), "0.0822")[0, 0] == "correct"
    assert judge_number(t, np.array([[0.0823]]), "0.0823")[0, 0] == "wrong"
    assert judge_number(t, np.array([[0.1]]), "0.1")[0, 0] == "imprecise"
    assert judge_number(np.array([[12.4]]), np.array([[12.0]]), "12")[0, 0] == "imprecise"
    assert judge_number(np.array([[12.0]]), np.array([[12.0]]), "12")[0, 0] == "correct"
    assert judge_number(np.array([[0.0]]), np.array([[1.0]]), "1")[0, 0] == "wrong"
    assert written("0.0822").digits == 3 and written("0.0822").quantum == pytest.approx(1e-4)
    assert written(r"\frac{1}{3}").exact


# the circuit f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12, df/dz = q = 3,
# df/dx = df/dy = z = -4 (by hand)
@pytest.mark.parametrize("text, verdict", [
    ("f = -12", "correct"),
    ("f = -12.0", "correct"),
    ("f = -13", "wrong"),
    (r"\frac{\partial f}{\partial x} = -4", "correct"),
    (r"\frac{\partial f}{\partial z} = \frac{6}{2}", "correct"),
    (r"\frac{\partial f}{\partial z} = \frac{7}{2}", "wrong"),
])
def test_integers_and_fractions(text, verdict):
    assert check_equation("circuit", text).verdict == verdict


def test_approx_states_a_rounded_number():
    r = check_equation("sigmoid222", r"\frac{\partial E}{\partial w_5} \approx 0.0822")
    assert r.verdict == "correct" and "rounded" not in r.message
    r = check_equation("sigmoid222", r"\frac{\partial E}{\partial w_5} = 0.0822")
    assert r.verdict == "correct" and "read as rounded to 3 significant digits" in r.message
    assert check_equation("sigmoid222", r"\frac{\partial E}{\partial w_5} \approx 0.0832"
                          ).verdict == "wrong"
    r = check_equation("sigmoid222", r"o_1 \approx \sigma(z_1^{[2]})")
    assert r.verdict == "not_checked" and "approximation between two expressions" in r.message


def test_e_is_eulers_number_in_arithmetic():
    t = 1 / (1 + np.exp(-0.42))  # 0.603483...
    assert round(t, 4) == 0.6035
    r = check_equation("circuit", r"\frac{1}{1+e^{-0.42}} = 0.6035")
    assert r.verdict == "correct" and "e read as Euler's number" in r.message
    assert check_equation("circuit", r"\frac{1}{1+e^{-0.42}} = 0.6034").verdict == "correct"
    assert check_equation("circuit", r"\frac{1}{1+e^{-0.42}} = 0.6036").verdict == "wrong"
