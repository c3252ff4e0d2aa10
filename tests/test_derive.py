"""The derivation against oracles: sympy.diff of the flattened loss, the NumPy reference,
finite differences."""

import numpy as np
import sympy as sp

from symbackprop import ops, reference
from symbackprop.derive import derive, expanded
from symbackprop.graph import build_graph
from symbackprop.numeric import Values, evaluate
from symbackprop.steps import Chain, Cite, Delta, Local, Sum
from symbackprop.verify import check_gradients, positions, sample


def test_every_gradient_matches_sympy_diff(net):
    d = derive(build_graph(net))
    g = d.graph
    flat = ops.elementary(g.flat(g.loss))
    rng = np.random.default_rng(1)
    for p, step in d.gradients.items():
        oracle = sp.diff(flat, g.sym(p))
        mine = ops.elementary(expanded(d, step))
        # equal at random points to 25 digits (symbolic simplify is the slow path)
        for _ in range(2):
            point = {s: sp.Rational(int(rng.integers(-900, 900)) or 7, 1000)
                     for s in oracle.free_symbols | mine.free_symbols}
            point[g.sym("N")] = sp.Integer(3)
            a, b = sp.N(mine.xreplace(point), 40), sp.N(oracle.xreplace(point), 40)
            assert abs(a - b) <= sp.Float("1e-25") * (abs(b) + 1), (p, a, b)


def test_derived_values_match_reference_and_finite_differences(net):
    d = derive(build_graph(net))
    pos = positions(d)
    rng = np.random.default_rng(3)
    for n in (1, 6):
        params = reference.init_params(net, rng, scale=0.7)
        X, T = sample(net, rng, n)
        flat = {pos[k]: v for k, v in reference.flatten(net, params).items()}
        loss, grads = evaluate(d, Values(X, T, flat))
        ref_loss, ref = reference.backward(net, params, X, T)
        fd = reference.numeric_grad(net, params, X, T)
        assert abs(loss - ref_loss) <= 1e-12 * (1 + abs(ref_loss))
        for key, v in reference.flatten(net, ref).items():
            assert abs(grads[pos[key]] - v) <= 1e-10 * (1 + abs(v)), (pos[key], grads[pos[key]], v)
        for key, v in reference.flatten(net, fd).items():
            assert abs(grads[pos[key]] - v) <= 1e-6 * (1 + abs(v))


def test_check_gradients_passes_on_the_corpus(net):
    report = check_gradients(derive(build_graph(net)), points=1, symbolic=False)
    assert report.ok, report.failures
    assert max(report.errors_ref) < 1e-12 and max(report.errors_fd) < 1e-6


def test_check_gradients_catches_a_wrong_local_derivative():
    from tests.conftest import corpus_spec

    d = derive(build_graph(corpus_spec("easynet")))
    # corrupt one local factor: dy_pred/dh_1 = w_1^{[2]} becomes 2 w_1^{[2]}
    key = ("h2_1", "h1_1")
    bad = Local(*key, 2 * d.locals[key].expr)
    object.__setattr__(bad, "expr", 2 * d.locals[key].expr)
    for p, step in d.gradients.items():
        if isinstance(step, Chain):
            factors = tuple(bad if (f.of, f.wrt) == key else f for f in step.factors)
            d.gradients[p] = Chain(step.of, step.wrt, factors, step.product, step.expr)
    report = check_gradients(d, points=1, symbolic=False)
    assert not report.ok
    assert any("w_1^{[1]}" in f and "NumPy reference" in f for f in report.failures)


