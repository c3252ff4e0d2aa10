"""`symbackprop check` end to end: reports, JSON, exit codes, batch mode with jobs, and
the Python API."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from symbackprop.check import check_equation, check_file
from symbackprop.cli import main

DATA = Path(__file__).parent / "data" / "check"
KEYS = {"file", "line", "latex", "kind", "verdict", "message", "counterexample"}


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_report_of_a_correct_page(capsys):
    code, out, _ = run(capsys, "check", "easynet", str(DATA / "lesson.md"))
    assert code == 0
    assert f"{DATA / 'lesson.md'}:13: correct  \\frac{{dL}}{{dy_{{pred}}}}" in out
    assert out.rstrip().endswith("18 equations: 17 correct, 0 wrong, 0 errors, 1 not checked")


def test_report_of_slips_explains_each(capsys):
    code, out, _ = run(capsys, "check", "easynet", str(DATA / "lesson_slips.md"))
    assert code == 1
    assert ":8: WRONG" in out
    assert "the sign is flipped" in out
    assert r"correct: \frac{dL}{dy_{pred}} = - \frac{2}{N} \left(y_{true} - y_{pred}\right)" in out
    assert "did you mean w_3^{[1]}?" in out


def test_json_is_a_list_in_file_order(capsys):
    code, out, _ = run(capsys, "check", "easynet", str(DATA / "lesson_slips.md"), "--json")
    assert code == 1
    items = json.loads(out)
    assert all(KEYS <= set(i) for i in items)
    assert [i["line"] for i in items] == sorted(i["line"] for i in items)
    assert {i["verdict"] for i in items} <= {"correct", "wrong", "not_checked", "error"}
    sign = next(i for i in items if i["line"] == 8)
    assert sign["verdict"] == "wrong" and sign["diagnosis"] == "sign"
    ce = sign["counterexample"]
    assert ce["claimed"] == pytest.approx(-ce["expected"])
    assert {"y_{true}", "N"} <= set(ce["point"]) and "y_{pred}" in ce["where"]


def test_exit_codes(capsys, tmp_path):
    assert run(capsys, "check", "easynet", str(DATA / "lesson.txt"))[0] == 0
    assert run(capsys, "check", "nosuchnet", str(DATA / "lesson.txt"))[0] == 2
    assert run(capsys, "check", "easynet", str(tmp_path / "missing.md"))[0] == 2
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x00\x01\xff" * 10)
    code, _, err = run(capsys, "check", "easynet", str(binary))
    assert code == 2 and "not a text file" in err
    latin = tmp_path / "l.txt"
    latin.write_bytes("h1 = x1 \xe9".encode("latin-1"))
    assert run(capsys, "check", "easynet", str(latin))[0] == 2


def test_batch_writes_reports_and_a_summary(capsys, tmp_path):
    subs = tmp_path / "class"
    (subs / "alice").mkdir(parents=True)
    shutil.copy(DATA / "lesson.md", subs / "alice" / "hw.md")
    shutil.copy(DATA / "lesson_slips.md", subs / "bob.md")
    shutil.copy(DATA / "lesson.txt", subs / "carol.txt")
    (subs / "dave.tex").write_bytes(b"\xff\xfe bad bytes")
    (subs / "notes.pdf").write_bytes(b"%PDF")  # not a submission: skipped
    out = tmp_path / "reports"
    code, stdout, err = run(capsys, "check", "easynet", str(subs), "--jobs", "2", "-o", str(out))
    assert code == 1  # bob's slips, dave's unreadable file
    assert "4/4 files" in err  # the progress bar
    rows = list(csv.DictReader((out / "summary.csv").open()))
    by_file = {Path(r["file"]).name: r for r in rows}
    assert set(by_file) == {"hw.md", "bob.md", "carol.txt", "dave.tex"}
    assert by_file["hw.md"]["correct"] == "17" and by_file["hw.md"]["wrong"] == "0"
    assert by_file["bob.md"]["wrong"] == "10" and by_file["bob.md"]["errors"] == "1"
    assert by_file["carol.txt"]["checked"] == "11"
    assert by_file["dave.tex"]["status"].startswith("unreadable")
    summary = json.loads((out / "summary.json").read_text())
    assert [r["file"] for r in summary] == [r["file"] for r in rows]
    reports = sorted(p.name for p in out.iterdir())
    assert sum(n.endswith(".txt") and "summary" not in n for n in reports) == 3
    bob = next(out.glob("*bob.md.json"))
    assert [i["line"] for i in json.loads(bob.read_text()) if i["verdict"] == "wrong"][0] == 4
    assert "bob.md" in stdout and "unreadable" in stdout


def test_batch_of_nothing_usable_is_exit_2(capsys, tmp_path):
    (tmp_path / "x.md").write_bytes(b"\x00\x00")
    code, _, _ = run(capsys, "check", "easynet", str(tmp_path), "-o", str(tmp_path / "out"))
    assert code == 2


def test_batch_single_job_matches_parallel(capsys, tmp_path):
    files = [str(DATA / n) for n in ("lesson.md", "lesson_slips.md", "lesson.tex")]
    run(capsys, "check", "easynet", *files, "--jobs", "1", "-o", str(tmp_path / "a"))
    run(capsys, "check", "easynet", *files, "--jobs", "2", "-o", str(tmp_path / "b"))
    assert (tmp_path / "a" / "summary.csv").read_text() == (tmp_path / "b" / "summary.csv").read_text()


def test_python_api():
    r = check_equation("easynet", r"\frac{dh_1}{dw_3^{[1]}} = x_2")
    assert (r.verdict, r.kind, r.line) == ("correct", "derivative", 1)
    r = check_equation("easynet", "dL/dw1[1] = -2*w1[2]*x1/N*(y_true - y_pred)")
    assert r.verdict == "correct"
    results = check_file("sigmoid222", DATA / "lesson.md")  # the wrong network: names
    assert {r.verdict for r in results} <= {"error", "not_checked", "wrong"}
    assert any("no such" in r.message for r in results)
