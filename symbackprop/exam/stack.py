"""Moodle STACK questions (``stack.xml``): one STACK question per variant, in one
category, holding every answer of the variant. An expression (the gradient's expression,
each factor of the chain rule) is an ``algebraic`` input graded by algebraic equivalence
(``AlgEquiv``) against the key in Maxima syntax (``maxima.py``); a number a ``numerical``
input graded by ``NumAbsolute`` within the key's tolerance. The worked solution is the
general feedback. STACK needs the qtype_stack plugin in Moodle."""

from __future__ import annotations

from markupsafe import Markup

from .moodle import _parts, _shared, category_path, cdata, environment, inert, plain


def _inputs(v: dict) -> tuple[dict, list[dict]]:
    """The variant with an input name on each answer (and chain factor), and the inputs."""
    inputs, questions = [], []
    for q in v["questions"]:
        answers = []
        for a in q["answers"]:
            if a["value"] is not None:
                name = f"ans{len(inputs) + 1}"
                inputs.append({"name": name, "type": "numerical", "tans": plain(a["value"]),
                               "test": "NumAbsolute", "options": plain(a["tolerance"]),
                               "description": f"Q{a['question']} {a['target']}"})
                a = dict(a, input=name)
            elif a["kind"] == "chain":
                factors = []
                for f in a["factors"]:
                    name = f"ans{len(inputs) + 1}"
                    inputs.append({"name": name, "type": "algebraic", "tans": f["maxima"],
                                   "test": "AlgEquiv", "options": "",
                                   "description": f"Q{a['question']} {f['label']}"})
                    factors.append(dict(f, input=name))
                a = dict(a, factors=factors)
            else:
                name = f"ans{len(inputs) + 1}"
                inputs.append({"name": name, "type": "algebraic", "tans": a["maxima"],
                               "test": "AlgEquiv", "options": "",
                               "description": f"Q{a['question']} {a['target']}"})
                a = dict(a, input=name)
            answers.append(a)
        questions.append(dict(q, answers=answers))
    for k, i in enumerate(inputs, 1):
        i["prt"], i["var"] = f"prt{k}", f"ta{k}"  # the key is a question variable
    return dict(v, questions=questions), inputs


def _names(v: dict) -> list[dict]:
    out: dict = {}
    for a in v["answers"]:
        for part in (a.get("factors") or []) + [a]:
            for n in part.get("names", ()):
                out.setdefault(n["maxima"], n)
    return list(out.values())


def stack_xml(common: dict, variants: list[dict]) -> str:
    env = environment()
    part = _parts(env, ("variant", "forward", "solution"))
    text = env.get_template("exam/stack/question.html.j2")
    questions = []
    for v in variants:
        shared = _shared(part, common, v)
        v, inputs = _inputs(v)
        view = dict(common, v=v, head=inert(shared["variant"]), names=_names(v))
        questions.append({
            "id": v["id"], "name": f"V{v['id']:02d} STACK", "inputs": inputs,
            "text": text.render(view),
            "feedback": Markup(shared["forward"]) + Markup(shared["solution"]),
            "specific": "".join(f"[[feedback:{i['prt']}]]" for i in inputs),
            "variables": "".join(f"{i['var']}: {i['tans']};\n" for i in inputs),
        })
    category = category_path(["$course$", "top", common["title"] + " (STACK)"])
    return env.get_template("exam/stack/stack.xml.j2").render(
        dict(common, category=category, questions=questions))


__all__ = ["cdata", "stack_xml"]
