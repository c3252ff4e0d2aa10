"""Scalar parameters by key <-> tensors in PyTorch's layout, ``"<layer>.<name>"`` like a
``state_dict`` (``Graph.tensors`` holds each tensor's array of keys)."""

from __future__ import annotations

import numpy as np

from .base import entries


def to_tensors(g, values: dict, missing: float | None = None) -> dict:
    """Numbers by parameter key -> {"<layer>.<PyTorch name>": array in PyTorch's layout}.
    ``missing``: the value of a key not in ``values`` (0 for the gradient of a parameter
    the loss does not reach, an rnn's W_hh over one step); None: every key is needed."""
    get = (lambda k: values[k]) if missing is None else (lambda k: values.get(k, missing))
    return {name: np.vectorize(get, otypes=[float])(keys) for name, keys in g.tensors.items()}


def from_tensors(g, tensors: dict) -> dict:
    """The inverse of ``to_tensors``."""
    out = {}
    for name, keys in g.tensors.items():
        arr = np.asarray(tensors[name], dtype=float)
        for idx in entries(keys.shape):
            out[keys[idx]] = float(arr[idx])
    return out
