"""Exams: every answer of key.json recomputed by the NumPy reference, clean and distinct
variants, determinism, the Moodle XML against a schema of the subset Moodle's importer
reads, instructor text escaped in every format, the LaTeX compiled, the gallery."""

import html.parser
import json
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symbackprop import exam, reference, spec
from symbackprop.exam import numbers, pools, questions, variants, views
from symbackprop.exam import text as sheet_text
from symbackprop.cli import main
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.numeric import forward
from symbackprop.steps import Sum
from symbackprop.values import parse_values
from symbackprop.verify import positions

from tests.conftest import CORPUS, corpus_spec

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "output" / "exam" / "easynet"
GALLERY_ARGS = ["exam", "easynet", "--variants", "2", "--seed", "1", "--no-pdf"]
NASTY = r"50% of Q&A_1 #2 {x} \ $5"
TEXT_FILES = ("questions.md", "key.md", "questions.tex", "key.tex", "key.json", "moodle.xml",
              "moodle-essay.xml", "qti.zip", "stack.xml")


@pytest.fixture(scope="module")
def exams():
    """{name: (files, key)} for the two presets of the issue, 30 variants each."""
    out = {}
    for name in ("easynet", "sigmoid222"):
        files = exam.exam_files(spec.load(name), variants=30, seed=1)
        out[name] = files, json.loads(files["key.json"])
    return out


# --------------------------------------------------------------------- the oracle


def reference_answers(net, d, variant):
    """Every numeric answer of a variant, recomputed by reference.py from key.json's
    values alone: node values by latex name, gradients, updated parameters."""
    g = d.graph
    values = parse_values(variant["values"], g)  # key.json carries grad's VALUES.json
    pos = positions(d)
    params = reference.from_flat(net, {s: values.params[k] for s, k in pos.items()})
    X, T = values.inputs, values.targets
    loss, grads = reference.backward(net, params, X, T)
    grad = {g.latex[pos[s]]: v for s, v in reference.flatten(net, grads).items()}
    c = reference.forward(net, params, X)
    nodes = {g.table.loss.latex: loss}
    for l in range(len(net.layers)):
        for j in range(net.layers[l].size):
            nodes[g.table.pre[l][j].latex] = c.z[l][0, j]
            last = l == len(net.layers) - 1 and net.loss == "softmax_ce"
            nodes[g.table.units[l][j].latex] = (c.p if last else c.h[l])[0, j]  # y = softmax(z)
            if g.table.act[l]:
                nodes[g.table.act[l][j].latex] = c.a[l][0, j]
    lr = variant["learning_rate"]
    theta = {g.latex[k]: v for k, v in values.params.items()}
    return nodes, grad, {k: theta[k] - lr * grad[k] for k in grad} if lr else {}


