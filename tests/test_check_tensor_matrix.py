"""The checker reads tensor (matrix-form) claims about tensor layers (issue 15, point 4):
BPTT's ∂L/∂V = Σ_t δ_t h_{t-1}^⊤, attention's ∂L/∂W_q = X^⊤ ∂L/∂Q, a dense layer's
∂L/∂W^{[4]} = δ^{[4]} a^{[3]⊤} inside a CNN. Right forms are accepted; wrong ones are
refuted with the diagnosis a grader names, and the numbers the message shows are checked
against the independent NumPy reference (``reference_layers``: hand-written loops, no code
shared with the graph, the adjoint sweep or the checker), computed here at the page's
worked example."""

import re
import time

import numpy as np
import pytest

from symbackprop import reference_layers as ref
from symbackprop import spec as specs
from symbackprop.check import check_equation, check_text
from symbackprop.graph import build_graph

DL = r"\frac{\partial L}{\partial "


def reference(name):
    """(net, params, X, gradients by PyTorch key, dL/d(input of each layer), caches) of
    the NumPy reference at the page's worked example (one sample)."""
    net = specs.load(name)
    g = build_graph(net)
    ex = g.example
    params = {t: np.vectorize(lambda k: ex.params[k], otypes=[float])(keys)
              for t, keys in g.tensors.items()}
    X = ex.inputs.reshape((1,) + tuple(net.shape))
    T = ex.targets.reshape(1, -1)
    taps: dict = {}
    _, grads = ref.backward(net, params, X, T, taps)
    _, caches = ref.forward(net, params, X)
    return net, params, X, grads, taps, caches


def shown(message):
    """(entry (0-based), right value, left value) of a 'sides differ' message."""
    m = re.search(r"entry \(([\d, ]+)\) is (\S+) on the right, (\S+) on the left", message)
    assert m, message
    return (tuple(int(i) - 1 for i in m[1].split(",")), float(m[2]), float(m[3]))


def check(name, text):
    r = check_equation(name, text)
    assert "\n" not in r.message, r.message
    return r


# ---------------------------------------------------------------------------- rnn

RNN_RIGHT = [
    DL + r"V} = \sum_t \boldsymbol{\delta}_t \mathbf{h}_{t-1}^{\top}",
    DL + r"W_{hh}} = \sum_{t=2}^{T} \boldsymbol{\delta}_t \mathbf{h}_{t-1}^{\top}",
    DL + r"V^{[1]}} = \sum_{t} \delta_t h_{t-1}^\top",
    r"\partial L/\partial V = \sum_t \boldsymbol{\delta}_t\, \mathbf{h}_{t-1}^{\top}",
    DL + r"U} = \sum_t \boldsymbol{\delta}_t \mathbf{x}_t^{\top}",
    DL + r"W_{ih}} = \sum_{t=1}^{T} \boldsymbol{\delta}_t \mathbf{x}_t^{T}",
    DL + r"b} = \sum_t \boldsymbol{\delta}_t",
    DL + r"b_{hh}} = \sum_t \boldsymbol{\delta}_t",
    DL + r"W^{[2]}} = \boldsymbol\delta^{[2]} \mathbf{h}_{T}^{\top}",
    DL + r"W^{[2]}} = \boldsymbol\delta^{[2]} \mathbf{a}^{[1]\top}",
]


@pytest.mark.parametrize("text", RNN_RIGHT)
def test_rnn_right_forms_are_accepted(text):
    r = check("rnn", text)
    assert (r.kind, r.verdict) == ("tensor", "correct"), r.message
    assert "worked example" in r.message


def test_rnn_numbers_are_the_references():
    """A claim off by a factor 2: the left side the message shows is the reference's
    dL/dW_hh at its largest entry, the right side twice it."""
    _, _, _, grads, _, _ = reference("rnn")
    dV = grads["1.weight_hh"]
    r = check("rnn", DL + r"V} = 2 \sum_t \boldsymbol{\delta}_t \mathbf{h}_{t-1}^{\top}")
    assert r.verdict == "wrong"
    e, right, left = shown(r.message)
    assert e == np.unravel_index(np.argmax(np.abs(dV)), dV.shape)
    assert left == pytest.approx(dV[e], rel=1e-5)
    assert right == pytest.approx(2 * dV[e], rel=1e-5)
    assert r.diagnosis is None  # no one change of this list makes it right


