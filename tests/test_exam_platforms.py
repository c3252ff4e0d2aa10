"""The platforms' files: QTI 2.1 against a schema of the emitted subset, PrairieLearn's
server.py run, STACK's XML; every number against the NumPy reference."""

from __future__ import annotations

import io
import json
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symbackprop import exam, spec
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.exam.stress import reference_answers

xmlschema = pytest.importorskip("xmlschema")
SCHEMAS = Path(__file__).resolve().parent / "data" / "qti"
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


@pytest.fixture(scope="module")
def exams():
    out = {}
    for name in ("easynet", "sigmoid222"):
        files = exam.exam_files(spec.load(name), variants=6, seed=2)
        out[name] = files, json.loads(files["key.json"])
    return out


def numeric_reference(name, variant):
    net = spec.load(name)
    ref = reference_answers(net, derive(build_graph(net)), variant)
    return [ref[a["kind"], a["target"]] for a in variant["answers"] if a["value"] is not None]


# --------------------------------------------------------------------- QTI 2.1


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_qti_package_validates_and_holds_the_key(exams, name):
    files, key = exams[name]
    items_schema = xmlschema.XMLSchema(str(SCHEMAS / "imsqti_v2p1_subset.xsd"))
    cp_schema = xmlschema.XMLSchema(str(SCHEMAS / "imscp_v1p1_subset.xsd"))
    z = zipfile.ZipFile(io.BytesIO(files["qti.zip"]))
    names = z.namelist()
    assert "imsmanifest.xml" in names and "test.xml" in names
    manifest = z.read("imsmanifest.xml").decode()
    cp_schema.validate(manifest)
    resources = ET.fromstring(manifest).find(f"{CP}resources")
    hrefs = {r.get("href"): r.get("type") for r in resources}
    assert set(hrefs) == set(names) - {"imsmanifest.xml"}  # every file listed, none missing
    items = sorted(h for h, t in hrefs.items() if t == "imsqti_item_xmlv2p1")
    assert len(items) == len(key["variants"])  # one item per variant
    test = z.read("test.xml").decode()
    items_schema.validate(test)
    section = ET.fromstring(test).find(f"{QTI}testPart/{QTI}assessmentSection")
    assert section.find(f"{QTI}selection").get("select") == "1"  # one variant per student
    for href, variant in zip(items, key["variants"]):
        xml = z.read(href).decode()
        items_schema.validate(xml)
        root = ET.fromstring(xml)
        correct = {d.get("identifier"): float(d.find(f"{QTI}correctResponse/{QTI}value").text)
                   for d in root.findall(f"{QTI}responseDeclaration")
                   if d.get("baseType") == "float"}
        tol = {c.find(f"{QTI}variable").get("identifier"): float(c.get("tolerance").split()[0])
               for c in root.iter(f"{QTI}equal")}
        entries = [e.get("responseIdentifier") for e in root.iter(f"{QTI}textEntryInteraction")]
        want = numeric_reference(name, variant)
        assert len(entries) == len(want) == len(correct)
        for rid, ref in zip(entries, want):
            assert abs(correct[rid] - ref) <= 1e-9 * max(1, abs(ref)) < tol[rid]
            assert tol[rid] <= 0.0101 * abs(ref) + 1e-12 or tol[rid] < 1e-3
        rubric = root.find(f"{QTI}itemBody/{QTI}rubricBlock")  # the essay's key for the scorer
        assert rubric.get("view") == "scorer"
        assert root.find(f"{QTI}modalFeedback") is not None


def test_qti_schema_rejects_a_broken_item(exams):
    """The schema is a real check: a missing attribute or a misplaced element fails."""
    schema = xmlschema.XMLSchema(str(SCHEMAS / "imsqti_v2p1_subset.xsd"))
    z = zipfile.ZipFile(io.BytesIO(exams["easynet"][0]["qti.zip"]))
    xml = z.read("items/V01.xml").decode()
    assert schema.is_valid(xml)
    assert not schema.is_valid(xml.replace(' adaptive="false"', ""))
    assert not schema.is_valid(xml.replace('toleranceMode="absolute"', 'toleranceMode="loose"'))
    body_first = xml.replace("<itemBody>", "<itemBody><itemBody/>", 1)
    assert not schema.is_valid(body_first)


