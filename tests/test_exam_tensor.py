"""Exams of networks with tensor layers (issue 15): every answer against the hand-written
NumPy reference (reference_layers) and finite differences computed here, a kernel entry's
uses summing to the reference gradient, the BPTT term against this file's own NumPy BPTT,
a batch-norm input's gradient against this file's own forward pass and a central
difference, determinism, the platforms' files, grading back."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from symbackprop import exam, reference_layers as ref, spec
from symbackprop.cli import main
from symbackprop.exam.tensor import make_exam

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "data" / "qti"
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
TENSOR_PRESETS = ["conv2d", "pooling", "conv1d", "rnn", "batchnorm", "normdrop", "embedding",
                  "attention", "resblock"]


def _arrays(variant):
    vals = variant["values"]
    return ({k: np.asarray(v, dtype=float) for k, v in vals["tensors"].items()},
            np.asarray(vals["inputs"], dtype=float), np.asarray(vals["targets"], dtype=float))


def _index(latex: str) -> tuple[int, ...]:
    """0-based indices of an entry's name: K^{[1]}_{1,1,2,3} -> (0, 0, 1, 2)."""
    return tuple(int(i) - 1 for i in re.search(r"_\{([\d,]+)\}$", latex).group(1).split(","))


@pytest.fixture(scope="module")
def keys():
    out = {}
    for name in ("conv2d", "rnn", "batchnorm"):
        files = exam.exam_files(spec.load(name), variants=6, seed=3)
        out[name] = files, json.loads(files["key.json"])
    return out


@pytest.mark.parametrize("name", TENSOR_PRESETS)
def test_answers_match_the_numpy_reference(name):
    """Forward values, gradients and updates of parameters against reference_layers."""
    net = spec.load(name)
    e = make_exam(net, 4, 5)
    key = e.key(e.views())
    checked = 0
    for variant in key["variants"]:
        tensors, X, T = _arrays(variant)
        loss, grads = ref.backward(net, tensors, X, T)
        y, _ = ref.forward(net, tensors, X)
        flat = {}
        for tname, keys_ in e.g.tensors.items():
            for idx in np.ndindex(*keys_.shape):
                flat[e.g.latex[keys_[idx]]] = (tname, idx)
        for a in variant["answers"]:
            if a["kind"] == "forward":
                want = loss if a["target"] == "L" else None
                if want is None and net.loss != "softmax_ce":
                    outs = [k for k, n in e.g.nodes.items() if n.kind == "output"]
                    want = y.reshape(-1)[[e.g.latex[k] for k in outs].index(a["target"])]
            elif a["kind"] in ("gradient", "update") and a["target"] in flat:
                tname, idx = flat[a["target"]]
                want = grads[tname][idx]
                if a["kind"] == "update":
                    want = tensors[tname][idx] - variant["learning_rate"] * want
            else:
                continue
            if want is None:
                continue
            assert a["value"] == pytest.approx(want, rel=1e-9, abs=1e-9), (name, a["target"])
            assert a["value"] != 0 and a["tolerance"] < abs(a["value"])  # 0 would not pass
            checked += 1
    assert checked >= 4 * 3


def test_kernel_entry_terms_sum_to_the_reference_gradient():
    """Each use of a kernel entry K_{f,c,u,v} at output z_{f,i,j}: the local derivative is
    the input entry x_{c, s·i+u-p, s·j+v-p} (s = 2, p = 1 in the preset), and the terms
    sum to the reference's gradient."""
    net = spec.load("conv2d")
    e = make_exam(net, 5, 2, questions="gradient")
    s, p = 2, 1
    views = e.views()
    for v, view, key in zip(e.variants, views, e.key(views)["variants"]):
        a = view["answers"][0]
        f, c, u, w = _index(a["target"])
        x = np.asarray(v.values.inputs[0]).reshape(net.shape)
        assert len(a["uses"]) >= 4
        for use in a["uses"]:
            g, i, j = _index(use["node"])
            assert g == f
            assert use["local_value"] == x[c, s * i + u - p, s * j + w - p]
            assert use["value"] == pytest.approx(use["upstream_value"] * use["local_value"])
        tensors, X, T = _arrays(key)
        _, grads = ref.backward(net, tensors, X, T)
        total = sum(use["value"] for use in a["uses"])
        assert total == pytest.approx(grads["1.weight"][f, c, u, w], rel=1e-9, abs=1e-12)
        assert a["value"] == pytest.approx(total, rel=1e-12)


