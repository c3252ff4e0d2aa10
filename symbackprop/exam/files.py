"""The files of an exam: everything rendered in memory, then written as one set."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from . import pdf as _pdf
from . import moodle, qti
from .prairielearn import prairielearn_files
from .stack import stack_xml
from .pdf import PdfError, compile_tex
from .text import render
from .tensor import make_exam
from .views import Exam


def exam_files(net, variants: int = 1, seed: int = 0, questions: str | None = None,
               title: str | None = None, course: str | None = None,
               instructions: str | None = None, pdf: bool = False,
               moodle_layout: str = "cloze") -> dict[str, str | bytes]:
    """{file name: content} of an exam: the question sheet and the answer key (one
    document each, a page per variant) in Markdown and LaTeX, key.json, the platforms'
    files (``platform_files``), and
    with ``pdf`` questions.pdf and key.pdf (pdflatex runs while the rest is rendered;
    ``PdfError.files`` holds the other files when it fails)."""
    exam = make_exam(net, variants, seed, questions, title, course, instructions)
    common = exam.common()
    views = exam.views()
    page = dict(common, variants=views)
    files: dict[str, str | bytes] = {
        "questions.tex": render("latex", "exam/questions.tex.j2", page),
        "key.tex": render("latex", "exam/key.tex.j2", page),
    }
    engine = _pdf.latex_engine() if pdf else None
    if pdf and engine is None:
        raise PdfError("no pdflatex on the PATH", files={})
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {name[:-4] + ".pdf": pool.submit(compile_tex, engine, name, files[name])
                for name in ("questions.tex", "key.tex")} if pdf else {}
        files.update({
            "questions.md": render("markdown", "exam/questions.md.j2", page),
            "key.md": render("markdown", "exam/key.md.j2", page),
            "key.json": json.dumps(exam.key(views), indent=2, ensure_ascii=False) + "\n",
        })
        if common["diagram"] is not None:  # a tensor network's layers are described instead
            files[f"{net.name}.svg"] = render("markdown", "svg/network.svg.j2", common)
        files.update(platform_files(exam, common, views, moodle_layout))
        errors = []
        for name, job in jobs.items():
            try:
                files[name] = job.result()
            except PdfError as exc:
                errors.append(exc)
    if errors:
        raise PdfError(str(errors[0]), files=files)
    return files



def platform_files(exam: Exam, common: dict, views: list[dict],
                   moodle_layout: str = "cloze") -> dict[str, str | bytes]:
    """What learning platforms import: Moodle XML (a Cloze question per variant, or with
    ``moodle_layout="per-question"`` a numerical question per answer), and when the exam
    asks symbolic questions, their essay fallback and STACK questions; a QTI 2.1 package; a
    PrairieLearn question directory."""
    write = moodle.moodle_xml if moodle_layout == "cloze" else moodle.numerical_xml
    files: dict[str, str | bytes] = {"moodle.xml": write(common, views)}
    essay = moodle.essay_xml(common, views)
    if essay is not None:
        files["moodle-essay.xml"] = essay
    if essay is not None:  # symbolic questions: STACK grades them
        files["stack.xml"] = stack_xml(common, views)
    files["qti.zip"] = qti.qti_zip(common, views)
    files.update(prairielearn_files(common, views))
    return files
