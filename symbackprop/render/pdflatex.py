"""The one way LaTeX is run: pdflatex on a document and the files it includes, in a
temporary folder, in a process group of its own (a timeout ends it and anything it
started), with shell escape off and file access confined to that folder
(``openin_any=p``, ``openout_any=p``: paranoid, no absolute or parent paths), and fixed
dates so that the same input gives the same PDF."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 600  # seconds per run
_LIVE: set[int] = set()  # process groups running now (stop_all ends them)
FLAGS = ("-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error")


class LatexError(RuntimeError):
    """pdflatex is missing, failed or timed out; the message says which, and the log's
    first error line when there is one."""


def engine() -> str | None:
    return shutil.which("pdflatex")


def compile_pdf(tex: str, name: str, assets: dict[str, str | bytes] | None = None,
                runs: int = 2, timeout: float = TIMEOUT, exe: str | None = None) -> bytes:
    """The PDF of the document ``tex`` (``name``.tex), run ``runs`` times (references).
    ``assets``: files the document includes (plots), by name; ``exe``: the engine, if not
    the pdflatex on the PATH."""
    exe = exe or engine()
    if exe is None:
        raise LatexError("pdflatex is not on the PATH")
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1",
               openin_any="p", openout_any="p")
    with tempfile.TemporaryDirectory(prefix="symbackprop-latex-") as tmp:
        folder = Path(tmp)
        (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
        for file, content in (assets or {}).items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / Path(file).name).write_bytes(data)
        for _ in range(runs):
            _run([exe, *FLAGS, f"{name}.tex"], folder, env, timeout, name)
        pdf = folder / f"{name}.pdf"
        if not pdf.exists():
            raise LatexError(f"pdflatex wrote no PDF for {name}.tex")
        return pdf.read_bytes()


def _run(cmd, cwd, env, timeout, name):
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    _LIVE.add(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc.pid)  # the group: pdflatex and whatever it started
        proc.communicate()
        raise LatexError(f"pdflatex timed out on {name}.tex") from None
    except BaseException:  # interrupted (SIGINT, SIGTERM): the group goes too
        _kill(proc.pid)
        proc.wait()
        raise
    finally:
        _LIVE.discard(proc.pid)
    if proc.returncode != 0:
        log = out.decode("utf-8", "replace").splitlines()
        first = next((i for i, line in enumerate(log) if line.startswith("!")), None)
        detail = " ".join(log[first:first + 3]) if first is not None else "see the LaTeX log"
        raise LatexError(f"pdflatex failed on {name}.tex: {detail}")


def _kill(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_all() -> None:
    """End every pdflatex process group still running (the CLI calls it on SIGINT and
    SIGTERM, before worker threads are waited for)."""
    for group in list(_LIVE):
        _kill(group)
