"""A residual block written as a group (issue 15): ``residual = true`` on a ``[[layers]]``
table whose ``[[layers.layers]]`` are the block F. It reads as the flat spelling (the
group's layers numbered where they stand, then a ``kind = "residual"`` layer with ``from`` =
the group's first layer): the same layers, tensor keys and derivation, and gradients that
agree with the hand-written NumPy reference and finite differences. Errors point at the
line of the table they are about."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop.derive import derive
from symbackprop.errors import SpecError
from symbackprop.graph import build_graph
from symbackprop.layers.tensors import from_tensors
from symbackprop.numeric import Values, evaluate
from symbackprop.spec import load, loads
from symbackprop.verify import check_gradients, normalized_error

CONV3 = 'kind = "conv2d"\nfilters = 1\nkernel = 3\npadding = 1\n'

# The ResNet basic block after a stem convolution, both spellings.
FLAT = f"""inputs = [1, 4, 4]
batch = 2
[[layers]]
kind = "conv2d"
filters = 1
kernel = 2
activation = "tanh"
[[layers]]
{CONV3}[[layers]]
kind = "batchnorm"
activation = "relu"
[[layers]]
{CONV3}bias = "per_unit"
[[layers]]
kind = "batchnorm"
[[layers]]
kind = "residual"
from = 2
activation = "relu"
[[layers]]
kind = "flatten"
[[layers]]
units = 1
"""
GROUP = f"""inputs = [1, 4, 4]
batch = 2
[[layers]]
kind = "conv2d"
filters = 1
kernel = 2
activation = "tanh"
[[layers]]
residual = true
activation = "relu"
  [[layers.layers]]
  {CONV3}  [[layers.layers]]
  kind = "batchnorm"
  activation = "relu"
  [[layers.layers]]
  {CONV3}  bias = "per_unit"
  [[layers.layers]]
  kind = "batchnorm"
