"""The NumPy reference against independent oracles: finite differences, published hand
calculations, and the lesson's own formulas written out by hand."""

from __future__ import annotations

import ast
import math
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from symbackprop import naming, spec
from symbackprop import reference as ref
from tests.conftest import corpus_spec

ACTS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "gelu", "silu", "elu")


def toml(inputs, layers, loss="mse"):
    """layers: (units, activation, bias[, residual]) tuples -> spec TOML text."""
    out = [f"inputs = {inputs}", f'loss = "{loss}"']
    for units, act, bias, *res in layers:
        out += ["[[layers]]", f"units = {units}", f'activation = "{act}"', f'bias = "{bias}"']
        if res and res[0]:
            out.append("residual = true")
    return "\n".join(out) + "\n"


def _residual_output(text):
    net = spec.loads(text, name="residual_softmax")
    out = dataclasses.replace(net.layers[-1], residual=True)
    return dataclasses.replace(net, layers=net.layers[:-1] + (out,))


# name -> TOML: every activation, loss, bias mode, residual layers, several sizes and depths.
CORPUS = {f"act_{a}": toml(3, [(4, a, "per_unit"), (2, "identity", "per_unit")]) for a in ACTS}
CORPUS |= {f"out_{a}": toml(2, [(3, "tanh", "shared"), (2, a, "shared")], "half_sse")
           for a in ACTS}
CORPUS |= {f"bias_{b}": toml(3, [(2, "sigmoid", b), (3, "softplus", b), (1, "identity", b)])
           for b in ("none", "per_unit", "shared")}
CORPUS |= {
    "easynet": spec.load("easynet"),
    "single_layer_mse": toml(4, [(3, "identity", "per_unit")]),
    "logistic_regression": toml(4, [(1, "sigmoid", "per_unit")], "bce"),
    "bce_hidden": toml(3, [(4, "tanh", "shared"), (1, "sigmoid", "shared")], "bce"),
    "bce_no_bias": toml(2, [(3, "relu", "none"), (1, "sigmoid", "none")], "bce"),
    "softmax_ce": toml(3, [(5, "tanh", "per_unit"), (4, "identity", "per_unit")], "softmax_ce"),
    "softmax_ce_shared": toml(2, [(3, "leaky_relu", "shared"), (2, "identity", "shared")],
                              "softmax_ce"),
    "softmax_ce_no_bias": toml(4, [(3, "identity", "none")], "softmax_ce"),
    "residual_tanh": toml(3, [(3, "tanh", "per_unit", True), (3, "tanh", "per_unit", True),
                              (2, "identity", "per_unit")]),
    "residual_mixed": toml(3, [(3, "sigmoid", "shared"), (3, "relu", "per_unit", True),
                               (3, "softplus", "none", True), (1, "identity", "shared")],
                           "half_sse"),
    "residual_output": toml(2, [(2, "tanh", "per_unit"), (2, "sigmoid", "shared", True)]),
    # the reader refuses softmax_ce on a residual output (the derivation has no such
    # softmax); the reference has one, so this spec is built past the reader
    "residual_softmax": _residual_output(
        toml(3, [(3, "tanh", "none", True), (3, "identity", "per_unit")], "softmax_ce")),
    "deep_sigmoid": toml(3, [(4, "sigmoid", "per_unit")] * 5 + [(1, "identity", "per_unit")]),
    "deep_leaky": toml(2, [(3, "leaky_relu", "per_unit")] * 4 + [(2, "identity", "none")],
                       "half_sse"),
    "huber": toml(3, [(4, "tanh", "per_unit"), (2, "identity", "per_unit")], "huber"),
    "huber_sigmoid": toml(2, [(3, "relu", "shared"), (1, "sigmoid", "none")], "huber"),
    "wide": toml(6, [(8, "tanh", "per_unit"), (5, "softplus", "shared"),
                     (3, "sigmoid", "per_unit")]),
}
NETS = {name: t if isinstance(t, spec.Network) else spec.loads(t, name=name)
        for name, t in CORPUS.items()}


def targets(net, rng, n):
    k = net.outputs
    if net.loss == "bce":
        t = rng.random((n, k))
        t[::2] = np.round(t[::2])  # hard and soft labels
        return t
    if net.loss == "softmax_ce":
        t = rng.dirichlet(np.ones(k), n)
        t[0] = np.eye(k)[rng.integers(k)]  # a one-hot row and soft rows
        return t
    return rng.standard_normal((n, k))


