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
    assert any("variant 2" in p and "reference says" in p for p in problems)
    assert any("variant 4" in p and "factor x is 0" in p for p in problems)
    assert any("variant 3" in p and "same answers as variant 1" in p for p in problems)


def test_stress_cli(capsys):
    assert main(["exam", "sigmoid222", "--stress", "2", "--variants", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sigmoid222: 2 seeds x 5 variants") and "no problem" in out
    assert main(["exam", "easynet", "--stress", "0"]) == 2
