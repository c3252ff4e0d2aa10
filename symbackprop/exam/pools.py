"""Value pools of the exam draws: what a variant's weights, inputs, targets and learning
rate are drawn from, chosen for arithmetic by hand, and the activations' definitions the
sheets print (``TARGETS``, ``ACTIVATION_TEX`` and ``_targets`` are the per-activation and
per-loss tables)."""

from __future__ import annotations


from ..activations import ACTIVATIONS
from ..graph import build_graph
from ..losses import LOSSES

WEIGHTS = tuple(k / 10 for k in (*range(-9, 0), *range(1, 10)))  # ±0.1 ... ±0.9
INTEGERS = (-3, -2, -1, 1, 2, 3)
DECIMALS = tuple(k / 10 for k in (*range(-10, 0), *range(1, 11)))  # ±0.1 ... ±1.0
RATES = (0.1, 0.2, 0.5)  # learning rates for piecewise-linear networks
RATES_SMOOTH = (0.5, 1.0)  # and for the others, whose gradients are small
# activations that keep hand arithmetic exact
LINEAR = tuple(a.name for a in ACTIVATIONS.values() if a.exact)
# valid targets for a mse / half_sse output by its activation
TARGETS = {a.name: a.targets for a in ACTIVATIONS.values()}
# what the forward equations write, defined on the sheets for the activations in use
ACTIVATION_TEX = {a.name: a.definition for a in ACTIVATIONS.values() if a.definition}

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
    return LOSSES[net.loss].draw(rng, net.outputs, pool)


KINKS = tuple(a.name for a in ACTIVATIONS.values() if a.kink)  # slope jumps at z = 0
