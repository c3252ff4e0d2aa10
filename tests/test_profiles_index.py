"""Index claims judged in a profile (issue 14, point 4) and Mazur's scalars. Ground
truth: this file's own NumPy evaluation of Nielsen's BP1-BP4 written entry by entry
(δ^L_j = (a^L_j − y_j) σ'(z^L_j), δ^l_j = Σ_k w^{l+1}_{kj} δ^{l+1}_k σ'(z^l_j),
∂C/∂b^l_j = δ^l_j, ∂C/∂w^l_{jk} = a^{l-1}_k δ^l_j) on a 3-4-2 sigmoid network, and of
each mistake (indices swapped, a sum missing, the wrong layer); Mazur's printed numbers."""

import numpy as np
import pytest

from symbackprop import spec
from symbackprop.check import check_equation, check_file, check_text
from symbackprop.graph import build_graph

NET = ('inputs = 3\nloss = "half_sse"\n[[layers]]\nunits = 4\nactivation = "sigmoid"\n'
       'bias = "per_unit"\n[[layers]]\nunits = 2\nactivation = "sigmoid"\nbias = "per_unit"\n')


def _sig(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def net():
    return spec.loads(NET, name="n342")


def nielsen_by_hand(net, seed):
    """One example, the input as layer 1: entries of BP1-BP4 by explicit loops."""
    g = build_graph(net)
    v = g.sample(np.random.default_rng(seed), 1)
    p = v.params
    w = {2: np.array([[p[f"w1_{j}_{k}"] for k in (1, 2, 3)] for j in (1, 2, 3, 4)]),
         3: np.array([[p[f"w2_{j}_{k}"] for k in (1, 2, 3, 4)] for j in (1, 2)])}
    b = {2: np.array([p[f"b1_{j}"] for j in (1, 2, 3, 4)]),
         3: np.array([p[f"b2_{j}"] for j in (1, 2)])}
    a = {1: v.inputs[0]}
    z = {}
    for l in (2, 3):
        z[l] = np.array([sum(w[l][j, k] * a[l - 1][k] for k in range(len(a[l - 1]))) + b[l][j]
                         for j in range(len(b[l]))])
        a[l] = _sig(z[l])
    y = v.targets[0]
    sp = {l: _sig(z[l]) * (1 - _sig(z[l])) for l in (2, 3)}
    delta = {3: (a[3] - y) * sp[3]}
    delta[2] = np.array([sum(w[3][k, j] * delta[3][k] for k in range(2)) * sp[2][j]
                         for j in range(4)])
    return dict(w=w, b=b, a=a, z=z, y=y, delta=delta)


def test_by_hand_bp4_and_its_mistakes(net):
    """The hand evaluation: BP4 holds entry by entry against finite differences of the
    cost, and each mistake's formula differs from it (so the checker's verdicts below
    have an independent oracle)."""
    H = nielsen_by_hand(net, 0)
    a, d, w = H["a"], H["delta"], H["w"]

    def cost(W3):
        return 0.5 * np.sum((_sig(W3 @ a[2] + H["b"][3]) - H["y"]) ** 2)

    eps = 1e-6
    for j in range(2):
        for k in range(4):
            E = np.zeros_like(w[3])
            E[j, k] = eps
            fd = (cost(w[3] + E) - cost(w[3] - E)) / (2 * eps)
            assert abs(fd - a[2][k] * d[3][j]) < 1e-8  # BP4
    assert not np.allclose(np.outer(d[3], a[2]).T[:2, :2], np.outer(d[3], a[2])[:2, :2])
    assert not np.allclose(np.outer(d[2], a[2]), np.outer(d[2], a[1]).sum())  # wrong layer


CLAIMS = [
    (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j", "correct", None),
    (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)", "correct", None),
    (r"\delta^3_j = (a^3_j - y_j) \sigma'(z^3_j)", "correct", None),
    (r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", "correct", None),
    (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k", "wrong", "indices_swapped"),
    (r"\delta^2_j = \sum_k w^{3}_{jk} \delta^{3}_k \sigma'(z^2_j)", "wrong", "indices_swapped"),
    (r"\delta^2_j = w^{3}_{kj} \delta^{3}_k \sigma'(z^2_j)", "wrong", "missing_index_sum"),
    (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l}_k \delta^l_j", "wrong", "wrong_layer"),
    (r"\delta^3_j = (a^3_j - y_j) \sigma(z^3_j)", "wrong", "activation_itself"),
    (r"\delta^3_j = (y_j - a^3_j) \sigma'(z^3_j)", "wrong", "sign"),
]


@pytest.mark.parametrize("claim,verdict,diagnosis", CLAIMS, ids=[c[0] for c in CLAIMS])
def test_nielsen_index_claims(net, claim, verdict, diagnosis):
    r = check_equation(net, claim, notation="nielsen")
    assert r.kind == "index"
    assert (r.verdict, r.diagnosis) == (verdict, diagnosis), r.message


def test_the_hand_values_are_the_checkers_truth(net):
    """The entries the checker compares are the hand evaluation's: a claim of one
    concrete entry, written as its hand value, is correct only for that value."""
    from symbackprop.check.index_claims import IndexSession
    from symbackprop.check import truth_of
    from symbackprop.profiles import PROFILES

    s = IndexSession(PROFILES["nielsen"], truth_of(net))
    # the session's own points are seeded: compare its entries with the hand loops
    for pt in s.points:
        W2, W3 = pt.arrays["W", 1], pt.arrays["W", 2]
        x = pt.arrays["X", 0]
        a2 = _sig(W2 @ x + pt.arrays["b", 1])
        a3 = _sig(W3 @ a2 + pt.arrays["b", 2])
        y = pt.arrays["Y", 2]
        d3 = (a3 - y) * a3 * (1 - a3)
        d2 = np.array([sum(W3[k, j] * d3[k] for k in range(2)) for j in range(4)]) * a2 * (1 - a2)
        np.testing.assert_allclose(pt.arrays["dZ", 2], d3, atol=1e-12)
        np.testing.assert_allclose(pt.arrays["dZ", 1], d2, atol=1e-12)
        np.testing.assert_allclose(pt.arrays["dW", 1], np.outer(d2, x), atol=1e-12)


def test_the_first_failing_instance_is_named(net):
    r = check_equation(net, r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k",
                       notation="nielsen")
    assert r.message.startswith("fails at j = 1, k = 2, l = 2")
    assert r.counterexample["instance"] == {"j": 1, "k": 2, "l": 2}


def test_goodfellow_layer_superscript_is_not_a_sample():
    """W^{(1)}_{1,2}: in Goodfellow's profile (k) numbers layers; the entry joins input 2
    to unit 1 of layer 1, not sample 1."""
    r = check_equation("easynet", r"\frac{\partial J}{\partial W^{(1)}_{1,2}} = "
                       r"\frac{\partial J}{\partial a^{(1)}_{1}} h^{(0)}_{2}",
                       notation="goodfellow")
    assert r.kind == "index" and r.verdict == "correct", r.message
    r = check_equation("easynet", r"\frac{\partial J}{\partial W^{(1)}_{1,2}} = "
                       r"\frac{\partial J}{\partial a^{(1)}_{2}} h^{(0)}_{1}",
                       notation="goodfellow")
    assert r.verdict == "wrong"


MAZUR_PRINTED = [
    (r"E_{total} = 0.298371109", "correct"),
    (r"out_{o1} = 0.75136507", "correct"),
    (r"net_{h1} = w_1 i_1 + w_2 i_2 + b_1 \cdot 1 = 0.3775", "correct"),
    (r"\frac{\partial E_{total}}{\partial w_5} = 0.082167041", "correct"),
    (r"w_5^{+} = 0.35891648", "correct"),
    (r"w_1^{+} = 0.149780716", "correct"),
    (r"\frac{\partial E_{total}}{\partial out_{h1}} = 0.036350306", "correct"),
    (r"E_{total} = 0.2984", "correct"),  # rounded to the digits written
    (r"E_{total} = 0.3", "wrong"),
    (r"w_5^{+} = 0.4082", "wrong"),
    (r"net_{h1} = w_1 i_2 + w_2 i_1 + b_1", "wrong"),
]


@pytest.mark.parametrize("claim,verdict", MAZUR_PRINTED, ids=[c[0] for c in MAZUR_PRINTED])
def test_mazur_claims_at_his_example(claim, verdict):
    """His numbers (the post, 2015) at his example (tests/data/mazur_values.json is the
    preset's [example])."""
    r = check_equation("sigmoid222", claim, notation="mazur")
    assert r.verdict == verdict, r.message


def test_the_mazur_gallery_page_checks_clean():
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "output/profiles/sigmoid222-mazur.md"
    results = check_file("sigmoid222", page)
    assert results[0].kind == "notation" and "(mazur)" in results[0].message
    verdicts = [r.verdict for r in results[1:]]
    assert "wrong" not in verdicts and "error" not in verdicts
    assert verdicts.count("correct") >= 25


def test_the_nielsen_page_is_detected(net):
    page = ("$$\\delta^3_j = (a^3_j - y_j) \\sigma'(z^3_j)$$\n\n"
            "$$\\delta^l_j = \\sum_k w^{l+1}_{kj} \\delta^{l+1}_k \\sigma'(z^l_j)$$\n\n"
            "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_j \\delta^l_k$$\n")
    results = check_text(net, page)
    assert results[0].kind == "notation" and "(nielsen)" in results[0].message
    assert [r.verdict for r in results[1:]] == ["correct", "correct", "wrong"]


def test_a_lesson_weight_with_goodfellows_layer_is_not_a_sample():
    """w_2^{(1)} in Goodfellow's profile is easynet's w_2^{[1]} (x_1 to the second hidden
    unit), its (1) the layer: ∂J/∂w_2^{(1)} = ∂J/∂a^{(1)}_2 x_1, by the chain rule on
    a^{(1)}_2 = x_1 w_2 + x_2 w_4 + x_3 w_6 (the lesson's numbering by input)."""
    ok = r"\frac{\partial J}{\partial w_2^{(1)}} = \frac{\partial J}{\partial a^{(1)}_{2}} x_1"
    bad = r"\frac{\partial J}{\partial w_2^{(1)}} = \frac{\partial J}{\partial a^{(1)}_{1}} x_1"
    assert check_equation("easynet", ok, notation="goodfellow").verdict == "correct"
    r = check_equation("easynet", bad, notation="goodfellow")
    assert r.verdict == "wrong" and r.kind == "index"


def test_nested_sums_are_bounded_in_work():
    """Sums over every unit of a wide network, nested: refused as too much work, in a
    bounded time, rather than evaluated for ever."""
    import time

    # (as wide as the spec limits allow: 2,460 of 2,500 parameters)
    wide = spec.loads('inputs = 40\n[[layers]]\nunits = 40\nactivation = "sigmoid"\n'
                      'bias = "per_unit"\n[[layers]]\nunits = 20\nactivation = "sigmoid"\n'
                      'bias = "per_unit"\n', name="wide")
    claim = (r"\delta^2_j = \sum_k \sum_i \sum_n \sum_m w^{3}_{kj} w^{3}_{ij} w^{3}_{nj} "
             r"w^{3}_{mj} \delta^{3}_k \sigma'(z^2_j)")
    start = time.perf_counter()
    r = check_equation(wide, claim, notation="nielsen")
    assert time.perf_counter() - start < 60
    assert r.verdict == "error" and "too many instances" in r.message
