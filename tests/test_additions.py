"""Each activation and loss added to the registries works everywhere, with no other code
touched: the lesson pages (rendered by KaTeX, compiled by pdflatex), ``grad`` and the
matrix form, ``verify``, the notebook, exams, and the checker, each against the NumPy
reference (its own hand-written formulas) and finite differences."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess

import nbformat
import numpy as np
import pytest

from symbackprop import reference, spec
from symbackprop.activations import ACTIVATIONS
from symbackprop.check import check_equation
from symbackprop.cli import main
from symbackprop.derive import derive
from symbackprop.exam import exam_files
from symbackprop.graph import build_graph
from symbackprop.losses import LOSSES
from symbackprop.verify import check_gradients, positions, sample
from tests.test_exam import check_key
from tests.test_katex import KATEX, math_blocks

# name -> (spec TOML, the activation or loss it shows, a LaTeX snippet its slope prints)
NEW = {
    "gelu": ("""
inputs = 2
[[layers]]
units = 3
activation = "gelu"
bias = "per_unit"
[[layers]]
units = 1
""", "gelu", r"\varphi\left(z_"),
    # silu in both layers, a half_sse loss, shared biases
    "silu": ("""
inputs = 2
loss = "half_sse"
[[layers]]
units = 2
activation = "silu"
bias = "shared"
[[layers]]
units = 1
bias = "shared"
""", "silu", r"\sigma\left(z"),
    # elu: both of its branches occur in the sampled points (see test_elu_branches)
    "elu": ("""
inputs = 3
[[layers]]
units = 3
activation = "elu"
bias = "per_unit"
[[layers]]
units = 2
bias = "per_unit"
""", "elu", r"e^{z_"),
    # huber on two outputs after a tanh layer
    "huber": ("""
