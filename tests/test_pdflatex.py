"""The one pdflatex runner: a PDF from a document, file access confined to its folder, no
shell escape, and a timeout that ends the run."""

from __future__ import annotations

import pytest

from symbackprop.render import pdflatex

pytestmark = pytest.mark.skipif(pdflatex.engine() is None, reason="pdflatex not installed")
DOC = r"\documentclass{article}\begin{document}%s\end{document}"


def test_a_document_and_its_assets_make_a_pdf():
    pdf = pdflatex.compile_pdf(DOC % r"\input{part}", "doc", {"part.tex": "Hello"}, runs=1)
    assert pdf.startswith(b"%PDF-")


def test_files_outside_the_folder_cannot_be_read(tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("outside")
    with pytest.raises(pdflatex.LatexError, match="not found"):
        pdflatex.compile_pdf(DOC % rf"\input{{{secret}}}", "doc", runs=1)


def test_no_shell_escape(tmp_path):
    marker = tmp_path / "ran"
    pdflatex.compile_pdf(DOC % rf"\immediate\write18{{touch {marker}}}x", "doc", runs=1)
    assert not marker.exists()


def test_a_run_that_never_ends_is_stopped():
    with pytest.raises(pdflatex.LatexError, match="timed out"):
        pdflatex.compile_pdf(DOC % r"\def\loop{\loop}\loop", "doc", runs=1, timeout=3)
