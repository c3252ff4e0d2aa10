"""symbackprop grade: scores with error carried forward, checked against the test's own
arithmetic on a hand-made class (easynet: h = x W, y = h w, L = (t - y)^2, N = 1)."""

from __future__ import annotations

import csv
import json

import pytest

from symbackprop import exam, spec
from symbackprop.cli import main


@pytest.fixture(scope="module")
def key():
    return json.loads(exam.exam_files(spec.load("easynet"), variants=2, seed=1)["key.json"])


def by_hand(variant):
    """The exact answers, and functions giving the consistent ones from a student's own
    numbers, written out for easynet (an independent oracle: no symbackprop code)."""
    (x1, x2, x3), = variant["values"]["inputs"]
    (t,), = variant["values"]["targets"]
    p = variant["values"]["params"]
    lr = variant["learning_rate"]
    h1 = x1 * p["w_1^{[1]}"] + x2 * p["w_3^{[1]}"] + x3 * p["w_5^{[1]}"]
    h2 = x1 * p["w_2^{[1]}"] + x2 * p["w_4^{[1]}"] + x3 * p["w_6^{[1]}"]
    y = lambda h1, h2: h1 * p["w_1^{[2]}"] + h2 * p["w_2^{[2]}"]  # noqa: E731
    loss = lambda y: (t - y) ** 2  # noqa: E731
    target = next(a["target"] for a in variant["answers"] if a["kind"] == "gradient")
    assert target == next(a["target"] for a in variant["answers"] if a["kind"] == "update")
    # dL/dw for a first-layer weight w of unit j, input i: 2 (y - t) w_j^{[2]} x_i
    k = int(target[2])  # w_k^{[1]}: unit j = 2 - k % 2, input i = (k + 1) // 2
    j, i = 2 - k % 2, (k + 1) // 2
    grad = lambda y: 2 * (y - t) * p[f"w_{j}^{{[2]}}"] * (x1, x2, x3)[i - 1]  # noqa: E731
    update = lambda g: p[target] - lr * g  # noqa: E731
    exact = [h1, h2, y(h1, h2), loss(y(h1, h2)), grad(y(h1, h2)), update(grad(y(h1, h2)))]
    return exact, dict(h1=h1, h2=h2, y=y, loss=loss, grad=grad, update=update)


def a_class(key):
    """Five students on variant 1 and one on variant 2, and each one's expected
    (right, carried) counts and a mistake."""
    v = key["variants"][0]
    e, f = by_hand(v)
    ann = e
    # bob flips h1's sign, then computes on from it correctly: 4 answers carried
    y_b = f["y"](-e[0], e[1])
    bob = [-e[0], e[1], y_b, f["loss"](y_b), f["grad"](y_b), f["update"](f["grad"](y_b))]
    # cat forgets the 2 of the square's slope, then updates with her gradient
    cat = e[:4] + [e[4] / 2, f["update"](e[4] / 2)]
    # dan adds the step instead of subtracting it
    dan = e[:5] + [f["update"](-e[4])]
    # eve: a wild y, L from it, nothing else
    eve = [e[0], None, 100.0, f["loss"](100.0), None, None]
    w = key["variants"][1]
    e2, _ = by_hand(w)
    fay = e2[:5] + [e2[5] + 0.37 * abs(e2[5]) + 0.1]  # a wrong update, nothing it explains
    rows = [("ann", 1, ann, 6, 0, {}), ("bob", 1, bob, 1, 4, {0: "sign_flip"}),
            ("cat", 1, cat, 4, 1, {4: "factor_1/2"}), ("dan", 1, dan, 5, 0, {5: "step_added"}),
            ("eve", 1, eve, 1, 1, {2: "other"}), ("fay", 2, fay, 5, 0, {5: "other"})]
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "variant", *(f"q{i}" for i in range(1, 7))])
        for name, vid, answers, *_ in rows:
            w.writerow([name, vid, *("" if a is None else repr(float(a)) for a in answers)])


