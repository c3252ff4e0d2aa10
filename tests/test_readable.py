"""Pages that read at every size (issue 11, point 4): δ named and derived once per unit,
diagrams whose labels do not overlap, circuits with their wire values, no print
glitches, no shrunk equations, a verification table at the worked example. Values are
checked against the NumPy reference (reference.py) and the textbook's own numbers."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symbackprop import reference, spec
from symbackprop.lesson import build_lesson
from symbackprop.pages import lesson_files
from symbackprop.render.views import Notation, lesson_view
from symbackprop.verify import positions

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output"
PAGES = sorted(OUTPUT.glob("*.md")) + sorted(OUTPUT.glob("*.tex"))
SVG = "{http://www.w3.org/2000/svg}"

EIGHT_WIDE = """
name = "eight"
inputs = 8
loss = "softmax_ce"
[[layers]]
units = 8
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 8
activation = "sigmoid"
bias = "per_unit"
[[layers]]
units = 3
bias = "per_unit"
"""
TWO_WIDE = """
name = "two"
inputs = 2
[[layers]]
units = 2
activation = "sigmoid"
bias = "per_unit"
[[layers]]
units = 1
"""


def _reference_at_example(lesson):
    """The NumPy reference's loss gradients and δ = dL/dz at the lesson's worked example."""
    d, g, ex = lesson.derivation, lesson.graph, lesson.values
    net = g.spec
    params = reference.from_flat(net, {q: ex.params[k] for q, k in positions(d).items()})
    _, grads = reference.backward(net, params, ex.inputs, ex.targets)
    flat = reference.flatten(net, grads)
    by_key = {k: flat[q] for q, k in positions(d).items()}
    return by_key, reference.layer_deltas(net, params, ex.inputs, ex.targets)


@pytest.fixture(scope="module")
def wide():
    lesson = build_lesson(spec.load("wide"), points=1, symbolic=False)
    return lesson, lesson_view(lesson)


def test_wide_preset_is_four_wide():
    net = spec.load("wide")
    assert net.sizes == (4, 4, 4, 1)


def test_each_delta_on_the_page_is_the_reference_dl_dz(wide):
    """Every δ_j^{[l]} the page derives equals the NumPy reference's dL/dz_j^{[l]} at the
    worked example, and each unit's δ is derived exactly once."""
    lesson, view = wide
    _, deltas = _reference_at_example(lesson)
    shown = [s for s in view["steps"] if s.get("delta")]  # derived in full or tabled
    names = [s["delta"] for s in shown]
    assert len(names) == len(set(names)) == 4 + 4 + 1  # one per unit with an activation
    for s in shown:
        m = re.fullmatch(r"\\delta(?:_(\d+))?\^\{\[(\d+)\]\}", s["delta"])
        j, l = int(m.group(1) or 1), int(m.group(2))
        expected = deltas.dz[l - 1][0, j - 1]
        assert float(s["number"]) == pytest.approx(expected, rel=1e-5, abs=1e-12)


def test_a_weight_gradient_reads_delta_times_its_input(wide):
    """dL/dw = δ_j^{[l]} h_i^{[l-1]}: two factors, the first the unit's δ cited by name."""
    lesson, view = wide
    g = lesson.graph
    for s in view["steps"]:
        if s.get("is_param") and s.get("kind") == "chain" and s["wrt"].startswith("w"):
            assert len(s["factors"]) == 2
            assert s["factors"][0]["cited"] and s["factors"][0]["label"].startswith(r"\delta")
            q = g.table.by_latex()[s["wrt"]]
            assert s["factors"][1]["value"] == g.latex[q.key and _input_of(g, q)]


def _input_of(g, q):
    """The key of the input a weight multiplies: x_i in layer 1, h_i^{[l-1]} after."""
    cols = g.table.inputs if q.layer == 1 else g.table.units[q.layer - 2]
    return cols[q.col].key


def test_no_gradient_relists_earlier_factors(wide):
    """A branching sum cites each δ once per path; no step lists more than one bullet per
    term plus one (the 16 bullets of dL/dh_1^{[1]} before δ was named)."""
    _, view = wide
    for s in view["steps"]:
        if s.get("kind") == "sum":
            assert s["compact"]
            assert all(len(t["factors"]) == 2 for t in s["terms"])