def check_key(net, key, tol=1e-9):
    d = derive(build_graph(net))
    by_latex = {d.graph.latex[k]: k for k in d.graph.params}
    for variant in key["variants"]:
        nodes, grad, updated = reference_answers(net, d, variant)
        for a in variant["answers"]:
            want = {"forward": nodes, "gradient": grad, "update": updated}.get(a["kind"])
            if want is not None:
                assert a["value"] == pytest.approx(want[a["target"]], rel=tol, abs=1e-12), a
                assert abs(a["value"] - want[a["target"]]) <= a["tolerance"]
            elif a["kind"] == "chain":
                assert a["value"] is None
                step = d.gradients[by_latex[a["target"]]]
                if isinstance(step, Sum):  # a sum of chains: its factors are in the key
                    values = {f["label"]: f["value"] for f in a["factors"]}
                    assert len(values) == len({f.of + f.wrt for t in step.terms for f in t.factors})
                    continue
                prod = math.prod(f["value"] for f in a["factors"])  # they multiply to dL/dθ
                assert prod == pytest.approx(grad[a["target"]], rel=1e-9, abs=1e-12)
            else:
                assert a["kind"] == "expression" and a["value"] is None and a["latex"]


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_every_answer_matches_the_numpy_reference(exams, name):
    files, key = exams[name]
    assert key["spec"] == name and key["seed"] == 1 and len(key["variants"]) == 30
    check_key(spec.load(name), key)
    kinds = {a["kind"] for v in key["variants"] for a in v["answers"]}
    assert kinds == set(questions.KINDS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_answers_match_the_reference(name):
    net = corpus_spec(name)
    key = exam.Exam(net, 3, 5).key(exam.Exam(net, 3, 5).views())
    check_key(net, key)


RELU3 = """
inputs = 3
[[layers]]
units = 3
activation = "relu"
bias = "per_unit"
[[layers]]
units = 3
activation = "relu"
[[layers]]
units = 1
"""


def test_relu_dead_units_allowed_but_no_trivial_question():
    """A dead relu unit is a fact of the forward pass (h = 0); only a zero on the
    derivation a variant asks for is refused."""
    net = spec.loads(RELU3, name="relu3")
    key = exam.Exam(net, 30, 1).key(exam.Exam(net, 30, 1).views())
    check_key(net, key)
    forward_values = [a["value"] for v in key["variants"] for a in v["answers"]
                      if a["kind"] == "forward"]
    assert 0.0 in forward_values  # some unit is off somewhere
    for v in key["variants"]:
        assert all(a["value"] != 0 for a in v["answers"] if a["kind"] in ("gradient", "update"))
        assert all(f["value"] != 0 for a in v["answers"] if a["kind"] == "chain"
                   for f in a["factors"])


def test_relu_at_its_kink_is_refused():
    """z = 3 * 0.1 - 0.3 is 0, but 5.6e-17 in floats: the slope would be float noise."""
    from symbackprop.numeric import Values

    net = spec.loads("inputs = 1\n[[layers]]\nunits = 1\nactivation = \"relu\"\n"
                     "bias = \"per_unit\"\n[[layers]]\nunits = 1\n", name="kink")
    d = derive(build_graph(net))
    by = {d.graph.latex[k]: k for k in d.graph.params}
    w, b, v = by["w^{[1]}"], by["b^{[1]}"], by["w^{[2]}"]
    at = {w: 0.1, b: -0.3, v: 0.5}
    assert variants.trivial(d, Values([[3.0]], [[1.0]], at), [v])
    assert not variants.trivial(d, Values([[3.0]], [[1.0]], dict(at, **{b: -0.2})), [w])


def test_expression_answer_is_the_gradient():
    """The closed form (cited sums substituted) evaluates to the gradient."""
    from symbackprop.numeric import lambdify_sorted

    net = spec.load("sigmoid222")
    e = exam.Exam(net, 5, 3)
    for v in e.variants:
        env = forward(e.d, v.values)
        for p in e.g.params:
            fn = lambdify_sorted(views.closed(e.d, e.d.gradients[p].expr))
            got = float(np.asarray(fn(*[env[s] for s in fn.args])).reshape(-1)[0])
            want = float(np.asarray(e.d.gradients[p].eval(env)).reshape(-1)[0])
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


# --------------------------------------------------------------------- the variants


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_variants_are_clean_distinct_and_not_trivial(exams, name):
    _, key = exams[name]
    net = spec.load(name)
    d = derive(build_graph(net))
    seen = set()
    for v in key["variants"]:
        vals = v["values"]
        params = list(vals["params"].values())
        assert all(p in pools.WEIGHTS for p in params)  # ±0.1 ... ±0.9, never 0
        x = vals["inputs"][0]
        pool = pools.INTEGERS if name == "easynet" else pools.DECIMALS
        assert all(xi in pool for xi in x)
        assert all(t in pools.TARGETS[net.layers[-1].activation] for t in vals["targets"][0])
        assert v["learning_rate"] in (pools.RATES if name == "easynet" else pools.RATES_SMOOTH)
        key_ = json.dumps(vals, sort_keys=True)
        assert key_ not in seen
        seen.add(key_)
        asked = {a["target"] for a in v["answers"] if a["kind"] != "forward"}
        params = [k for k in d.graph.params if d.graph.latex[k] in asked]
        assert not variants.trivial(d, parse_values(vals, d.graph), params)
        numeric = [a for a in v["answers"] if a["value"] is not None]
        assert all(a["value"] != 0 for a in numeric if a["kind"] != "forward")
        if name == "easynet":  # identity units: the arithmetic ends, answers are exact
            assert all(numbers.is_exact(a["value"]) for a in numeric)


def test_updates_are_visible_and_the_old_value_fails(exams):
    for name in ("easynet", "sigmoid222"):
        _, key = exams[name]
        for v in key["variants"]:
            for a in v["answers"]:
                if a["kind"] == "update":
                    old = v["values"]["params"][a["target"]]
                    assert abs(a["value"] - old) > a["tolerance"]


def test_targets_valid_for_classification_losses():
    for name, check in (("bce", lambda t: t in ([0.0], [1.0])),
                        ("softmax", lambda t: sorted(t) == [0.0] * (len(t) - 1) + [1.0])):
        e = exam.Exam(corpus_spec(name), 10, 2)
        assert all(check(v.values.targets[0].tolist()) for v in e.variants)


def test_values_depend_on_seed_not_questions():
    net = spec.load("easynet")
    a = exam.Exam(net, 5, 1)
    b = exam.Exam(net, 5, 1, questions="gradient")
    c = exam.Exam(net, 5, 2)
    same = [(v.values.inputs.tolist(), v.values.params, v.lr, v.param) for v in a.variants]
    assert same == [(v.values.inputs.tolist(), v.values.params, v.lr, v.param) for v in b.variants]
    assert same != [(v.values.inputs.tolist(), v.values.params, v.lr, v.param) for v in c.variants]


def test_question_selection_and_fixed_parameters():
    net = spec.load("easynet")
    e = exam.Exam(net, 3, 1, questions="gradient:w_{1}^{[2]}, update:w^{[1]}_2,gradient,forward")
    key = e.key(e.views())
    assert [(q["kind"], q["param"]) for q in key["questions"]] == [
        ("gradient", "w_1^{[2]}"), ("update", "w_2^{[1]}"), ("gradient", None), ("forward", None)]
    for v, variant in zip(key["variants"], e.variants):
        targets = [(a["question"], a["target"]) for a in v["answers"]]
        assert targets[:3] == [(1, "w_1^{[2]}"), (2, "w_2^{[1]}"), (3, e.g.latex[variant.param])]
        assert [t for q, t in targets if q == 4] == ["h_1", "h_2", "y_{pred}", "L"]
    check_key(net, key)


def test_a_shared_bias_is_a_sum_of_chains():
    net = spec.load("sigmoid222")
    e = exam.Exam(net, 4, 3, questions="chain:b_1,expression:b_1,update:b_2,gradient:b_1")
    key = e.key(e.views())
    check_key(net, key)
    for v in key["variants"]:
        chain, expression, update, gradient = v["answers"]
        # each path cites its unit's δ = ∂E/∂z (shape and product), then ∂z/∂b_1
        assert chain["latex"].count(r"\delta_1^{[1]}") >= 2
        assert " + " in chain["latex"] and len(chain["factors"]) == 4
        assert update["target"] == "b_2" and gradient["target"] == "b_1"


# --------------------------------------------------------------------- determinism


def test_same_seed_same_bytes_other_seed_other_files():
    net = spec.load("sigmoid222")
    a = exam.exam_files(net, variants=4, seed=7)
    assert a == exam.exam_files(net, variants=4, seed=7)
    b = exam.exam_files(net, variants=4, seed=8)
    assert a["key.json"] != b["key.json"] and a["moodle.xml"] != b["moodle.xml"]


def test_byte_identical_across_hash_seeds(tmp_path):
    outs = []
    for seed in ("0", "12345"):
        folder = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "symbackprop", "exam", "sigmoid222", "--variants",
                        "3", "--seed", "4", "--no-pdf", "-o", str(folder)],
                       check=True, env=env, capture_output=True)
        outs.append({p.relative_to(folder).as_posix(): p.read_bytes()
                     for p in folder.rglob("*") if p.is_file()})
    assert outs[0] == outs[1] and set(outs[0]) >= set(TEXT_FILES)


