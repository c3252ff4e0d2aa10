"""Stacks of residual basic blocks, and a network's plain twin.

A basic block (ResNet's, for the CIFAR-sized networks of He et al. 2016) is

    x -> conv 3×3 -> [BN] -> ReLU -> conv 3×3 -> [BN] -> (+ x) -> ReLU

with padding 1, so F(x) has x's shape and the skip can add them. Its plain twin is the
same layers without the ``+ x``: the ReLU after the sum moves onto the layer before it,
so the twin computes ReLU(F(x)) where the block computes ReLU(F(x) + x).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..layers.batchnorm import BatchNorm
from ..layers.conv import Conv
from ..layers.dense import Dense
from ..layers.flatten import Flatten
from ..layers.network import TensorNetwork
from ..layers.residual import Residual


@dataclass(frozen=True)
class Block:
    """Where a residual block sits in a network: layers ``start`` to ``end`` - 1 are F,
    layer ``end`` (a residual) adds the skip. Layer numbers are 1-based."""

    start: int
    end: int


def blocks(net: TensorNetwork) -> list[Block]:
    """The residual blocks of ``net``, in order."""
    return [Block(layer.start, l) for l, layer in enumerate(net.layers, 1)
            if layer.kind == "residual"]


def _conv(channels: int, activation: str = "identity") -> Conv:
    return Conv(kind="conv2d", filters=channels, kernel=(3, 3), stride=(1, 1),
                padding=(1, 1), activation=activation)


def _shapes(shape, layers) -> tuple:
    out, at = [], tuple(shape)
    for layer in layers:
        at = layer.out_shape(at)
        out.append(at)
    return tuple(out)


def stack(depth: int, channels: int, size: int, norm: bool = True, residual: bool = True,
          batch: int = 2, name: str = "stack") -> TensorNetwork:
    """A stem convolution (1 -> ``channels``, ReLU), ``depth`` basic blocks over
    ``channels`` × ``size`` × ``size``, a flatten and one linear output unit, MSE.
    ``norm``: batch norm after each block convolution; ``residual``: the skips. Built
    from the layer records directly (the spec's size limits are for derivations; this
    network is for the NumPy reference)."""
    layers = [_conv(channels, "relu")]
    for _ in range(depth):
        start = len(layers) + 1
        first = [_conv(channels), BatchNorm(activation="relu")] if norm else \
            [_conv(channels, "relu")]
        second = [_conv(channels), BatchNorm()] if norm else [_conv(channels)]
        layers += first + second
        if residual:
            layers.append(Residual(start=start, activation="relu"))
        else:  # the block's closing ReLU on its last layer
            layers[-1] = replace(layers[-1], activation="relu")
    layers += [Flatten(), Dense(units=1)]
    shape = (1, size, size)
    return TensorNetwork(name=name, shape=shape, layers=tuple(layers),
                         shapes=_shapes(shape, layers), loss="mse",
                         batch=batch if norm else 1)


def plain_twin(net: TensorNetwork) -> tuple[TensorNetwork, dict[int, int]]:
    """``net`` without its residual layers, and each kept layer's number in the twin.
    A residual's activation moves onto the layer before it (which must have none)."""
    layers, number = [], {}
    for l, layer in enumerate(net.layers, 1):
        if layer.kind == "residual":
            if layer.activation != "identity":
                prev = layers[-1]
                if getattr(prev, "activation", "identity") != "identity":
                    raise ValueError(f"layer {l - 1} already has an activation: the twin "
                                     f"cannot take the residual's {layer.activation}")
                layers[-1] = replace(prev, activation=layer.activation)
            continue
        layers.append(layer)
        number[l] = len(layers)
    return replace(net, name=f"{net.name}_plain", layers=tuple(layers),
                   shapes=_shapes(net.shape, layers)), number