def test_rnn_swapped_order_is_the_transpose():
    """Σ h_{t-1} δ_t^⊤ is (dL/dV)^⊤: square here, so the shapes agree and the entries
    differ; each number shown is the reference's, the right one at the mirrored entry."""
    _, _, _, grads, _, _ = reference("rnn")
    dV = grads["1.weight_hh"]
    r = check("rnn", DL + r"V} = \sum_t \mathbf{h}_{t-1} \boldsymbol{\delta}_t^{\top}")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_transposed")
    (i, j), right, left = shown(r.message)
    assert left == pytest.approx(dV[i, j], rel=1e-5)
    assert right == pytest.approx(dV[j, i], rel=1e-5)
    assert "wrong order" in r.message


def test_rnn_missing_transpose_names_the_shapes():
    r = check("rnn", DL + r"V} = \sum_t \boldsymbol{\delta}_t \mathbf{h}_{t-1}")
    assert (r.verdict, r.diagnosis) == ("wrong", "transpose_missing")
    assert "2 × 1 times 2 × 1" in r.message and "cannot be formed" in r.message


def test_rnn_inner_product_for_outer():
    r = check("rnn", DL + r"V} = \sum_t \mathbf{h}_{t-1}^{\top} \boldsymbol{\delta}_t")
    assert (r.verdict, r.diagnosis) == ("wrong", "order")
    assert "the left side is 2 × 2, the right side 1 × 1" in r.message


def test_rnn_last_step_only():
    """δ_T h_{T-1}^⊤ keeps only BPTT's last term: the right value shown is that term,
    computed here from the reference's own forward states and the gradient it passes to
    the dense layer (δ_T = dL/dh_T ⊙ (1 − h_T²): nothing comes back from a later step)."""
    _, _, _, grads, taps, caches = reference("rnn")
    hs = caches[0][1][0]  # the rnn's states, T × units
    delta_T = taps[2][0] * (1 - hs[-1] ** 2)
    last = np.outer(delta_T, hs[-2])
    r = check("rnn", DL + r"V} = \boldsymbol{\delta}_T \mathbf{h}_{T-1}^{\top}")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_last_step")
    e, right, left = shown(r.message)
    assert right == pytest.approx(last[e], rel=1e-5)
    assert left == pytest.approx(grads["1.weight_hh"][e], rel=1e-5)


def test_rnn_h_t_for_h_t_minus_1():
    r = check("rnn", DL + r"V} = \sum_t \boldsymbol{\delta}_t \mathbf{h}_{t}^{\top}")
    assert (r.verdict, r.diagnosis) == ("wrong", "step_shift")
    assert r"h_{t}^{\top} where h_{t-1}^{\top} was due" in r.message


def test_rnn_of_four_steps_from_a_users_spec(tmp_path):
    """T = 4 steps of 3 features, 3 units, no biases: the sums run over 4 steps; a
    lower bound of 3 drops a term and is refuted."""
    p = tmp_path / "r.toml"
    p.write_text('inputs = [4, 3]\nloss = "mse"\n[[layers]]\nkind = "rnn"\nunits = 3\n'
                 '[[layers]]\nunits = 1\n')
    r = check(str(p), DL + r"V} = \sum_t \boldsymbol{\delta}_t \mathbf{h}_{t-1}^{\top}")
    assert r.verdict == "correct" and r.message.startswith("holds entry by entry (3 × 3) ")
    r = check(str(p), DL + r"V} = \sum_{t=3}^{T} \boldsymbol{\delta}_t \mathbf{h}_{t-1}^{\top}")
    assert r.verdict == "wrong"


# ---------------------------------------------------------------------------- attention

