"""Matrix and vector claims judged in a profile (issue 14, points 3, 5, 6). The ground
truth is this file's own NumPy: each claim is also evaluated here, by hand, from the
course's formulas (Ng: samples in columns; cs231n: samples in rows), and the checker's
verdict must agree with that evaluation; each wrong claim's diagnosis must name the
layout mistake that this file's evaluation shows to be the one (fixing it gives the
truth)."""

import numpy as np
import pytest

from symbackprop import spec
from symbackprop.check import check_equation, check_text, truth_of
from symbackprop.cli import main
from symbackprop.graph import build_graph

BCE = ('inputs = 3\nloss = "bce"\n[[layers]]\nunits = 4\nactivation = "tanh"\n'
       'bias = "per_unit"\n[[layers]]\nunits = 1\nactivation = "sigmoid"\nbias = "per_unit"\n')


def _sig(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def bcenet():
    return spec.loads(BCE, name="bcenet")


def ng_point(net, m, seed):
    """Ng's forward and backward passes written out (slides of week 3), m columns."""
    g = build_graph(net)
    v = g.sample(np.random.default_rng(seed), m)
    p = v.params
    W1 = np.array([[p[f"w1_{j}_{i}"] for i in (1, 2, 3)] for j in (1, 2, 3, 4)])
    b1 = np.array([[p[f"b1_{j}"]] for j in (1, 2, 3, 4)])
    W2 = np.array([[p[f"w2_1_{i}"] for i in (1, 2, 3, 4)]])
    b2 = np.array([[p["b2_1"]]])
    X, Y = v.inputs.T, v.targets.T
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = _sig(Z2)
    dZ2 = A2 - Y
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    return dict(m=m, X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2,
                dZ2=dZ2, dZ1=dZ1, dW2=dZ2 @ A1.T / m, db2=dZ2.sum(1, keepdims=True) / m,
                dA1=W2.T @ dZ2, dW1=dZ1 @ X.T / m, db1=dZ1.sum(1, keepdims=True) / m)


def had(a, b):
    """The elementwise product of two arrays of one shape (no broadcasting: a grader's
    rule, since a 4 × 1 times 1 × m product that broadcasts is an outer product)."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"{np.shape(a)} * {np.shape(b)}")
    return a * b


def _same(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b)


def _holds(lhs, rhs):
    """Both sides, by this file's own NumPy, at three points and m = 2, 3, 5."""
    try:
        return all(_same(lhs(P), rhs(P)) for P in POINTS)
    except ValueError:  # a product that cannot be formed
        return False


POINTS = []

# (claim, left side, right side by hand, the mistake, the right side fixed by hand)
NG_CLAIMS = [
    (r"dZ^{[2]} = A^{[2]} - Y", "dZ2", lambda P: P["A2"] - P["Y"], None, None),
    (r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}", "dW2",
     lambda P: P["dZ2"] @ P["A1"].T / P["m"], None, None),
    (r"db^{[2]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[2]}", "db2",
     lambda P: P["dZ2"].sum(1, keepdims=True) / P["m"], None, None),
    (r"dA^{[1]} = W^{[2]T} dZ^{[2]}", "dA1", lambda P: P["W2"].T @ P["dZ2"], None, None),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})", "dZ1",
     lambda P: (P["W2"].T @ P["dZ2"]) * (1 - np.tanh(P["Z1"]) ** 2), None, None),
    (r"Z^{[1]} = W^{[1]} X + b^{[1]}", "Z1", lambda P: P["W1"] @ P["X"] + P["b1"], None, None),
    # the mistakes
    (r"dW^{[2]} = dZ^{[2]} A^{[1]T}", "dW2", lambda P: P["dZ2"] @ P["A1"].T,
     "missing_mean", lambda P: P["dZ2"] @ P["A1"].T / P["m"]),
    (r"dW^{[2]} = \frac{1}{m^2} dZ^{[2]} A^{[1]T}", "dW2",
     lambda P: P["dZ2"] @ P["A1"].T / P["m"] ** 2,
     "extra_mean", lambda P: P["dZ2"] @ P["A1"].T / P["m"]),
    (r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]}", "dW2", lambda P: P["dZ2"] @ P["A1"] / P["m"],
     "transpose_missing", lambda P: P["dZ2"] @ P["A1"].T / P["m"]),
    (r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X", "dW1", lambda P: P["dZ1"] @ P["X"] / P["m"],
     "transpose_missing", lambda P: P["dZ1"] @ P["X"].T / P["m"]),
    (r"dA^{[1]} = W^{[2]} dZ^{[2]}", "dA1", lambda P: P["W2"] @ P["dZ2"],
     "transpose_missing", lambda P: P["W2"].T @ P["dZ2"]),
    (r"dW^{[1]} = \frac{1}{m} X^T dZ^{[1]}", "dW1", lambda P: P["X"].T @ P["dZ1"] / P["m"],
     "order", lambda P: P["dZ1"] @ P["X"].T / P["m"]),
    (r"db^{[1]} = \frac{1}{m} dZ^{[1]}", "db1", lambda P: P["dZ1"] / P["m"],
     "missing_sum", lambda P: P["dZ1"].sum(1, keepdims=True) / P["m"]),
    (r"dA^{[1]} = W^{[2]T} * dZ^{[2]}", "dA1", lambda P: had(P["W2"].T, P["dZ2"]),
     "had_for_matmul", lambda P: P["W2"].T @ P["dZ2"]),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]}(Z^{[1]})", "dZ1",
     lambda P: (P["W2"].T @ P["dZ2"]) * np.tanh(P["Z1"]),
     "activation_itself", lambda P: (P["W2"].T @ P["dZ2"]) * (1 - np.tanh(P["Z1"]) ** 2)),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * \sigma'(Z^{[1]})", "dZ1",
     lambda P: (P["W2"].T @ P["dZ2"]) * _sig(P["Z1"]) * (1 - _sig(P["Z1"])),
     "activation_wrong", lambda P: (P["W2"].T @ P["dZ2"]) * (1 - np.tanh(P["Z1"]) ** 2)),
    (r"Z^{[2]} = W^{[2]} A^{[2]} + b^{[2]}", "Z2", lambda P: P["W2"] @ P["A2"] + P["b2"],
     "wrong_layer", lambda P: P["W2"] @ P["A1"] + P["b2"]),
    (r"dZ^{[2]} = Y - A^{[2]}", "dZ2", lambda P: P["Y"] - P["A2"],
     "sign", lambda P: P["A2"] - P["Y"]),
]


