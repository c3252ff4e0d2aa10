"""The command line end to end: numbers against hand computation, errors, atomic output,
determinism, and the committed gallery."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symbackprop.cli import main

ROOT = Path(__file__).resolve().parents[1]
EASY_PARAMS = {"w_1^{[1]}": 0.1, "w_2^{[1]}": 0.2, "w_3^{[1]}": -0.3, "w_4^{[1]}": 0.4,
               "w_5^{[1]}": 0.5, "w_6^{[1]}": -0.1, "w_1^{[2]}": 0.3, "w_2^{[2]}": -0.2}


def easynet_by_hand(X, Y, p):
    """The lesson's formulas, written out: L = mean (y_true - y_pred)^2."""
    X, Y = np.atleast_2d(X), np.atleast_2d(Y)[:, 0]
    w1 = [p[f"w_{k}^{{[1]}}"] for k in range(1, 7)]
    v1, v2 = p["w_1^{[2]}"], p["w_2^{[2]}"]
    h1 = X[:, 0] * w1[0] + X[:, 1] * w1[2] + X[:, 2] * w1[4]
    h2 = X[:, 0] * w1[1] + X[:, 1] * w1[3] + X[:, 2] * w1[5]
    y = h1 * v1 + h2 * v2
    N = len(X)
    dy = -2 / N * (Y - y)  # dL/dy_pred per sample
    g = {"w_1^{[2]}": np.sum(dy * h1), "w_2^{[2]}": np.sum(dy * h2)}
    for i in range(3):  # x_{i+1} feeds h_1 through w_{2i+1}, h_2 through w_{2i+2}
        g[f"w_{2 * i + 1}^{{[1]}}"] = np.sum(dy * v1 * X[:, i])
        g[f"w_{2 * i + 2}^{{[1]}}"] = np.sum(dy * v2 * X[:, i])
    return np.mean((Y - y) ** 2), g


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("X,Y", [([1.0, 2.0, 3.0], [1.0]),
                                 ([[1, 2, 3], [0.5, -1, 2], [-2, 0.25, 1.5]], [[1], [0], [-0.5]])])
def test_grad_json_matches_hand_computation(tmp_path, capsys, X, Y):
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"inputs": X, "targets": Y, "params": EASY_PARAMS}))
    code, out, _ = run(capsys, "grad", "easynet", "--at", str(path), "--json", "--lr", "0.1")
    assert code == 0
    got = json.loads(out)
    loss, grads = easynet_by_hand(np.array(X, float), np.array(Y, float), EASY_PARAMS)
    assert got["loss"] == pytest.approx(loss, rel=1e-10)
    assert set(got["gradients"]) == set(grads)
    for k, v in grads.items():
        assert got["gradients"][k] == pytest.approx(v, rel=1e-10, abs=1e-14)
        assert got["updated"][k] == pytest.approx(EASY_PARAMS[k] - 0.1 * v, rel=1e-10)


def test_grad_accepts_both_brace_spellings(tmp_path, capsys):
    params = {k.replace("w_1^", "w_{1}^") if k.startswith("w_1^") else k: v
              for k, v in EASY_PARAMS.items()}
    params["w^{[2]}_2"] = params.pop("w_2^{[2]}")
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"inputs": [1, 2, 3], "targets": [1], "params": params}))
    code, out, _ = run(capsys, "grad", "easynet", "--at", str(path), "--json")
    assert code == 0 and "w_2^{[2]}" in json.loads(out)["gradients"]


