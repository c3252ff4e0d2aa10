"""Tensor layer kinds (issue 15): each kind's derived gradients agree with the
hand-written NumPy reference (``reference_layers``) and with central finite differences,
over a corpus of small configurations; ties in max-pool follow the stated rule; the
spec's errors point at their line."""

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
from symbackprop.verify import check_gradients, normalized_error


def spec(inputs, *layers, loss="mse", batch=None):
    text = f"inputs = {inputs}\nloss = \"{loss}\"\n"
    if batch is not None:
        text += f"batch = {batch}\n"
    for layer in layers:
        text += "[[layers]]\n" + "".join(f"{k} = {v}\n" for k, v in layer.items())
    return loads(text)


CONV = {"kind": '"conv2d"'}
CORPUS = {
    "conv_relu_maxpool": spec("[1, 4, 4]", {**CONV, "filters": 2, "kernel": 3,
                              "activation": '"relu"', "bias": '"per_unit"'},
                              {"kind": '"maxpool"', "size": 2}, {"kind": '"flatten"'},
                              {"units": 1}),
    "stride_padding": spec("[2, 5, 5]", {**CONV, "filters": 2, "kernel": 3, "stride": 2,
                           "padding": 1, "activation": '"tanh"', "bias": '"per_unit"'},
                           {"kind": '"flatten"'}, {"units": 2, "bias": '"per_unit"'}),
    "rect_kernel": spec("[1, 4, 5]", {**CONV, "filters": 1, "kernel": "[2, 3]",
                        "stride": "[1, 2]"}, {"kind": '"avgpool"', "size": 2, "stride": 1},
                        {"kind": '"flatten"'}, {"units": 1, "activation": '"sigmoid"'},
                        loss="bce"),
    "overlapping_maxpool": spec("[1, 4, 4]", {"kind": '"maxpool"', "size": 2, "stride": 1},
                                {**CONV, "filters": 1, "kernel": 2},
                                {"kind": '"flatten"'}, {"units": 3}, loss="softmax_ce"),
    "conv1d": spec("[2, 6]", {"kind": '"conv1d"', "filters": 3, "kernel": 3, "stride": 1,
                   "padding": 1, "activation": '"sigmoid"', "bias": '"per_unit"'},
                   {"kind": '"flatten"'}, {"units": 1}, loss="half_sse"),
    "two_convs": spec("[1, 5, 5]", {**CONV, "filters": 2, "kernel": 2, "activation":
                      '"leaky_relu"'}, {**CONV, "filters": 1, "kernel": 2, "bias":
                      '"per_unit"'}, {"kind": '"avgpool"', "size": 3},
                      {"kind": '"flatten"'}, {"units": 1}),
    "rnn_last_T4": spec("[4, 2]", {"kind": '"rnn"', "units": 3, "bias": '"per_unit"'},
                        {"units": 1}),
    "rnn_all_T4": spec("[4, 2]", {"kind": '"rnn"', "units": 2, "output": '"all"'},
                       {"kind": '"flatten"'}, {"units": 2, "bias": '"per_unit"'},
                       loss="softmax_ce"),
    "bn_dense_B4": spec("[3]", {"units": 2, "bias": '"per_unit"'}, {"kind": '"batchnorm"'},
                        {"units": 1, "activation": '"tanh"'}, batch=4),
    "bn_dense_B1": spec("[3]", {"units": 2}, {"kind": '"batchnorm"'}, {"units": 1}, batch=1),
    "bn_conv_B4": spec("[1, 3, 3]", {**CONV, "filters": 2, "kernel": 2},
                       {"kind": '"batchnorm"'}, {"kind": '"flatten"'}, {"units": 1},
                       loss="half_sse", batch=4),
    "layernorm_dropout": spec("[2, 3]", {**{"kind": '"conv1d"'}, "filters": 2, "kernel": 2},
                              {"kind": '"layernorm"'}, {"kind": '"flatten"'},
                              {"kind": '"dropout"', "p": 0.25, "seed": 3}, {"units": 1}),
    "dropout_mask": spec("[4]", {"kind": '"dropout"', "p": 0.5, "mask": "[1, 0, 1, 1]"},
                         {"units": 2, "activation": '"sigmoid"'}, {"kind": '"layernorm"'},
                         {"units": 1}),
    "rnn_T1": spec("[1, 3]", {"kind": '"rnn"', "units": 2, "bias": '"per_unit"'},
                   {"units": 1}),
    # 4 positions over 2 ids: a token is always repeated
    "embedding_T4": spec("[4]", {"kind": '"embedding"', "num_embeddings": 2, "dim": 2},
                         {"kind": '"flatten"'}, {"units": 2, "activation": '"tanh"'}),
    "attention_T3": spec("[3, 2]", {"kind": '"attention"', "dim": 2}, {"kind": '"flatten"'},
                         {"units": 2, "activation": '"sigmoid"', "bias": '"per_unit"'}),
    "attention_T1": spec("[1, 3]", {"kind": '"attention"', "dim": 2}, {"kind": '"flatten"'},
                         {"units": 1}, loss="half_sse"),
    "embedding_attention": spec("[3]", {"kind": '"embedding"', "num_embeddings": 2, "dim": 2},
                                {"kind": '"attention"', "dim": 1}, {"kind": '"flatten"'},
                                {"units": 1}),
    "embedding_T1": spec("[1]", {"kind": '"embedding"', "num_embeddings": 3, "dim": 2},
                         {"kind": '"flatten"'}, {"units": 1, "bias": '"per_unit"'}),
    # residual blocks (F(x) + x, then the activation): dense; conv padded to keep shapes,
    # without and with batch norm (the ResNet basic block conv-BN-ReLU-conv-BN + skip, ReLU)
    "residual_dense": spec("[3]", {"units": 3, "activation": '"tanh"', "bias": '"per_unit"'},
                           {"units": 3}, {"kind": '"residual"', "from": 1,
                                          "activation": '"tanh"'}, {"units": 1}),
    "residual_conv": spec("[1, 3, 3]", {**CONV, "filters": 2, "kernel": 1},
                          {**CONV, "filters": 2, "kernel": 3, "padding": 1,
                           "activation": '"tanh"'},
                          {**CONV, "filters": 2, "kernel": 3, "padding": 1},
                          {"kind": '"residual"', "from": 2, "activation": '"relu"'},
                          {"kind": '"flatten"'}, {"units": 1}),
    "residual_conv_bn_B3": spec("[2, 3, 3]", {**CONV, "filters": 2, "kernel": 3, "padding": 1},
                                {"kind": '"batchnorm"', "activation": '"relu"'}, {**CONV, "filters": 2, "kernel": 3,
                                                         "padding": 1}, {"kind": '"batchnorm"'},
                                {"kind": '"residual"', "from": 1, "activation": '"relu"'},
                                {"kind": '"flatten"'}, {"units": 1}, batch=3),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.parametrize("n", [1, 4])
def test_agrees_with_reference_and_finite_differences(name, n):
    net = CORPUS[name]
    d = derive(build_graph(net))
    g = d.graph
    rng = np.random.default_rng(3)
    for _ in range(2):
        tensors = ref.init_params(net, rng, scale=0.7)
        at = g.sample(rng, n)
        loss, derived = evaluate(d, Values(at.inputs, at.targets, from_tensors(g, tensors)))
        # a graph over a batch (batch norm) holds its samples in one row
        X = at.inputs.reshape((-1,) + net.shape)
        T = at.targets.reshape(X.shape[0], -1)
        ref_loss, r = ref.backward(net, tensors, X, T)
        fd = ref.numeric_grad(net, tensors, X, T)
        assert loss == pytest.approx(ref_loss, rel=1e-10)
        assert set(r) == set(g.tensors)
        r, fd = from_tensors(g, r), from_tensors(g, fd)
        keys = list(g.params)
        unused = [k for k in keys if k not in derived]  # no path to the loss: 0
        assert all(r[k] == 0 and abs(fd[k]) < 1e-9 for k in unused)
        a = [derived.get(k, 0.0) for k in keys]
        assert normalized_error(a, [r[k] for k in keys]) < 1e-10
        assert normalized_error(a, [fd[k] for k in keys]) < 1e-6


def test_weight_sharing_is_a_sum_over_positions():
    """A 3 × 3 kernel over a 4 × 4 input slides over 2 × 2 positions: each kernel entry's
    gradient is a sum of 4 terms, one per position it is used at."""
    d = derive(build_graph(CORPUS["conv_relu_maxpool"]))
    step = d.gradients["K1_1_1_2_2"]
    assert type(step).__name__ == "Sum" and len(step.terms) == 4
    assert type(d.gradients["b1_1"]).__name__ == "Sum" and len(d.gradients["b1_1"].terms) == 4
    # padding: a corner entry of the kernel is used at fewer positions than the centre
    d2 = derive(build_graph(CORPUS["stride_padding"]))
    assert len(d2.gradients["K1_1_1_1_1"].terms) < len(d2.gradients["K1_1_1_2_2"].terms) == 9


def test_maxpool_tie_goes_to_the_first_in_row_major_order():
    """Hand arithmetic: two channels, a 1 × 1 kernel (k_1, k_2) = (1, 1) and inputs
    x_1 = (1, 0), x_2 = (0, 1) give z = (1, 1), a tie; max-pool over the pair, a dense
    weight 1, MSE with target 0: L = y², dL/dy = 2. The first position wins, so
    dL/dk_1 = 2·x_1[0] = 2 and dL/dk_2 = 2·x_2[0] = 0."""
    net = spec("[2, 1, 2]", {**CONV, "filters": 1, "kernel": 1},
               {"kind": '"maxpool"', "size": "[1, 2]"}, {"kind": '"flatten"'}, {"units": 1})
    d = derive(build_graph(net))
    g = d.graph
    tensors = {"1.weight": np.ones((1, 2, 1, 1)), "4.weight": np.ones((1, 1))}
    X = np.array([[1.0, 0.0, 0.0, 1.0]])
    loss, grads = evaluate(d, Values(X, [[0.0]], from_tensors(g, tensors)))
    derived = to_tensors(g, grads, 0.0)
    assert loss == 1.0
    assert derived["1.weight"].reshape(-1).tolist() == [2.0, 0.0]
    _, r = ref.backward(net, tensors, X.reshape(1, 2, 1, 2), np.array([[0.0]]))
    assert r["1.weight"].reshape(-1).tolist() == [2.0, 0.0]


def test_pytorch_layouts():
    g = build_graph(CORPUS["stride_padding"])
    assert g.tensors["1.weight"].shape == (2, 2, 3, 3)  # filters, channels, kh, kw
    assert g.tensors["1.bias"].shape == (2,)
    assert g.tensors["3.weight"].shape == (2, 2 * 3 * 3)  # out, in
    assert g.tensors["1.weight"][1, 0, 2, 1] == "K1_2_1_3_2"
    assert g.latex["K1_2_1_3_2"] == "K^{[1]}_{2,1,3,2}"


def test_bptt_weight_hh_is_a_sum_over_time_steps():
    """T = 4 steps, h_0 = 0: W_hh acts at steps 2, 3, 4, so each of its entries has 3 uses
    and its gradient is a sum of 3 terms; W_ih acts at all 4 steps."""
    d = derive(build_graph(CORPUS["rnn_last_T4"]))
    assert d.graph.tensors["1.weight_hh"].shape == (3, 3)
    assert d.graph.tensors["1.weight_ih"].shape == (3, 2)
    assert len(d.gradients["V1_2_3"].terms) == 3
    assert len(d.gradients["U1_1_2"].terms) == 4
    assert set(d.graph.tensors) == {"1.weight_ih", "1.weight_hh", "1.bias_ih", "1.bias_hh",
                                    "2.weight"}


@pytest.mark.parametrize("name", ["conv_relu_maxpool", "conv1d", "rnn_last_T4", "bn_dense_B4",
                                  "embedding_T4", "attention_T3", "residual_dense",
                                  "residual_conv"])
def test_verify_proves_each_kind(name):
    report = check_gradients(derive(build_graph(CORPUS[name])), points=1, batch=3)
    assert report.ok, report.failures
    assert all(r.symbolic.startswith("equal") for r in report.rows)


@pytest.mark.parametrize("text, where, message", [
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv3d"\n', ":3", "is not one of"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv2d"\nfilters = 1\nkernel = 5\n',
     ":3", "kernel 5 is larger than the padded input 4"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv2d"\nfilters = 1\nkernel = 3\n'
     '[[layers]]\nunits = 1\n', ":6", "flatten"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv2d"\nkernel = 3\n', ":2", "'filters'"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "maxpool"\nsize = 2\nfilters = 3\n', ":5",
     "unknown field 'filters'"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv2d"\nfilters = 1\nkernel = [2, 2, 2]\n',
     ":5", "a list of 2"),
    ('inputs = [1, 400, 4]\n[[layers]]\nkind = "flatten"\n', ":1", "inputs"),
    ('inputs = [1, 4, 4]\n[[layers]]\nkind = "conv2d"\nfilters = 1\nkernel = 3\n'
     '[[layers]]\nkind = "residual"\nfrom = 1\n', ":8", "the shapes must match"),
    ('inputs = [3]\n[[layers]]\nunits = 3\n[[layers]]\nkind = "residual"\nfrom = 3\n',
     ":6", "from = 3 must be a whole number between 1 and 1"),
    ('inputs = [3]\n[[layers]]\nkind = "residual"\nfrom = 1\n', ":3",
     "cannot be the first layer"),
])
def test_spec_errors_point_at_the_line(text, where, message):
    with pytest.raises(SpecError) as err:
        loads(text, source="net.toml")
    assert message in str(err.value)
    assert f"net.toml{where}" in str(err.value)


