"""The symbolic proof at a cost bounded by what it builds: the whole-loss identity where the
flattened loss is small, local derivatives and the chain rule's shape where it is not.
Each way must prove right derivations and refute wrong ones."""

import dataclasses

import pytest
import sympy as sp

from symbackprop import proof, spec
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.steps import Chain, Local, Sum

DENSE = """inputs = {n}
loss = "{loss}"
""" + """[[layers]]
units = {w}
activation = "{act}"
bias = "per_unit"
""" * 2 + """[[layers]]
units = {out}
bias = "per_unit"
"""


def dense(n=4, w=4, out=2, act="sigmoid", loss="softmax_ce"):
    return derive(build_graph(spec.loads(DENSE.format(n=n, w=w, out=out, act=act, loss=loss))))


def residual_chain(depth, act="relu"):
    text = "inputs = 1\n" + f'[[layers]]\nunits = 1\nactivation = "{act}"\nresidual = true\n' * depth
    return derive(build_graph(spec.loads(text + "[[layers]]\nunits = 1\n")))


def test_flat_size_counts_the_copies_a_residual_chain_makes():
    """h_l = h_{l-1} + relu(w_l h_{l-1}) uses h_{l-1} twice, so the flattened tree doubles
    with every layer: by hand, s_l = 2 s_{l-1} + 4 (Add, relu, Mul, w_l)."""
    found = []
    for depth in (2, 3, 4):
        d = residual_chain(depth)
        found.append(d.graph.flat_size(_last_unit(d.graph, depth)))
    assert found[1] == 2 * found[0] + 4 and found[2] == 2 * found[1] + 4
    # an upper bound of the tree SymPy builds when asked to (which merges nested sums)
    d = residual_chain(3)
    key = _last_unit(d.graph, 3)
    assert _tree_nodes(d.graph.flat(key)) <= d.graph.flat_size(key)


def _last_unit(g, depth):
    return next(k for k in g.nodes if g.latex[k] in (f"h^{{[{depth}]}}", f"h_1^{{[{depth}]}}"))


def _tree_nodes(e):
    return 1 + sum(_tree_nodes(a) for a in e.args)


@pytest.mark.parametrize("make, method", [
    (lambda: dense(), "local"),                       # 4-4-4-2 softmax: 1,191 tree nodes
    (lambda: residual_chain(8), "local"),             # exponential flattening
    (lambda: residual_chain(12, "sigmoid"), "local"),
    (lambda: dense(2, 2, 1, "tanh", "mse"), "whole"),  # small: the whole-loss identity
    (lambda: dense(2, 2, 1, "relu", "mse"), "local"),  # a kink: settled branch by branch
])
def test_each_network_is_proven_in_its_way(make, method):
    d = make()
    assert proof.method_for(d) == method
    proofs = proof.prove(d, d.gradients)
    assert {p.verdict for p in proofs.values()} == (
        {proof.LOCAL} if method == "local" else {proof.EQUAL})


def test_local_proof_agrees_with_the_whole_loss_identity_on_small_networks():
    """Where both ways run, both say equal; and each local derivative, pushed back to its
    node's definition, is what sympy.diff gives for that node alone."""
    for act in ("sigmoid", "tanh", "identity"):
        d = dense(2, 2, 1, act, "half_sse")
        assert proof.local_problem(d) == ""
        for p in list(d.gradients)[:3]:
            assert proof.whole(d, p) == proof.EQUAL


def _wrong_local(d, of_kind="sigmoid"):
    """Replace the sigmoid slope h(1 - h) by h(1 + h) in one local step, in place."""
    g = d.graph
    (c, v), loc = next(((c, v), l) for (c, v), l in sorted(d.locals.items())
                       if g.nodes[c].op == of_kind)
    h = g.sym(c)
    assert loc.expr == h * (1 - h)  # the teacher's form, by hand
    object.__setattr__(loc, "expr", h * (1 + h))
    return c, v


