"""Output flavours that only change the wrapping of a page, not its content."""

from __future__ import annotations

import re

from ..errors import SpecError
from . import pdflatex

_DISPLAY = re.compile(r"(?m)^\$\$\n(.*?)\n\$\$$", re.S)


def fence_math(markdown: str) -> str:
    """``$$ … $$`` display blocks as ```` ```math ```` fences (GitHub's other syntax, safe
    from Markdown's underscore and backslash handling)."""
    return _DISPLAY.sub(lambda m: f"```math\n{m.group(1)}\n```", markdown)


def pdf(tex: str, name: str, assets: dict[str, str | bytes] | None = None) -> bytes:
    """Compile a LaTeX document with pdflatex (twice, for references); the PDF's bytes.
    ``assets``: files the document includes (plots), by name."""
    if pdflatex.engine() is None:
        raise SpecError("--pdf needs a LaTeX engine: pdflatex is not on the PATH "
                        "(Debian: apt-get install texlive-latex-recommended texlive-pictures lmodern)")
    try:
        return pdflatex.compile_pdf(tex, name, assets)
    except pdflatex.LatexError as exc:
        raise SpecError(str(exc), f"{name}.tex") from None
