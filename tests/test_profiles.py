"""Notation profiles (issue 14, points 1-2): the records, the spec's ``[notation] style``
and ``--notation``, and pages in each textbook's notation, against independent ground
truth: Matt Mazur's printed numbers, and this file's own NumPy evaluation of each
book's formulas (Ng's vectorised passes over m columns, cs231n's rows with
ds = (P − Y)/N, Nielsen's BP1-BP4 per example)."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from symbackprop import spec
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.graph import build_graph
from symbackprop.numeric import Values
from symbackprop.profiles import PROFILES, STYLES, profile
from symbackprop.profiles.numbers import numbers

ROOT = Path(__file__).resolve().parents[1]
GALLERY = [("easynet", "ng"), ("easynet", "nielsen"), ("sigmoid222", "mazur"),
           ("softmax", "cs231n"), ("sigmoid222", "goodfellow")]
# Matt Mazur, "A Step by Step Backpropagation Example" (2015), as printed in the post
MAZUR = {"net_{h1}": 0.3775, "out_{h1}": 0.593269992, "out_{h2}": 0.596884378,
         "net_{o1}": 1.105905967, "out_{o1}": 0.75136507, "out_{o2}": 0.772928465,
         "E_{o1}": 0.274811083, "E_{o2}": 0.023560026}
MAZUR_UPDATED = {"w_5": 0.35891648, "w_6": 0.408666186, "w_7": 0.511301270,
                 "w_8": 0.561370121, "w_1": 0.149780716, "w_2": 0.19956143,
                 "w_3": 0.24975114, "w_4": 0.29950229}


def test_registry_names_the_six_profiles():
    assert STYLES == ("lesson", "ng", "nielsen", "cs231n", "mazur", "goodfellow")
    assert profile("nielsen").layer(0) == 1  # Nielsen's input is layer 1
    assert profile("ng").layer(0) == 0
    assert profile("ng").layout == "columns" and profile("cs231n").layout == "rows"
    with pytest.raises(KeyError, match="styles: lesson, ng"):
        profile("bishop")


def test_names_map_onto_any_network():
    ng, ni, gf, cs = (PROFILES[k] for k in ("ng", "nielsen", "goodfellow", "cs231n"))
    assert ng.spell("dZ", 3, hidden=4) == "dZ^{[3]}"
    assert ni.spell("w", 2, "j", "k", hidden=3) == "w^3_{jk}"
    assert gf.spell("dW", 5, hidden=6) == r"\nabla_{W^{(5)}} J"
    assert cs.spell("A", 1, hidden=1) == "h" and cs.spell("A", 1, hidden=2) == "h_1"
    assert cs.spell("dZ", 2, hidden=1) == "ds"  # the output layer's scores
    assert ng.transpose("A^{[1]}") == "A^{[1]T}" and ng.transpose("X") == "X^T"


def test_spec_style_is_read_and_validated():
    text = 'inputs = 2\n[notation]\nstyle = "{}"\n[[layers]]\nunits = 1\n'
    assert spec.loads(text.format("ng")).notation.style == "ng"
    assert spec.loads(text.replace('style = "{}"\n', "")).notation.style == "lesson"
    with pytest.raises(SpecError, match=r"<spec>:3: style = 'Ng' is not one of: lesson, ng"):
        spec.loads(text.format("Ng"))


def test_notation_option_and_spec_style_write_the_profile_page(tmp_path, capsys):
    assert main(["lesson", "easynet", "--notation", "nielsen", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "easynet-nielsen.md").exists() and not (tmp_path / "easynet.md").exists()
    toml = (ROOT / "symbackprop/presets/easynet.toml").read_text().replace(
        'scope = "per_layer"', 'scope = "per_layer"\nstyle = "ng"')
    (tmp_path / "mine.toml").write_text(toml)
    assert main(["lesson", str(tmp_path / "mine.toml"), "-o", str(tmp_path / "o")]) == 0
    page = (tmp_path / "o/easynet-ng.md").read_text()
    assert "dW^{[2]} &= \\frac{1}{m} dZ^{[2]} A^{[1]T}" in page
    with pytest.raises(SystemExit):
        main(["lesson", "easynet", "--notation", "bishop"])
    assert "invalid choice: 'bishop'" in capsys.readouterr().err
    assert main(["lesson", "circuit", "--notation", "ng", "-o", str(tmp_path / "c")]) == 2
    assert "layered networks" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def _agrees(got: float, printed: float) -> bool:
    """``got`` rounds to what the post printed, to the digits it printed."""
    places = len(repr(printed).split(".")[1])
    return abs(got - printed) <= 0.5 * 10 ** -places + 1e-12


def _printed(text, name):
    """The number a Mazur page prints at the end of the line that starts with ``name``."""
    for line in text.splitlines():
        if line.startswith(name):
            return float(line.rsplit("=", 1)[1])
    raise AssertionError(f"{name} not on the page")


def test_mazur_page_reproduces_his_printed_numbers(tmp_path):
    assert main(["lesson", "sigmoid222", "--notation", "mazur", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "sigmoid222-mazur.md").read_text()
    for name, value in MAZUR.items():
        assert _agrees(_printed(text, name), value), name
    assert _agrees(_printed(text, "E_{total}"), 0.298371109)
    for name, value in MAZUR_UPDATED.items():
        assert _agrees(_printed(text, name + "^{+}"), value), name
    assert _agrees(_printed(text, r"\frac{\partial E_{total}}{\partial w_5}"), 0.082167041)
    assert _agrees(_printed(text, r"\frac{\partial E_{total}}{\partial w_1}"), 0.000438568)
    assert _agrees(_printed(text, r"\frac{\partial E_{total}}{\partial out_{h1}}"), 0.036350306)
    assert not _agrees(0.19956153, 0.19956143)  # the comparison can fail
    # the walk-through starts from his inputs (tests/data/mazur_values.json)
    import json
    given = json.loads((ROOT / "tests/data/mazur_values.json").read_text())
    assert "0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 = 0.3775" in text
    assert given["params"]["w_1"] == 0.15


# --------------------------------------------------------------- the books' formulas


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _point(name, m, seed):
    """A random point of preset ``name`` with m samples, and its weights per layer."""
    net = spec.load(name)
    g = build_graph(net)
    v = g.sample(np.random.default_rng(seed), m)
    W = [np.zeros((n, p)) for p, n in zip(net.sizes, net.sizes[1:])]
    b = [np.zeros(n) for n in net.sizes[1:]]
    for q in g.table.params:
        if q.kind == "weight":
            W[q.layer - 1][q.row, q.col] = v.params[q.key]
        else:
            b[q.layer - 1][q.row] = v.params[q.key]
    return net, g, v, W, b


@pytest.mark.parametrize("m", [2, 5])
def test_ng_numbers_follow_ngs_vectorised_formulas(m):
    """A bce network with a tanh hidden layer: dZ^{[2]} = A^{[2]} − Y,
    dW = (1/m) dZ A^T, db = (1/m) Σ_columns dZ, dA^{[1]} = W^{[2]T} dZ^{[2]},
    dZ^{[1]} = dA^{[1]} * (1 − A^{[1]2}), written here from the course's slides."""
    net = spec.loads('inputs = 3\nloss = "bce"\n[[layers]]\nunits = 4\nactivation = "tanh"\n'
                     'bias = "per_unit"\n[[layers]]\nunits = 1\nactivation = "sigmoid"\n'
                     'bias = "per_unit"\n', name="bcenet")
    g = build_graph(net)
    v = g.sample(np.random.default_rng(3), m)
    W1 = np.array([[v.params[f"w1_{j}_{i}"] for i in (1, 2, 3)] for j in (1, 2, 3, 4)])
    b1 = np.array([[v.params[f"b1_{j}"]] for j in (1, 2, 3, 4)])
    W2 = np.array([[v.params[f"w2_1_{i}"] for i in (1, 2, 3, 4)]])
    b2 = np.array([[v.params["b2_1"]]])
    X, Y = v.inputs.T, v.targets.T  # n_x × m, 1 × m
    A1 = np.tanh(W1 @ X + b1)
    A2 = _sig(W2 @ A1 + b2)
    dZ2 = A2 - Y
    dW2, db2 = dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1, db1 = dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m
    got = numbers(PROFILES["ng"], net, g.table, v)
    np.testing.assert_allclose(got.layers[1].dZ, dZ2, atol=1e-12)
    np.testing.assert_allclose(got.layers[1].dW, dW2, atol=1e-12)
    np.testing.assert_allclose(got.layers[1].db[:, None], db2, atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dA, W2.T @ dZ2, atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dZ, dZ1, atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dW, dW1, atol=1e-12)
    np.testing.assert_allclose(got.layers[0].db[:, None], db1, atol=1e-12)
    # and each layout mistake a grader names gives another matrix
    assert not np.allclose(dZ1 @ X.T, dW1)  # the 1/m missing
    assert (X @ dZ1.T / m).shape == dW1.T.shape != dW1.shape  # a transpose missing