[[layers]]
kind = "flatten"
[[layers]]
units = 1
"""

# A block within a block over dense layers: layers 1-2 and the inner residual 3 (from 2)
# make the outer F, closed by the residual 4 (from 1).
NESTED_FLAT = """inputs = [3]
[[layers]]
units = 3
activation = "tanh"
bias = "per_unit"
[[layers]]
units = 3
activation = "sigmoid"
[[layers]]
kind = "residual"
from = 2
[[layers]]
kind = "residual"
from = 1
activation = "tanh"
[[layers]]
units = 2
"""
NESTED_GROUP = """inputs = [3]
[[layers]]
residual = true
activation = "tanh"
[[layers.layers]]
units = 3
activation = "tanh"
bias = "per_unit"
[[layers.layers]]
residual = true
[[layers.layers.layers]]
units = 3
activation = "sigmoid"
[[layers]]
units = 2
"""

# Inline tables are TOML too.
INLINE = """inputs = [3]
[[layers]]
residual = true
layers = [{units = 3, activation = "tanh"}, {units = 3, bias = "per_unit"}]
[[layers]]
units = 1
"""
INLINE_FLAT = """inputs = [3]
[[layers]]
units = 3
activation = "tanh"
[[layers]]
units = 3
bias = "per_unit"
[[layers]]
kind = "residual"
from = 1
[[layers]]
units = 1
"""

PAIRS = {"resblock": (GROUP, FLAT), "nested": (NESTED_GROUP, NESTED_FLAT),
         "inline": (INLINE, INLINE_FLAT)}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_group_reads_as_the_flat_spelling(name):
    group, flat = (loads(t) for t in PAIRS[name])
    assert [type(layer).__name__ for layer in group.layers] == \
        [type(layer).__name__ for layer in flat.layers]
    assert group.layers == flat.layers and group.shapes == flat.shapes
    g, f = build_graph(group), build_graph(flat)
    assert {k: v.shape for k, v in g.tensors.items()} == \
        {k: v.shape for k, v in f.tensors.items()}
    assert all((g.tensors[k] == f.tensors[k]).all() for k in f.tensors)


def test_resblock_group_keys_are_pytorch_numbered():
    """Layer 1 the stem, 2-5 the block (conv, BN, conv, BN), 6 the residual, 8 the dense."""
    g = build_graph(loads(GROUP))
    assert sorted(g.tensors) == ["1.weight", "2.weight", "3.bias", "3.weight", "4.bias",
                                 "4.weight", "5.bias", "5.weight", "8.weight"]
    assert g.tensors["2.weight"].shape == (1, 1, 3, 3)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_group_gradients_agree_with_reference_and_finite_differences(name):
    group, flat = (loads(t) for t in PAIRS[name])
    d, d_flat = derive(build_graph(group)), derive(build_graph(flat))
    g = d.graph
    rng = np.random.default_rng(5)
    tensors = ref.init_params(group, rng, scale=0.7)
    at = g.sample(rng, group.batch if group.coupled else 3)
    values = Values(at.inputs, at.targets, from_tensors(g, tensors))
    loss, derived = evaluate(d, values)
    loss_flat, derived_flat = evaluate(d_flat, values)
    X = at.inputs.reshape((-1,) + group.shape)
    T = at.targets.reshape(X.shape[0], -1)
    ref_loss, r = ref.backward(flat, tensors, X, T)
    fd = ref.numeric_grad(flat, tensors, X, T)
    assert loss == pytest.approx(ref_loss, rel=1e-10) and loss_flat == loss
    assert set(r) == set(g.tensors)
    r, fd = from_tensors(g, r), from_tensors(g, fd)
    keys = list(g.params)
    a = [derived.get(k, 0.0) for k in keys]
    assert a == [derived_flat.get(k, 0.0) for k in keys]
    assert normalized_error(a, [r[k] for k in keys]) < 1e-10
    assert normalized_error(a, [fd[k] for k in keys]) < 1e-6


def test_nested_group_verifies():
    report = check_gradients(derive(build_graph(loads(NESTED_GROUP))), points=1, batch=2)
    assert report.ok, report.failures


def test_resblock_preset_is_the_group_spelling():
    """The preset is written as a group; it reads as the flat block of layers 2 to 5."""
    text = resources.files("symbackprop.presets").joinpath("resblock.toml").read_text()
    assert "[[layers.layers]]" in text and '\nkind = "residual"' not in text
    net = load("resblock")
    assert net.layers[5].kind == "residual" and net.layers[5].start == 2
    assert net.layers[5].activation == "relu"
    assert [layer.kind for layer in net.layers[1:5]] == ["conv2d", "batchnorm", "conv2d",
                                                         "batchnorm"]


def test_dense_network_residual_true_is_still_a_skip_per_layer():
    """The dense spec's own ``residual = true`` on a layer (h = h_prev + act(z)) is kept."""
    net = loads('inputs = 2\n[[layers]]\nunits = 2\nresidual = true\nactivation = "tanh"\n'
                '[[layers]]\nunits = 1\n')
    assert net.layers[0].residual and type(net).__name__ == "Network"


