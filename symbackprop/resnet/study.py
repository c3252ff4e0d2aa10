"""The gradient norm per block of deeper stacks, measured with the NumPy reference.

Four settings: plain or residual, with or without batch norm (``blocks.stack``), each over
several seeded weight draws with He (Kaiming) initialisation: a convolution's weights
~ N(0, 2 / fan_in), fan_in = channels × 3 × 3 (the ReLU halves the second moment, the 2
restores it), the output unit's ~ N(0, 1 / fan_in), batch norm's γ = 1 and β = 0 (PyTorch's
defaults). For each draw: ||dL/dx_b||, the norm of the gradient at block b's input (the
backward signal, over the batch), ||dL/dθ_b||, the norm of the gradient of block b's two
kernels, and the root mean square of block b's output (the forward scale), by the hand-written
reference's forward and backward pass (``reference_layers``), whose numbers the tests
hold equal to the symbolic derivation's on the lesson's network. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import reference_layers as ref
from .blocks import Block, blocks, stack

# (label key, batch norm, skips), in the order the page and the plots list them
SETTINGS = (("plain", False, False), ("plain_bn", True, False),
            ("residual", False, True), ("residual_bn", True, True))


@dataclass(frozen=True)
class Options:
    depth: int = 8  # basic blocks
    channels: int = 4
    size: int = 8  # input height and width
    batch: int = 4
    draws: int = 8  # seeded weight draws per setting
    gain: float = 2.0  # a convolution's weights ~ N(0, gain / fan_in): 2 is He's


@dataclass(frozen=True)
class Setting:
    key: str
    norm: bool
    residual: bool
    signal: tuple[float, ...]  # per block: geometric mean over the draws of ||dL/dx_b||
    grad: tuple[float, ...]  # per block: geometric mean over the draws of ||dL/dθ_b||
    scale: tuple[float, ...]  # per block: geometric mean of the output's RMS
    spread: tuple[float, ...]  # per block: max/min of ||dL/dx_b|| over the draws

    @property
    def ratio(self) -> float:
        """||dL/dx_1|| / ||dL/dx_L||: how much the backward signal shrinks (< 1) or grows
        (> 1) from the last block back to the first."""
        return self.signal[0] / self.signal[-1]

    @property
    def widest(self) -> float:
        """The largest spread over the draws at any block (largest / smallest draw)."""
        return max(self.spread)

    @property
    def gains(self) -> tuple[float, ...]:
        """||dL/dx_b|| / ||dL/dx_{b+1}||: each block's backward gain, b = 1 .. L − 1."""
        return tuple(a / b for a, b in zip(self.signal, self.signal[1:]))


@dataclass(frozen=True)
class Study:
    options: Options
    settings: tuple[Setting, ...]

    def at(self, key: str) -> Setting:
        return next(s for s in self.settings if s.key == key)


def he_params(net, rng, gain: float = 2.0) -> dict:
    """He-initialised parameters in PyTorch's layout (see the module's docstring); a
    convolution's weight variance is ``gain`` / fan_in (2: He's)."""
    params, shape = {}, tuple(net.shape)
    for l, layer in enumerate(net.layers, 1):
        for name, size in layer.params(shape).items():
            if layer.kind == "batchnorm":
                params[f"{l}.{name}"] = np.ones(size) if name == "weight" else np.zeros(size)
            else:
                fan_in = int(np.prod(size[1:]))
                g = gain if layer.kind == "conv2d" else 1.0
                params[f"{l}.{name}"] = rng.normal(0, np.sqrt(g / fan_in), size)
        shape = layer.out_shape(shape)
    return params


def block_numbers(net, params: dict, X, T) -> tuple[list[float], list[float], list[float]]:
    """(||dL/dx_b||, ||dL/dθ_b||, RMS of block b's output) per block at one point, by the
    reference. x_b: the block's input over the batch; θ_b: its convolutions' kernels."""
    found = blocks(net) or _plain_blocks(net)
    taps: dict = {}
    _, grads = ref.backward(net, params, X, T, taps)
    _, caches = ref.forward(net, params, X)
    signals, norms, scales = [], [], []
    for b in found:
        signals.append(float(np.sqrt(np.sum(taps[b.start] ** 2))))
        keys = [f"{l}.weight" for l in range(b.start, b.end + 1)
                if net.layers[l - 1].kind == "conv2d"]
        norms.append(float(np.sqrt(sum(np.sum(grads[k] ** 2) for k in keys))))
        out = caches[b.end][0]  # the input of the layer after the block
        scales.append(float(np.sqrt(np.mean(out ** 2))))
    return signals, norms, scales


def _plain_blocks(net) -> list[Block]:
    """A plain stack's blocks: after the stem, each run of two convolutions (with their
    batch norms) ends where the next convolution after it starts."""
    convs = [l for l, layer in enumerate(net.layers, 1) if layer.kind == "conv2d"][1:]
    out = []
    for first, second in zip(convs[::2], convs[1::2]):
        end = second + (1 if net.layers[second].kind == "batchnorm" else 0)
        out.append(Block(first, end))
    return out


def _geomean(rows) -> tuple[float, ...]:
    return tuple(float(np.exp(np.mean(np.log(np.maximum(c, 1e-300))))) for c in zip(*rows))


def study(options: Options = Options(), seed: int = 0, progress=None) -> Study:
    """The four settings over ``options.draws`` seeded draws each (the same inputs and
    targets for every setting of a draw)."""
    o = options
    runs = [(key, norm, residual, d) for key, norm, residual in SETTINGS
            for d in range(o.draws)]
    if progress is not None:
        runs = progress(runs, "gradient norm per block", len(runs))
    raw: dict = {}
    for key, norm, residual, d in runs:
        net = stack(o.depth, o.channels, o.size, norm, residual, o.batch)
        rng = np.random.default_rng([seed, d])
        X = rng.normal(size=(o.batch, 1, o.size, o.size))
        T = rng.normal(size=(o.batch, 1))
        params = he_params(net, np.random.default_rng([seed, d, 1]), o.gain)
        raw.setdefault(key, []).append(block_numbers(net, params, X, T))
    settings = []
    for key, norm, residual in SETTINGS:
        signals, grads, scales = zip(*raw[key])
        spread = tuple(float(max(c) / min(c)) if min(c) > 0 else float("inf")
                       for c in zip(*signals))
        settings.append(Setting(key, norm, residual, _geomean(signals), _geomean(grads),
                                _geomean(scales), spread))
    return Study(o, tuple(settings))
