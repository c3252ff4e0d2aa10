"""The front ends: a spec's class picks how its Graph is built, and the graph carries what
its consumers need (the worked example, a sampler of valid points, size guards)."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop import reference
from symbackprop.derive import derive
from symbackprop.graph import build_graph
from symbackprop.lesson import build_lesson
from symbackprop.numeric import evaluate
from symbackprop.spec import load, loads
from symbackprop.verify import positions


@pytest.mark.parametrize("preset", ["easynet", "softmax", "sigmoid222"])
def test_sampled_points_are_valid_and_match_the_numpy_reference(preset):
    net = load(preset)
    d = derive(build_graph(net))
    rng = np.random.default_rng(3)
    point = d.graph.sample(rng, 4)
    assert point.inputs.shape == (4, net.inputs) and point.targets.shape == (4, net.outputs)
    if net.loss == "softmax_ce":  # one-hot rows
        assert np.allclose(point.targets.sum(axis=1), 1.0)
    # the same point, rebuilt for the independent NumPy backpropagation
    by_pos = {v: k for k, v in positions(d).items()}
    rng = np.random.default_rng(3)
    params = reference.init_params(net, rng, scale=0.8)
    flat = reference.flatten(net, params)
    assert {k: flat[p] for k, p in by_pos.items()} == point.params
    _, derived = evaluate(d, point)
    _, ref = reference.backward(net, params, point.inputs, point.targets)
    ref = {positions(d)[k]: v for k, v in reference.flatten(net, ref).items()}
    for k in d.gradients:
        assert derived[k] == pytest.approx(ref[k], rel=1e-9, abs=1e-12)


def test_a_graph_spec_has_no_layers_and_keeps_its_example():
    spec = loads('kind = "graph"\ninputs = ["x", "y"]\noutput = "f"\n[nodes]\nf = "x * y"\n'
                 '[example]\ninputs = {x = 3, y = -2}\n', name="prod")
    g = build_graph(spec)
    assert g.layers == () and g.loss_name is None and g.name == "prod"
    assert g.example.params == {"x": 3.0, "y": -2.0}
    _, grads = evaluate(derive(g), g.example)
    assert grads == {"x": -2.0, "y": 3.0}  # d(xy)/dx = y, d(xy)/dy = x


def test_an_unknown_spec_class_has_no_front_end():
    with pytest.raises(KeyError):
        build_graph(object())


def test_a_lesson_is_built_once_at_the_worked_example():
    """Mazur's network and values (sigmoid222): the lesson's numbers are his."""
    lesson = build_lesson(load("sigmoid222"), points=1, symbolic=False)
    g = lesson.graph
    loss = float(lesson.env[g.sym(g.loss)][0])
    assert round(loss, 9) == 0.298371109  # E_total in the post
    assert lesson.report.ok and lesson.matrix.agreement < 1e-12


@pytest.mark.parametrize("text", ['kind = [1]\n', 'kind = "conv"\n'])
def test_an_unknown_kind_is_a_one_line_error(text):
    from symbackprop.errors import SpecError

    with pytest.raises(SpecError, match=r"<spec>:1: kind = .* is not one of: layers, graph"):
        loads(text)
