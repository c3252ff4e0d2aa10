"""Moodle XML (``<quiz>``) for an exam: one numerical question per numeric answer and
variant, the worked solution as general feedback.

Questions are grouped in one category per question slot (``Q2 forward h_1``, ``Q4
gradient``), every variant of the slot in it, so that a quiz can draw one "random
question" per slot. Text is HTML with MathJax delimiters ``\\( \\)`` and ``\\[ \\]``;
HTML goes into CDATA sections, everything else is XML-escaped (Jinja's autoescape).

The tolerance is absolute in Moodle's numerical questions; it is set to 1% of the
exact answer (``exam.TOLERANCE``), so every answer is accepted within ±1%.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2
import numpy as np
from markupsafe import Markup

from ..render.env import template_dir
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
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=True)
    env.filters["cdata"] = cdata
    return env


def plain(v: float) -> str:
    """A decimal without exponent, as Moodle's answer and tolerance fields want it."""
    return np.format_float_positional(round12(v), trim="-")


def slot(a: dict) -> str:
    """The category of an answer: its question, and the node for a forward value."""
    return f"Q{a['question']} {a['kind']}" + (f" {a['target']}" if a["kind"] == "forward" else "")


def moodle_xml(common: dict, variants: list[dict]) -> str:
    env = environment()
    part = {name: env.get_template(f"exam/moodle/{name}.html.j2")
            for name in ("variant", "forward", "solution", "question", "feedback")}
    slots: dict[str, list] = {}
    for v in variants:
        # what every question of a variant shares is rendered once
        shared = {name: Markup(part[name].render(dict(common, v=v)))
                  for name in ("variant", "forward", "solution")}
        for a in v["answers"]:
            if a["value"] is None:
                continue
            q = next(q for q in v["questions"] if q["n"] == a["question"])
            a = dict(a, accept=f"{plain(a['value'])} ± {plain(a['tolerance'])}")
            view = dict(common, v=v, q=q, a=a, head=shared["variant"],
                        forward=shared["forward"], steps=shared["solution"])
            slots.setdefault(slot(a), []).append({
                "name": f"V{v['id']:02d} {slot(a)}",
                "text": part["question"].render(view), "feedback": part["feedback"].render(view),
                "answer": plain(a["value"]), "tolerance": plain(a["tolerance"]),
            })
    categories = [{"path": category_path(["$course$", "top", common["title"], name]),
                   "questions": qs} for name, qs in slots.items()]
    return env.get_template("exam/moodle.xml.j2").render(dict(common, categories=categories))
