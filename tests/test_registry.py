"""The registries of activations and losses against independent oracles: each record's
slope against sympy.diff of its elementary rewrite, its NumPy twin against that rewrite
evaluated by SymPy, the hand-written reference (which shares no code with the registry)
against both and against finite differences; and every consumer reads the records."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from symbackprop import ops, reference, spec
from symbackprop.activations import ACTIVATIONS, HELPERS
from symbackprop.losses import BY_CLASS as LOSS_FUNCTIONS
from symbackprop.losses import LOSSES
from symbackprop.render.printer import LessonPrinter

Z = sp.Symbol("z", real=True)
POINTS = (-2.75, -1.3, -0.4, 0.35, 0.9, 2.6)  # away from every kink


def _elementary(a):
    """act(z) with the project's own functions rewritten: what the oracle differentiates."""
    return ops.elementary(a.forward(Z))


def _value(expr, z):
    return float(sp.N(expr.xreplace({Z: sp.Float(z, 40)}), 30))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_slope_is_the_derivative_of_the_elementary_form(name):
    """The teacher's slope (in out = act(z) and z) equals sympy.diff of the elementary
    rewrite, which never sees the registry's slope table."""
    a = ACTIVATIONS[name]
    oracle = sp.diff(_elementary(a), Z)
    mine = ops.elementary(sp.sympify(a.slope(a.forward(Z), Z)))
    for z in POINTS:
        assert _value(mine, z) == pytest.approx(_value(oracle, z), rel=1e-25, abs=1e-25), z


FUNCTIONS = HELPERS | LOSS_FUNCTIONS  # the registries' own functions inside slopes and losses


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_helper_slopes_and_twins(name):
    h = FUNCTIONS[name]
    oracle = sp.diff(h.elementary(Z), Z)
    mine = ops.elementary(h.slope(h.cls(Z), Z))
    for z in POINTS:
        assert _value(mine, z) == pytest.approx(_value(oracle, z), rel=1e-25, abs=1e-25)
        assert h.numpy(np.array([z]))[0] == pytest.approx(_value(h.elementary(Z), z), rel=1e-14)