def case(net, n, seed=0):
    """Params and data with every relu/leaky_relu pre-activation away from the kink, so
    finite differences never straddle it, and no relu layer entirely dead."""
    for s in range(seed, seed + 200):
        rng = np.random.default_rng(s)
        params = ref.init_params(net, rng, scale=0.8)
        X = rng.standard_normal((n, net.inputs))
        T = targets(net, rng, n)
        c = ref.forward(net, params, X)
        if all(np.min(np.abs(z)) > 1e-3 and np.any(z > 0) for z, layer in zip(c.z, net.layers)
               if layer.activation in ("relu", "leaky_relu")):
            return params, X, T
    raise AssertionError("no kink-free point found")


def as_vec(grads):
    return np.concatenate([np.ravel(g) for g in grads.W + [b for b in grads.b if b is not None]])


def rel_err(a, b):
    a, b = np.ravel(a), np.ravel(b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else np.linalg.norm(a - b) / den


# ------------------------------------------------------------ 1. backward vs finite differences


@pytest.mark.parametrize("n", [1, 7])
@pytest.mark.parametrize("name", sorted(NETS))
def test_backward_matches_finite_differences(name, n):
    net = NETS[name]
    params, X, T = case(net, n)
    value, grads = ref.backward(net, params, X, T)
    fd = ref.numeric_grad(net, params, X, T)
    assert value == pytest.approx(ref.loss(net, params, X, T), rel=1e-14)
    assert np.isfinite(value)
    assert np.linalg.norm(as_vec(grads)) > 1e-6  # a real gradient, not 0 == 0
    assert rel_err(as_vec(fd), as_vec(grads)) < 1e-7


@pytest.mark.parametrize("name", ["residual_mixed", "deep_sigmoid", "softmax_ce", "bce_hidden"])
def test_layer_deltas_match_finite_differences(name):
    """dL/dh^{[l]}: finite differences in the input of the network cut after layer l."""
    net = NETS[name]
    params, X, T = case(net, 3)
    c = ref.forward(net, params, X)
    d = ref.layer_deltas(net, params, X, T)
    cuts = [(X, 0)] + [(c.h[l], l + 1) for l in range(len(net.layers) - 1)]
    for (H, start), dh in zip(cuts, [d.dx] + d.dh[:-1]):
        tail = dataclasses.replace(net, inputs=H.shape[1], layers=net.layers[start:])
        tp = ref.Params(params.W[start:], params.b[start:])
        fd = np.zeros_like(H)
        for idx in np.ndindex(H.shape):
            Hp, Hm = H.copy(), H.copy()
            Hp[idx] += 1e-6
            Hm[idx] -= 1e-6
            fd[idx] = (ref.loss(tail, tp, Hp, T) - ref.loss(tail, tp, Hm, T)) / 2e-6
        assert rel_err(fd, dh) < 1e-7, start
    # dL/dz^{[l]} sums to dL/db^{[l]} (per-unit biases) over the samples
    grads = ref.numeric_grad(net, params, X, T)
    for dz, db, layer in zip(d.dz, grads.b, net.layers):
        if layer.bias == "per_unit":
            assert rel_err(db, dz.sum(axis=0)) < 1e-7


# ------------------------------------------------------------ 2. Matt Mazur's worked example

# Matt Mazur, "A Step by Step Backpropagation Example" (2015),
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/
MAZUR = corpus_spec("mazur")  # 2-2-2 sigmoid, shared biases, half_sse, global by-unit numbering
# W[l][j, i] joins i to unit j: w1 i1->h1, w2 i2->h1, w3 i1->h2, w4 i2->h2; w5 h1->o1,
# w6 h2->o1, w7 h1->o2, w8 h2->o2; b1 shared by the hidden units, b2 by the outputs.
MAZUR_PARAMS = ref.Params([np.array([[0.15, 0.20], [0.25, 0.30]]),
                           np.array([[0.40, 0.45], [0.50, 0.55]])],
                          [np.array(0.35), np.array(0.60)])
MAZUR_X, MAZUR_T = [0.05, 0.10], [0.01, 0.99]


def printed(value, text):
    """``value`` rounds to the published number ``text`` at the digits printed."""
    digits = len(text.split(".")[1])
    return abs(value - float(text)) <= 0.5 * 10.0**-digits + 1e-15


def test_mazur_forward_loss_and_gradients():
    c = ref.forward(MAZUR, MAZUR_PARAMS, MAZUR_X)
    E, g = ref.backward(MAZUR, MAZUR_PARAMS, MAZUR_X, MAZUR_T)
    assert printed(c.z[0][0, 0], "0.3775")  # net_h1
    assert printed(c.h[0][0, 0], "0.593269992")  # out_h1
    assert printed(c.h[0][0, 1], "0.596884378")  # out_h2
    assert printed(c.y[0, 0], "0.75136507")  # out_o1
    assert printed(c.y[0, 1], "0.772928465")  # out_o2
    assert printed(E, "0.298371109")  # E_total
    assert printed(g.dW[1][0, 0], "0.082167041")  # dE/dw5
    assert printed(g.dW[0][0, 0], "0.000438568")  # dE/dw1


def test_mazur_one_step_of_gradient_descent():
    _, g = ref.backward(MAZUR, MAZUR_PARAMS, MAZUR_X, MAZUR_T)
    W1, W2 = (w - 0.5 * d for w, d in zip(MAZUR_PARAMS.W, g.dW))
    published = {
        "0.35891648": W2[0, 0], "0.408666186": W2[0, 1],  # w5+, w6+
        "0.511301270": W2[1, 0], "0.561370121": W2[1, 1],  # w7+, w8+
        "0.149780716": W1[0, 0], "0.19956143": W1[0, 1],  # w1+, w2+
        "0.24975114": W1[1, 0], "0.29950229": W1[1, 1],  # w3+, w4+
    }
    for text, value in published.items():
        assert printed(value, text), (text, value)


def test_mazur_names_match_positions():
    """naming.py's global by-unit numbering puts w1..w8 where Mazur's figure does."""
    table = naming.names(MAZUR)
    by_name = {q.latex: (q.kind, q.layer, q.row, q.col) for q in table.params}
    values = {"w_1": .15, "w_2": .20, "w_3": .25, "w_4": .30, "b_1": .35,
              "w_5": .40, "w_6": .45, "w_7": .50, "w_8": .55, "b_2": .60}
    params = ref.from_flat(MAZUR, {by_name[k]: v for k, v in values.items()})
    assert ref.flatten(MAZUR, params) == ref.flatten(MAZUR, MAZUR_PARAMS)


# ------------------------------------------------------------ 3. easynet by the lesson's formulas


def easynet_params():
    # by-input numbering (the lesson): x_1 feeds h_1 via w_1, h_2 via w_2; x_2 via w_3, w_4 ...
    w = dict(w1=0.1, w2=0.2, w3=-0.3, w4=0.4, w5=0.5, w6=-0.1, v1=0.3, v2=-0.2)
    W1 = np.array([[w["w1"], w["w3"], w["w5"]], [w["w2"], w["w4"], w["w6"]]])
    return w, ref.Params([W1, np.array([[w["v1"], w["v2"]]])], [None, None])


def test_easynet_by_hand_one_sample():
    net = spec.load("easynet")
    w, params = easynet_params()
    x1, x2, x3, y_true, N = 1.0, 2.0, 3.0, 1.0, 1
    h1 = x1 * w["w1"] + x2 * w["w3"] + x3 * w["w5"]  # 1.0
    h2 = x1 * w["w2"] + x2 * w["w4"] + x3 * w["w6"]  # 0.7
    y_pred = h1 * w["v1"] + h2 * w["v2"]  # 0.16
    L, g = ref.backward(net, params, [x1, x2, x3], [y_true])
    assert L == pytest.approx((y_true - y_pred) ** 2 / N) == pytest.approx(0.7056)
    # dL/dw_1^{[2]} = -2 h_1 (y_true - y_pred) / N = -1.68
    assert g.dW[1][0, 0] == pytest.approx(-2 * h1 * (y_true - y_pred) / N) == pytest.approx(-1.68)
    assert g.dW[1][0, 1] == pytest.approx(-2 * h2 * (y_true - y_pred) / N)
    # dL/dw_1^{[1]} = -2 w_1^{[2]} x_1 (y_true - y_pred) / N = -0.504
    assert g.dW[0][0, 0] == pytest.approx(-2 * w["v1"] * x1 * (y_true - y_pred) / N)
    assert g.dW[0][0, 0] == pytest.approx(-0.504)
    assert g.dW[0][1, 0] == pytest.approx(-2 * w["v2"] * x1 * (y_true - y_pred) / N)  # w_2
    assert g.dW[0][0, 1] == pytest.approx(-2 * w["v1"] * x2 * (y_true - y_pred) / N)  # w_3
    assert g.dW[0][1, 1] == pytest.approx(-2 * w["v2"] * x2 * (y_true - y_pred) / N)  # w_4
    assert g.dW[0][0, 2] == pytest.approx(-2 * w["v1"] * x3 * (y_true - y_pred) / N)  # w_5
    assert g.dW[0][1, 2] == pytest.approx(-2 * w["v2"] * x3 * (y_true - y_pred) / N)  # w_6


def test_easynet_by_hand_batch():
    """N samples: the lesson's per-sample derivatives, summed over the batch."""
    net = spec.load("easynet")
    w, params = easynet_params()
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], [0.3, -0.7, 0.1]])
    T = np.array([[1.0], [-2.0], [0.5]])
    N = len(X)
    dv1 = dw1 = dw6 = L = 0.0
    for (x1, x2, x3), (y_true,) in zip(X, T):
        h1 = x1 * w["w1"] + x2 * w["w3"] + x3 * w["w5"]
        h2 = x1 * w["w2"] + x2 * w["w4"] + x3 * w["w6"]
        y_pred = h1 * w["v1"] + h2 * w["v2"]
        L += (y_true - y_pred) ** 2 / N
        dv1 += -2 * h1 * (y_true - y_pred) / N
        dw1 += -2 * w["v1"] * x1 * (y_true - y_pred) / N
        dw6 += -2 * w["v2"] * x3 * (y_true - y_pred) / N
    value, g = ref.backward(net, params, X, T)
    assert value == pytest.approx(L)
    assert g.dW[1][0, 0] == pytest.approx(dv1)
    assert g.dW[0][0, 0] == pytest.approx(dw1)
    assert g.dW[0][1, 2] == pytest.approx(dw6)