@pytest.mark.parametrize("ecf", [1.0, 0.5, 0.0])
def test_scores_with_error_carried_forward(key, tmp_path, capsys, ecf):
    rows = a_class(key)
    (tmp_path / "key.json").write_text(json.dumps(key))
    write_csv(tmp_path / "r.csv", rows)
    args = ["grade", str(tmp_path / "key.json"), str(tmp_path / "r.csv"), "-o", str(tmp_path)]
    assert main(args + ["--ecf", str(ecf)]) == 0
    report = json.loads((tmp_path / "grades.json").read_text())
    book = list(csv.DictReader(open(tmp_path / "grades.csv")))
    for (name, vid, answers, right, carried, mistakes), s, b in zip(rows, report["students"],
                                                                   book):
        assert s["student"] == b["student"] == name and s["variant"] == vid
        assert s["score"] == pytest.approx(right + ecf * carried), name
        assert float(b["score"]) == pytest.approx(right + ecf * carried)
        assert [a["verdict"] for a in s["answers"]].count("right") == right
        assert [a["verdict"] for a in s["answers"]].count("carried") == carried
        for i, m in mistakes.items():
            assert s["answers"][i]["verdict"] == "wrong" and s["answers"][i]["mistake"] == m
    q1 = report["questions"][0]
    assert q1["wrong"] == 1 and q1["mistakes"] == {"sign_flip": 1}
    assert report["questions"][4]["mistakes"] == {"factor_1/2": 1}


def test_moodle_responses_report(key, tmp_path, capsys):
    """Moodle's responses report of the Cloze questions: the variant found by its right
    answers, the parts read from 'part n: ...'."""
    rows = a_class(key)
    header = ["Surname", "First name", "Email address", "State", "Grade/6.00",
              "Response 1", "Right answer 1"]
    with open(tmp_path / "moodle.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for name, vid, answers, *_ in rows:
            exact = [a["value"] for a in key["variants"][vid - 1]["answers"]
                     if a["value"] is not None]
            parts = "; ".join(f"part {i}: {'' if a is None else f'{a:.6g}'}"
                              for i, a in enumerate(answers, 1))
            right = "; ".join(f"part {i}: {a}" for i, a in enumerate(exact, 1))
            w.writerow(["Doe", name, f"{name}@x.org", "Finished", "", parts, right])
        w.writerow(["Overall average", "", "", "", "3.5", "", ""])
    (tmp_path / "key.json").write_text(json.dumps(key))
    assert main(["grade", str(tmp_path / "key.json"), str(tmp_path / "moodle.csv"),
                 "-o", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "grades.json").read_text())
    assert [s["student"] for s in report["students"]] == [f"{r[0]} Doe" for r in rows]
    for (name, vid, answers, right, carried, _), s in zip(rows, report["students"]):
        assert s["variant"] == vid and s["score"] == pytest.approx(right + carried), name


@pytest.mark.parametrize("content,needle", [
    ("student,variant,q1\nann,1,2\n", "expected student, variant, q1, q2"),
    ("student,variant,q1,q2,q3,q4,q5,q6\nann,9,1,1,1,1,1,1\n", "variant '9' is not in the key"),
    ("student,variant,q1,q2,q3,q4,q5,q6\nann,1,1\n", "3 cells, expected 8"),
])
def test_bad_responses_are_one_line_errors(key, tmp_path, capsys, content, needle):
    (tmp_path / "key.json").write_text(json.dumps(key))
    (tmp_path / "r.csv").write_text(content)
    code = main(["grade", str(tmp_path / "key.json"), str(tmp_path / "r.csv"),
                 "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_ecf_out_of_range(key, tmp_path, capsys):
    (tmp_path / "key.json").write_text(json.dumps(key))
    (tmp_path / "r.csv").write_text("student,variant,q1,q2,q3,q4,q5,q6\n")
    assert main(["grade", str(tmp_path / "key.json"), str(tmp_path / "r.csv"),
                 "--ecf", "2"]) == 2


def test_circuit_grading_carries_a_wrong_node_forward(tmp_path, capsys):
    """f = (x + y) z: a student's wrong q carries into f = q z and df/dz = q."""
    key = json.loads(exam.exam_files(spec.load("circuit"), variants=3, seed=4)["key.json"])
    rows = []
    for v in key["variants"]:
        x, y, z = (v["values"]["inputs"][k] for k in "xyz")
        q = x + y + 1  # off by one
        rows.append([f"s{v['id']}", v["id"], q, q * z, z, z, q])
    (tmp_path / "key.json").write_text(json.dumps(key))
    with open(tmp_path / "r.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "variant", "q1", "q2", "q3", "q4", "q5"])
        w.writerows(rows)
    assert main(["grade", str(tmp_path / "key.json"), str(tmp_path / "r.csv"),
                 "--ecf", "0.5", "-o", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "grades.json").read_text())
    for s in report["students"]:
        assert [a["verdict"] for a in s["answers"]] == [
            "wrong", "carried", "right", "right", "carried"]
        assert s["score"] == pytest.approx(2 + 2 * 0.5)