def test_a_wrong_local_derivative_is_refuted_on_a_large_network():
    d = dense()
    c, v = _wrong_local(d)
    assert proof.method_for(d) == "local"
    assert proof.local_problem(d) == f"local d{c}/d{v}"
    proofs = proof.prove(d, d.gradients)
    assert {p.verdict for p in proofs.values()} == {proof.DIFFERENT}


def test_a_wrong_relu_slope_is_refuted_branch_by_branch():
    d = dense(2, 2, 1, "relu", "mse")
    (c, v), loc = next(((c, v), l) for (c, v), l in sorted(d.locals.items())
                       if d.graph.nodes[c].op == "relu")
    z = d.graph.sym(v)
    object.__setattr__(loc, "expr", sp.Heaviside(-z, 0))  # the slope of the wrong side
    assert proof.local_problem(d) == f"local d{c}/d{v}"


def test_a_sum_missing_a_path_is_refuted():
    """h_1^{[1]} feeds every unit of layer 2: drop one path from its sum."""
    d = dense()
    v, s = next((v, s) for v, s in d.deltas.items() if isinstance(s, Sum) and len(s.terms) > 1)
    object.__setattr__(s, "terms", s.terms[:-1])
    object.__setattr__(s, "expr", sp.Add(*[t.expr for t in s.terms]))
    assert proof.structure_problem(d).startswith(f"sum dL/d{v}")


def test_a_chain_skipping_an_edge_is_refuted():
    d = dense(2, 2, 1, "tanh", "mse")
    # a unit's δ^{[1]} = δ^{[2]} dz^{[2]}/dh^{[1]} dh^{[1]}/dz^{[1]}, cited by its weights
    step = next(s for s in d.deltas.values() if isinstance(s, Chain) and len(s.factors) > 2)
    object.__setattr__(step, "factors", step.factors[:1] + step.factors[2:])
    assert "does not continue" in proof.structure_problem(d)


def test_a_chain_factor_that_is_not_a_local_step_is_refuted():
    d = dense(2, 2, 1, "tanh", "mse")
    p, step = next((p, s) for p, s in d.gradients.items() if isinstance(s, Chain))
    f = step.factors[-1]
    fake = Local(f.of, f.wrt, 2 * f.expr)
    d.gradients[p] = dataclasses.replace(step, factors=step.factors[:-1] + (fake,))
    assert "not the local derivative" in proof.structure_problem(d)


def test_the_whole_identity_refutes_a_wrong_gradient():
    d = dense(2, 2, 1, "tanh", "mse")
    p, step = next((p, s) for p, s in d.gradients.items() if isinstance(s, Chain))
    d.gradients[p] = Chain(step.of, step.wrt, step.factors, step.product, -step.expr)
    assert proof.whole(d, p) == proof.DIFFERENT


def test_sums_are_checked_against_their_terms():
    d = dense()
    v, s = next((v, s) for v, s in d.deltas.items() if isinstance(s, Sum))
    object.__setattr__(s, "expr", 2 * s.expr)
    assert proof.structure_problem(d) == f"sum dL/d{v}: its total is not the sum of its terms"


def test_slow_stages_show_a_progress_bar_on_a_terminal_only():
    import io

    from symbackprop.progress import bar
    from symbackprop.verify import check_gradients

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    d = dense()
    for out, shown in ((Terminal(), True), (io.StringIO(), False)):
        report = check_gradients(d, points=2, progress=bar(out, delay=0))
        assert report.ok
        text = out.getvalue()
        assert ("numeric check" in text and "/2 [" in text) == shown
        assert ("local derivatives" in text) == shown


def test_the_largest_network_the_limits_allow_verifies_without_false_failures():
    """[32,32,32,1] (2,145 parameters, near the 2,500 limit): a loss in the hundreds makes
    a central difference's rounding about 1e-10 |L|, so its floor grows with the loss;
    the derived gradients still agree with the NumPy reference to 1e-12."""
    from symbackprop.verify import check_gradients

    d = dense(32, 32, 1, "sigmoid", "mse")
    report = check_gradients(d, points=3)
    assert report.ok, report.failures[:3]
    assert max(report.errors_ref) < 1e-12 and len(d.gradients) == 2145