# --------------------------------------------------------------------- Moodle XML

FORMATS = {"html", "moodle_auto_format", "plain_text", "markdown"}
TEXT = {"text": "str"}
# the subset of Moodle XML we emit, as qformat_xml's importer reads it: element ->
# (required attributes, children in order, each "name", "name?" or "name+")
SCHEMA = {
    "category": {"attrs": {}, "children": ["category"]},
    "numerical": {"attrs": {}, "children": [
        "name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden",
        "answer+", "unitgradingtype", "unitpenalty", "showunits", "unitsleft"]},
    "cloze": {"attrs": {}, "children": [
        "name", "questiontext", "generalfeedback", "penalty", "hidden"]},
    "essay": {"attrs": {}, "children": [
        "name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden",
        "responseformat", "responserequired", "responsefieldlines", "attachments",
        "attachmentsrequired", "graderinfo", "responsetemplate"]},
}
# a numerical Cloze sub-question as Moodle's qtype_multianswer reads it
CLOZE = re.compile(r"\{(\d*):(?:NUMERICAL|NM):=([^:}#~]+):([^}#~]+)\}")
FORMATTED = ("questiontext", "generalfeedback", "feedback")


def _children(el, spec_):
    tags = [c.tag for c in el]
    pattern = "".join(f"(?:{s[:-1]},)+" if s.endswith("+") else
                      f"(?:{s[:-1]},)?" if s.endswith("?") else f"{s}," for s in spec_)
    assert re.fullmatch(pattern, "".join(t + "," for t in tags)), (spec_, tags)