@pytest.mark.parametrize("name", sorted(a for a in ACTIVATIONS if ACTIVATIONS[a].numpy))
def test_numpy_twin_matches_the_elementary_form(name):
    a = ACTIVATIONS[name]
    got = a.numpy(np.array(POINTS))
    want = [_value(_elementary(a), z) for z in POINTS]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_reference_agrees_with_the_record_and_with_finite_differences(name):
    """reference.py's own formulas: f against the elementary form, f' against the record's
    slope and against central differences of reference f."""
    f, df = reference.ACTIVATIONS[name]
    a = ACTIVATIONS[name]
    z = np.array(POINTS)
    slope = ops.elementary(sp.sympify(a.slope(a.forward(Z), Z)))
    np.testing.assert_allclose(f(z), [_value(_elementary(a), v) for v in POINTS],
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(df(z), [_value(slope, v) for v in POINTS], rtol=1e-12, atol=1e-15)
    eps = 1e-6
    np.testing.assert_allclose(df(z), (f(z + eps) - f(z - eps)) / (2 * eps), rtol=1e-7, atol=1e-9)


def test_spec_and_reference_know_every_record():
    assert spec.ACTIVATIONS == tuple(ACTIVATIONS) and spec.LOSSES == tuple(LOSSES)
    assert set(reference.ACTIVATIONS) == set(ACTIVATIONS)


def test_reference_does_not_import_the_registry():
    tree = ast.parse(Path(reference.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not names & {"ops", "activations", "losses", "twins", "sympy"}, names


@pytest.mark.parametrize("name", sorted(a for a in ACTIVATIONS if ACTIVATIONS[a].latex))
def test_printed_by_the_records_latex_name(name):
    a = ACTIVATIONS[name]
    h = sp.Symbol("h")
    text = LessonPrinter({}).doprint(a.forward(h))
    assert text.startswith(a.latex)
    assert r"\left(h" in text or r"{\left(h" in text


def test_spellings_name_their_records():
    for name, a in ACTIVATIONS.items():
        for s in a.spellings:
            assert ops.spelled(s) is a, s
    assert ops.spelled("SIGMOID") is ACTIVATIONS["sigmoid"]
    assert ops.spelled(r"\operatorname{ReLU}") is ACTIVATIONS["relu"]
    assert ops.spelled("sin") is None and ops.spelled(r"\nosuch") is None


def test_a_claims_call_by_spelling():
    """f(x) and f'(x) as a claim writes them, against sympy.diff of the elementary form."""
    x = sp.Symbol("x", real=True)
    assert ops.call(r"\sigma", x) == ops.sigmoid(x)
    assert ops.call(r"\operatorname{relu}", x, primed=True) == sp.Heaviside(x, 0)
    assert ops.call("sin", x) is None
    for spelling, name in ((r"\operatorname{GELU}", "gelu"), (r"\mathrm{silu}", "silu"),
                           ("ELU", "elu"), ("sigmoid", "sigmoid")):
        a = ACTIVATIONS[name]
        assert ops.call(spelling, x) == a.forward(x)
        got = ops.elementary(ops.call(spelling, x, primed=True))
        want = sp.diff(ops.elementary(a.forward(x)), x)
        for v in POINTS:
            assert float(got.subs(x, v)) == pytest.approx(float(want.subs(x, v)), rel=1e-13)
    assert ops.call(r"\Phi", x, primed=True) == ops.HELPERS["normal_cdf"].slope(None, x)


def test_formula_functions_stay_the_formula_languages():
    from symbackprop.expr import vocabulary

    assert set(ops.FUNCTIONS) == set(vocabulary.FORMULA_NAMES)


def test_loss_records_mean_convention():
    """has_mean: the term carries 1/N (it is a multiple of 1/N), or not."""
    N = sp.Symbol("N", positive=True)
    t, y = sp.symbols("t y", real=True)
    for name, loss in LOSSES.items():
        ts, ys = ([t], [y]) if name in ("bce",) else ([t, 1 - t], [y, -y])
        term = loss.term(ts, ys, N)
        assert (sp.simplify(term * N).has(N) is False) == loss.has_mean, name


# values from printed tables (Φ(1) = 0.8413447, e^{-1} = 0.3678794, σ(1) = 0.7310586)
TEXTBOOK = {
    ("gelu", 1.0): 0.8413447460685429, ("gelu", -1.0): -0.15865525393145707,
    ("silu", 1.0): 0.7310585786300049, ("silu", -1.0): -0.2689414213699951,
    ("elu", 1.0): 1.0, ("elu", -1.0): -0.6321205588285577,
}


@pytest.mark.parametrize("name, z", sorted(TEXTBOOK))
def test_textbook_values(name, z):
    a = ACTIVATIONS[name]
    assert a.numpy(np.array([z]))[0] == pytest.approx(TEXTBOOK[name, z], rel=1e-12)
    assert reference.ACTIVATIONS[name][0](np.array([z]))[0] == pytest.approx(TEXTBOOK[name, z],
                                                                             rel=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in LOSSES if LOSSES[n].functions))
def test_loss_function_slope_twin_and_reference(name):
    """A loss's own function: its derivative (fdiff) against sympy.diff of its elementary
    form, its NumPy twin against that form, and reference.py's loss and dL/dY seed
    against both, on one output and residuals on both sides of every branch."""
    loss = LOSSES[name].functions[0]  # the per-output function of the term
    oracle = sp.diff(loss.elementary(Z), Z)
    mine = ops.elementary(sp.diff(loss.cls(Z), Z))
    rs = (-3.1, -1.2, -0.8, -0.1, 0.3, 0.95, 1.05, 2.4)
    for r in rs:
        assert _value(mine, r) == pytest.approx(_value(oracle, r), rel=1e-25, abs=1e-25), r
    np.testing.assert_allclose(loss.numpy(np.array(rs)), [_value(loss.elementary(Z), r) for r in rs],
                               rtol=1e-14)
    net = spec.loads(f'inputs = 1\nloss = "{name}"\n[[layers]]\nunits = 1\n')
    params = reference.Params([np.array([[1.0]])], [None])
    X = np.array([[0.0]] * len(rs))  # y = 0: the residual is the target
    T = np.array([[r] for r in rs])
    want = sum(_value(loss.elementary(Z), r) for r in rs) / len(rs)
    assert reference.loss(net, params, X, T) == pytest.approx(want, rel=1e-14)
    seed = reference.layer_deltas(net, params, X, T).dh[-1][:, 0]
    np.testing.assert_allclose(seed, [-_value(mine, r) / len(rs) for r in rs], rtol=1e-14)


def test_huber_by_hand():
    """δ = 1: huber(0.5) = 0.125, huber(-3) = 2.5; slopes 0.5 and -1."""
    loss = LOSSES["huber"].functions[0]
    np.testing.assert_allclose(loss.numpy(np.array([0.5, -3.0, 1.0])), [0.125, 2.5, 0.5])
    h = ops.elementary(sp.diff(loss.cls(Z), Z))
    assert [_value(h, r) for r in (0.5, -3.0, 1.0)] == [0.5, -1.0, 1.0]
