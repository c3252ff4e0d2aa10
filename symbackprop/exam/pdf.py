"""PDF of the sheets: one pdflatex run per document, reproducible (SOURCE_DATE_EPOCH)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

class PdfError(RuntimeError):
    """A LaTeX run failed; the message carries the first error of its log, ``files``
    whatever was rendered besides."""

    def __init__(self, message, files=None):
        super().__init__(message)
        self.files = files or {}


def latex_engine() -> str | None:
    return shutil.which("pdflatex")


def compile_tex(engine: str, name: str, tex: str) -> bytes:
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="symbackprop-exam-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(tex)
        try:
            run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error",
                                  "-no-shell-escape", name], cwd=tmp, env=env,
                                 capture_output=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{engine} timed out on {name}") from None
        pdf = path[:-4] + ".pdf"
        if run.returncode != 0 or not os.path.exists(pdf):
            log = run.stdout.decode("utf-8", "replace").splitlines()
            first = next((i for i, line in enumerate(log) if line.startswith("!")), None)
            detail = " ".join(log[first:first + 3]) if first is not None else "see its log"
            raise PdfError(f"{os.path.basename(engine)} failed on {name}: {detail}")
        with open(pdf, "rb") as fh:
            return fh.read()