def test_lesson_chain_for_a_first_layer_weight():
    """The lesson: dL/dw_1^{[1]} = dL/dy_pred · dy_pred/dh_1 · dh_1/dw_1^{[1]}."""
    from tests.conftest import corpus_spec

    d = derive(build_graph(corpus_spec("easynet")))
    g = d.graph
    x1, w12, yt, yp, N = (g.sym(k) for k in ("x1", "w2_1_1", "t1", "h2_1", "N"))
    step = d.gradients["w1_1_1"]
    assert [(f.of, f.wrt) for f in step.factors] == [("L", "h2_1"), ("h2_1", "h1_1"), ("h1_1", "w1_1_1")]
    assert isinstance(step.factors[0], Cite)  # computed for w^{[2]} first, cited here
    assert isinstance(step.factors[1], Local) and step.factors[1].expr == w12
    assert sp.simplify(step.expr - (-2 * w12 * x1 / N * (yt - yp))) == 0
    # w_3^{[1]} (x_2 -> h_1) cites dy_pred/dh_1 as well
    assert isinstance(d.gradients["w1_1_2"].factors[1], Cite)


def test_branching_node_is_summed_once_and_cited():
    """Mazur's network: dE/dout_h1 sums the paths through o_1 and o_2, derived once."""
    from tests.conftest import corpus_spec

    d = derive(build_graph(corpus_spec("mazur")))
    sums = {k for k, s in d.deltas.items() if isinstance(s, Sum)}
    assert sums == {"h1_1", "h1_2"}
    assert all(len(d.deltas[k].terms) == 2 for k in sums)
    # each unit's δ = dL/dz is derived once; every first-layer weight cites its unit's δ,
    # which cites the unit's sum over paths instead of recomputing it
    assert {k for k, s in d.deltas.items() if isinstance(s, Delta)} == {
        "z1_1", "z1_2", "z2_1", "z2_2"}
    for p, j in (("w1_1_1", 1), ("w1_1_2", 1), ("w1_2_1", 2), ("w1_2_2", 2)):
        first = d.gradients[p].factors[0]
        assert isinstance(first, Cite) and first.step is d.deltas[f"z1_{j}"]
        assert first.step.factors[0].step is d.deltas[f"h1_{j}"]
    # the shared output bias is a sum over both output units
    assert isinstance(d.gradients["b2"], Sum) and len(d.gradients["b2"].terms) == 2


def test_bce_after_sigmoid_simplifies_to_prediction_minus_target():
    from tests.conftest import corpus_spec

    d = derive(build_graph(corpus_spec("bce")))
    g = d.graph
    step = d.deltas["z2_1"]  # δ^{[2]}, which the bias's gradient cites
    assert d.gradients["b2_1"].factors[0].step is step
    y, t, N = g.sym("h2_1"), g.sym("t1"), g.sym("N")
    assert sp.simplify(step.expr - (y - t) / N) == 0
    assert sp.count_ops(step.expr) < sp.count_ops(step.product)


def test_derivation_cost_is_linear_in_edges():
    """Each local derivative is computed once: the count equals the graph's edges that
    lie on a path to the loss, for a deep chain and a wide net alike."""
    from symbackprop import spec

    for text in ('inputs = 1\n' + '[[layers]]\nunits = 1\nactivation = "sigmoid"\n' * 30,
                 'inputs = 4\n' + '[[layers]]\nunits = 4\nactivation = "tanh"\n' * 6 + '[[layers]]\nunits = 1\n'):
        g = build_graph(spec.loads(text))
        d = derive(g)
        edges = sum(1 for n in g.nodes.values() for i in n.inputs
                    if g.nodes[i].kind not in ("input", "target", "count"))
        assert len(d.locals) <= edges
        assert len(d.gradients) == len(g.params)


def test_symbolic_check_proves_and_refutes():
    """The symbolic column proves equality with sympy.diff for nested sigmoids, and says
    DIFFERENT for a derived expression that is off."""
    from symbackprop.verify import symbolic_check
    from tests.conftest import corpus_spec

    d = derive(build_graph(corpus_spec("mazur")))
    assert symbolic_check(d, "w1_1_1") == "equal"
    step = d.gradients["w1_1_1"]
    d.gradients["w1_1_1"] = Chain(step.of, step.wrt, step.factors, step.product, 2 * step.expr)
    assert symbolic_check(d, "w1_1_1") == "DIFFERENT"
