"""Whole pages, line by line: the lesson's derivation (its printed formulas are the oracle)
passes; the same page with deliberate slips is caught at each slip, with its diagnosis;
LaTeX and plain-text files; and the committed gallery pages."""

from pathlib import Path

import pytest

from symbackprop import spec
from symbackprop.check import check_file, check_text

DATA = Path(__file__).parent / "data" / "check"
ROOT = Path(__file__).resolve().parents[1]


def verdicts(results):
    return [(r.line, r.verdict) for r in results]


def test_lesson_page_passes_line_by_line():
    results = check_file("easynet", DATA / "lesson.md")
    assert verdicts(results) == [
        (6, "correct"), (7, "correct"), (8, "correct"), (9, "correct"),
        (13, "correct"),
        (15, "correct"), (16, "correct"), (17, "correct"),
        (19, "correct"),
        (21, "correct"), (22, "correct"), (22, "correct"), (23, "correct"),
        (25, "correct"), (27, "correct"), (31, "correct"), (34, "correct"),
        (37, "not_checked"),
    ]
    assert [r.kind for r in results[:5]] == ["definition"] * 4 + ["derivative"]
    assert results[5].kind == "chain_rule"
    assert results[8].kind == "chain"
    assert results[16].kind == "expression_derivative"
    assert results[-1].message.startswith("only text")


SLIPS = {  # line: (verdict, diagnosis), in file order
    3: ("correct", None),
    4: ("wrong", "wrong_index"),       # w_1^{[1]} for w_2^{[1]}
    5: ("correct", None),
    6: ("wrong", "mean_vs_sum"),       # the sum without 1/N
    8: ("wrong", "sign"),
    10: ("correct", None),
    11: ("correct", None),
    12: ("wrong", "constant_factor"),  # a missing 2
    14: ("wrong", "constant_factor"),  # a missing 1/N
    16: ("wrong", "chain_break"),      # dy_pred/dh_2 then dh_1/dw_1^{[1]}
    17: ("correct", None),
    "17b": ("wrong", "wrong_index"),   # x_2 for x_1
    18: ("wrong", "missing_factor"),   # w_1^{[2]} missing
    20: ("wrong", "wrong_index"),      # w_1^{[2]} for w_2^{[2]}
    22: ("wrong", "extra_factor"),     # an extra w_3^{[1]}
    24: ("error", None),               # w_3^{[2]} and h_3 do not exist
}


def test_page_with_slips_is_caught_line_by_line():
    results = check_file("easynet", DATA / "lesson_slips.md")
    got = [(r.line, r.verdict, r.diagnosis) for r in results]
    want = [(int(str(k).rstrip("b")), v, d) for k, (v, d) in SLIPS.items()]
    assert got == want
    err = results[-1]
    assert "w_3^{[2]}: no such weight; did you mean w_3^{[1]}?" in err.message
    assert "h_3: no such unit; did you mean h_2?" in err.message
    for r in results:
        if r.verdict == "wrong":
            assert r.counterexample["claimed"] != pytest.approx(r.counterexample["expected"])
            assert "counterexample" in r.message


def test_latex_file_environments_and_continued_rows():
    results = check_file("easynet", DATA / "lesson.tex")
    assert verdicts(results) == [(8, "correct"), (9, "correct"), (10, "correct"), (14, "correct"),
                                 (18, "correct"), (20, "correct"), (21, "correct"),
                                 (25, "correct"), (26, "correct"), (29, "correct"),
                                 (32, "correct")]
    # "&= ..." rows continue the equation above them
    assert results[5].latex.startswith(r"\frac{\partial L}{\partial y_{pred}}")


def test_plain_text_file_in_ascii():
    results = check_file("easynet", DATA / "lesson.txt")
    assert verdicts(results) == [(n, "correct") for n in (2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13)]


def test_plain_text_slips_in_ascii():
    text = "\n".join([
        "dL/dw1[1] = 2*w1[2]*x1/N*(y_true - y_pred)",
        "dL/dw1[1] = -2*w1[2]*x2/N*(y_true - y_pred)",
        "dL/dw1[1] = -2*w1[2]*x1*(y_true - y_pred)",
        "dL/dw3[2] = 0",
    ])
    results = check_text("easynet", text, "text")
    assert [(r.line, r.verdict, r.diagnosis) for r in results] == [
        (1, "wrong", "sign"), (2, "wrong", "wrong_index"), (3, "wrong", "constant_factor"),
        (4, "error", None)]
    assert "x2 where x1 was due" in results[1].message  # named in the writer's ASCII
    assert "w3[2]: no such weight; did you mean w3[1]?" in results[3].message
    assert results[0].expected == "dL/dw1[1] = 2*w1[2]*x1*(y_pred - y_true)/N"


@pytest.mark.parametrize("name", ["easynet", "sigmoid222", "deep", "softmax", "circuit"])
def test_gallery_pages_are_read_without_errors(name):
    """The committed lesson pages: every display equation is read and judged, or said to
    be out of scope (matrix notation, a general layer l). What the checker finds wrong
    there is for the pages to answer: they write each path of a sum over paths as its
    own "dL/dh = (one path)" line, false as an equation, and the deep page's residual
    section computes a different network than its spec."""
    page = ROOT / "output" / f"{name}.md"
    if not page.exists():
        pytest.skip(f"no gallery page {page}")
    results = check_file(spec.load(name), page)
    assert results
    assert not [r for r in results if r.verdict == "error"], \
        [(r.line, r.message) for r in results if r.verdict == "error"]
    assert sum(r.verdict == "correct" for r in results) >= 9


def easynet_forward(p, x1, x2, x3):
    """The lesson's forward pass, by hand."""
    h1 = x1 * p["w_1^{[1]}"] + x2 * p["w_3^{[1]}"] + x3 * p["w_5^{[1]}"]
    h2 = x1 * p["w_2^{[1]}"] + x2 * p["w_4^{[1]}"] + x3 * p["w_6^{[1]}"]
    return h1, h2, h1 * p["w_1^{[2]}"] + h2 * p["w_2^{[2]}"]


def test_counterexamples_reproduce_by_hand():
    results = {r.line: r for r in check_file("easynet", DATA / "lesson_slips.md")}
    # a per-sample claim: dL/dy_pred = 2/N (y_true - y_pred), sign flipped
    ce = results[8].counterexample
    pt = ce["point"]
    *_, y = easynet_forward(pt, pt["x_1"], pt["x_2"], pt["x_3"])
    assert ce["where"]["y_{pred}"] == pytest.approx(y, rel=1e-9)
    assert ce["expected"] == pytest.approx(-2 / pt["N"] * (pt["y_{true}"] - y), rel=1e-9)
    assert ce["claimed"] == pytest.approx(2 / pt["N"] * (pt["y_{true}"] - y), rel=1e-9)
    # a claim about the batch: L = sum over the N samples, without the 1/N
    ce = results[6].counterexample
    pt = ce["point"]
    assert ce["samples"] == pt["N"] == len(pt["x_1"])
    sq = [(t - easynet_forward(pt, a, b, c)[2]) ** 2
          for a, b, c, t in zip(pt["x_1"], pt["x_2"], pt["x_3"], pt["y_{true}"])]
    assert ce["expected"] == pytest.approx(sum(sq) / pt["N"], rel=1e-9)
    assert ce["claimed"] == pytest.approx(sum(sq), rel=1e-9)