def test_easynet_example_through_naming():
    """The preset's [example] values, placed by naming.py, give the hand-built parameters."""
    net = spec.load("easynet")
    table = naming.names(net)
    by_name = {q.latex: (q.kind, q.layer, q.row, q.col) for q in table.params}
    params = ref.from_flat(net, {by_name[k]: v for k, v in net.example.params})
    assert ref.flatten(net, params) == ref.flatten(net, easynet_params()[1])


# ------------------------------------------------------------ 4. output deltas of bce, softmax_ce


def _fd_logits(f, Z):
    out = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += 1e-6
        Zm[idx] -= 1e-6
        out[idx] = (f(Zp) - f(Zm)) / 2e-6
    return out


@pytest.mark.parametrize("n", [1, 7])
def test_softmax_ce_output_delta_is_p_minus_t_over_n(n):
    net = NETS["softmax_ce"]
    params, X, T = case(net, n, seed=3)
    Z = ref.forward(net, params, X).z[-1]
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)  # no shift needed at these sizes
    dz = ref.layer_deltas(net, params, X, T).dz[-1]
    np.testing.assert_allclose(dz, (P - T) / n, rtol=1e-12, atol=1e-15)

    def ce(Z):
        return -np.sum(T * np.log(np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))) / n

    assert rel_err(_fd_logits(ce, Z), dz) < 1e-7