def test_qti_zip_is_deterministic(exams):
    again = exam.exam_files(spec.load("easynet"), variants=6, seed=2)
    assert again["qti.zip"] == exams["easynet"][0]["qti.zip"]


# --------------------------------------------------------------------- PrairieLearn


def _load_server(path):
    import importlib.util

    spec_ = importlib.util.spec_from_file_location(f"pl_server_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


def _mustache(template: str, params: dict) -> str:
    """The Mustache PrairieLearn applies to question.html: {{{a.b}}} and {{a.b}} lookups."""
    import re

    def look(m):
        value = params
        for part in m.group(1).split(".")[1:]:  # "params.x.y"
            value = value[part]
        return str(value)

    text = re.sub(r"\{\{\{\s*(params[\w.]*)\s*\}\}\}", look, template)
    return re.sub(r"\{\{\s*(params[\w.]*)\s*\}\}", look, text)


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_prairielearn_server_reproduces_the_key(exams, name, tmp_path):
    import re

    files, key = exams[name]
    for path in ("info.json", "question.html", "server.py"):
        (tmp_path / path).write_text(files[f"prairielearn/{path}"])
    info = json.loads((tmp_path / "info.json").read_text())
    assert info["type"] == "v3" and len(info["uuid"]) == 36 and info["title"]
    server = _load_server(tmp_path / "server.py")
    html = (tmp_path / "question.html").read_text()
    names = re.findall(r'answers-name="(\w+)"', html)
    seen = set()
    for seed in range(200):
        data = {"params": {}, "correct_answers": {}, "variant_seed": seed}
        server.generate(data)
        vid = data["params"]["variant"]
        seen.add(vid)
        variant = key["variants"][vid - 1]
        want = numeric_reference(name, variant)  # the NumPy reference, from key.json's values
        assert names == [f"q{i}" for i in range(1, len(want) + 1)]
        for n, ref in zip(names, want):
            got = data["correct_answers"][n]
            atol = float(data["params"]["atol"][n])
            assert abs(got - ref) <= 1e-9 * max(1, abs(ref)) < atol
        page = _mustache(html, data["params"])  # every Mustache name resolves
        assert "{{" not in page and f"variant {vid}" in page
    assert seen == {v["id"] for v in key["variants"]}  # every variant is drawn


# --------------------------------------------------------------------- STACK

STACK_QUESTION = [
    "name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden", "idnumber",
    "stackversion", "questionvariables", "specificfeedback", "questionnote",
    "questionsimplify", "assumepositive", "assumereal", "prtcorrect", "prtpartiallycorrect",
    "prtincorrect", "multiplicationsign", "sqrtsign", "complexno", "inversetrig",
    "logicsymbol", "matrixparens", "variantsselectionseed"]
STACK_INPUT = ["name", "type", "tans", "boxsize", "strictsyntax", "insertstars", "syntaxhint",
               "syntaxattribute", "forbidwords", "allowwords", "forbidfloat",
               "requirelowestterms", "checkanswertype", "mustverify", "showvalidation",
               "options"]
STACK_NODE = ["name", "description", "answertest", "sans", "tans", "testoptions", "quiet",
              "truescoremode", "truescore", "truepenalty", "truenextnode", "trueanswernote",
              "truefeedback", "falsescoremode", "falsescore", "falsepenalty", "falsenextnode",
              "falseanswernote", "falsefeedback"]


def _maxima_value(text: str, env: dict) -> float:
    """A Maxima expression of the key evaluated by SymPy at ``env`` (test-side oracle)."""
    import sympy as sp
    from sympy.parsing.sympy_parser import parse_expr

    expr = parse_expr(text.replace("^", "**"), local_dict={k: sp.Symbol(k) for k in env})
    return float(expr.subs(env))


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_stack_questions_parse_and_grade_the_key(exams, name):
    import re

    files, key = exams[name]
    net = spec.load(name)
    d = derive(build_graph(net))
    g = d.graph
    root = ET.fromstring(files["stack.xml"].encode("utf-8"))
    kinds = [q.get("type") for q in root]
    assert kinds == ["category"] + ["stack"] * len(key["variants"])  # one per variant
    for q, variant in zip(root[1:], key["variants"]):
        tags = [c.tag for c in q]
        assert tags[:len(STACK_QUESTION)] == STACK_QUESTION
        inputs, prts = q.findall("input"), q.findall("prt")
        assert tags[len(STACK_QUESTION):] == ["input"] * len(inputs) + ["prt"] * len(prts)
        assert len(inputs) == len(prts) > 0
        text = q.find("questiontext/text").text
        variables = dict(re.findall(r"(ta\d+): (.*?);\n", q.find("questionvariables/text").text))
        for i, prt in zip(inputs, prts):
            assert [c.tag for c in i] == STACK_INPUT
            iname = i.find("name").text
            assert f"[[input:{iname}]]" in text and f"[[validation:{iname}]]" in text
            node = prt.find("node")
            assert [c.tag for c in node] == STACK_NODE
            assert node.find("sans").text == iname and node.find("tans").text in variables
            assert node.find("answertest").text == (
                "AlgEquiv" if i.find("type").text == "algebraic" else "NumAbsolute")
        # the names the sheet tells students to type, and their values by the reference
        typed = dict((m, l) for l, m in re.findall(r"\\\((.*?)\\\) as <code>(\w+)</code>", text))
        ref = reference_answers(net, d, variant)
        by_latex = {t: v for (k, t), v in ref.items() if k == "forward"}
        by_latex.update(variant["values"]["params"])
        by_latex.update(zip((g.latex[k] for k in g.inputs), variant["values"]["inputs"][0]))
        by_latex.update(zip((g.latex[k] for k in g.targets), variant["values"]["targets"][0]))
        by_latex["N"] = 1.0
        env = {m: by_latex[l] for m, l in typed.items()}
        grads = {t: v for (k, t), v in ref.items() if k == "gradient"}
        expression = next(a for a in variant["answers"] if a["kind"] == "expression")
        algebraic = [node_tans for i in inputs if i.find("type").text == "algebraic"
                     for node_tans in [variables[i.find("tans").text]]]
        # the expression's key evaluates to the reference gradient at the variant's values
        assert _maxima_value(algebraic[-1], env) == pytest.approx(
            grads[expression["target"]], rel=1e-9, abs=1e-12)
        chain = next(a for a in variant["answers"] if a["kind"] == "chain")
        step = d.gradients[next(k for k in g.params if g.latex[k] == chain["target"])]
        if not hasattr(step, "terms"):  # one chain: its factors multiply to the gradient
            product = np.prod([_maxima_value(t, env) for t in algebraic[:-1]])
            assert product == pytest.approx(grads[chain["target"]], rel=1e-9, abs=1e-12)
        numbers = [float(variables[i.find("tans").text]) for i in inputs
                   if i.find("type").text == "numerical"]
        want = numeric_reference(name, variant)
        assert numbers == pytest.approx(want, rel=1e-9, abs=1e-12)


RELU = """
inputs = 2
[[layers]]
units = 2
activation = "relu"
[[layers]]
units = 1
activation = "sigmoid"
"""


@pytest.mark.parametrize("name", ["easynet", "sigmoid222", "softmax", "deep", "relu"])
def test_maxima_keys_read_back_as_the_gradients(name):
    """Every Maxima key, read back by SymPy's parser (^ as **, unit_step as the relu slope),
    equals the gradient's closed expression at random points."""
    import sympy as sp
    from sympy.parsing.sympy_parser import parse_expr

    from symbackprop.exam.views import closed

    net = spec.loads(RELU, "relu") if name == "relu" else spec.load(name)
    e = exam.Exam(net, 2, 1)
    rng = np.random.default_rng(0)
    for v in e.views():
        for a in v["answers"]:
            if a["kind"] != "expression":
                continue
            p = next(k for k in e.g.params if e.g.latex[k] == a["target"])
            want = closed(e.d, e.d.gradients[p].expr)
            names = {s.name: s for s in want.free_symbols}
            got = parse_expr(a["maxima"].replace("^", "**"), local_dict=dict(
                names, unit_step=lambda z: sp.Heaviside(z, 0)))
            for _ in range(3):
                at = {s: float(rng.choice([-1, 1]) * rng.uniform(0.2, 1.5)) for s in names.values()}
                assert float(got.subs(at)) == pytest.approx(float(want.subs(at)), rel=1e-12)