inputs = 2
loss = "huber"
[[layers]]
units = 3
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 2
bias = "per_unit"
""", "huber", r"\frac{\operatorname{clip}\left(y_{true"),
}


def _net(name):
    return spec.loads(NEW[name][0], name=f"new_{name}")


def _write(tmp_path, name):
    path = tmp_path / f"new_{name}.toml"
    path.write_text(NEW[name][0], encoding="utf-8")
    return path


def _katex(text, where):
    blocks = [{"id": f"{where}:{n}", "tex": tex, "display": display}
              for n, tex, display in math_blocks(text)]
    run = subprocess.run(["node", str(KATEX / "render.js")], input=json.dumps(blocks),
                         capture_output=True, text=True, timeout=300, cwd=KATEX)
    assert run.returncode == 0, run.stderr
    failures = json.loads(run.stdout)
    assert not failures, "\n".join(f"{f['id']}: {f['error']}" for f in failures[:10])


def _pdflatex(tmp_path, tex_file):
    run = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                          "-interaction=nonstopmode", tex_file.name],
                         cwd=tex_file.parent, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]


HAVE_KATEX = shutil.which("node") is not None and (KATEX / "node_modules" / "katex").is_dir()
HAVE_LATEX = shutil.which("pdflatex") is not None


def _definition(concept):
    rec = ACTIVATIONS.get(concept) or LOSSES[concept]
    return rec.definition


@pytest.mark.parametrize("name", sorted(NEW))
def test_lesson_pages(tmp_path, capsys, name):
    path = _write(tmp_path, name)
    assert main(["lesson", str(path), "-o", str(tmp_path)]) == 0
    md = (tmp_path / f"new_{name}.md").read_text(encoding="utf-8")
    tex = (tmp_path / f"new_{name}.tex").read_text(encoding="utf-8")
    _, concept, slope = NEW[name]
    for text in (md, tex):
        assert _definition(concept) in text  # the page defines what it uses
        assert slope in text  # and the slope is printed in the teacher's form
    assert "DIFFERENT" not in md and "symbolic" in md
    if HAVE_KATEX:
        _katex(md, f"new_{name}.md")
    if HAVE_LATEX:
        _pdflatex(tmp_path, tmp_path / f"new_{name}.tex")


def _reference(net, d, params, X, T):
    loss, grads = reference.backward(net, params, X, T)
    pos = positions(d)
    return loss, {d.graph.latex[pos[k]]: v for k, v in reference.flatten(net, grads).items()}


@pytest.mark.parametrize("name", sorted(NEW))
def test_grad_and_matrix_form_match_the_reference(tmp_path, capsys, name):
    net = _net(name)
    d = derive(build_graph(net))
    rng = np.random.default_rng(5)
    params = reference.init_params(net, rng, scale=1.0)
    X, T = sample(net, rng, 4)
    flat = reference.flatten(net, params)
    values = {"inputs": X.tolist(), "targets": T.tolist(),
              "params": {d.graph.latex[positions(d)[k]]: v for k, v in flat.items()}}
    (tmp_path / "at.json").write_text(json.dumps(values), encoding="utf-8")
    capsys.readouterr()
    assert main(["grad", str(_write(tmp_path, name)), "--at", str(tmp_path / "at.json"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    loss, grads = _reference(net, d, params, X, T)
    fd = reference.numeric_grad(net, params, X, T)
    assert out["loss"] == pytest.approx(loss, rel=1e-12)
    for k, v in grads.items():
        assert out["gradients"][k] == pytest.approx(v, rel=1e-10, abs=1e-13), k
    fd = {d.graph.latex[positions(d)[k]]: v for k, v in reference.flatten(net, fd).items()}
    for k, v in fd.items():
        assert out["gradients"][k] == pytest.approx(v, rel=1e-6, abs=1e-8), k
    assert max(abs(v) for v in grads.values()) > 1e-3  # a real gradient, not 0 == 0


@pytest.mark.parametrize("name", sorted(NEW))
def test_verify_agrees_three_ways(capsys, tmp_path, name):
    report = check_gradients(derive(build_graph(_net(name))), points=2)
    assert report.ok, report.failures
    assert all(r.symbolic.startswith("equal") for r in report.rows)
    assert max(report.errors_ref) < 1e-12 and max(report.errors_fd) < 1e-6
    assert main(["verify", str(_write(tmp_path, name))]) == 0


@pytest.mark.parametrize("name", sorted(NEW))
def test_notebook_reruns_the_verification(tmp_path, capsys, name):
    """The notebook's code cells, run with NumPy alone, reproduce the reference."""
    path = _write(tmp_path, name)
    assert main(["lesson", str(path), "-o", str(tmp_path), "--format", "ipynb"]) == 0
    nb = nbformat.read(tmp_path / f"new_{name}.ipynb", as_version=4)
    scope: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell in nb.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, "<cell>", "exec"), scope)  # our generated code
    assert out.getvalue().rstrip().endswith("verified")
    net = _net(name)
    d = derive(build_graph(net))
    pos = positions(d)
    params = reference.from_flat(net, {s: scope["params"][k] for s, k in pos.items()})
    X = [[scope[k] for k in d.graph.inputs]]
    T = [[scope[k] for k in d.graph.targets]]
    _, grads = reference.backward(net, params, X, T)
    for s, v in reference.flatten(net, grads).items():
        assert float(scope["grad"][pos[s]]) == pytest.approx(v, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", sorted(NEW))
def test_exam_answers_match_the_reference(tmp_path, name):
    net = _net(name)
    files = exam_files(net, variants=3, seed=2)
    check_key(net, json.loads(files["key.json"]))
    _, concept, _ = NEW[name]
    for sheet in ("questions.md", "questions.tex"):
        assert _definition(concept) in files[sheet]  # the sheet defines what it uses
    if HAVE_KATEX:
        _katex(files["questions.md"], "questions.md")
        _katex(files["key.md"], "key.md")
    if HAVE_LATEX:
        (tmp_path / "key.tex").write_text(files["key.tex"], encoding="utf-8")
        _pdflatex(tmp_path, tmp_path / "key.tex")


@pytest.mark.parametrize("name", sorted(NEW))
def test_checker_judges_claims_through_the_new_functions(name):
    """The checker's truth evaluates the network's nodes (the new function included) with
    its NumPy evaluator: a correct claim about an output weight is correct, a slip wrong
    (the output layer of these specs is linear)."""
    net = _net(name)
    g = build_graph(net)
    t = g.table
    y, w, h = t.units[-1][0].latex, t.weights[-1][0][0].latex, t.units[-2][0].latex
    good = check_equation(net, rf"\frac{{d{y}}}{{d{w}}} = {h}")
    bad = check_equation(net, rf"\frac{{d{y}}}{{d{w}}} = 2 {h}")
    assert good.verdict == "correct", good
    assert bad.verdict == "wrong", bad


def test_elu_sampled_points_cover_both_branches():
    """verify's points put elu units on both sides of 0, so both slopes are checked."""
    net = _net("elu")
    rng = np.random.default_rng(0)  # as check_gradients draws them
    zs = []
    for _ in range(3):
        params = reference.init_params(net, rng, scale=0.8)
        for n in (1, 5):
            X, _ = sample(net, rng, n)
            zs.append(reference.forward(net, params, X).z[0].ravel())
    z = np.concatenate(zs)
    assert (z > 0).sum() >= 3 and (z < 0).sum() >= 3


def test_huber_sampled_residuals_cover_both_branches():
    """verify's targets put residuals on both sides of |r| = 1."""
    net = _net("huber")
    rng = np.random.default_rng(0)
    rs = []
    for _ in range(3):
        params = reference.init_params(net, rng, scale=0.8)
        for n in (1, 5):
            X, T = sample(net, rng, n)
            rs.append(np.abs(T - reference.forward(net, params, X).y).ravel())
    r = np.concatenate(rs)
    assert (r < 1).sum() >= 3 and (r > 1).sum() >= 3


@pytest.mark.parametrize("name, other", [("gelu", "silu"), ("silu", "elu"), ("elu", "gelu")])
def test_claims_name_the_new_activations_by_their_spellings(name, other):
    """A student's \\mathrm{GELU}'(z), \\operatorname{silu}(z) or elu(z) is read through the
    record's spellings: the right function is correct, another one wrong."""
    net = spec.loads(f'inputs = 2\n[[layers]]\nunits = 1\nactivation = "{name}"\n', name="n")
    up = name.upper()
    assert check_equation(net, rf"y_{{pred}} = \mathrm{{{up}}}(z^{{[1]}})").verdict == "correct"
    assert check_equation(net, rf"y_{{pred}} = \operatorname{{{name}}}(z^{{[1]}})").verdict == "correct"
    assert check_equation(net, rf"y_{{pred}} = \mathrm{{{other}}}(z^{{[1]}})").verdict == "wrong"
    assert check_equation(net, rf"\frac{{dL}}{{dz^{{[1]}}}} = \frac{{dL}}{{dy_{{pred}}}} "
                               rf"\mathrm{{{up}}}'(z^{{[1]}})").verdict == "correct"
    assert check_equation(net, rf"\frac{{dL}}{{dz^{{[1]}}}} = \frac{{dL}}{{dy_{{pred}}}} "
                               rf"\mathrm{{{other}}}'(z^{{[1]}})").verdict == "wrong"