def test_dense_only_networks_stay_layered():
    net = loads('inputs = 2\n[[layers]]\nkind = "dense"\nunits = 1\n')
    assert type(net).__name__ == "Network"


def test_a_wrong_local_at_one_position_is_caught():
    """The local proof proves a repeated pattern once (proof.pattern); a wrong local
    derivative at one position of a convolution is still its own pattern, and is found."""
    from dataclasses import replace

    import sympy as sp

    from symbackprop.proof import local_problem

    d = derive(build_graph(CORPUS["conv_relu_maxpool"]))
    assert local_problem(d) == ""
    key = ("z1_2_2_1", "K1_2_1_2_2")
    assert key in d.locals
    d.locals[key] = replace(d.locals[key], expr=d.locals[key].expr + sp.Rational(1, 7))
    assert local_problem(d) == "local dz1_2_2_1/dK1_2_1_2_2"


def test_batch_only_with_batchnorm():
    with pytest.raises(SpecError) as err:
        loads('inputs = [3]\nbatch = 4\n[[layers]]\nkind = "dense"\nunits = 1\n'
              '[[layers]]\nkind = "flatten"\n', source="net.toml")
    assert "batch only applies to a network with a batchnorm layer" in str(err.value)
    assert "net.toml:2" in str(err.value)


