"""Scalar parameters by key <-> tensors in PyTorch's layout, ``"<layer>.<name>"`` like a
``state_dict`` (``Graph.tensors`` holds each tensor's array of keys)."""

from __future__ import annotations

import numpy as np

from .base import entries


def to_tensors(g: Graph, params: dict) -> dict:
    """Scalar parameters by key -> {"<layer>.<PyTorch name>": array in PyTorch's layout}."""
    return {name: np.vectorize(lambda k: params[k], otypes=[float])(keys)
            for name, keys in g.tensors.items()}


def from_tensors(g: Graph, tensors: dict) -> dict:
    """The inverse of ``to_tensors``."""
    out = {}
    for name, keys in g.tensors.items():
        arr = np.asarray(tensors[name], dtype=float)
        for idx in entries(keys.shape):
            out[keys[idx]] = float(arr[idx])
    return out