def test_verification_table_is_the_worked_example(wide):
    """The derived column is the reference gradient at the worked example (the values
    derived above on the same page), not at a random point."""
    lesson, view = wide
    ref, _ = _reference_at_example(lesson)
    rows = view["verification"]["rows"]
    assert len(rows) == len(lesson.graph.params)
    by_name = {lesson.graph.latex[k]: v for k, v in ref.items()}
    for r in rows:
        name = re.search(r"\}\{d(.*)\}$", r["frac"]).group(1)
        assert float(r["derived"]) == pytest.approx(by_name[name], rel=1e-8, abs=1e-14)


def _labels(svg_text: str):
    """(class, box) of every text of class weight or bias, from the SVG's own attributes:
    width by character count times 0.55 font-size (each tspan its own size)."""
    root = ET.fromstring(svg_text)
    out = []
    for t in root.iter(f"{SVG}text"):
        cls = t.get("class")
        if cls not in ("weight", "bias"):
            continue
        size = float(t.get("font-size"))
        width = 0.0
        spans = list(t.iter(f"{SVG}tspan")) or [t]
        for span in spans:
            width += len(span.text or "") * 0.55 * float(span.get("font-size", size))
        x, y = float(t.get("x")), float(t.get("y"))
        left = x - width / 2 if t.get("text-anchor") == "middle" else x
        out.append((cls, (left, y - size * 0.8, left + width, y + size * 0.2)))
    return out


