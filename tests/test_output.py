"""Output flavours: notebooks that execute, math fences, PDFs, custom (sandboxed) templates,
and rich display in Jupyter."""

import json
import re
import shutil

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import symbackprop as sb
from symbackprop import reference
from symbackprop.cli import main
from symbackprop.render import flavour, pdflatex
from symbackprop.verify import positions


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("preset", ["easynet", "sigmoid222"])
def test_notebook_executes_and_reproduces_the_reference(tmp_path, capsys, preset):
    code, _, _ = run(capsys, "lesson", preset, "-o", str(tmp_path), "--format", "ipynb")
    assert code == 0 and sorted(p.suffix for p in tmp_path.iterdir()) == [".ipynb"]
    nb = nbformat.read(tmp_path / f"{preset}.ipynb", as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    text = nb.cells[-1].outputs[0]["text"]
    assert text.rstrip().endswith("verified")
    derived = {m.group(1): float(m.group(2))
               for m in re.finditer(r"^(\S+)\s+derived\s+(\S+)", text, flags=re.M)}
    # the independent oracle: the NumPy reference at the preset's worked example
    net = sb.load(preset)
    d = sb.derive(sb.build_graph(net))
    ex = net.example
    by_name = {q.latex: q.key for q in d.graph.table.params}
    flat = {by_name[k]: v for k, v in ex.params}
    params = reference.from_flat(net, {pos: flat[k] for pos, k in positions(d).items()})
    _, grads = reference.backward(net, params, np.array(ex.inputs), np.array(ex.targets))
    for pos, v in reference.flatten(net, grads).items():
        assert derived[positions(d)[pos]] == pytest.approx(v, rel=1e-9, abs=1e-12)


def test_math_fences_replace_dollar_blocks(tmp_path, capsys):
    assert run(capsys, "lesson", "easynet", "-o", str(tmp_path), "--math", "fences")[0] == 0
    md = (tmp_path / "easynet.md").read_text()
    assert "\n$$\n" not in md and md.count("```math\n") >= 10
    assert flavour.fence_math("a\n$$\nx^2\n$$\nb") == "a\n```math\nx^2\n```\nb"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_pdf_is_built_and_reproducible(tmp_path, capsys):
    for out in ("a", "b"):
        assert run(capsys, "lesson", "easynet", "-o", str(tmp_path / out), "--pdf")[0] == 0
    pdf = (tmp_path / "a" / "easynet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf == (tmp_path / "b" / "easynet.pdf").read_bytes()


def test_pdf_without_latex_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pdflatex.shutil, "which", lambda name: None)
    code, _, err = run(capsys, "lesson", "easynet", "-o", str(tmp_path / "out"), "--pdf")
    assert code == 2 and "pdflatex is not on the PATH" in err
    assert not (tmp_path / "out").exists()


def test_custom_template_overrides_one_file(tmp_path, capsys):
    own = tmp_path / "mine" / "markdown"
    own.mkdir(parents=True)
    (own / "_network.md.j2").write_text("Our course's network {{ name }}: {{ n_params }} weights.\n")
    code, _, _ = run(capsys, "lesson", "easynet", "-o", str(tmp_path / "out"),
                     "--templates", str(tmp_path / "mine"))
    assert code == 0
    md = (tmp_path / "out" / "easynet.md").read_text()
    assert "Our course's network easynet: 8 weights." in md
    assert "## The forward pass" in md  # everything else is the built-in page
    assert "A network of" not in md


@pytest.mark.parametrize("body", ["{{ ''.__class__.__mro__[1].__subclasses__() }}",
                                  "{{ name.__class__.__init__.__globals__ }}",
                                  "{% for x in %}"])
def test_custom_templates_are_sandboxed_and_errors_are_clear(tmp_path, capsys, body):
    own = tmp_path / "mine" / "markdown"
    own.mkdir(parents=True)
    (own / "_network.md.j2").write_text(body + "\n")
    code, out, err = run(capsys, "lesson", "easynet", "-o", str(tmp_path / "out"),
                         "--templates", str(tmp_path / "mine"))
    assert code == 2 and "template error" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_rich_display_in_jupyter():
    d = sb.derive(sb.build_graph(sb.load("easynet")))
    md = d._repr_markdown_()
    assert r"- \frac{2 w_1^{[2]} x_1}{N} \left(y_{true} - y_{pred}\right)" in md
    tex = d.graph._repr_latex_()
    assert tex.startswith("$$") and r"h_1 &= x_1 w_1^{[1]} + x_2 w_3^{[1]} + x_3 w_5^{[1]}" in tex


def test_format_errors(tmp_path, capsys):
    code, _, err = run(capsys, "lesson", "easynet", "-o", str(tmp_path), "--format", "md,docx")
    assert code == 2 and "docx" in err
    code, _, err = run(capsys, "lesson", "easynet", "-o", str(tmp_path), "--templates",
                       str(tmp_path / "missing"))
    assert code == 2 and "not a folder" in err
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == "[]"
