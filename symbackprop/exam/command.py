"""The ``exam`` and ``grade`` commands: render everything first, then write one
complete set of files, or nothing."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..render.write import check_folder, signals_held
from ..terminal import printable
from . import pdf as _pdf
from .files import exam_files
from .pdf import PdfError

# every name an exam run may write (and <spec name>.svg): a file of an earlier run that
# this run does not write is stale and goes; anything else in the folder stays
OWNED = frozenset({"questions.md", "questions.tex", "questions.pdf", "key.md", "key.tex",
                   "key.pdf", "key.json", "moodle.xml", "moodle-essay.xml", "stack.xml",
                   "qti.zip", "prairielearn"})


def write_folder(folder: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write ``files`` (names may hold a '/') as the whole content the exam owns in
    ``folder``: into a temporary folder beside it, then moved into place, so the folder
    never mixes files of two runs (a key.tex from one seed beside a key.json from another).
    Entries of an existing folder that the exam does not write are kept."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, content in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, 0o777 & ~_umask())
        ours = {name.split("/")[0] for name in files} | OWNED
        old, kept = None, []
        # SIGINT/SIGTERM wait until the swap is done: never the old set put aside with no
        # new one, never the instructor's files in a temporary folder about to be removed
        with signals_held():
            try:
                if folder.exists():
                    for entry in folder.iterdir():  # what is not the exam's stays
                        if entry.name not in ours and entry.suffix != ".svg" \
                                and not (tmp / entry.name).exists():
                            entry.rename(tmp / entry.name)
                            kept.append(entry)
                    old = folder.parent / f"{tmp.name}.old"
                    folder.rename(old)
                tmp.rename(folder)
            except OSError:
                if old is not None and old.exists() and not folder.exists():
                    old.rename(folder)
                for entry in kept:  # the instructor's files go back
                    (tmp / entry.name).rename(entry)
                raise
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / name for name in files]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run_exam(args, net) -> int:
    if args.stress is not None:
        from .stress import run_stress

        return run_stress(net, args)
    folder = Path(args.output or Path("output", "exam", net.name))
    check_folder(folder)  # a bad -o is said before the rendering
    pdf = not args.no_pdf and _pdf.latex_engine() is not None
    error = None
    try:  # everything rendered (and compiled) before anything is written
        files = exam_files(net, variants=args.variants, seed=args.seed, questions=args.questions,
                           title=args.title, course=args.course,
                           instructions=args.instructions, pdf=pdf, moodle_layout=args.moodle)
    except PdfError as exc:
        files, error = exc.files, exc
    for path in write_folder(folder, files):
        print(printable(path))
    if error:
        print(f"symbackprop: error: {error} (the other files were written)", file=sys.stderr)
        return 1
    return 0


def run_grade(args) -> int:
    from .grade import run

    return run(args)