@pytest.mark.parametrize("n", [1, 7])
def test_bce_output_delta_is_y_minus_t_over_n(n):
    net = NETS["bce_hidden"]
    params, X, T = case(net, n, seed=5)
    Z = ref.forward(net, params, X).z[-1]
    dz = ref.layer_deltas(net, params, X, T).dz[-1]
    np.testing.assert_allclose(dz, (1 / (1 + np.exp(-Z)) - T) / n, rtol=1e-12, atol=1e-15)

    def bce(Z):
        y = 1 / (1 + np.exp(-Z))
        return -np.sum(T * np.log(y) + (1 - T) * np.log(1 - y)) / n

    assert rel_err(_fd_logits(bce, Z), dz) < 1e-7


def test_softmax_ce_targets_not_summing_to_one():
    """The loss as defined, -sum t log p, with targets that are not a distribution."""
    net = NETS["softmax_ce"]
    params, X, _ = case(net, 4, seed=1)
    T = np.random.default_rng(9).random((4, net.outputs)) * 2
    _, g = ref.backward(net, params, X, T)
    assert rel_err(as_vec(ref.numeric_grad(net, params, X, T)), as_vec(g)) < 1e-7


def test_bce_behind_a_skip_connection():
    """y = h + sigmoid(z) is not sigmoid(z): the (y - t)/N shortcut must not be taken."""
    net = spec.loads(toml(1, [(1, "tanh", "none"), (1, "sigmoid", "per_unit", True)], "bce"))
    params = ref.Params([np.array([[-0.4]]), np.array([[1.5]])], [None, np.array([-0.2])])
    X, T = np.array([[0.5], [0.8], [0.3]]), np.array([[1.0], [0.0], [0.4]])
    y = ref.forward(net, params, X).y
    assert np.all((0 < y) & (y < 1))
    _, g = ref.backward(net, params, X, T)
    assert rel_err(as_vec(ref.numeric_grad(net, params, X, T)), as_vec(g)) < 1e-7


