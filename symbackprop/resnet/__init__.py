"""The ResNet lesson's numbers (``symbackprop lesson resnet``): the lesson's network with
residual blocks and its plain twin (``blocks``, ``skips``), a block's Jacobian I + ∂F/∂x
(``jacobian``), the gradient norm per block of deeper stacks in four settings (``study``)
and ResNet-50's stage shapes by the layer records' own rules (``shapes``). Data only: no
jinja, no LaTeX; the plots are drawn by ``resnet.plots``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..lesson import Lesson
from .blocks import Block, blocks, plain_twin, stack
from .jacobian import BlockJacobian, block_jacobian
from .shapes import Stage, resnet50, total_params
from .skips import Comparison, compare, twin_lesson
from .study import Options, Study, study

# The weight scales the study is run at (a convolution's weights ~ N(0, gain / fan_in)):
# He's 2, and 1/3, what PyTorch's default initialisation of a convolution gives
# (kaiming_uniform_ with a = √5: a uniform law of variance 1 / (3 fan_in)).
GAINS = (2.0, 1 / 3)


@dataclass(frozen=True)
class ResNetLesson:
    lesson: Lesson  # the preset's network, derived and verified
    twin: Lesson  # its plain twin at the same worked example
    numbering: dict  # layer of the network -> layer of the twin
    blocks: tuple[Block, ...]
    comparison: Comparison
    jacobians: tuple[BlockJacobian, ...]  # one per block
    studies: tuple[Study, ...]  # one per gain of GAINS
    stages: tuple[Stage, ...]


def resnet_lesson(lesson: Lesson, seed: int = 0, options: Options = Options(),
                  progress=None) -> ResNetLesson:
    """Everything the ResNet page shows besides the layers page of ``lesson``."""
    net = lesson.graph.spec
    found = tuple(blocks(net))
    twin, numbering = twin_lesson(lesson)
    return ResNetLesson(
        lesson=lesson, twin=twin, numbering=numbering, blocks=found,
        comparison=compare(lesson, twin, found[0]),
        jacobians=tuple(block_jacobian(lesson, b) for b in found),
        studies=tuple(study(replace(options, gain=g), seed=seed, progress=progress)
                      for g in GAINS),
        stages=tuple(resnet50()),
    )


__all__ = ["GAINS", "Block", "BlockJacobian", "Comparison", "Options", "ResNetLesson", "Stage",
           "Study", "block_jacobian", "blocks", "compare", "plain_twin", "resnet50",
           "resnet_lesson", "stack", "study", "total_params", "twin_lesson"]