def _text(el, allow_empty=False):
    kids = list(el)
    assert [k.tag for k in kids] == ["text"], (el.tag, [k.tag for k in kids])
    text = kids[0].text or ""
    assert allow_empty or text.strip(), el.tag
    return text


class _HTML(html.parser.HTMLParser):
    """The text of an HTML fragment, checking that its tags nest."""

    VOID = {"br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data):
        self.text.append(data)


def html_text(fragment: str) -> str:
    p = _HTML()
    p.feed(fragment)
    p.close()
    assert not p.stack, p.stack
    return "".join(p.text)


def validate_moodle(xml: str):
    """Parse and check against SCHEMA; returns [(category, name, answer, tolerance, text)]."""
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "quiz"
    out, category = [], None
    for q in root:
        assert q.tag == "question"
        kind = q.get("type")
        assert kind in SCHEMA, kind
        _children(q, SCHEMA[kind]["children"])
        if kind == "category":
            category = _text(q.find("category"))
            assert category.startswith("$course$/top/")
            continue
        assert category is not None, "a question before any category"
        name = _text(q.find("name"))
        assert len(name) <= 255
        for tag in FORMATTED[:2]:
            assert q.find(tag).get("format") in FORMATS
        text = _text(q.find("questiontext"))
        feedback = _text(q.find("generalfeedback"))
        for fragment in (text, feedback):
            plain = html_text(fragment)  # well-formed HTML
            for a, b in ((r"\(", r"\)"), (r"\[", r"\]")):  # MathJax delimiters paired
                assert plain.count(a) == plain.count(b)
        assert float(q.find("defaultgrade").text) > 0
        assert 0 <= float(q.find("penalty").text) <= 1
        assert q.find("hidden").text in ("0", "1")
        assert int(q.find("showunits").text) == 3  # no units
        answers = q.findall("answer")
        assert len(answers) == 1
        a = answers[0]
        assert a.get("fraction") == "100" and a.get("format") in FORMATS
        _children(a, ["text", "tolerance", "feedback"])
        value = float(a.find("text").text)
        tolerance = float(a.find("tolerance").text)
        assert tolerance > 0 and math.isfinite(value)
        assert re.fullmatch(r"-?\d+(\.\d+)?", a.find("text").text)  # no exponent
        assert a.find("feedback").get("format") in FORMATS
        _text(a.find("feedback"), allow_empty=True)
        out.append((category, name, value, tolerance, html_text(text)))
    return out


def validate_cloze(xml: str):
    """Parse and check against SCHEMA: one category, then Cloze questions only; returns
    [(category, name, [(value, tolerance)], text)]."""
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "quiz"
    kinds = [q.get("type") for q in root]
    assert kinds[0] == "category" and set(kinds[1:]) == {"cloze"}  # one category, then Cloze
    category = _text(root[0].find("category"))
    out = []
    for q in root[1:]:
        _children(q, SCHEMA["cloze"]["children"])
        text = _text(q.find("questiontext"))
        for fragment in (text, _text(q.find("generalfeedback"))):
            plain = html_text(fragment)
            for a, b in ((r"\(", r"\)"), (r"\[", r"\]")):
                assert plain.count(a) == plain.count(b)
        assert 0 <= float(q.find("penalty").text) <= 1
        subs = [(int(w or 1), float(v), float(t)) for w, v, t in CLOZE.findall(text)]
        assert len(subs) == len(re.findall(r"\{\d*:", text))  # no other sub-question
        assert all(w == 1 and t > 0 for w, _, t in subs)
        out.append((category, _text(q.find("name")), [(v, t) for _, v, t in subs],
                    html_text(text)))
    return out


@pytest.mark.parametrize("name", ["easynet", "sigmoid222"])
def test_moodle_gives_each_student_one_variant(exams, name):
    """One category holding one Cloze question per variant; a quiz's random question from
    it is one variant with all its parts, whose numbers the NumPy reference recomputes."""
    files, key = exams[name]
    questions = validate_cloze(files["moodle.xml"])
    assert len(questions) == len(key["variants"]) == 30
    assert len({q[0] for q in questions}) == 1
    assert [q[1] for q in questions] == [f"V{v['id']:02d}" for v in key["variants"]]
    net = spec.load(name)
    d = derive(build_graph(net))
    for (category, qname, subs, text), variant in zip(questions, key["variants"]):
        nodes, grad, updated = reference_answers(net, d, variant)
        want = []  # the question order of the key, from the reference alone
        for a in variant["answers"]:
            table = {"forward": nodes, "gradient": grad, "update": updated}.get(a["kind"])
            if table is not None:
                want.append(table[a["target"]])
        assert len(subs) == len(want)
        for (value, tol), ref in zip(subs, want):
            assert abs(value - ref) <= 1e-9 * max(1, abs(ref)) and abs(value - ref) <= tol
            assert tol <= 0.011 * abs(ref) + 1e-12 or tol < 1e-3
        assert f"variant {variant['id']}" in text
        for x in variant["values"]["inputs"][0]:  # the variant's own values are shown
            assert f"= {x:g}" in text


def test_moodle_essay_fallback_holds_the_key(exams):
    files, key = exams["easynet"]
    root = ET.fromstring(files["moodle-essay.xml"].encode("utf-8"))
    kinds = [q.get("type") for q in root]
    assert kinds[0] == "category" and kinds[1:] == ["essay"] * 30
    d = derive(build_graph(spec.load("easynet")))
    for q, variant in zip(root[1:], key["variants"]):
        _children(q, SCHEMA["essay"]["children"])
        info = html_text(_text(q.find("graderinfo")))
        chain = next(a for a in variant["answers"] if a["kind"] == "chain")
        param = next(k for k in d.graph.params if d.graph.latex[k] == chain["target"])
        assert d.graph.latex[param] in info
        for f in chain["factors"]:  # every factor of the chain is in the grader's key
            assert f["label"] in info and f["latex"] in info


def test_moodle_per_question_export(tmp_path, capsys):
    """--moodle per-question keeps the older layout: a numerical question per answer."""
    net = spec.load("easynet")
    files = exam.exam_files(net, variants=3, seed=1, moodle_layout="per-question")
    key = json.loads(files["key.json"])
    questions = validate_moodle(files["moodle.xml"])
    numeric = [(v["id"], a) for v in key["variants"] for a in v["answers"]
               if a["value"] is not None]
    assert len(questions) == len(numeric)
    by_name = {q[1]: q for q in questions}
    for vid, a in numeric:
        slot = f"Q{a['question']} {a['kind']}"
        slot += f" {a['target']}" if a["kind"] == "forward" else ""
        category, _, value, tol, text = by_name[f"V{vid:02d} {slot}"]
        assert category.endswith("/" + slot)
        assert value == pytest.approx(a["value"], rel=1e-11) and tol == a["tolerance"]
    assert main(["exam", "easynet", "--moodle", "per-question", "--no-pdf",
                 "-o", str(tmp_path)]) == 0
    assert validate_moodle((tmp_path / "moodle.xml").read_text())


def test_cdata_end_and_category_slashes():
    from symbackprop.exam.moodle import category_path, cdata

    doc = f"<t>{cdata('a ]]> b')}</t>"
    assert ET.fromstring(doc).text == "a ]]> b"
    assert category_path(["$course$", "top", "a/b", "/x/"]) == "$course$/top/a//b/ //x// "


# --------------------------------------------------------------------- escaping


def _md_unescape(text):
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@pytest.fixture(scope="module")
def nasty():
    return exam.exam_files(spec.load("easynet"), variants=2, seed=1, title=NASTY, course=NASTY,
                           instructions=NASTY + "\n\n" + NASTY)


def test_instructor_text_in_markdown(nasty):
    escaped = sheet_text.md_text(NASTY)
    assert escaped == r"50% of Q\&A\_1 \#2 {x} \\ \$5"
    assert _md_unescape(escaped) == NASTY
    for name in ("questions.md", "key.md"):
        assert f"# {escaped}" in nasty[name]
    assert nasty["questions.md"].count(escaped) == 1 + 1 + 2 * 2  # title, course, 2 x 2 paras
    for text in ("1. not a list", "- not a list", "+ no", "= no", "> no quote", "*x* _y_ `z`",
                 "[a](b) <b>c</b> &amp; ~~d~~ | e |", "#h", "a  \\ b"):
        assert _md_unescape(sheet_text.md_text(text)) == " ".join(text.split())
        assert not re.match(r"^(\d+[.)]|[-+=>#])", sheet_text.md_text(text))


def test_instructor_text_in_latex(nasty):
    escaped = sheet_text.tex_text(NASTY)
    assert escaped == r"50\% of Q\&A\_1 \#2 \{x\} \textbackslash{} \$5"
    for name in ("questions.tex", "key.tex"):
        assert escaped in nasty[name]


def test_instructor_text_in_moodle(nasty):
    questions = validate_cloze(nasty["moodle.xml"])
    for category, name, subs, text in questions:
        assert category == f"$course$/top/{NASTY}"
        assert text.count(NASTY) == 4  # title, course, two paragraphs
    injected = exam.exam_files(spec.load("easynet"), variants=1, seed=1,
                               title="{1:MULTICHOICE:=a~b}")
    [(_, _, subs, text)] = validate_cloze(injected["moodle.xml"])  # no extra sub-question
    assert "{1:MULTICHOICE:=a~b}" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="pdflatex or pdftotext is not installed")