@pytest.mark.parametrize("text", [
    DL + r"W_q} = X^\top \frac{\partial L}{\partial Q}",
    DL + r"W_k} = X^{\top} \bar{K}",
    DL + r"W_v} = X^{T} dV",
    DL + r"{W_q}^{[1]}} = \mathbf{X}^{\top} \bar{Q}",
    r"Q = X W_q",
    r"\bar{Q} = \frac{\bar{S} K}{\sqrt{d_k}}",
    r"\bar{V} = A^{\top} \bar{O}",
])
def test_attention_right_forms_are_accepted(text):
    r = check("attention", text)
    assert (r.kind, r.verdict) == ("tensor", "correct"), r.message


def test_attention_wrong_forms():
    r = check("attention", DL + r"W_q} = \frac{\partial L}{\partial Q} X^\top")
    assert (r.verdict, r.diagnosis) == ("wrong", "order")
    assert "the left side is 2 × 2, the right side 3 × 3" in r.message
    r = check("attention", DL + r"W_q} = X \bar{Q}")
    assert (r.verdict, r.diagnosis) == ("wrong", "transpose_missing")
    assert "3 × 2 times 3 × 2" in r.message


def test_attention_another_projection():
    """X^⊤ K̄ for W_q: the numbers shown are the reference's dL/dW_k and dL/dW_q."""
    _, _, _, grads, _, _ = reference("attention")
    r = check("attention", DL + r"W_q} = X^\top \bar{K}")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_other")
    e, right, left = shown(r.message)
    assert right == pytest.approx(grads["1.W_k"][e], rel=1e-5)
    assert left == pytest.approx(grads["1.W_q"][e], rel=1e-5)
    assert r"\bar{K} where \bar{Q} was due" in r.message


# ---------------------------------------------------------------------------- dense

@pytest.mark.parametrize("name,l", [("conv2d", 4), ("pooling", 5)])
def test_dense_layer_inside_a_cnn(name, l):
    _, _, _, grads, _, _ = reference(name)
    dW = grads[f"{l}.weight"]
    right = DL + rf"W^{{[{l}]}}}} = \boldsymbol\delta^{{[{l}]}} \mathbf{{a}}^{{[{l - 1}]\top}}"
    assert check(name, right).verdict == "correct"
    r = check(name, DL + rf"W^{{[{l}]}}}} = 3 \delta^{{[{l}]}} a^{{[{l - 1}]\top}}")
    e, shown_right, left = shown(r.message)
    assert left == pytest.approx(dW[e], rel=1e-5)
    assert shown_right == pytest.approx(3 * dW[e], rel=1e-5)
    if dW.size > 1:  # pooling's last layer has one weight: its transpose is itself
        r = check(name, DL + rf"W^{{[{l}]}}}} = \delta^{{[{l}]}} a^{{[{l - 1}]}}")
        assert (r.verdict, r.diagnosis) == ("wrong", "transpose_missing")


def test_dense_transposed_on_conv2d():
    r = check("conv2d", DL + r"W^{[4]}} = \mathbf{a}^{[3]} \boldsymbol\delta^{[4]\top}")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_transposed")
    assert "the left side is 1 × 8, the right side 8 × 1" in r.message


# ---------------------------------------------------------------------------- odd input

@pytest.mark.parametrize("name,text,verdict,says", [
    ("rnn", DL + r"V} = \sum_t \delta_t g_{t-1}^\top", "error", "g: no tensor"),
    ("rnn", DL + r"V} = \sum_t \delta_t h_{s-1}^\top", "error", "not summed"),
    ("rnn", DL + r"V} = \delta_t h_{t-1}^\top", "error", "not summed"),
    ("rnn", DL + r"V} = \sum_{t=1}^{1000} \delta_t h_{t-1}^\top", "error", "more than 64"),
    ("conv2d", DL + r"K} = X^\top \delta", "not_checked", "K has 4 indices"),
])
def test_odd_input_one_line(name, text, verdict, says):
    r = check(name, text)
    assert (r.kind, r.verdict) == ("tensor", verdict) and says in r.message, r.message