@pytest.mark.parametrize("m", [2, 4])
def test_cs231n_numbers_follow_the_rows_layout(m):
    """softmax preset: X (N × D), W_1 (D × H), h = tanh(X W_1 + b_1), s = h W_2 + b_2,
    ds = (P − Y)/N, dW_2 = h^T ds, db_2 = Σ_rows ds, dh = ds W_2^T."""
    net, g, v, W, b = _point("softmax", m, 11)
    X, Y = v.inputs, v.targets
    W1, W2 = W[0].T, W[1].T  # D × H and H × C
    h = np.tanh(X @ W1 + b[0])
    s = h @ W2 + b[1]
    P = np.exp(s - s.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    ds = (P - Y) / m
    got = numbers(PROFILES["cs231n"], net, g.table, v)
    assert got.layers[0].W.shape == W1.shape  # in,out
    np.testing.assert_allclose(got.layers[1].dZ, ds, atol=1e-12)
    np.testing.assert_allclose(got.layers[1].dW, h.T @ ds, atol=1e-12)
    np.testing.assert_allclose(got.layers[1].db, ds.sum(axis=0), atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dA, ds @ W2.T, atol=1e-12)
    dz1 = (ds @ W2.T) * (1 - h ** 2)
    np.testing.assert_allclose(got.layers[0].dW, X.T @ dz1, atol=1e-12)


def test_nielsen_bp1_to_bp4_at_one_example():
    """sigmoid222 (half SSE): BP1 δ^L = (a^L − y) ⊙ σ'(z^L), BP2 δ^l = ((w^{l+1})^T δ^{l+1})
    ⊙ σ'(z^l), BP3 ∂C/∂b^l_j = δ^l_j (the layer's one bias: summed), BP4 ∂C/∂w^l_{jk} =
    a^{l-1}_k δ^l_j, with the input as layer 1."""
    net, g, v, W, b = _point("sigmoid222", 1, 5)
    x, y = v.inputs[0], v.targets[0]
    bias = [v.params["b1"], v.params["b2"]]
    a2 = _sig(W[0] @ x + bias[0])
    a3 = _sig(W[1] @ a2 + bias[1])
    d3 = (a3 - y) * a3 * (1 - a3)
    d2 = (W[1].T @ d3) * a2 * (1 - a2)
    got = numbers(PROFILES["nielsen"], net, g.table, v)
    np.testing.assert_allclose(got.layers[1].dZ[:, 0], d3, atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dZ[:, 0], d2, atol=1e-12)
    np.testing.assert_allclose(got.layers[1].dW, np.outer(d3, a2), atol=1e-12)
    np.testing.assert_allclose(got.layers[0].dW, np.outer(d2, x), atol=1e-12)
    np.testing.assert_allclose(got.layers[1].db, d3.sum(), atol=1e-12)
    assert not np.allclose(np.outer(a2, d3), got.layers[1].dW)  # the indices swapped


def test_goodfellow_page_writes_algorithm_6_4(tmp_path):
    assert main(["lesson", "sigmoid222", "--notation", "goodfellow", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "sigmoid222-goodfellow.md").read_text()
    assert r"a^{(2)} &= b^{(2)} + W^{(2)} h^{(1)}" in text
    assert r"g &\leftarrow \nabla_{a^{(2)}} J = g \odot \sigma'( a^{(2)})" in text
    assert r"\nabla_{W^{(2)}} J &= g\, h^{(1)T}" in text
    assert r"g &\leftarrow \nabla_{h^{(1)}} J = W^{(2)T} g" in text


# --------------------------------------------------------------- the gallery


@pytest.mark.parametrize("name,style", GALLERY)
def test_profile_gallery_is_up_to_date(tmp_path, name, style):
    """output/profiles/ is committed; regenerate with
    symbackprop lesson NAME --notation STYLE -o output/profiles."""
    assert main(["lesson", name, "--notation", style, "-o", str(tmp_path)]) == 0
    for ext in ("md", "tex"):
        fresh = (tmp_path / f"{name}-{style}.{ext}").read_text()
        committed = (ROOT / "output/profiles" / f"{name}-{style}.{ext}").read_text()
        assert fresh == committed, f"output/profiles/{name}-{style}.{ext} drifted"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name,style", GALLERY)
def test_profile_pages_compile_with_pdflatex(tmp_path, name, style):
    src = ROOT / "output/profiles" / f"{name}-{style}.tex"
    run = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                          "-interaction=nonstopmode", "-output-directory", str(tmp_path),
                          str(src)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / f"{name}-{style}.pdf").stat().st_size > 1000


# --------------------------------------------------------------- exams and scalar names


def test_exam_in_a_profile_asks_and_answers_in_its_names(tmp_path, capsys):
    """exam --notation ng: questions and keys name Ng's entries (w^{[1]}_{jk}, a^{[l]}_j,
    J); the key's values are this file's own evaluation of the network at the variant's
    values (easynet: linear units, L = (y − a^{[2]}_1)² for one sample)."""
    import json

    assert main(["exam", "easynet", "--notation", "ng", "--no-pdf", "-o", str(tmp_path)]) == 0
    questions = (tmp_path / "questions.md").read_text()
    assert r"a^{[1]}_1 &= x_1 w^{[1]}_{11} + x_2 w^{[1]}_{12} + x_3 w^{[1]}_{13}" in questions
    assert "y_{pred}" not in questions and "w_1^{[1]}" not in questions
    key = json.loads((tmp_path / "key.json").read_text())["variants"][0]
    x, y = np.array(key["values"]["inputs"][0]), key["values"]["targets"][0][0]
    p = key["values"]["params"]
    W1 = np.array([[p[f"w^{{[1]}}_{{{j}{k}}}"] for k in (1, 2, 3)] for j in (1, 2)])
    W2 = np.array([p["w^{[2]}_{11}"], p["w^{[2]}_{12}"]])
    a1 = W1 @ x
    a2 = W2 @ a1
    answers = {a["target"]: a["value"] for a in key["answers"] if a["kind"] == "forward"}
    assert answers["a^{[1]}_1"] == pytest.approx(a1[0])
    assert answers["a^{[2]}_1"] == pytest.approx(a2)
    assert answers["J"] == pytest.approx((y - a2) ** 2)


@pytest.mark.parametrize("style,names", [
    ("nielsen", ("w^2_{11}", "z^2_1", "a^3_1", "b^3", "C")),
    ("goodfellow", ("W^{(1)}_{1,1}", "a^{(1)}_1", "h^{(2)}_1", "J")),
    ("mazur", ("w_1", "w_5", "net_{h1}", "out_{o2}", "target_{o1}", "i_2", "b_2", "E_{total}")),
])
def test_scalar_names_of_a_profile(style, names):
    """A spec with [notation] style names every entry as the book does, and still reads
    its [example] in the lesson's names (sigmoid222's w_1 ... b_2)."""
    from dataclasses import replace

    net = spec.load("sigmoid222")
    net = replace(net, notation=replace(net.notation, style=style))
    g = build_graph(net)
    latex = set(g.latex.values())
    for name in names:
        assert name in latex, (name, sorted(latex))
    assert g.example.params[g.table.weights[0][0][0].key] == 0.15  # Mazur's w_1


@pytest.mark.skipif(shutil.which("node") is None
                    or not (ROOT / "tests/katex/node_modules/katex").is_dir(),
                    reason="node and tests/katex/node_modules/katex are needed")
@pytest.mark.parametrize("style", ["nielsen", "mazur", "goodfellow"])
def test_exam_in_a_profile_renders_in_katex(tmp_path, style):
    """The exam's questions and key in a profile's names typeset in KaTeX (strict)."""
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_katex import math_blocks

    assert main(["exam", "sigmoid222", "--notation", style, "--no-pdf",
                 "-o", str(tmp_path)]) == 0
    blocks = []
    for page in ("questions.md", "key.md"):
        text = (tmp_path / page).read_text()
        blocks += [{"id": f"{page}:{n}", "tex": tex, "display": d}
                   for n, tex, d in math_blocks(text)]
    assert len(blocks) > 20
    assert any("out_{h1}" in b["tex"] or "w^2_{11}" in b["tex"] or "W^{(1)}_{1,1}" in b["tex"]
               for b in blocks)
    run = subprocess.run(["node", str(ROOT / "tests/katex/render.js")],
                         input=json.dumps(blocks), capture_output=True, text=True,
                         timeout=300, cwd=ROOT / "tests/katex")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []
