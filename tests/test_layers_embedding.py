"""The embedding kind (issue 15): a row's gradient is the sum over the positions where
its token occurs (hand arithmetic), token ids are checked where they are read, and an
embedding is the first layer."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop.derive import derive
from symbackprop.errors import SpecError
from symbackprop.graph import build_graph
from symbackprop.layers.tensors import from_tensors, to_tensors
from symbackprop.layers.values import parse_tensor_values
from symbackprop.numeric import Values, evaluate
from symbackprop.spec import loads

SPEC = """inputs = [4]
loss = "mse"
[[layers]]
kind = "embedding"
num_embeddings = 3
dim = 2
[[layers]]
kind = "flatten"
[[layers]]
units = 1
"""


def test_a_repeated_token_sums_its_positions():
    """Hand arithmetic: ids (2, 0, 2, 1), E = 0 except E[2] = (1, 0), dense weights
    w = (1, 2, ..., 8), target 0. z = E[2]·(w_1, w_2) + E[2]·(w_5, w_6) = 1 + 5 = 6,
    L = z² = 36, δ = dL/dz = 12. Token 2 sits at positions 1 and 3, so
    dL/dE[2, d] = 12 (w_{d} + w_{4+d}) = (72, 96); token 0 at position 2: 12 (w_3, w_4) =
    (36, 48); token 1 at position 4: 12 (w_7, w_8) = (84, 96)."""
    net = loads(SPEC)
    d = derive(build_graph(net))
    g = d.graph
    E = np.zeros((3, 2))
    E[2] = (1, 0)
    tensors = {"1.weight": E, "3.weight": np.arange(1.0, 9.0).reshape(1, 8)}
    X = np.array([[2.0, 0.0, 2.0, 1.0]])
    loss, grads = evaluate(d, Values(X, [[0.0]], from_tensors(g, tensors)))
    derived = to_tensors(g, grads, 0.0)
    assert loss == 36.0
    assert derived["1.weight"].tolist() == [[36, 48], [84, 96], [72, 96]]
    _, r = ref.backward(net, tensors, X, np.array([[0.0]]))
    assert r["1.weight"].tolist() == [[36, 48], [84, 96], [72, 96]]
    # the step of a table entry is a sum over the 4 positions (one consumer each)
    step = d.gradients["E1_3_1"]
    assert type(step).__name__ == "Sum" and len(step.terms) == 4


@pytest.mark.parametrize("ids, message", [
    ([0, 1, 3, 0], "whole numbers from 0 to 2"),
    ([0, 1.5, 2, 0], "whole numbers from 0 to 2"),
    ([0, -1, 2, 0], "whole numbers from 0 to 2"),
])
def test_token_ids_are_checked(ids, message):
    g = build_graph(loads(SPEC))
    data = {"inputs": ids, "targets": [0.0],
            "tensors": {"1.weight": [[0, 0]] * 3, "3.weight": [[0] * 8]}}
    with pytest.raises(SpecError, match=message):
        parse_tensor_values(data, g)
    data["inputs"] = [2, 0, 2, 1]
    assert parse_tensor_values(data, g).inputs.tolist() == [[2, 0, 2, 1]]


def test_embedding_is_the_first_layer():
    text = SPEC.replace('[[layers]]\nkind = "embedding"',
                        '[[layers]]\nkind = "flatten"\n[[layers]]\nkind = "embedding"', 1)
    with pytest.raises(SpecError, match="first layer"):
        loads(text)
