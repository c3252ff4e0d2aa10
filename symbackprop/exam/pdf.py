"""PDF of the sheets: one run per document of the project's one LaTeX runner
(``render/pdflatex.py``: confined to its folder, reproducible, killed as a group)."""

from __future__ import annotations

from ..render import pdflatex


class PdfError(RuntimeError):
    """A LaTeX run failed; the message carries the first error of its log, ``files``
    whatever was rendered besides."""

    def __init__(self, message, files=None):
        super().__init__(message)
        self.files = files or {}


def latex_engine() -> str | None:
    return pdflatex.engine()


def compile_tex(engine: str, name: str, tex: str) -> bytes:
    """The PDF of ``name`` (a .tex file name) with ``engine``."""
    try:
        return pdflatex.compile_pdf(tex, name[:-4], runs=1, exe=engine)
    except pdflatex.LatexError as e:
        raise PdfError(str(e)) from None
