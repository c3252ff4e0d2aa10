"""The registry: a ``[[layers]] kind`` -> the reader of its record (one module per kind)."""

from __future__ import annotations

from .attention import Attention
from .batchnorm import BatchNorm
from .conv import Conv
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .layernorm import LayerNorm
from .pool import Pool
from .residual import Residual
from .rnn import RNN

KINDS = {
    "dense": Dense.read,
    "conv1d": Conv.reader("conv1d", 1),
    "conv2d": Conv.reader("conv2d", 2),
    "maxpool": Pool.reader("maxpool"),
    "avgpool": Pool.reader("avgpool"),
    "flatten": Flatten.read,
    "rnn": RNN.read,
    "batchnorm": BatchNorm.read,
    "layernorm": LayerNorm.read,
    "dropout": Dropout.read,
    "embedding": Embedding.read,
    "attention": Attention.read,
    "residual": Residual.read,
}