@pytest.mark.parametrize("claim,lhs,rhs,mistake,fixed", NG_CLAIMS,
                         ids=[c[0] for c in NG_CLAIMS])
def test_ng_claims_agree_with_the_courses_formulas(bcenet, claim, lhs, rhs, mistake, fixed):
    if not POINTS:
        POINTS.extend(ng_point(bcenet, m, s) for m, s in ((2, 1), (3, 2), (5, 3)))
    truth_holds = _holds(lambda P: P[lhs], rhs)
    r = check_equation(bcenet, claim, notation="ng")
    assert r.kind == "matrix"
    assert r.verdict == ("correct" if truth_holds else "wrong"), r.message
    assert (mistake is None) == truth_holds
    if mistake is not None:
        assert _holds(lambda P: P[lhs], fixed)  # the named mistake is the one: fixed, it holds
        assert r.diagnosis == mistake, r.message


def test_a_shape_mismatch_names_both_shapes(bcenet):
    r = check_equation(bcenet, r"db^{[1]} = \frac{1}{m} dZ^{[1]}", notation="ng")
    assert "the left side is 4 × 1, the right side 4 × 2" in r.message
    r = check_equation(bcenet, r"dA^{[1]} = dZ^{[2]} W^{[2]}", notation="ng")
    assert r.verdict == "wrong" and "1 × 2 times 1 × 4" in r.message


