"""exam --stress: every preset's variants over several seeds agree with the NumPy
reference and none is degenerate; the check itself catches a wrong key."""

from __future__ import annotations

import pytest

from symbackprop import spec
from symbackprop.cli import main
from symbackprop.exam import stress
from symbackprop.exam.views import Exam

PRESETS = ["easynet", "sigmoid222", "softmax", "deep", "circuit"]


@pytest.mark.parametrize("name", PRESETS)
def test_stress_passes_for_every_preset(name):
    report = stress.stress(spec.load(name), seeds=3, variants=15)
    assert report["problems"] == []
    assert report["variants"] == 45 and report["answers"] > 45
    for s in report["spread"]:
        assert 0 < s["min"] <= s["median"] <= s["max"] and s["distinct"] > 1


def test_stress_catches_a_wrong_key(monkeypatch):
    e = Exam(spec.load("easynet"), 4, 2)
    real = e.key

    def corrupted(views):
        key = real(views)
        a = key["variants"][1]["answers"][0]
        a["value"] *= 1.001
        key["variants"][3]["answers"][-1]["factors"] = [{"label": "x", "latex": "x", "value": 0}]
        key["variants"][2]["answers"] = key["variants"][0]["answers"]
        return key

    monkeypatch.setattr(e, "key", corrupted)
    problems, _ = stress.check_exam(e)
    found = {(p["problem"], p["variant"]) for p in problems}
    # variant 3 holds variant 1's answers: alike, and wrong for its own values
    assert found == {("reference", 2), ("zero_factor", 4), ("alike", 3), ("reference", 3)}
    wrong = next(p for p in problems if p["problem"] == "reference" and p["variant"] == 2)
    assert wrong["value"] == pytest.approx(wrong["reference"] * 1.001)
    assert next(p for p in problems if p["problem"] == "alike")["other"] == 1
    text = stress.render("markdown", "exam/stress.txt.j2", {
        "spec": "easynet", "seeds": 1, "variants_per_seed": 4, "answers": 24, "seconds": 0,
        "problems": problems, "spread": []})
    assert "seed 2 variant 3: the same answers as variant 1" in text
    assert "variant 4: the factor x of " in text and "the reference says" in text


def test_stress_cli(capsys):
    assert main(["exam", "sigmoid222", "--stress", "2", "--variants", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sigmoid222: 2 seeds x 5 variants") and "no problem" in out
    assert main(["exam", "easynet", "--stress", "0"]) == 2
