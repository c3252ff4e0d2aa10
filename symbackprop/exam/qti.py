"""A QTI 2.1 content package (``qti.zip``) for Canvas, Blackboard and other QTI importers.

One ``assessmentItem`` per variant (``items/V01.xml``): every numeric answer a
``textEntryInteraction`` with a float ``correctResponse`` and an absolute tolerance
(``equal toleranceMode="absolute"``, the key's tolerance), one point each; the symbolic
questions an ``extendedTextInteraction`` scored by hand, the key in a ``rubricBlock``
for the scorer; the worked solution as ``modalFeedback``. ``test.xml`` draws one item
(``selection select="1"``) so each student gets one variant; ``imsmanifest.xml`` lists
them. The zip is deterministic (fixed dates, sorted names).
"""

from __future__ import annotations

import io
import zipfile

from .moodle import accepted, symbolic, environment, plain

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _item(v: dict) -> tuple[dict, dict]:
    """(the variant with response identifiers on its answers, the item's data)."""
    responses, n = [], 0
    questions = []
    for q in v["questions"]:
        answers = []
        for a in q["answers"]:
            if a["value"] is not None:
                n += 1
                a = dict(accepted(a), response=f"RESPONSE_{n}")
                responses.append({"id": a["response"], "value": plain(a["value"]),
                                  "tolerance": plain(a["tolerance"])})
            answers.append(a)
        questions.append(dict(q, answers=answers))
    v = dict(v, questions=questions,
             answers=[accepted(a) if a["value"] is not None else a for a in v["answers"]])
    written = sum(symbolic(a) for a in v["answers"])
    return v, {"identifier": f"V{v['id']:02d}", "href": f"items/V{v['id']:02d}.xml",
               "responses": responses, "written": written}


def qti_files(common: dict, variants: list[dict]) -> dict[str, str]:
    """{path in the package: XML}."""
    env = environment()
    item_t = env.get_template("exam/qti/item.xml.j2")
    files, items = {}, []
    for v in variants:
        v, item = _item(v)
        files[item["href"]] = item_t.render(dict(common, v=v, item=item))
        items.append(item)
    view = dict(common, items=items)
    files["test.xml"] = env.get_template("exam/qti/test.xml.j2").render(view)
    files["imsmanifest.xml"] = env.get_template("exam/qti/imsmanifest.xml.j2").render(view)
    return files


def qti_zip(common: dict, variants: list[dict]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(qti_files(common, variants).items()):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()