def test_broadcasting_by_accident_is_named(bcenet):
    """W^{[2]T} (4 × 1) * dZ^{[2]} (1 × m) broadcasts to 4 × m in NumPy: the shapes
    agree with dA^{[1]} by accident; the values are not W^{[2]T} dZ^{[2]}."""
    r = check_equation(bcenet, r"dA^{[1]} = W^{[2]T} * dZ^{[2]}", notation="ng")
    assert r.verdict == "wrong" and "only combine by broadcasting" in r.message
    assert "4 × 1 and 1 × 2" in r.message


def cs_point(m, seed):
    net = spec.load("softmax")
    g = build_graph(net)
    v = g.sample(np.random.default_rng(seed), m)
    p = v.params
    W1 = np.array([[p[f"w1_{j}_{i}"] for j in (1, 2, 3)] for i in (1, 2)])  # D × H
    W2 = np.array([[p[f"w2_{j}_{i}"] for j in (1, 2, 3)] for i in (1, 2, 3)])  # H × C
    b1 = np.array([[p[f"b1_{j}"] for j in (1, 2, 3)]])
    b2 = np.array([[p[f"b2_{j}"] for j in (1, 2, 3)]])
    X, Y = v.inputs, v.targets
    h = np.tanh(X @ W1 + b1)
    s = h @ W2 + b2
    P = np.exp(s - s.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    ds = (P - Y) / m
    return dict(X=X, Y=Y, W1=W1, W2=W2, b1=b1, h=h, s=s, P=P, ds=ds, dW2=h.T @ ds,
                db2=ds.sum(0, keepdims=True), dh=ds @ W2.T, N=m)


CS_CLAIMS = [
    (r"ds = \frac{P - Y}{N}", "ds", lambda P: (P["P"] - P["Y"]) / P["N"], None),
    (r"dW_2 = h^T ds", "dW2", lambda P: P["h"].T @ P["ds"], None),
    (r"db_2 = \sum_i ds", "db2", lambda P: P["ds"].sum(0, keepdims=True), None),
    (r"dh = ds W_2^T", "dh", lambda P: P["ds"] @ P["W2"].T, None),
    (r"h = \tanh(X W_1 + b_1)", "h", lambda P: np.tanh(P["X"] @ P["W1"] + P["b1"]), None),
    (r"dW_2 = ds h^T", "dW2", lambda P: P["ds"] @ P["h"].T, "order"),
    (r"dW_2 = \frac{1}{N} h^T ds", "dW2", lambda P: P["h"].T @ P["ds"] / P["N"], "extra_mean"),
    (r"dh = ds W_2", "dh", lambda P: P["ds"] @ P["W2"], "transpose_missing"),
    (r"ds = P - Y", "ds", lambda P: P["P"] - P["Y"], "missing_mean"),
]


@pytest.mark.parametrize("claim,lhs,rhs,mistake", CS_CLAIMS, ids=[c[0] for c in CS_CLAIMS])
def test_cs231n_claims_in_the_rows_layout(claim, lhs, rhs, mistake):
    points = [cs_point(m, s) for m, s in ((2, 4), (4, 5))]
    holds = all(_same(P[lhs], rhs(P)) for P in points) if mistake is None else False
    if mistake is not None:  # this file's NumPy: the claim is wrong at some point
        assert not all(np.shape(P[lhs]) == np.shape(rhs(P)) and np.allclose(P[lhs], rhs(P))
                       for P in points)
    r = check_equation("softmax", claim, notation="cs231n")
    assert r.verdict == ("correct" if holds else "wrong"), r.message
    assert r.diagnosis == mistake or (mistake is None and r.diagnosis is None), r.message


def test_goodfellow_and_nielsen_vectors():
    """sigmoid222 (half SSE, one example per column): Algorithm 6.4's ∇_{W^{(k)}} J =
    g h^{(k-1)T} and Nielsen's BP2 in vector form, checked; BP4 with the factors
    swapped is a wrong order."""
    ok = [(r"\nabla_{W^{(2)}} J = \nabla_{a^{(2)}} J h^{(1)T}", "goodfellow"),
          (r"\nabla_{h^{(1)}} J = W^{(2)T} \nabla_{a^{(2)}} J", "goodfellow"),
          (r"\delta^2 = ((w^3)^T \delta^3) \odot \sigma'(z^2)", "nielsen"),
          (r"\delta^3 = (a^3 - y) \odot \sigma'(z^3)", "nielsen")]
    for claim, style in ok:
        r = check_equation("sigmoid222", claim, notation=style)
        assert r.verdict == "correct", (claim, r.message)
    r = check_equation("sigmoid222", r"\delta^2 = (w^3 \delta^3) \odot \sigma'(z^2)",
                       notation="nielsen")
    assert r.verdict == "wrong" and r.diagnosis == "transpose_missing", r.message


def test_a_name_the_student_introduces_is_a_definition(bcenet):
    page = ("$$\\delta^{[2]} = A^{[2]} - Y$$\n\n"
            "$$dW^{[2]} = \\frac{1}{m} \\delta^{[2]} A^{[1]T}$$\n\n"
            "$$dW^{[2]} = \\delta^{[2]} A^{[1]T}$$\n")
    results = check_text(bcenet, page, "markdown", notation="ng")
    assert [r.verdict for r in results] == ["not_checked", "correct", "wrong"]
    assert "defines \\delta^{[2]}" in results[0].message
    assert results[2].diagnosis == "missing_mean"


def test_the_profile_is_detected_and_said(bcenet, tmp_path, capsys):
    page = tmp_path / "ng.md"
    page.write_text("$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n\n$$dZ^{[2]} = A^{[2]} - Y$$\n\n"
                    "$$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]}$$\n")
    (tmp_path / "bce.toml").write_text(BCE)
    code = main(["check", str(tmp_path / "bce.toml"), str(page)])
    out = capsys.readouterr().out
    assert code == 1
    assert "read in the notation of Andrew Ng" in out and "(ng)" in out
    assert "a missing transpose: A^{[1]} where A^{[1]T} was due" in out
    # a lesson page is not taken for a profile
    results = check_text("easynet", "$$h_1 = x_1 w_1^{[1]} + x_2 w_3^{[1]} + x_3 w_5^{[1]}$$\n"
                         "$$\\frac{dL}{dh_1} = \\frac{dL}{dy_{pred}} w_1^{[2]}$$\n")
    assert all(r.kind != "notation" and r.kind != "matrix" for r in results)


def test_matrix_reader_is_bounded():
    r = check_equation("easynet", "dW^{[2]} = " + "(" * 500 + "X" + ")" * 500, notation="ng")
    assert r.kind != "matrix" or r.verdict == "error"
    r = check_equation("easynet", "dW^{[2]} = " + "X " * 3000, notation="ng")
    assert r.verdict in ("error", "not_checked")


@pytest.mark.parametrize("page", ["easynet-ng", "easynet-nielsen", "sigmoid222-goodfellow",
                                  "softmax-cs231n", "sigmoid222-mazur"])
def test_the_gallerys_profile_pages_are_never_judged_wrong(page):
    """The pages write the books' formulas from templates; the checker evaluates them with
    the reference's arrays: the two agree on every line both read (and the page's own
    profile is the one detected)."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "output/profiles" / f"{page}.md"
    results = check_text(page.split("-")[0], path.read_text(), "markdown")
    style = page.split("-")[1]
    assert results[0].kind == "notation" and f"({style})" in results[0].message
    assert not [r.latex for r in results if r.verdict == "wrong"]
    assert sum(r.verdict == "correct" for r in results) >= 5
