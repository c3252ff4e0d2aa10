"""ResNet-50's stage shapes and parameter counts, by the layer records' own shape rules.

torchvision's ``resnet50`` (v1.5: the stride of a downsampling bottleneck sits on its
3 × 3 convolution) on a 3 × 224 × 224 image:

- stem: conv 7 × 7, stride 2, padding 3, 64 filters, no bias; batch norm; ReLU;
  max-pool 3 × 3, stride 2, padding 1;
- four stages of [3, 4, 6, 3] bottleneck blocks of widths 64, 128, 256, 512: conv 1 × 1
  (width) - BN - ReLU - conv 3 × 3 (width, stride s, padding 1) - BN - ReLU - conv 1 × 1
  (4 × width) - BN, plus the skip, then ReLU; s = 2 in the first block of stages 2 to 4;
  the first block of each stage adds through a projection (conv 1 × 1, stride s, and BN)
  since its input has other channels or another size;
- global average pool (7 × 7) and a dense layer 2048 -> 1000 with bias.

No graph is built (25 million parameters: the spec's limits refuse it, rightly); each
layer's ``out_shape`` and ``params`` are applied in turn. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layers.batchnorm import BatchNorm
from ..layers.conv import Conv
from ..layers.dense import Dense
from ..layers.flatten import Flatten
from ..layers.pool import Pool

IMAGE = (3, 224, 224)
BLOCKS = (3, 4, 6, 3)
WIDTHS = (64, 128, 256, 512)
EXPANSION = 4


@dataclass(frozen=True)
class Stage:
    name: str
    shape: tuple[int, ...]  # its output, (C, H, W) or (features,)
    blocks: int  # bottleneck blocks (0 for the stem and the head)
    params: int


def conv(filters: int, kernel: int, stride: int = 1, padding: int = 0, bias: bool = False):
    return Conv(kind="conv2d", filters=filters, kernel=(kernel, kernel), stride=(stride, stride),
                padding=(padding, padding), bias="per_unit" if bias else "none")


def _run(layers, shape) -> tuple[tuple[int, ...], int]:
    """The output shape and parameter count of ``layers`` applied in turn to ``shape``."""
    count = 0
    for layer in layers:
        count += sum(int(np.prod(s)) for s in layer.params(shape).values())
        shape = layer.out_shape(shape)
    return shape, count


def bottleneck(shape, width: int, stride: int) -> tuple[tuple[int, ...], int]:
    """One bottleneck block: its output shape and its parameters (the projection's too,
    when the skip needs one)."""
    main = [conv(width, 1), BatchNorm(activation="relu"),
            conv(width, 3, stride, 1), BatchNorm(activation="relu"),
            conv(width * EXPANSION, 1), BatchNorm()]
    out, count = _run(main, shape)
    if tuple(out) != tuple(shape):  # the skip must match F(x): project x
        projected, extra = _run([conv(width * EXPANSION, 1, stride), BatchNorm()], shape)
        if projected != out:
            raise ValueError(f"the projection gives {projected}, the block {out}")
        count += extra
    return out, count


def resnet50() -> list[Stage]:
    """The stem, the four stages and the head, each with its output shape."""
    stem = [conv(64, 7, 2, 3), BatchNorm(activation="relu")]
    shape, count = _run(stem, IMAGE)
    stages = [Stage("conv1", shape, 0, count)]
    shape, _ = _run([Pool("maxpool", (3, 3), (2, 2), (1, 1))], shape)
    stages.append(Stage("maxpool", shape, 0, 0))
    for i, (n, width) in enumerate(zip(BLOCKS, WIDTHS)):
        total = 0
        for b in range(n):
            shape, count = bottleneck(shape, width, 2 if i > 0 and b == 0 else 1)
            total += count
        stages.append(Stage(f"layer{i + 1}", shape, n, total))
    pool = Pool("avgpool", tuple(shape[1:]), tuple(shape[1:]))
    shape, _ = _run([pool, Flatten()], shape)
    stages.append(Stage("avgpool", shape, 0, 0))
    shape, count = _run([Dense(units=1000, bias="per_unit")], shape)
    stages.append(Stage("fc", shape, 0, count))
    return stages


def total_params(stages: list[Stage]) -> int:
    return sum(s.params for s in stages)
