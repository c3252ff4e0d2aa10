"""Output flavours that only change the wrapping of a page, not its content."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SpecError

_DISPLAY = re.compile(r"(?m)^\$\$\n(.*?)\n\$\$$", re.S)


def fence_math(markdown: str) -> str:
    """``$$ … $$`` display blocks as ```` ```math ```` fences (GitHub's other syntax, safe
    from Markdown's underscore and backslash handling)."""
    return _DISPLAY.sub(lambda m: f"```math\n{m.group(1)}\n```", markdown)


def pdf(tex: str, name: str, assets: dict[str, str | bytes] | None = None) -> bytes:
    """Compile a LaTeX document with pdflatex (twice, for references); the PDF's bytes.
    ``assets``: files the document includes (plots), by name."""
    engine = shutil.which("pdflatex")
    if engine is None:
        raise SpecError("--pdf needs a LaTeX engine: pdflatex is not on the PATH "
                        "(Debian: apt-get install texlive-latex-recommended texlive-pictures lmodern)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{name}.tex"
        src.write_text(tex, encoding="utf-8")
        for file, content in (assets or {}).items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (Path(tmp) / file).write_bytes(data)
        for _ in range(2):
            run = subprocess.run([engine, "-halt-on-error", "-no-shell-escape",
                                  "-interaction=nonstopmode", src.name],
                                 cwd=tmp, capture_output=True, text=True, timeout=600,
                                 # fixed dates: the same input gives the same PDF
                                 env=dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1"))
            if run.returncode != 0:
                line = next((ln for ln in run.stdout.splitlines() if ln.startswith("!")),
                            "see the LaTeX log")
                raise SpecError(f"pdflatex failed: {line}", f"{name}.tex")
        return (Path(tmp) / f"{name}.pdf").read_bytes()
