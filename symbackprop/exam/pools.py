"""Value pools of the exam draws: what a variant's weights, inputs, targets and learning
rate are drawn from, chosen for arithmetic by hand, and the activations' definitions the
sheets print (``TARGETS``, ``ACTIVATION_TEX`` and ``_targets`` are the per-activation and
per-loss tables)."""

from __future__ import annotations

import numpy as np

from ..graph import build_graph

WEIGHTS = tuple(k / 10 for k in (*range(-9, 0), *range(1, 10)))  # ±0.1 ... ±0.9
INTEGERS = (-3, -2, -1, 1, 2, 3)
DECIMALS = tuple(k / 10 for k in (*range(-10, 0), *range(1, 11)))  # ±0.1 ... ±1.0
RATES = (0.1, 0.2, 0.5)  # learning rates for piecewise-linear networks
RATES_SMOOTH = (0.5, 1.0)  # and for the others, whose gradients are small
LINEAR = ("identity", "relu", "leaky_relu")  # activations that keep hand arithmetic exact
# valid targets for a mse / half_sse output by its activation
TARGETS = {
    "identity": INTEGERS, "leaky_relu": INTEGERS, "relu": (1, 2, 3),
    "sigmoid": tuple(k / 10 for k in range(1, 10)),
    "tanh": tuple(k / 10 for k in (*range(-9, 0), *range(1, 10))),
    "softplus": tuple(k / 10 for k in range(1, 21)),
}
# what the forward equations write, defined on the sheets for the activations in use
ACTIVATION_TEX = {
    "sigmoid": r"\sigma\left(z\right) = \frac{1}{1 + e^{-z}}",
    "tanh": r"\tanh{\left(z\right)} = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    "relu": r"\operatorname{relu}\left(z\right) = \max\left(0, z\right)",
    "leaky_relu": r"\operatorname{lrelu}\left(z\right) = z \text{ for } z > 0, "
                  r"\; 0.01 z \text{ otherwise}",
    "softplus": r"\operatorname{softplus}\left(z\right) = \log\left(1 + e^{z}\right)",
}



# a circuit's inputs (graph specs): small integers, as CS231n's examples; positive ones
# when a formula needs them (log, sqrt, a fractional power)
GRAPH_INPUTS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
GRAPH_POSITIVE = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)


def is_graph(net) -> bool:
    """A computational-graph spec (a circuit: inputs, nodes, one output, no loss): its
    graph has no layers."""
    return not build_graph(net).layers


def param_pool(net):
    """What a variant's parameters are drawn from (a circuit's inputs travel as them)."""
    if is_graph(net):
        return GRAPH_POSITIVE if net.positive_domain() else GRAPH_INPUTS
    return WEIGHTS


def _pools(net):
    if is_graph(net):
        return (), (), RATES
    acts = [layer.activation for layer in net.layers]
    linear = all(a in LINEAR for a in acts)
    if linear:
        return INTEGERS, TARGETS[acts[-1]], RATES
    return DECIMALS, TARGETS[acts[-1]], RATES_SMOOTH


def _draw(rng, pool):
    return pool[int(rng.integers(len(pool)))]


def _targets(net, rng, pool):
    if is_graph(net):
        return []
    K = net.outputs
    if net.loss == "softmax_ce":
        return [float(v) for v in np.eye(K)[int(rng.integers(K))]]
    if net.loss == "bce":
        return [float(rng.integers(2))]
    return [float(_draw(rng, pool)) for _ in range(K)]


KINKS = ("relu", "leaky_relu")  # activations whose slope jumps at z = 0
