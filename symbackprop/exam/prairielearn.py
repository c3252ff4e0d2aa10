"""A PrairieLearn question directory (``prairielearn/``): ``info.json``,
``question.html`` and ``server.py``.

``server.py``'s ``generate(data)`` picks one variant from PrairieLearn's variant seed and
fills ``data["params"]`` (the sheet, the prompts, each answer's absolute tolerance, the
worked solution, the key of the written questions) and ``data["correct_answers"]``
(``q1``, ``q2``, ...: the numeric answers in the key's order) with the numbers
symbackprop derived when the exam was built: no symbackprop at run time. Numeric answers
are ``pl-number-input`` (``comparison="relabs"``, ``atol`` the key's tolerance); the
symbolic questions a ``pl-rich-text-editor`` graded by hand, the key for the grader in
``pl-manual-grading-only``.
"""

from __future__ import annotations

import uuid

from markupsafe import Markup

from .moodle import _parts, symbolic, _shared, environment, plain

NAMESPACE = uuid.UUID("6f1b7a9e-3d1c-5b8a-9e61-2c4d8f0a7b13")  # symbackprop's uuid5 space


def _numbered(questions: list[dict]) -> list[dict]:
    """Questions with ``q1, q2, ...`` names on their numeric answers, in the key's order."""
    out, n = [], 0
    for q in questions:
        answers = []
        for a in q["answers"]:
            if a["value"] is not None:
                n += 1
                a = dict(a, name=f"q{n}")
            answers.append(a)
        out.append(dict(q, answers=answers))
    return out


def prairielearn_files(common: dict, variants: list[dict]) -> dict[str, str]:
    env = environment()
    part = _parts(env, ("variant", "forward", "solution", "essay_key"))
    prompt = env.get_template("exam/prairielearn/prompt.html.j2")
    table = []
    for v in variants:
        shared = _shared(part, common, v)
        view = dict(common, v=v, forward=shared["forward"], steps=shared["solution"])
        questions = _numbered(v["questions"])
        answers = [a for q in questions for a in q["answers"] if a["value"] is not None]
        table.append({
            "id": v["id"], "head": str(shared["variant"]),
            "prompt": {f"Q{q['n']}": prompt.render(dict(view, q=q)).strip()
                       for q in questions if q["kind"] != "forward"},
            "atol": {a["name"]: plain(a["tolerance"]) for a in answers},
            "answers": {a["name"]: a["value"] for a in answers},
            "solution": str(Markup(shared["forward"]) + Markup(shared["solution"])),
            "key": part["essay_key"].render(view),
        })
    first = _numbered(variants[0]["questions"])
    written = any(symbolic(a) for a in variants[0]["answers"])
    page = dict(common, questions=first, written=written,
                uuid=str(uuid.uuid5(NAMESPACE, f"{common['name']}/{common['seed']}/"
                                              f"{len(variants)}/{common['title']}")))
    return {
        "prairielearn/info.json": env.get_template("exam/prairielearn/info.json.j2").render(page),
        "prairielearn/question.html": env.get_template(
            "exam/prairielearn/question.html.j2").render(page),
        "prairielearn/server.py": env.get_template("exam/prairielearn/server.py.j2").render(
            dict(page, variants=Markup(repr(table)))),
    }