def _overlapping(boxes):
    return [(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


@pytest.mark.parametrize("text", [TWO_WIDE, None, EIGHT_WIDE], ids=["2 wide", "4 wide", "8 wide"])
def test_no_weight_label_overlaps_another(text):
    net = spec.loads(text) if text else spec.load("wide")
    files = lesson_files(net)
    svg = files[f"{net.name}.svg"]
    labels = _labels(svg)
    weights = [b for c, b in labels if c == "weight"]
    n_weights = sum(a * b for a, b in zip(net.sizes, net.sizes[1:]))
    assert len(weights) == n_weights  # every weight is on the picture, on an edge or in W
    assert not _overlapping(weights)
    assert not _overlapping([b for c, b in labels if c == "bias"])
    if text == EIGHT_WIDE:
        assert svg.count('class="matrix"') == 3  # dense layers as labelled matrices


@pytest.mark.parametrize("svg", sorted(OUTPUT.glob("*.svg")), ids=lambda p: p.name)
def test_gallery_labels_do_not_overlap(svg):
    labels = _labels(svg.read_text())
    assert not _overlapping([b for c, b in labels if c == "weight"])


def test_circuit_wires_carry_cs231n_values():
    """CS231n, "Backpropagation, intuitive understanding": f = (x + y) z at x = -2, y = 5,
    z = -4. Forward: q = 3, f = -12; backward: df/dq = z = -4, df/dz = q = 3,
    df/dx = df/dy = -4, and 1 on the output."""
    root = ET.fromstring((OUTPUT / "circuit.svg").read_text())
    texts = {c: [t.text for t in root.iter(f"{SVG}text") if t.get("class") == c]
             for c in ("forward", "backward")}
    # one wire per edge (x, y into q; q, z into f) and the output's wire
    assert sorted(texts["forward"], key=float) == sorted(["-2", "5", "3", "-4", "-12"], key=float)
    assert sorted(texts["backward"], key=float) == sorted(["-4", "-4", "-4", "3", "1"], key=float)
    gates = [t.text for t in root.iter(f"{SVG}text") if t.text in ("+", "×")]
    assert sorted(gates) == ["+", "×"]


def test_one_node_circuit_has_no_empty_block():
    net = spec.loads('kind = "graph"\nname = "one"\ninputs = ["x", "y"]\noutput = "f"\n'
                     '[nodes]\nf = "x * y"\n')
    files = lesson_files(net)
    for text in (files["one.md"], files["one.tex"]):
        assert not re.search(r"\\begin\{(aligned|align\*)\}\s*\\end\{", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_print_glitches(page):
    text = page.read_text()
    assert r"\left(\left(" not in text and "((" not in text
    assert "resizebox" not in text
    # two numbers side by side read as one: 2 0.731059 must be 2 \cdot 0.731059
    assert not re.search(r"(?<![\w.{^_])\d+(?:\.\d+)? \d", _math(text))
    # σ' in one form, h (1 - h), never -h (h - 1)
    assert not re.search(r"- ([a-z]_\{?\w+\}?(?:\^\{\[\d\]\})?) \\left\(\1 - 1\\right\)", text)
    # a lone denominator is not parenthesised
    assert not re.search(r"\\frac\{[^{}]*\}\{\\left\([^{}]*\\right\)\}", text)


def _math(text: str) -> str:
    """The math of a page ($...$ and $$...$$ and \\[...\\] and align*), prose dropped."""
    parts = re.findall(r"\$\$(.*?)\$\$|\$(.*?)\$|\\\[(.*?)\\\]", text, re.S)
    return "\n".join("".join(p) for p in parts)


@pytest.mark.parametrize("page", sorted(OUTPUT.glob("*.md")), ids=lambda p: p.name)
def test_a_tidied_line_is_never_longer(page):
    """In every "So" block the second line (the tidied result) is no longer than the
    product as written, dots and parentheses not counted."""
    def ink(t):
        return len(re.sub(r"\\cdot|\\left|\\right|\\quad|[\s(){}&]", "", t))
    for block in re.findall(r"So\n\n\$\$\n\\begin\{aligned\}\n(.*?)\\end\{aligned\}", page.read_text(), re.S):
        rows = block.split("\\\\\n&= ")
        if len(rows) == 2:
            first = rows[0].split("&=", 1)[1]
            assert ink(rows[1]) <= ink(first), block


def test_negative_numbers_inside_functions_are_parenthesised_once():
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph

    d = derive(build_graph(spec.load("softmax")))
    n = Notation(d)
    z = sp.Symbol("z", real=True)
    shown = n.numbers(sp.tanh(z) * 2, {z: np.array([-0.22])})
    assert r"\left(\left(" not in shown and "-0.22" in shown


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None, reason="no pdflatex")
def test_an_eight_wide_page_fits_the_page_without_shrinking(tmp_path):
    """Its long sums and forward equations are broken over lines: pdflatex reports no
    overfull line, and nothing is shrunk by a resizebox."""
    import subprocess

    net = spec.loads(EIGHT_WIDE)
    tex = lesson_files(net)["eight.tex"]
    assert "resizebox" not in tex and r"\begin{aligned}" in tex
    (tmp_path / "eight.tex").write_text(tex)
    run = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                          "-interaction=nonstopmode", "eight.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "eight.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, log[log.find("Overfull"):][:400]


def test_an_eight_wide_page_renders_in_katex():
    """The broken displays (aligned blocks) of an 8-wide page are valid KaTeX."""
    import json
    import shutil
    import subprocess

    from tests.test_katex import KATEX, math_blocks

    if shutil.which("node") is None or not (KATEX / "node_modules" / "katex").is_dir():
        pytest.skip("node and tests/katex/node_modules/katex are needed")
    md = lesson_files(spec.loads(EIGHT_WIDE))["eight.md"]
    blocks = [{"id": str(n), "tex": tex, "display": display}
              for n, tex, display in math_blocks(md)]
    assert any(r"\begin{aligned}" in b["tex"] and r"&\quad" in b["tex"] for b in blocks)
    run = subprocess.run(["node", str(KATEX / "render.js")], input=json.dumps(blocks),
                         capture_output=True, text=True, timeout=300, cwd=KATEX)
    assert run.returncode == 0, run.stderr
    assert not json.loads(run.stdout)


def test_a_dead_relu_chain_is_told_apart():
    """The deep page's plain relu chain (default seed) starts dead: by a forward pass by
    hand at its starting weights, some layer's z is <= 0 for every input, so no gradient
    reaches the first layer. The page's view marks it dead (and the page explains it);
    the sigmoid chain, whose first layer barely moves, is not dead but stuck."""
    from symbackprop import vanishing as v
    from symbackprop.render.deep_view import training_view

    for act, dead in (("relu", True), ("sigmoid", False)):
        st = v.study(v.Options(depth=5, width=1, activation=act, residual=False), trials=2)
        run = st.training[False]
        h, off = run.X[:, 0], False
        for l in range(1, 6):
            z = h * run.start[f"w{l}_1_1"]
            off |= act == "relu" and bool(np.all(z <= 0))  # a sigmoid's slope is never 0
            h = np.maximum(z, 0) if act == "relu" else 1 / (1 + np.exp(-z))
        assert off == dead
        view = training_view(st)["plain"]
        assert view["dead"] == dead and view["stuck"] == (not dead)