def test_other_claims_still_go_to_their_readers():
    """An entry is a scalar claim, letter indices an index claim: not read here."""
    _, _, _, grads, _, _ = reference("rnn")
    v = grads["1.weight_hh"][0, 1]
    r = check("rnn", DL + rf"V^{{[1]}}_{{1,2}}}} = {v:.6g}")
    assert (r.kind, r.verdict) == ("derivative", "correct")
    r = check("rnn", DL + r"b^{[1]}_j} = \sum_t \delta_{t,j}")
    assert (r.kind, r.verdict) == ("index", "correct")
    r = check("easynet", DL + r"W} = \delta a^\top")
    assert r.kind != "tensor"


def test_a_page_of_tensor_claims_in_bounded_time():
    """20 tensor claims on a page, judged top to bottom in well under a second each."""
    check("rnn", RNN_RIGHT[0])  # the network's truth built once
    page = "\n\n".join(f"$${t}$$" for t in (RNN_RIGHT * 2)[:20])
    start = time.monotonic()
    res = check_text("rnn", page)
    assert time.monotonic() - start < 5.0
    assert [r.verdict for r in res] == ["correct"] * 20


# ---------------------------------------------------------------------------- a kernel

def kernel_slices(name, flip=False):
    """dL/dK_{f,c} computed here from the reference's forward pass and the gradient it
    passes back: δ_f = dL/dh ⊙ relu'(z) (or tanh'), each slice Σ_{i,j} δ[i,j] a_pad[s i +
    u, s j + v] by loops of this test's own (δ flipped when ``flip``: a convolution)."""
    net, _, X, grads, taps, caches = reference(name)
    layer = net.layers[0]
    x, z = caches[0]
    slope = (z > 0).astype(float) if layer.activation == "relu" else \
        (1 - np.tanh(z) ** 2 if layer.activation == "tanh" else np.ones_like(z))
    delta = (taps[2] * slope)[0]
    a = np.pad(x[0], [(0, 0)] + [(p, p) for p in layer.padding])
    K = grads["1.weight"]
    out = np.zeros_like(K)
    for f, c in np.ndindex(*K.shape[:2]):
        d = delta[f][tuple(slice(None, None, -1) for _ in delta[f].shape)] if flip else delta[f]
        for u in np.ndindex(*K.shape[2:]):
            out[(f, c) + u] = sum(d[i] * a[(c,) + tuple(s * ii + uu for s, ii, uu in
                                                        zip(layer.stride, i, u))]
                                  for i in np.ndindex(*d.shape))
    return K, out


@pytest.mark.parametrize("name", ["conv2d", "conv1d", "pooling"])
def test_kernel_cross_correlation(name):
    """∂L/∂K_{f,c} = a_c ⋆ δ_f in the layer's stride and padding (conv2d: stride 2,
    padding 1); the slices this test computes by its own loops are the reference's."""
    K, mine = kernel_slices(name)
    np.testing.assert_allclose(mine, K, rtol=1e-9, atol=1e-12)  # the oracle agrees
    r = check(name, DL + r"K^{[1]}_{f,c}} = a_c \star \boldsymbol{\delta}_f")
    assert (r.kind, r.verdict) == ("tensor", "correct"), r.message
    assert check(name, DL + r"K_{f,c}} = x_{c} \star \delta^{[1]}_{f}").verdict == "correct"


@pytest.mark.parametrize("name", ["conv2d", "conv1d"])
def test_kernel_convolution_for_cross_correlation(name):
    """a_c ∗ δ_f flips δ: the right value shown is this test's flipped sum, the left the
    reference's gradient."""
    K, flipped = kernel_slices(name, flip=True)
    r = check(name, DL + r"K_{f,c}} = a_c \ast \delta_f")
    assert (r.verdict, r.diagnosis) == ("wrong", "conv_flipped")
    m = re.search(r"slice f = (\d+), c = (\d+), entry \(([\d, ]+)\) is (\S+) on the right, "
                  r"(\S+) on the left", r.message)
    e = (int(m[1]) - 1, int(m[2]) - 1) + tuple(int(i) - 1 for i in m[3].strip(",").split(","))
    assert float(m[4]) == pytest.approx(flipped[e], rel=1e-5)
    assert float(m[5]) == pytest.approx(K[e], rel=1e-5)