# ------------------------------------------------------------ conventions and plumbing


@pytest.mark.parametrize("act, f", [
    ("identity", lambda z: z),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))),
    ("relu", lambda z: np.where(z > 0, z, 0.0)),
    ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
    ("softplus", lambda z: np.log(1 + np.exp(z))),
    ("gelu", lambda z: z * (1 + np.vectorize(math.erf)(z / math.sqrt(2))) / 2),
    ("silu", lambda z: z / (1 + np.exp(-z))),
    ("elu", lambda z: np.where(z > 0, z, np.exp(z) - 1)),
])
def test_activation_values(act, f):
    """The forward pass by the textbook formulas (finite differences only check that the
    backward pass agrees with the forward one, not that the forward one is right)."""
    net = spec.loads(toml(1, [(1, act, "per_unit")]))
    z = np.array([[-3.0], [-0.5], [0.0], [0.25], [2.0]])
    params = ref.Params([np.array([[1.0]])], [np.array([0.0])])
    np.testing.assert_allclose(ref.forward(net, params, z).y, f(z), rtol=1e-14, atol=1e-16)


def test_kink_conventions():
    """relu'(0) = 0 and leaky_relu'(0) = 0.01: z is exactly 0 at the hidden unit."""
    assert ref.LEAKY_SLOPE == 0.01
    for act, slope in (("relu", 0.0), ("leaky_relu", 0.01)):
        net = spec.loads(toml(2, [(1, act, "none"), (1, "identity", "per_unit")]))
        params = ref.Params([np.array([[1.0, -1.0]]), np.array([[2.0]])], [None, np.array([0.5])])
        d = ref.layer_deltas(net, params, [0.7, 0.7], [1.5])
        assert d.dz[0][0, 0] == slope * 2.0 * (-2 * (1.5 - 0.5))


def test_saturation_stays_finite():
    net = NETS["bce_hidden"]
    params = ref.init_params(net, 0, scale=300.0)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value, g = ref.backward(net, params, np.ones((2, 3)), [[1.0], [0.0]])
        ref.forward(NETS["act_softplus"], ref.init_params(NETS["act_softplus"], 1, 500.0),
                    np.ones(3))
    assert np.isfinite(value) and np.all(np.isfinite(as_vec(g)))


def test_one_sample_as_1d():
    net = NETS["wide"]
    params, X, T = case(net, 1)
    v1, g1 = ref.backward(net, params, X[0], T[0])
    v2, g2 = ref.backward(net, params, X, T)
    assert v1 == v2 and np.array_equal(as_vec(g1), as_vec(g2))
    assert ref.forward(net, params, X[0]).y.shape == (1, net.outputs)


def test_bad_shapes_raise():
    net = NETS["easynet"]
    params = ref.init_params(net, 0)
    with pytest.raises(ValueError):
        ref.loss(net, params, np.ones(2), [1.0])
    with pytest.raises(ValueError):
        ref.loss(net, params, np.ones((3, 3)), np.ones((2, 1)))
    with pytest.raises(ValueError):
        ref.forward(net, ref.Params([params.W[0].T, params.W[1]], params.b), np.ones(3))
    with pytest.raises(ValueError):
        ref.forward(NETS["bias_shared"], ref.init_params(NETS["bias_per_unit"], 0), np.ones(3))


@pytest.mark.parametrize("name", ["bias_shared", "bias_per_unit", "bias_none", "residual_mixed"])
def test_flatten_keys_are_naming_positions(name):
    net = NETS[name]
    params = ref.init_params(net, 4)
    flat = ref.flatten(net, params)
    positions = {(q.kind, q.layer, q.row, q.col) for q in naming.names(net).params}
    assert set(flat) == positions
    assert ref.flatten(net, ref.from_flat(net, flat)) == flat
    with pytest.raises(ValueError):
        ref.from_flat(net, dict(list(flat.items())[1:]))


# ------------------------------------------------------------ 5. independence


def test_reference_imports_only_numpy_and_stdlib():
    tree = ast.parse(Path(ref.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    assert not any("sympy" in m for m in modules)
    for m in modules:
        top = m.split(".")[0]
        assert m in (".spec", "symbackprop.spec") or top == "numpy" or (
            top in sys.stdlib_module_names or top == "__future__"), m
