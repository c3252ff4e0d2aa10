"""The tensor pages fit a printed page (issue 15): a row of numbers too wide for a line is
printed as its transpose, a matrix too wide either way as blocks of columns, and a long
display is never cut inside an environment (a max-pool's cases, a grid). The pages
themselves are held to "no Overfull \\hbox" by tests/test_latex.py."""

from __future__ import annotations

import re

import numpy as np

from symbackprop.render.layers_view import grid, grids
from symbackprop.render.lines import equation, pieces


def entries(tex: str) -> list[list[float]]:
    """The rows of a pmatrix, read back as numbers."""
    body = re.search(r"\\begin\{pmatrix\}(.*)\\end\{pmatrix\}", tex).group(1)
    return [[float(x) for x in row.split("&")] for row in body.split(r"\\")]


def test_a_short_row_stays_a_row():
    assert entries(grid(np.array([0.5, -1.0, 2.0]))) == [[0.5, -1.0, 2.0]]
    assert not grid(np.array([0.5, -1.0, 2.0])).endswith(r"^{\top}")


def test_a_long_row_is_printed_as_its_transpose():
    """Ten 7-digit weights (over 60 characters in a row) print as a column marked ⊤."""
    w = np.array([[3.43004, 3.3802, 2.19388, -1.95144, -2.52012, 2.30765, -3.00343,
                   -2.96534, -3.57057, 1.48168]])
    tex = grid(w)
    assert tex.endswith(r"^{\top}")
    assert entries(tex) == [[v] for v in w[0]]


def test_a_matrix_too_wide_both_ways_is_cut_into_blocks_of_columns():
    m = np.arange(1, 97, dtype=float).reshape(8, 12) * 1.234567
    parts = grids(m)
    assert [p["index"] for p in parts] == [":,1{:}5", ":,6{:}10", ":,11{:}12"]
    back = np.hstack([np.array(entries(p["grid"])) for p in parts])
    assert np.allclose(back, m, rtol=1e-5)


def test_a_long_display_is_never_cut_inside_an_environment():
    cases = (r"\begin{cases} 1 & \text{for}\: a - b > 0 \wedge c + d > 0 \\"
             r"0 & \text{otherwise} \end{cases}")
    tex = f"x + {cases} + y"
    assert pieces(tex) == ["x", f"+ {cases}", "+ y"]
    long = " + ".join([cases] * 3)
    out = equation(long, "L")
    # broken at the sums between the cases, each cases block whole on its line
    assert out.count(r"\begin{cases}") == out.count(r"\end{cases}") == 3
    for line in out.split("\\\\\n"):
        assert line.count(r"\begin{cases}") == line.count(r"\end{cases}")