@pytest.mark.parametrize("payload,needle", [
    ({"inputs": [1, 2, 3], "targets": [1], "params": {}}, "missing w_1^{[1]}"),
    ({"inputs": [1, 2, 3], "targets": [1], "params": dict(EASY_PARAMS, **{"w_7^{[1]}": 1})},
     "unknown parameter 'w_7^{[1]}'"),
    ({"inputs": [1, 2, "x"], "targets": [1], "params": EASY_PARAMS}, "not a finite number"),
    ({"inputs": [1, 2], "targets": [1], "params": EASY_PARAMS}, "expected 3 numbers"),
    ({"inputs": [1, 2, 3], "params": EASY_PARAMS}, "missing field 'targets'"),
])
def test_grad_bad_values_are_one_line_errors(tmp_path, capsys, payload, needle):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(payload))
    code, out, err = run(capsys, "grad", "easynet", "--at", str(path))
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_specs_say_where(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('inputs = 3\n[[layers]]\nunits = 2\nactivation = "rleu"\n')
    code, _, err = run(capsys, "lesson", str(bad), "-o", str(tmp_path / "out"))
    assert code == 2 and f"{bad}:4" in err and "rleu" in err and "relu" in err
    bad.write_text('inputs = 3\n[[layers]]\nunits = = 2\n')
    code, _, err = run(capsys, "verify", str(bad))
    assert code == 2 and f"{bad}:3:" in err and "malformed TOML" in err
    code, _, err = run(capsys, "lesson", "no_such_preset", "-o", str(tmp_path / "out"))
    assert code == 2 and "unknown preset" in err and "easynet" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_lesson_writes_md_svg_tex(tmp_path, capsys):
    code, out, _ = run(capsys, "lesson", "easynet", "-o", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["easynet.md", "easynet.svg", "easynet.tex"]
    md = (tmp_path / "easynet.md").read_text()
    # the lesson's results, each derivation, the citation habit, the verification table
    assert r"- \frac{2 w_1^{[2]} x_1}{N} \left(y_{true} - y_{pred}\right)" in md
    assert md.count("### $") == 8
    assert "was calculated previously" in md
    assert md.count("| equal |") == 8


def test_verify_command(capsys):
    code, out, _ = run(capsys, "verify", "easynet")
    assert code == 0 and "all gradients verified" in out


def test_output_is_byte_identical_across_hash_seeds(tmp_path):
    outs = []
    for seed in ("0", "12345"):
        folder = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "symbackprop", "lesson", "easynet", "-o", str(folder)],
                       check=True, env=env, capture_output=True)
        outs.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert outs[0] == outs[1]


def test_gallery_is_up_to_date(tmp_path, capsys):
    """output/ is committed; regenerate it and fail on drift
    (regenerate with: symbackprop lesson easynet -o output)."""
    from symbackprop.spec import presets

    assert {"easynet", "sigmoid222", "deep", "softmax"} <= set(presets())
    for name in presets():
        assert main(["lesson", name, "-o", str(tmp_path)]) == 0
        for ext in ("md", "svg", "tex"):
            fresh = (tmp_path / f"{name}.{ext}").read_text()
            committed = (ROOT / "output" / f"{name}.{ext}").read_text()
            assert fresh == committed, f"output/{name}.{ext} drifted: regenerate the gallery"


def test_grad_reproduces_mazur_worked_example(capsys):
    """Matt Mazur, "A Step by Step Backpropagation Example" (2015): the sigmoid222 preset
    with his values; E_total, dE/dw5, dE/dw1 and the weights after one step with
    learning rate 0.5, to the digits the post prints."""
    values = Path(__file__).with_name("data") / "mazur_values.json"
    code, out, _ = run(capsys, "grad", "sigmoid222", "--at", str(values), "--json", "--lr", "0.5")
    assert code == 0
    got = json.loads(out)
    assert round(got["loss"], 9) == 0.298371109
    assert round(got["gradients"]["w_5"], 9) == 0.082167041
    assert round(got["gradients"]["w_1"], 9) == 0.000438568
    published = {"w_5": 0.35891648, "w_6": 0.408666186, "w_7": 0.511301270, "w_8": 0.561370121,
                 "w_1": 0.149780716, "w_2": 0.19956143, "w_3": 0.24975114, "w_4": 0.29950229}
    for name, v in published.items():
        digits = len(repr(v).split(".")[1])
        assert round(got["updated"][name], digits) == v, name
