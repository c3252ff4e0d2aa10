"""Moodle XML (``<quiz>``) for an exam, the worked solution as general feedback.

``moodle_xml``: one Cloze (multianswer) question per variant holding every numeric answer
of the variant (numerical sub-questions with their tolerances), all in one category, so a
quiz's "random question" from it gives a student one consistent variant. ``essay_xml``:
the symbolic questions (chain rule, expression) as one essay question per variant, the key
as grader information. ``numerical_xml`` (``--moodle per-question``): the older export,
one numerical question per numeric answer and variant, one category per question slot.

Text is HTML with MathJax delimiters ``\\( \\)`` and ``\\[ \\]``; HTML goes into CDATA
sections, everything else is XML-escaped (Jinja's autoescape). Instructor text cannot open
a Cloze sub-question (``inert``).

The tolerance is absolute in Moodle's numerical questions; it is set to 1% of the
exact answer (``exam.TOLERANCE``), so every answer is accepted within ±1%.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from markupsafe import Markup

from ..render.env import environment as render_environment
from .numbers import round12

CDATA_END = "]]>"


def cdata(text) -> Markup:
    """``text`` as one or more CDATA sections (a ``]]>`` inside is split across two)."""
    body = str(text).replace(CDATA_END, "]]]]><![CDATA[>")
    return Markup(f"<![CDATA[{body}]]>")


def category_path(names) -> str:
    """Moodle's assemble_category_path: '/' separates categories, so a '/' inside a
    name is doubled, and a name must not start or end with one."""
    out = []
    for name in names:
        name = " ".join(str(name).split()).replace("/", "//")
        if name.startswith("/"):
            name = " " + name
        if name.endswith("/"):
            name += " "
        out.append(name)
    return "/".join(out)


@lru_cache(maxsize=None)
def environment():
    """The platforms' XML and HTML environment: autoescaped, with a CDATA filter."""
    return render_environment("html", filters=(("cdata", cdata),))


def plain(v: float) -> str:
    """A decimal without exponent, as Moodle's answer and tolerance fields want it."""
    return np.format_float_positional(round12(v), trim="-")


def slot(a: dict) -> str:
    """The category of an answer: its question, and the node for a forward value."""
    return f"Q{a['question']} {a['kind']}" + (f" {a['target']}" if a["kind"] == "forward" else "")


def _shared(part, common: dict, v: dict) -> dict:
    """What every question of a variant shares, rendered once."""
    return {name: Markup(part[name].render(dict(common, v=v)))
            for name in ("variant", "forward", "solution")}


def _parts(env, names):
    return {name: env.get_template(f"exam/moodle/{name}.html.j2") for name in names}


_CLOZE_OPEN = re.compile(r"\{(?=[0-9]*:)")


def inert(html: str) -> Markup:
    """HTML in which no ``{1:...}`` of instructor text opens a Cloze sub-question (its
    brace written as the entity, which the browser and MathJax read as ``{``)."""
    return Markup(_CLOZE_OPEN.sub("&#123;", str(html)))


def cloze(a: dict) -> str:
    """A numerical Cloze sub-question worth one mark: ``{1:NUMERICAL:=value:tolerance}``."""
    return f"{{1:NUMERICAL:={plain(a['value'])}:{plain(a['tolerance'])}}}"


def accepted(a: dict) -> dict:
    return dict(a, accept=f"{plain(a['value'])} ± {plain(a['tolerance'])}")


def moodle_xml(common: dict, variants: list[dict]) -> str:
    """One Cloze question per variant holding all its numeric answers, in one category."""
    env = environment()
    part = _parts(env, ("variant", "forward", "solution", "cloze", "cloze_feedback"))
    questions = []
    for v in variants:
        shared = _shared(part, common, v)
        v = dict(v, answers=[accepted(a) if a["value"] is not None else a for a in v["answers"]],
                 questions=[dict(q, answers=[dict(a, cloze=cloze(a)) if a["value"] is not None
                                             else a for a in q["answers"]])
                            for q in v["questions"]])
        view = dict(common, v=v, head=inert(shared["variant"]), forward=shared["forward"],
                    steps=shared["solution"])
        questions.append({"name": f"V{v['id']:02d}", "text": part["cloze"].render(view),
                          "feedback": part["cloze_feedback"].render(view)})
    category = category_path(["$course$", "top", common["title"]])
    return env.get_template("exam/moodle/cloze.xml.j2").render(
        dict(common, category=category, questions=questions))


SYMBOLIC = ("chain", "expression")  # the questions a number cannot answer


def symbolic(a: dict) -> bool:
    """An answer a number cannot give (a tensor exam's chain term is a number)."""
    return a["kind"] in SYMBOLIC and a["value"] is None


def essay_xml(common: dict, variants: list[dict]) -> str | None:
    """The symbolic questions as one essay question per variant, the key as grader
    information, in one category; None when the exam asks none."""
    if not any(symbolic(a) for v in variants for a in v["answers"]):
        return None
    env = environment()
    part = _parts(env, ("variant", "forward", "solution", "essay", "essay_key"))
    questions = []
    for v in variants:
        shared = _shared(part, common, v)
        view = dict(common, v=v, head=shared["variant"], forward=shared["forward"],
                    steps=shared["solution"])
        questions.append({"name": f"V{v['id']:02d} written", "text": part["essay"].render(view),
                          "feedback": part["essay_key"].render(view),
                          "grade": sum(symbolic(a) for a in v["answers"])})
    category = category_path(["$course$", "top", common["title"] + " (written)"])
    return env.get_template("exam/moodle/essay.xml.j2").render(
        dict(common, category=category, questions=questions))


def numerical_xml(common: dict, variants: list[dict]) -> str:
    """The per-question export: one numerical question per numeric answer and variant,
    one category per question slot (every variant of the slot in it)."""
    env = environment()
    part = _parts(env, ("variant", "forward", "solution", "question", "feedback"))
    slots: dict[str, list] = {}
    for v in variants:
        shared = _shared(part, common, v)
        for a in v["answers"]:
            if a["value"] is None:
                continue
            q = next(q for q in v["questions"] if q["n"] == a["question"])
            a = accepted(a)
            view = dict(common, v=v, q=q, a=a, head=shared["variant"],
                        forward=shared["forward"], steps=shared["solution"])
            slots.setdefault(slot(a), []).append({
                "name": f"V{v['id']:02d} {slot(a)}",
                "text": part["question"].render(view), "feedback": part["feedback"].render(view),
                "answer": plain(a["value"]), "tolerance": plain(a["tolerance"]),
            })
    categories = [{"path": category_path(["$course$", "top", common["title"], name]),
                   "questions": qs} for name, qs in slots.items()]
    return env.get_template("exam/moodle/numerical.xml.j2").render(
        dict(common, categories=categories))