def test_batchnorm_hand_arithmetic():
    """Two samples, one feature, γ = 1, β = 0: a = (1, 3) gives μ = 2, σ² = 1 and
    y = (a − μ)/√(1 + 1e-5) = (−1, 1)/√1.00001. A dense weight 1 and MSE against targets
    (0, 0): L = ((y_1)² + (y_2)²)/2 = 1/1.00001, and since Σ y² is fixed by the
    normalisation, dL/dγ = Σ g ŷ = 2/1.00001 while dL/dβ = Σ g = 0."""
    from symbackprop.layers.tensors import from_tensors as ft

    net = spec("[1]", {"units": 1}, {"kind": '"batchnorm"'}, {"units": 1}, batch=2)
    d = derive(build_graph(net))
    g = d.graph
    tensors = {"1.weight": np.array([[1.0]]), "2.weight": np.array([1.0]),
               "2.bias": np.array([0.0]), "3.weight": np.array([[1.0]])}
    loss, grads = evaluate(d, Values([[1.0, 3.0]], [[0.0, 0.0]], ft(g, tensors)))
    assert loss == pytest.approx(1 / 1.00001, rel=1e-12)
    got = to_tensors(g, grads, 0.0)
    assert got["2.weight"][0] == pytest.approx(2 / 1.00001, rel=1e-12)
    assert abs(got["2.bias"][0]) < 1e-12