def test_kernel_wrong_forms():
    r = check("conv2d", DL + r"K_{f,c}} = \delta_f \star a_c")
    assert (r.verdict, r.diagnosis) == ("wrong", "conv_swapped")
    assert "(3×3)" in r.message and "(5×5)" in r.message
    r = check("conv2d", DL + r"K_{f,c}} = a_f \star \delta_c")
    assert (r.verdict, r.diagnosis) == ("wrong", "indices_swapped")
    r = check("conv2d", DL + r"K_{f,c}} = g_c \star \delta_f")
    assert r.verdict == "error" and "g and" in r.message
    r = check("resblock", DL + r"K^{[1]}_{f,c}} = a_c \star \delta_f")
    assert r.verdict == "not_checked" and "batch" in r.message


@pytest.mark.parametrize("name,l", [("conv2d", 4), ("rnn", 2), ("attention", 3)])
def test_dense_input_gradient(name, l):
    """∂L/∂a = W^⊤ δ (the pages' line): the left value shown for a claim off by a factor
    2 is the reference's gradient passed to the dense layer's input (flattened)."""
    _, _, _, _, taps, _ = reference(name)
    da = np.asarray(taps[l][0]).reshape(-1)
    assert check(name, r"\partial L/\partial \mathbf{a} = W^{\top} \boldsymbol{\delta}"
                 ).verdict == "correct"
    r = check(name, DL + rf"\mathbf{{a}}^{{[{l - 1}]}}}} = 2 W^{{\top}} \delta")
    (i, _), right, left = shown(r.message)
    assert left == pytest.approx(da[i], rel=1e-5)
    assert right == pytest.approx(2 * da[i], rel=1e-5)


def test_attention_scale():
    r = check("attention", r"\bar{Q} = \bar{S} K")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_scale_missing")
    assert r"1/\sqrt{d_k}" in r.message
    r = check("attention", r"\bar{K} = \frac{\bar{S}^{\top} Q}{\sqrt{d_k}\sqrt{d_k}}")
    assert (r.verdict, r.diagnosis) == ("wrong", "tensor_scale_extra")


TWO_CHANNELS = """inputs = [2, 4, 4]
loss = "mse"
[[layers]]
kind = "conv2d"
filters = 2
kernel = 2
padding = 1
activation = "tanh"
[[layers]]
kind = "flatten"
[[layers]]
units = 1
"""


def test_kernel_of_two_channels_from_a_users_spec(tmp_path):
    """2 channels, 2 filters, padding 1, tanh: every slice (f, c) judged; a_f ⋆ δ_c is
    refuted with the indices named, and the numbers shown are the reference's and this
    test's own sum for the swapped slice."""
    p = tmp_path / "c.toml"
    p.write_text(TWO_CHANNELS)
    K, mine = kernel_slices(str(p))
    np.testing.assert_allclose(mine, K, rtol=1e-9, atol=1e-12)
    assert check(str(p), DL + r"K_{f,c}} = a_c \star \delta_f").verdict == "correct"
    r = check(str(p), DL + r"K_{f,c}} = a_f \star \delta_c")
    assert (r.verdict, r.diagnosis) == ("wrong", "indices_swapped")
    m = re.search(r"slice f = (\d+), c = (\d+), entry \(([\d, ]+)\) is (\S+) on the right, "
                  r"(\S+) on the left", r.message)
    f, c = int(m[1]) - 1, int(m[2]) - 1
    e = tuple(int(i) - 1 for i in m[3].split(","))
    assert float(m[5]) == pytest.approx(K[(f, c) + e], rel=1e-5)
    assert float(m[4]) == pytest.approx(mine[(c, f) + e], rel=1e-5)  # a_f ⋆ δ_c = slice (c, f)