def _bptt(U, V, b, c, W, x, t_true):
    """This test's own BPTT for the rnn preset (h_t = tanh(U x_t + b + V h_{t-1} + c),
    y = W h_T, MSE): every h_t and δ_t = dL/dz_t."""
    T = x.shape[0]
    h = [np.zeros(V.shape[0])]
    for t in range(T):
        h.append(np.tanh(U @ x[t] + b + V @ h[-1] + c))
    y = W @ h[-1]
    dh = W.T @ (-2 * (t_true - y))
    deltas = [None] * (T + 1)
    for t in range(T, 0, -1):
        deltas[t] = dh * (1 - h[t] ** 2)
        dh = V.T @ deltas[t]
    return h, deltas


def test_bptt_term_against_a_hand_computation(keys):
    """The chain question on the rnn: the term of dL/dV_{j,k} at step t is δ_t[j] h_{t-1}[k];
    the table back through time holds this file's δ_s; the gradient is the sum over steps."""
    files, key = keys["rnn"]
    for variant in key["variants"]:
        tensors, X, T = _arrays(variant)
        U, V = tensors["1.weight_ih"], tensors["1.weight_hh"]
        h, deltas = _bptt(U, V, tensors["1.bias_ih"], tensors["1.bias_hh"], tensors["2.weight"],
                          X[0], T[0])
        chain = next(a for a in variant["answers"] if a["kind"] == "chain")
        grad = next(a for a in variant["answers"] if a["kind"] == "gradient")
        j, k = _index(chain["target"])
        t, j2 = _index(chain["term"])
        assert j2 == j and t >= 1  # a recurrent use: step 2 or later
        assert chain["value"] == pytest.approx(deltas[t + 1][j] * h[t][k], rel=1e-9)
        assert grad["value"] == pytest.approx(
            sum(deltas[s][j] * h[s - 1][k] for s in range(1, len(deltas))), rel=1e-9)
    e = make_exam(spec.load("rnn"), 2, 3)
    views = e.views()
    for v, view in zip(e.key(views)["variants"], views):
        tensors, X, T = _arrays(v)
        h, deltas = _bptt(tensors["1.weight_ih"], tensors["1.weight_hh"], tensors["1.bias_ih"],
                          tensors["1.bias_hh"], tensors["2.weight"], X[0], T[0])
        chain = next(a for a in view["answers"] if a["kind"] == "chain")
        for row in chain["bptt"]:
            got = [d["value"] for d in row["delta"]]
            assert got == pytest.approx(deltas[row["step"]], rel=1e-9)


def _bn_loss(W1, gamma, beta, W3, X, T, z=None):
    """This test's forward pass of the batchnorm preset (dense, BatchNorm1d in training
    mode, ε = 1e-5, tanh unit, MSE over the batch), from the dense output z when given."""
    z = X @ W1.T if z is None else z
    zh = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + 1e-5)
    y = np.tanh((gamma * zh + beta) @ W3.T)
    return float(np.sum((T - y) ** 2) / X.shape[0])


def test_batch_norm_input_gradient_by_finite_differences(keys):
    files, key = keys["batchnorm"]
    e = make_exam(spec.load("batchnorm"), 6, 3)
    for variant, view in zip(key["variants"], e.views()):
        tensors, X, T = _arrays(variant)
        W1, W3 = tensors["1.weight"], tensors["3.weight"]
        gamma, beta = tensors["2.weight"], tensors["2.bias"]
        z = X @ W1.T
        a = next(a for a in variant["answers"] if a["kind"] == "gradient")
        m = re.fullmatch(r"z\^\{\[1\]\((\d)\)\}_\{(\d)\}", a["target"])
        n, c = int(m.group(1)) - 1, int(m.group(2)) - 1
        h = 1e-6
        up, down = z.copy(), z.copy()
        up[n, c] += h
        down[n, c] -= h
        fd = (_bn_loss(W1, gamma, beta, W3, X, T, up) -
              _bn_loss(W1, gamma, beta, W3, X, T, down)) / (2 * h)
        assert a["value"] == pytest.approx(fd, rel=1e-6, abs=1e-9)
        assert abs(a["value"]) >= 1e-3
        bn = next(q for q in view["answers"] if q["kind"] == "gradient")["bn"]
        assert bn["value"] == pytest.approx(a["value"], rel=1e-9)  # the compact form agrees
        assert bn["m"] == 3 and bn["gamma_value"] == gamma[c]
        assert _bn_loss(W1, gamma, beta, W3, X, T) == pytest.approx(
            next(x["value"] for x in variant["answers"] if x["target"] == "L"), rel=1e-9)