def test_shared_compiled_functions_keep_constants_and_arguments_apart():
    """numeric.lambdify_sorted shares a compiled function between expressions of the same
    shape; a constant (0) and a lone symbol, or x - y and y - x, must not share one."""
    import sympy as sp

    from symbackprop.numeric import lambdify_sorted

    x, y = sp.symbols("x y", real=True)
    assert lambdify_sorted(sp.Integer(0))() == 0
    assert lambdify_sorted(x)(3.0) == 3.0
    assert lambdify_sorted(x - y)(5.0, 2.0) == 3.0
    a, b = sp.symbols("a b", real=True)
    assert lambdify_sorted(b - a)(5.0, 2.0) == -3.0  # sorted: a = 5, b = 2


def test_residual_block_input_gradient_is_identity_plus_path_through_F():
    """∂r/∂x = I + ∂F/∂x: the block's input z1 (layer 2's input, 2 × 3 × 3) feeds the
    residual sum r4 once (the identity path) and, with padding 1, all 3 × 3 positions of
    each of layer 2's 2 filters: 18 + 1 terms by hand count."""
    d = derive(build_graph(CORPUS["residual_conv"]))
    assert d.graph.nodes["r4_1_2_2"].inputs == ("z3_1_2_2", "z1_1_2_2")
    terms = d.deltas["z1_1_2_2"].terms
    assert len(terms) == 19
    identity = [t for t in terms if "r4_1_2_2" in str(t)]
    assert len(identity) == 1


@pytest.mark.parametrize("preset", ["conv2d", "batchnorm", "embedding"])
def test_the_verification_table_is_at_the_worked_example(preset):
    """The page's verification table shows the worked example, the point its other numbers
    are at: each row's NumPy column is the reference's gradient there (run here)."""
    from symbackprop.lesson import build_lesson
    from symbackprop.spec import load

    net = load(preset)
    lesson = build_lesson(net, points=1, symbolic=False)
    g, ex = lesson.derivation.graph, lesson.values
    n = net.batch if net.coupled else np.asarray(ex.targets).shape[0]
    X = np.asarray(ex.inputs, dtype=float).reshape((n,) + net.shape)
    T = np.asarray(ex.targets, dtype=float).reshape(n, -1)
    _, grads = ref.backward(net, to_tensors(g, ex.params), X, T)
    want = from_tensors(g, grads)
    rows = lesson.report.rows
    assert len(rows) == len(want)
    for row in rows:
        assert row.reference == pytest.approx(want[row.param], rel=1e-12, abs=1e-15)
        assert row.derived == pytest.approx(want[row.param], rel=1e-9, abs=1e-12)