def test_instructor_text_comes_out_of_the_pdf_as_written(tmp_path):
    text = NASTY + " -- `q' <<a>> \"d\" ~ ^ |"
    files = exam.exam_files(spec.load("easynet"), variants=1, seed=1, title=text, pdf=True)
    (tmp_path / "q.pdf").write_bytes(files["questions.pdf"])
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "q.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert text in " ".join(out.split())


# --------------------------------------------------------------------- LaTeX, CLI, gallery


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", ["easynet", "sigmoid222", "softmax", "deep", "circuit"])
def test_tex_compiles_to_pdf(tmp_path, capsys, name):
    code = main(["exam", name, "--variants", "2", "--seed", "3", "-o", str(tmp_path)])
    assert code == 0
    for doc in ("questions", "key"):
        pdf = (tmp_path / f"{doc}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_cli_writes_every_file(tmp_path, capsys):
    code = main(["exam", "easynet", "--variants", "30", "--seed", "1", "--no-pdf",
                 "-o", str(tmp_path)])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        TEXT_FILES + ("easynet.svg", "prairielearn"))
    key = json.loads((tmp_path / "key.json").read_text())
    assert [v["id"] for v in key["variants"]] == list(range(1, 31))
    tex = (tmp_path / "questions.tex").read_text()
    assert tex.count(r"\clearpage") == 29 and tex.count("Variant ") == 30


