"""grad on a tensor network (issue 15): VALUES.json and grad --json in PyTorch's layouts,
"tensors" keyed "<layer>.<name>" like a state_dict, checked against the hand-written NumPy
reference; --seed fills what the file leaves out and the run echoes what it used."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop.cli import main
from symbackprop.spec import load

X = [[[1, 2, 0, -1], [0, 1, 3, 1], [2, -1, 0, 1], [1, 1, 1, 0]]]


def grad(capsys, tmp_path, values, *extra):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(values))
    code = main(["grad", "pooling", "--at", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_tensor_gradients_match_the_reference(capsys, tmp_path):
    net = load("pooling")
    rng = np.random.default_rng(4)
    tensors = ref.init_params(net, rng)
    values = {"inputs": [X, np.array(X).tolist()], "targets": [[0.5], [-1.0]],
              "tensors": {k: v.tolist() for k, v in tensors.items()}}
    code, out, _ = grad(capsys, tmp_path, values, "--json")
    assert code == 0
    got = json.loads(out)
    loss, want = ref.backward(net, tensors, np.array([X, X], float), np.array([[0.5], [-1.0]]))
    assert got["loss"] == pytest.approx(loss, rel=1e-12)
    assert set(got["tensor_gradients"]) == set(want) == {"1.weight", "1.bias", "5.weight"}
    for k, v in want.items():
        assert np.array(got["tensor_gradients"][k]).shape == v.shape
        np.testing.assert_allclose(got["tensor_gradients"][k], v, rtol=1e-10, atol=1e-14)
    # the scalar names carry the same numbers
    assert got["gradients"]["K^{[1]}_{1,1,2,1}"] == got["tensor_gradients"]["1.weight"][0][0][1][0]


def test_seed_fills_and_the_echo_reproduces_the_run(capsys, tmp_path):
    code, out, _ = grad(capsys, tmp_path, {"inputs": X, "targets": [0.5],
                                           "tensors": {"5.weight": [[2.0]]}},
                        "--json", "--seed", "3")
    assert code == 0
    first = json.loads(out)
    assert first["tensors"]["5.weight"] == [[2.0]]
    assert np.array(first["tensors"]["1.weight"]).shape == (1, 1, 2, 2)
    # what it used, fed back without a seed, gives the same run
    code, out, _ = grad(capsys, tmp_path, {"inputs": X, "targets": [0.5],
                                           "tensors": first["tensors"]}, "--json")
    again = json.loads(out)
    assert again["loss"] == first["loss"] and again["gradients"] == first["gradients"]
    # a scalar name overrides a tensor entry
    code, out, _ = grad(capsys, tmp_path, {"inputs": X, "targets": [0.5],
                                           "tensors": first["tensors"],
                                           "params": {"w^{[5]}_{1,1}": 0.0}}, "--json")
    assert json.loads(out)["tensors"]["5.weight"] == [[0.0]]


@pytest.mark.parametrize("values, message", [
    ({"inputs": X, "targets": [0.5]}, "missing parameters of 1.bias, 1.weight, 5.weight"),
    ({"inputs": [[1, 2], [3, 4]], "targets": [0.5]}, "expected one sample of shape 1 × 4 × 4"),
    ({"inputs": X, "targets": [0.5], "tensors": {"1.weigth": [1]}}, "did you mean '1.weight'"),
    ({"inputs": X, "targets": [0.5], "tensors": {"1.weight": [[1, 2], [3, 4]]}},
     "expected shape 1 × 1 × 2 × 2 (PyTorch's layout), got 2 × 2"),
    ({"inputs": X, "targets": [0.5, 1]}, "targets: expected 1 row(s) of 1 numbers"),
])
def test_bad_values_are_one_line_errors(capsys, tmp_path, values, message):
    code, out, err = grad(capsys, tmp_path, values)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_tensor_network_past_the_parameter_limit_is_refused_when_read(capsys, tmp_path):
    """The spec limits hold for tensor networks too: a flatten of 1 x 8 x 8 into 4,096
    units is 64 x 4,096 = 262,144 weights, refused at that layer's line before any work."""
    from symbackprop.cli import main

    path = tmp_path / "big.toml"
    path.write_text('inputs = [1, 8, 8]\n[[layers]]\nkind = "flatten"\n[[layers]]\n'
                    'units = 4096\n[[layers]]\nunits = 1\n')
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"symbackprop: error: {path}:4: [[layers]] #2: the network has "
                   f"{64 * 4096:,} weights and biases; the limit is 2,500"]
