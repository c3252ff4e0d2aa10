"""The attention kind (issue 15): hand arithmetic through the row softmax, and the
PyTorch-style keys "<l>.W_q", "<l>.W_k", "<l>.W_v" (d_in × d_k, tokens as rows)."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop.derive import derive
from symbackprop.errors import SpecError
from symbackprop.graph import build_graph
from symbackprop.layers.tensors import from_tensors, to_tensors
from symbackprop.numeric import Values, evaluate
from symbackprop.spec import loads

SPEC = """inputs = [2, 2]
loss = "mse"
[[layers]]
kind = "attention"
dim = 1
[[layers]]
kind = "flatten"
[[layers]]
units = 1
"""


def test_softmax_backward_by_hand():
    """X = I (2 tokens, 2 features), W_q = 0, W_k = (1, 3)ᵀ, W_v = (1, 2)ᵀ, dense (1, 1),
    target 0. Q = 0, so every score is 0 and α = 1/2 everywhere; v = (1, 2), both outputs
    (1 + 2)/2, y = 3, L = 9, dL/dy = 6 = ō_t. Then dL/dW_v[i] = Σ_{t,u} ō_t α_{t,u} x_{u,i}
    = 6; ᾱ_{t,u} = ō_t v_u = (6, 12), Σ_w α ᾱ = 9, s̄_t = ½ (6 − 9, 12 − 9) = (−1.5, 1.5),
    q̄_t = Σ_u s̄_{t,u} k_u = −1.5·1 + 1.5·3 = 3, dL/dW_q[i] = Σ_t x_{t,i} q̄_t = 3;
    k̄_u = Σ_t s̄_{t,u} q_t = 0, so dL/dW_k = 0."""
    net = loads(SPEC)
    d = derive(build_graph(net))
    g = d.graph
    assert {k: v.shape for k, v in g.tensors.items()} == {
        "1.W_q": (2, 1), "1.W_k": (2, 1), "1.W_v": (2, 1), "3.weight": (1, 2)}
    tensors = {"1.W_q": np.zeros((2, 1)), "1.W_k": np.array([[1.0], [3.0]]),
               "1.W_v": np.array([[1.0], [2.0]]), "3.weight": np.ones((1, 2))}
    X = np.eye(2).reshape(1, 4)
    loss, grads = evaluate(d, Values(X, [[0.0]], from_tensors(g, tensors)))
    derived = to_tensors(g, grads, 0.0)
    assert loss == 9.0
    expected = {"1.W_q": [[3.0], [3.0]], "1.W_k": [[0.0], [0.0]], "1.W_v": [[6.0], [6.0]]}
    _, r = ref.backward(net, tensors, np.eye(2)[None], np.array([[0.0]]))
    for name, want in expected.items():
        assert np.allclose(derived[name], want, atol=1e-12), name
        assert np.allclose(r[name], want, atol=1e-12), name


def test_one_token_attends_to_itself():
    """T = 1: the softmax of one score is 1, so o = v and the queries and keys get no
    gradient, whatever the weights."""
    net = loads(SPEC.replace("inputs = [2, 2]", "inputs = [1, 2]"))
    d = derive(build_graph(net))
    g = d.graph
    rng = np.random.default_rng(5)
    tensors = ref.init_params(net, rng)
    at = g.sample(rng, 3)
    _, grads = evaluate(d, Values(at.inputs, at.targets, from_tensors(g, tensors)))
    derived = to_tensors(g, grads, 0.0)
    assert np.all(derived["1.W_q"] == 0) and np.all(derived["1.W_k"] == 0)
    assert np.any(derived["1.W_v"] != 0)


def test_the_page_derives_the_step_through_the_softmax(tmp_path):
    """The attention page shows dL/ds: the score's gradient summed over its row's weights,
    each local derivative the softmax's α_{t,u}([u = u'] − α_{t,u'})."""
    from symbackprop.cli import main

    assert main(["lesson", "attention", "-o", str(tmp_path)]) == 0
    page = (tmp_path / "attention.md").read_text()
    assert r"### $dL/ds^{[1]}_{1,1}$" in page
    assert (r"\frac{d\alpha^{[1]}_{1,1}}{ds^{[1]}_{1,1}} = \alpha^{[1]}_{1,1} "
            r"\left(1 - \alpha^{[1]}_{1,1}\right)") in page
    assert r"\frac{d\alpha^{[1]}_{1,2}}{ds^{[1]}_{1,1}} = - \alpha^{[1]}_{1,1} \alpha^{[1]}_{1,2}" \
        in page


def test_a_long_sequence_is_refused_at_its_line():
    with pytest.raises(SpecError, match=r"at most 8 tokens \(T² scores\), got T = 9"):
        loads(SPEC.replace("inputs = [2, 2]", "inputs = [9, 2]"))
