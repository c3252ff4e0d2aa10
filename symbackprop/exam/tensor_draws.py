"""The variants of a tensor exam: every entry of every tensor drawn from the hand-arithmetic
pools (``pools``), token ids for an embedding, a learning rate, the entry the questions are
about; a draw is refused when a question it asks would be degenerate (``degenerate``)."""

from __future__ import annotations

import numpy as np

from ..losses import LOSSES
from ..numeric import Values, forward
from .breakdown import SMALLEST, adjoints, max_ties, pick_term
from .numbers import _value, clean, round12
from .pools import INTEGERS, DECIMALS, KINKS, LINEAR, RATES, RATES_SMOOTH, TARGETS, WEIGHTS, \
    _draw
from .variants import Variant, draw_distinct, visible

# layer kinds whose arithmetic stays exact with exact activations (integer inputs)
EXACT_KINDS = ("conv1d", "conv2d", "maxpool", "avgpool", "flatten", "dense", "residual")


def _activation(layer) -> str:
    return getattr(layer, "activation", "identity")


def pools(net):
    """(inputs, targets, rates): integers for piecewise-linear networks, else decimals (a
    softmax too: integer logits would saturate it)."""
    exact = net.loss != "softmax_ce" and all(
        layer.kind in EXACT_KINDS and _activation(layer) in LINEAR for layer in net.layers)
    targets = TARGETS[_activation(net.layers[-1])]
    return (INTEGERS, targets, RATES) if exact else (DECIMALS, targets, RATES_SMOOTH)


def batch_norm_inputs(g) -> tuple[str, ...]:
    """The inputs of batch-norm layers (each normalise node's first input), in order."""
    return tuple(dict.fromkeys(n.inputs[0] for n in g.nodes.values() if n.op == "normalise"))


def target_pool(d) -> tuple[str, ...]:
    """What a variant asks about by default: a kernel entry of the first convolution, an
    rnn's recurrent weight (a BPTT sum), a batch-norm input, an embedding row entry, an
    attention W_q entry; otherwise the first parameter tensor's entries."""
    g, net = d.graph, d.graph.spec
    order = (("conv1d", "conv2d"), ("rnn",), ("batchnorm",), ("embedding",), ("attention",))
    names = {"rnn": "weight_hh", "attention": "W_q"}
    for kinds in order:
        for l, layer in enumerate(net.layers, 1):
            if layer.kind not in kinds:
                continue
            if layer.kind == "batchnorm":
                return batch_norm_inputs(g)
            keys = g.tensors.get(f"{l}.{names.get(layer.kind, 'weight')}")
            if keys is not None:
                pool = tuple(k for k in keys.reshape(-1) if k in d.gradients)
                if pool:
                    return pool
    return tuple(d.gradients)


def step_of(d, k: str):
    """The derivation's step for dL/dk: a parameter's gradient or a named node's sum."""
    return d.gradients[k] if k in d.gradients else d.deltas[k]


def degenerate(d, values: Values, asked, chains) -> bool:
    """True when the loss or an output is below 10⁻³ (``SMALLEST``: a prediction that
    close leaves nothing to ask), a relu sits at its kink, a max-pool window ties, a value
    is not finite, an asked gradient is below 10⁻³, or a chain question's gradient has no
    term without a zero factor and of 10⁻³ or more (a dead relu or a max-pool's loser on
    every use)."""
    g = d.graph
    with np.errstate(all="ignore"):
        env = clean(forward(d, values))
    if not all(np.all(np.isfinite(v)) for v in env.values()):
        return True
    if abs(_value(env[g.sym(d.loss)])) < SMALLEST or max_ties(g, env):
        return True
    if any(abs(_value(env[g.sym(k)])) < SMALLEST for k, n in g.nodes.items()
           if n.kind == "output"):
        return True  # a forward answer a guess would hit (a dead relu, a saturated softmax)
    if any(g.nodes[k].op in KINKS and _value(env[g.sym(g.nodes[k].inputs[0])]) == 0
           for k in g.computed):
        return True
    if any(abs(_value(step_of(d, k).eval(env, {}))) < SMALLEST for k in asked):
        return True
    return any(pick_term(step_of(d, k), env) is None for k in chains)


def _numbers(d, values: Values, asked) -> tuple:
    g = d.graph
    env = clean(forward(d, values))
    bar = adjoints(d, env)
    outs = [k for k, n in g.nodes.items() if n.kind in ("output", "loss")]
    return (tuple(round12(_value(env[g.sym(k)])) for k in outs),
            tuple(round12(bar.get(k, 0.0)) for k in asked))


def _inputs(net, g, rng, pool) -> list[float]:
    vocab = getattr(net.layers[0], "num_embeddings", 0)
    if vocab:  # token ids
        return [float(rng.integers(vocab)) for _ in g.inputs]
    return [float(_draw(rng, pool)) for _ in g.inputs]


def draw_tensor_variants(d, count: int, seed: int, pool, fixed=(), updated=(),
                         chains=False, update_drawn=False, chained=()) -> list[Variant]:
    """``count`` distinct variants (``variants.draw_distinct``). ``fixed``: entries some
    question names; ``updated``: the fixed parameters an update asks for (``update_drawn``:
    and the drawn one); ``chains``: a chain question asks about the drawn entry,
    ``chained``: about these."""
    g, net = d.graph, d.graph.spec
    inputs, targets, rates = pools(net)
    samples = net.batch if net.coupled else 1
    K = len(g.targets) // samples

    def draw(rng):
        params = {p: float(_draw(rng, WEIGHTS)) for p in g.params}
        X = _inputs(net, g, rng, inputs)
        T = [float(t) for _ in range(samples) for t in LOSSES[net.loss].draw(rng, K, targets)]
        lr = float(_draw(rng, rates))
        return X, T, params, lr, pool[int(rng.integers(len(pool)))]

    def rejected(values, lr, param):
        asked = list(dict.fromkeys((param, *fixed)))
        return degenerate(d, values, asked, ((param,) if chains else ()) + tuple(chained)) \
            or not all(visible(d, values, lr, p) for p in dict.fromkeys(
                (*([param] if update_drawn else []), *updated)))

    return draw_distinct(count, seed, draw, rejected, lambda values, lr, param: _numbers(
        d, values, list(dict.fromkeys((param, *fixed)))))
