"""The generated .tex compiles with pdflatex (skipped where no LaTeX engine is installed)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("tex", sorted((ROOT / "output").glob("*.tex")), ids=lambda p: p.name)
def test_gallery_tex_compiles(tmp_path, tex):
    shutil.copy(tex, tmp_path / tex.name)
    run = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                          "-interaction=nonstopmode", tex.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / tex.with_suffix(".pdf").name).stat().st_size > 1000