def test_cli_pdf_failure_keeps_the_rest(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exam.pdf, "latex_engine", lambda: shutil.which("false") or "/bin/false")
    (tmp_path / "key.pdf").write_bytes(b"stale")
    code = main(["exam", "easynet", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and "failed on" in err
    assert (tmp_path / "key.json").exists() and not (tmp_path / "key.pdf").exists()


@pytest.mark.parametrize("args,needle", [
    (["--questions", "gradeint"], "did you mean gradient"),
    (["--questions", "gradient:w_9"], "unknown parameter 'w_9'"),
    (["--questions", "forward:w_1^{[1]}"], "takes no parameter"),
    (["--variants", "0"], "between 1 and"),
    (["--seed", "-1"], "0 or more"),
])
def test_cli_errors_are_one_line_and_write_nothing(tmp_path, capsys, args, needle):
    code = main(["exam", "easynet", "-o", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_circuit_exam_by_hand():
    """A graph spec gets an exam: f = (x + y) z, its node values, every df/d(input), the
    chain rule and the expression, checked by the test's own arithmetic."""
    files = exam.exam_files(spec.load("circuit"), variants=8, seed=3)
    key = json.loads(files["key.json"])
    assert [q["kind"] for q in key["questions"]] == [
        "forward", "chain", "expression", "gradient", "gradient", "gradient"]
    assert [q["param"] for q in key["questions"][3:]] == ["x", "y", "z"]
    cloze = validate_cloze(files["moodle.xml"])
    seen = set()
    for variant, (_, _, subs, text) in zip(key["variants"], cloze):
        x, y, z = (variant["values"]["inputs"][k] for k in "xyz")
        q = x + y
        want = [q, q * z, z, z, q]  # q, f, df/dx, df/dy, df/dz
        got = [a["value"] for a in variant["answers"] if a["value"] is not None]
        assert got == pytest.approx(want, abs=1e-12)
        assert [v for v, _ in subs] == pytest.approx(want, abs=1e-12)
        assert all(w != 0 for w in want)  # no degenerate variant
        seen.add(tuple(want))
        chain = next(a for a in variant["answers"] if a["kind"] == "chain")
        param = chain["target"]
        dq = 1 if param in "xy" else None
        values = [f["value"] for f in chain["factors"]]
        assert math.prod(values) == pytest.approx({"x": z, "y": z, "z": q}[param])
        if dq:
            assert values == pytest.approx([z, 1])  # df/dq = z, dq/dx = 1
    assert len(seen) == 8  # no two variants alike


def test_circuit_refuses_update(tmp_path, capsys):
    code = main(["exam", "circuit", "--questions", "update", "-o", str(tmp_path / "out")])
    assert code == 2 and "no loss or learning rate" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["easynet", "circuit", "conv2d", "rnn", "batchnorm"])
def test_gallery_is_up_to_date(tmp_path, capsys, name):
    """output/exam/easynet and output/exam/circuit are committed; regenerate them and fail
    on drift (regenerate with: symbackprop exam NAME --variants 2 --seed 1 --no-pdf -o
    output/exam/NAME)."""
    GALLERY = ROOT / "output" / "exam" / name
    assert main(["exam", name, *GALLERY_ARGS[2:], "-o", str(tmp_path)]) == 0
    fresh = {p.relative_to(tmp_path).as_posix(): p.read_bytes()
             for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(GALLERY).as_posix(): p.read_bytes()
                 for p in GALLERY.rglob("*") if p.is_file()}
    assert set(fresh) == set(committed)
    for path in sorted(fresh):
        assert fresh[path] == committed[path], f"output/exam/{name}/{path} drifted"


def test_exam_folder_is_one_set(tmp_path, capsys, monkeypatch):
    """A rerun replaces the exam's files as a set: a file the new run does not write
    (stack.xml, when no symbolic question is asked) goes, the instructor's own files stay,
    and a failure while writing leaves the previous set untouched and no temporary folder."""
    out = tmp_path / "exam"
    assert main(["exam", "easynet", "--seed", "1", "--no-pdf", "-o", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    first = (out / "key.json").read_bytes()
    assert (out / "stack.xml").exists()
    assert main(["exam", "easynet", "--seed", "2", "--questions", "gradient", "--no-pdf",
                 "-o", str(out)]) == 0
    assert not (out / "stack.xml").exists() and not (out / "moodle-essay.xml").exists()
    assert (out / "notes.txt").read_text() == "mine"
    second = (out / "key.json").read_bytes()
    assert json.loads(second)["seed"] == 2 and second != first
    real = Path.write_bytes
    calls = []

    def failing(self, data):
        calls.append(self.name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    capsys.readouterr()
    # a fault of the environment: one line, exit 1 (issue 12)
    assert main(["exam", "easynet", "--seed", "3", "--no-pdf", "-o", str(out)]) == 1
    monkeypatch.setattr(Path, "write_bytes", real)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "disk full" in err and "Traceback" not in err
    assert (out / "key.json").read_bytes() == second  # the set of seed 2, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exam"]  # no temporary folder