def test_variants_are_distinct_and_not_degenerate(keys):
    for name, (files, key) in keys.items():
        numbers = [tuple(a["value"] for a in v["answers"]) for v in key["variants"]]
        assert len(set(numbers)) == len(numbers), name
        assert all(a["value"] not in (None, 0) for v in key["variants"] for a in v["answers"])
        for v in key["variants"]:
            for a in v["answers"]:
                if a["kind"] == "chain":  # no zero factor on the asked path
                    assert all(f["value"] != 0 for f in a["factors"])
                    assert np.prod([f["value"] for f in a["factors"]]) == pytest.approx(
                        a["value"], rel=1e-9)


def test_no_max_pool_tie_in_any_variant():
    e = make_exam(spec.load("pooling"), 8, 4)
    from symbackprop.exam.breakdown import max_ties
    from symbackprop.exam.numbers import clean
    from symbackprop.numeric import forward
    for v in e.variants:
        assert not max_ties(e.g, clean(forward(e.d, v.values)))


def test_byte_identical_across_hash_seeds(tmp_path):
    outs = []
    for hs in ("1", "2"):
        out = tmp_path / hs
        env = dict(os.environ, PYTHONHASHSEED=hs)
        subprocess.run([sys.executable, "-m", "symbackprop", "exam", "conv2d", "--variants", "3",
                        "--seed", "4", "--no-pdf", "-o", str(out)], check=True, env=env,
                       capture_output=True, cwd=ROOT)
        outs.append({p.relative_to(out).as_posix(): p.read_bytes()
                     for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1] and "key.json" in outs[0]


def test_questions_on_a_tensor_network(tmp_path, capsys):
    net = spec.load("conv2d")
    e = make_exam(net, 2, 1, questions="gradient:K^{[1]}_{2,1,2,2},update:b^{[1]}_{1}")
    assert [a["target"] for a in e.key(e.views())["variants"][0]["answers"]] == [
        "K^{[1]}_{2,1,2,2}", "b^{[1]}_{1}"]
    for args, needle in ((["--questions", "expression"], "too large"),
                         (["--questions", "gradient:K_9"], "unknown parameter")):
        assert main(["exam", "conv2d", "-o", str(tmp_path / "x"), *args]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()
    e = make_exam(spec.load("batchnorm"), 1, 1, questions="gradient:z^{[1](2)}_{1}")
    assert e.key(e.views())["variants"][0]["answers"][0]["target"] == "z^{[1](2)}_{1}"


def test_platform_files_hold_the_key(keys, tmp_path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(SCHEMAS / "imsqti_v2p1_subset.xsd"))
    for name, (files, key) in keys.items():
        ET.fromstring(files["moodle.xml"])  # parses
        assert "stack.xml" not in files  # no symbolic question on a tensor net
        cloze = files["moodle.xml"]
        for v in key["variants"]:
            for a in v["answers"]:
                assert re.search(r"\{1:NUMERICAL:=" + re.escape(np.format_float_positional(
                    a["value"], trim="-")), cloze), (name, a["target"])
        z = zipfile.ZipFile(io.BytesIO(files["qti.zip"]))
        for item in sorted(n for n in z.namelist() if n.startswith("items/")):
            schema.validate(z.read(item).decode())
        (tmp_path / name).mkdir()
        (tmp_path / name / "server.py").write_text(files["prairielearn/server.py"])
        import importlib.util
        s = importlib.util.spec_from_file_location(f"pl_{name}", tmp_path / name / "server.py")
        server = importlib.util.module_from_spec(s)
        s.loader.exec_module(server)
        html = files["prairielearn/question.html"]
        names = re.findall(r'answers-name="(\w+)"', html)
        for seed in range(40):
            data = {"params": {}, "correct_answers": {}, "variant_seed": seed}
            server.generate(data)
            v = key["variants"][data["params"]["variant"] - 1]
            want = [a["value"] for a in v["answers"]]
            assert [data["correct_answers"][n] for n in names] == want


def test_grade_round_trip_with_error_carried_forward(keys, tmp_path, capsys):
    """A student right everywhere; one whose y_pred is wrong and whose later answers follow
    from it: dL/dθ and the term carry (y' - t)/(y - t) (MSE: dL/dy = 2(y - t)), the
    update θ - η g' of their gradient."""
    files, key = keys["rnn"]
    v = key["variants"][0]
    vals = [a["value"] for a in v["answers"]]
    y, t = vals[0], v["values"]["targets"][0][0]
    wrong_y = y + 0.5
    r = (wrong_y - t) / (y - t)
    g_wrong = vals[3] * r
    theta = v["values"]["params"][v["answers"][4]["target"]]
    bob = [wrong_y, (t - wrong_y) ** 2, vals[2] * r, g_wrong,
           theta - v["learning_rate"] * g_wrong]
    (tmp_path / "key.json").write_text(files["key.json"])
    with open(tmp_path / "r.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "variant", *(f"q{i}" for i in range(1, 6))])
        w.writerow(["ann", 1, *map(repr, vals)])
        w.writerow(["bob", 1, *map(repr, bob)])
    assert main(["grade", str(tmp_path / "key.json"), str(tmp_path / "r.csv"), "--ecf", "0.5",
                 "-o", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "grades.json").read_text())
    ann, bob_ = report["students"]
    assert ann["score"] == 5
    assert [a["verdict"] for a in bob_["answers"]] == ["wrong", "carried", "carried", "carried",
                                                      "carried"]
    assert bob_["score"] == pytest.approx(4 * 0.5)


def test_a_large_worked_solution_is_left_to_the_lesson():
    """A residual block over a batch needs hundreds of chain terms for one kernel entry:
    the key keeps the answers' breakdowns and points to the lesson; a small one prints the
    lesson's steps."""
    big = exam.exam_files(spec.load("resblock"), variants=2, seed=1)["key.md"]
    assert big.count("symbackprop lesson resblock") == 2 and len(big) < 60_000
    assert "The sum over the" in big  # the kernel entry's uses are still there
    small = exam.exam_files(spec.load("conv2d"), variants=1, seed=1)["key.md"]
    assert "symbackprop lesson" not in small and "so its gradient is the sum" in small


# ------------------------------------------------ exam --stress: each term against the reference

CHAIN_PARAMS = {"conv2d": ["K^{[1]}_{2,1,3,3}", "b^{[1]}_{2}"],
                "rnn": ["U^{[1]}_{2,2}", "V^{[1]}_{2,2}", "c^{[1]}_{2}"],
                "attention": ["{W_q}^{[1]}_{2,2}", "{W_k}^{[1]}_{2,1}", "{W_v}^{[1]}_{1,2}"],
                "embedding": ["E^{[1]}_{3,2}"], "normdrop": [r"\gamma^{[2]}_{3}"],
                "batchnorm": [r"\gamma^{[2]}_{2}", r"\beta^{[2]}_{1}"]}


def test_stress_checks_every_term_against_the_reference():
    """The stress check holds each chain term (∂L/∂c, ∂c/∂θ, their product) and each use
    of a breakdown against the reference (none is left unchecked), and finds no problem."""
    from symbackprop.exam import tensor_stress as ts
    from symbackprop.exam.stress import check_exam

    for name, params in CHAIN_PARAMS.items():
        net = spec.load(name)
        for p in params:
            e = make_exam(net, 3, 2, questions=f"chain:{p},gradient:{p}")
            problems, _ = check_exam(e)
            assert problems == [], (name, p)
            views = e.views()
            for variant, view in zip(e.key(views)["variants"], views):
                oracle = ts.UseReference(net, e.g, variant)
                chain, grad = view["answers"]
                assert oracle.use(chain["term"], p) is not None
                assert all(oracle.use(u["node"], p) is not None for u in grad["uses"] or ())


def test_term_reference_against_hand_bptt(keys):
    """The reference's ∂L/∂z_{t,j} and h_{t-1,k} of a W_hh term are this file's BPTT's."""
    from symbackprop.exam import tensor_stress as ts

    net = spec.load("rnn")
    files, key = keys["rnn"]
    for variant in key["variants"]:
        tensors, X, T = _arrays(variant)
        h, deltas = _bptt(tensors["1.weight_ih"], tensors["1.weight_hh"], tensors["1.bias_ih"],
                          tensors["1.bias_hh"], tensors["2.weight"], X[0], T[0])
        from symbackprop.graph import build_graph
        oracle = ts.UseReference(net, build_graph(net), variant)
        for t in range(3):
            for j in range(2):
                for k in range(2):
                    up, local = oracle.use(f"z^{{[1]}}_{{{t + 1},{j + 1}}}",
                                           f"V^{{[1]}}_{{{j + 1},{k + 1}}}")
                    assert up == pytest.approx(deltas[t + 1][j], rel=1e-12)
                    assert local == h[t][k]  # h[0] = 0: no recurrent use at the first step


def _seed(monkeypatch, method, change):
    """Wrap TensorExam.<method> so each answer it returns goes through ``change``."""
    from symbackprop.exam.tensor import TensorExam

    orig = getattr(TensorExam, method)

    def wrong(self, *args):
        return change(orig(self, *args))
    monkeypatch.setattr(TensorExam, method, wrong)


@pytest.mark.parametrize("name,where", [("conv2d", "dL/dz"), ("conv2d", "local"),
                                        ("rnn", "dL/dz"), ("attention", "local")])
def test_stress_reports_a_wrong_term(monkeypatch, name, where):
    """A seeded wrong term whose factors still multiply to its value (a wrong ∂L/∂c, or
    the wrong input entry as ∂c/∂θ) is reported by the stress run."""
    from symbackprop.exam.stress import stress

    def change(a):
        i = 0 if where == "dL/dz" else -1
        f = a["factors"][i]
        a["factors"][i] = dict(f, value=f["value"] * 1.5 + 0.25)
        a["value"] = float(np.prod([g["value"] for g in a["factors"]]))
        return a
    _seed(monkeypatch, "_t_chain", change)
    report = stress(spec.load(name), 1, 3)
    bad = [p for p in report["problems"] if p["kind"] == "chain"]
    assert len(bad) >= 3 and all(p["problem"] == "reference" for p in bad)
    parts = [p["target"].split(", the term at ")[1].partition(": ")[2] for p in bad]
    upstream = [x.startswith("dL/d") for x in parts if x]
    assert upstream and all(upstream) == (where == "dL/dz") and any(upstream) == all(upstream)


def test_stress_reports_uses_that_do_not_sum_to_the_gradient(monkeypatch):
    """One use of a kernel entry's breakdown off by 0.5: its product and the sum of the
    uses are reported, though the answer itself is right."""
    from symbackprop.exam.stress import stress

    def change(a):
        if a.get("uses"):
            u = a["uses"][1]
            a["uses"][1] = dict(u, value=u["value"] + 0.5)
        return a
    _seed(monkeypatch, "_t_gradient", change)
    report = stress(spec.load("conv2d"), 1, 3)
    assert sum("the sum of its uses" in p["target"] for p in report["problems"]) == 3
    assert all(p["kind"] == "gradient" for p in report["problems"])


def test_stress_reports_a_wrong_step_back_through_time(monkeypatch):
    """δ of the last step in an rnn term's BPTT table off by 10 %: reported at that step."""
    from symbackprop.exam.stress import stress

    def change(a):
        row = a["bptt"][0]
        row["delta"][0] = dict(row["delta"][0], value=row["delta"][0]["value"] * 1.1)
        return a
    _seed(monkeypatch, "_t_chain", change)
    report = stress(spec.load("rnn"), 1, 3)
    assert len(report["problems"]) == 3
    assert all("back through time at step 3" in p["target"] for p in report["problems"])