HEAD = "inputs = [3]\n"
ERRORS = [
    # a group without residual = true: at the group's header, or at residual = false
    (HEAD + "[[layers]]\n[[layers.layers]]\nunits = 3\n", ":2", "needs residual = true"),
    (HEAD + "[[layers]]\nresidual = false\n[[layers.layers]]\nunits = 3\n", ":3",
     "needs residual = true"),
    (HEAD + "[[layers]]\nresidual = true\nlayers = []\n[[layers]]\nunits = 1\n", ":2",
     "the group is empty"),
    (HEAD + "[[layers]]\nresidual = true\nkind = \"dense\"\n[[layers.layers]]\nunits = 3\n",
     ":4", "a group has no kind"),
    (HEAD + "[[layers]]\nresidual = true\nfrom = 1\n[[layers.layers]]\nunits = 3\n", ":4",
     "unknown field 'from' in [[layers]] #1 (a residual group, from layer 1)"),
    (HEAD + "[[layers]]\nresidual = true\nactivation = \"relux\"\n[[layers.layers]]\n"
     "units = 3\n", ":4", "activation = 'relux' is not one of"),
    # residual on a layer without layers inside, in a tensor network
    (HEAD + "[[layers]]\nunits = 3\nresidual = true\n", ":4",
     "residual marks a group of layers: put the block's layers under it as "
     "[[layers.layers]]"),
    # the skip's shapes: at the group's residual = true line
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layers]]\nunits = 2\n", ":3",
     "layer 2 (the residual of the group [[layers]] #1): the skip adds the input of "
     "layer 1 ([3]) to the block's output ([2])"),
    # an inner layer's field: at its line, named by its number and its place
    (HEAD + "[[layers]]\nunits = 3\n[[layers]]\nresidual = true\n[[layers.layers]]\n"
     "units = 3\n[[layers.layers]]\nunits = 3\nactivaton = \"tanh\"\n", ":10",
     "unknown field 'activaton' in layer 3 (dense, #2 in the residual group [[layers]] #2)"),
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layers]]\nkind = \"conv2d\"\n", ":4",
     "layer 1 (#1 in the residual group [[layers]] #1): missing field 'filters'"),
    # after a group the numbers run on: [[layers]] #2 is layer 3
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layers]]\nunits = 3\n[[layers]]\n"
     "units = 1\nbias = 3\n", ":8", "bias = 3 is not one of"),
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layers]]\nunits = 3\n[[layers]]\n"
     "unit = 1\n", ":7", "unknown field 'unit' in layer 3 (dense, [[layers]] #2)"),
    (HEAD + "[[layers]]\nresidual = true\nlayers = [3]\n", ":2",
     "each [[layers.layers]] entry must be a table"),
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layers]]\nresidual = true\n"
     "[[layers.layers.layers]]\nresidual = true\n[[layers.layers.layers.layers]]\n"
     "residual = true\n[[layers.layers.layers.layers.layers]]\nunits = 3\n", ":6",
     "groups nest at most 3 deep"),
    (HEAD + "[[layers]]\nresidual = true\n[[layers.layer]]\nunits = 3\n", ":2",
     "[[layers.layer]] is not a table the spec knows: a group's layers are "
     "[[layers.layers]]"),
    (HEAD + "[[layers]]\nkind = [1]\n", ":3", "kind = [1] is not one of"),
    # a group in a dense network makes it a tensor network: its inputs are a shape
    ("inputs = 3\n[[layers]]\nresidual = true\n[[layers.layers]]\nunits = 3\n", ":1",
     "write inputs = [3]"),
]


@pytest.mark.parametrize("text, where, message", ERRORS)
def test_group_errors_point_at_their_line(text, where, message):
    with pytest.raises(SpecError) as e:
        loads(text, source="net.toml")
    assert e.value.where == f"net.toml{where}"
    assert message in e.value.message
    assert "\n" not in str(e.value)


def test_grad_json_is_the_same_for_both_spellings(tmp_path):
    """``grad --json --seed`` over the same inputs: the same "tensors" and
    "tensor_gradients", key for key and number for number."""
    values = tmp_path / "values.json"
    x = (np.arange(32).reshape(2, 1, 4, 4) % 5 - 2.0) / 2
    values.write_text(json.dumps({"inputs": x.tolist(), "targets": [[0.5], [-0.5]]}))
    out = []
    for name, text in (("group", GROUP), ("flat", FLAT)):
        spec = tmp_path / f"{name}.toml"
        spec.write_text(text)
        run = subprocess.run([sys.executable, "-m", "symbackprop", "grad", str(spec), "--at",
                              str(values), "--json", "--seed", "7"], capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        out.append(json.loads(run.stdout))
    group, flat = out
    assert sorted(group["tensor_gradients"]) == sorted(flat["tensor_gradients"]) == \
        ["1.weight", "2.weight", "3.bias", "3.weight", "4.bias", "4.weight", "5.bias",
         "5.weight", "8.weight"]
    assert group["tensors"] == flat["tensors"]
    assert group["tensor_gradients"] == flat["tensor_gradients"]
