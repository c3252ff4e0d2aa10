"""The tensor pages fit a printed page (issue 15): a row of numbers too wide for a line is
printed as its transpose, a matrix too wide either way as blocks of columns, and a long
display is never cut inside an environment (a max-pool's cases, a grid). The pages
themselves are held to "no Overfull \\hbox" by tests/test_latex.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from symbackprop.render.layers_view import grid, grids
from symbackprop.render.lines import equation, lines, pieces


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


def test_a_line_breaks_between_terms_not_inside_a_product():
    """Printed widths by hand (commands and spaces not counted): "aaaa \\cdot bbbb" is 8,
    "+ cccc \\cdot dddd" 9; in lines of 14 the second term goes whole to the next line
    (not "+ cccc" on the first and "\\cdot dddd" alone on the second)."""
    tex = r"aaaa \cdot bbbb + cccc \cdot dddd"
    assert lines(tex, width=14) == [r"aaaa \cdot bbbb", r"+ cccc \cdot dddd"]
    # a term wider than a line of its own (21) is broken between its factors: 1 + 5 + 4
    # + 4 = 14 on the first line, then 4 + 4 on a continuation line (10 wide)
    long = r"aaaa \cdot bbbb \cdot cccc \cdot dddd \cdot eeee"
    assert lines(f"x + {long}", width=14) == \
        [r"x + aaaa \cdot bbbb \cdot cccc", r"\cdot dddd \cdot eeee"]


def test_input_grids_wrap_into_lines_of_a_display():
    """Six 3 × 3 grids of 4-character numbers: each is 3·(4 + 2) = 18 characters wide, 25
    with its name "x_{1,1} = "; two fit a line of 64 (25 + 3 + 25), a third does not."""
    from symbackprop.render.layers_view import _packed
    x = np.full((3, 2, 3, 3), -0.3)
    lines = _packed(grids(x))
    assert [[g["index"] for g in line] for line in lines] == \
        [["1,1", "1,2"], ["2,1", "2,2"], ["3,1", "3,2"]]


# Tensor networks beyond the gallery, written to stress the layout: a batch of 3 samples
# of 2 channels (six input grids), a residual group, leaky_relu (an underscore in text),
# a dense layer of 12 units (a long row of weights); a one-token attention, whose page
# shows a gradient expanded "in inputs and weights only" (it crashed the page once).
STRESS = {
    "attention_one_token": """inputs = [1, 3]
loss = "half_sse"
[[layers]]
kind = "attention"
dim = 2
[[layers]]
kind = "flatten"
[[layers]]
units = 1
""",
    "batch_group": """inputs = [2, 3, 3]
batch = 3
[[layers]]
residual = true
activation = "relu"
  [[layers.layers]]
  kind = "conv2d"
  filters = 2
  kernel = 3
  padding = 1
  [[layers.layers]]
  kind = "batchnorm"
[[layers]]
kind = "maxpool"
size = 2
stride = 1
[[layers]]
kind = "flatten"
[[layers]]
units = 1
activation = "sigmoid"
""",
    "leaky_wide": """inputs = [2, 3]
[[layers]]
kind = "conv1d"
filters = 2
kernel = 2
activation = "leaky_relu"
[[layers]]
kind = "flatten"
[[layers]]
units = 12
activation = "leaky_relu"
[[layers]]
units = 1
""",
}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", sorted(STRESS))
def test_stress_pages_compile_without_overfull_boxes(tmp_path, name):
    spec = tmp_path / f"{name}.toml"
    spec.write_text(f'name = "{name}"\n' + STRESS[name])
    run = subprocess.run([sys.executable, "-m", "symbackprop", "lesson", str(spec), "-o",
                          str(tmp_path), "--format", "tex"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    run = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                          "-interaction=nonstopmode", f"{name}.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, log[log.find("Overfull"):][:400]
    if name == "attention_one_token":
        assert "or, in inputs and weights only" in (tmp_path / f"{name}.tex").read_text()
