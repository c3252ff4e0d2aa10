"""VALUES.json for a tensor network, in PyTorch's conventions:

    {"inputs": [[[...]]],               one sample as a nested list of the input shape,
                                         or a list of such samples
     "targets": [y, ...] or [[y, ...], ...],
     "tensors": {"1.weight": [[[[...]]]], "1.bias": [...], "4.weight": [[...]]},
     "params": {"K^{[1]}_{1,1,2,2}": 0.3}}   (optional: scalar names, as the page prints them)

Tensors are keyed ``"<layer number>.<PyTorch parameter name>"`` like a ``state_dict``, in
its layouts (a conv2d weight is filters × channels × kh × kw, a dense weight out × in).
A parameter given nowhere is an error, unless a seed fills it (``grad --seed S``)."""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path

import numpy as np

from ..errors import SpecError
from ..naming import canonical_latex
from ..numeric import Values


def load_tensor_values(path, g, seed: int | None = None) -> Values:
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read values: {exc.strerror}", where) from None
    except UnicodeDecodeError:
        raise SpecError("values file is not UTF-8 text", where) from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON: {exc.msg}", f"{where}:{exc.lineno}:{exc.colno}") from None
    return parse_tensor_values(data, g, where, seed)


def _array(value, what, where) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{what}: expected a nested list of numbers of one shape", where) from None
    if arr.dtype != float or not np.all(np.isfinite(arr)):
        raise SpecError(f"{what}: expected finite numbers", where)
    return arr


def _shape(shape) -> str:
    return " × ".join(str(n) for n in shape)


def parse_tensor_values(data, g, where: str = "values", seed: int | None = None) -> Values:
    net = g.spec
    if not isinstance(data, dict):
        raise SpecError('expected an object {"inputs": ..., "targets": ..., "tensors": ...}',
                        where)
    allowed = ("inputs", "targets", "tensors", "params")
    for key in data:
        if key not in allowed:
            raise SpecError(f"unknown field {key!r}; expected: {', '.join(allowed)}", where)
    for key in ("inputs", "targets"):
        if key not in data:
            raise SpecError(f"missing field {key!r}", where)
    X = _array(data["inputs"], "inputs", where)
    if X.shape == net.shape:
        X = X[None]
    if X.shape[1:] != net.shape:
        raise SpecError(f"inputs: expected one sample of shape {_shape(net.shape)} or a list "
                        f"of such samples, got shape {_shape(X.shape)}", where)
    vocab = getattr(net.layers[0], "num_embeddings", 0)
    if vocab and not np.all((X == np.round(X)) & (X >= 0) & (X < vocab)):
        raise SpecError(f"inputs: an embedding reads token ids, whole numbers from 0 to "
                        f"{vocab - 1} (num_embeddings = {vocab})", where)
    K = len(g.targets) // (net.batch if net.coupled else 1)
    T = _array(data["targets"], "targets", where)
    T = T.reshape(1, -1) if T.ndim == 1 else T
    if T.ndim != 2 or T.shape[1] != K or T.shape[0] != X.shape[0]:
        raise SpecError(f"targets: expected {X.shape[0]} row(s) of {K} numbers, got shape "
                        f"{_shape(T.shape)}", where)
    params = {}
    tensors = data.get("tensors", {})
    if not isinstance(tensors, dict):
        raise SpecError('tensors must be an object {"1.weight": [...], ...}', where)
    for name, value in tensors.items():
        if name not in g.tensors:
            near = difflib.get_close_matches(name, list(g.tensors), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise SpecError(f"tensors: unknown tensor {name!r}{hint} (expected: "
                            f"{', '.join(g.tensors)})", where)
        keys = g.tensors[name]
        arr = _array(value, f"tensors {name!r}", where)
        if arr.shape != keys.shape:
            raise SpecError(f"tensors {name!r}: expected shape {_shape(keys.shape)} (PyTorch's "
                            f"layout), got {_shape(arr.shape)}", where)
        params.update({k: float(v) for k, v in zip(keys.reshape(-1), arr.reshape(-1))})
    scalars = data.get("params", {})
    if not isinstance(scalars, dict):
        raise SpecError('params must be an object {"name": value}', where)
    by_name = {canonical_latex(g.latex[k]): k for k in g.params}
    for name, v in scalars.items():
        key = by_name.get(canonical_latex(name)) if isinstance(name, str) else None
        if key is None:
            near = difflib.get_close_matches(canonical_latex(str(name)), list(by_name), n=1)
            hint = f"; did you mean {g.latex[by_name[near[0]]]}?" if near else ""
            raise SpecError(f"params: unknown parameter {name!r}{hint}", where)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SpecError(f"params {name!r}: {json.dumps(v)} is not a finite number", where)
        params[key] = float(v)
    missing = [k for k in g.params if k not in params]
    if missing and seed is None:
        tensors_missing = sorted({n for n, keys in g.tensors.items()
                                  if any(k in missing for k in keys.reshape(-1))})
        raise SpecError(f"missing parameters of {', '.join(tensors_missing)}: give them under "
                        f'"tensors", or fill them with grad --seed S', where)
    if missing:
        rng = np.random.default_rng(seed)
        drawn = rng.normal(0, 0.5, size=len(g.params))  # one draw per parameter, in order
        params.update({k: float(v) for k, v in zip(g.params, drawn) if k in missing})
    if net.coupled:  # a graph over a batch: its samples in one row
        if X.shape[0] != net.batch:
            raise SpecError(f"inputs: the network is built over a batch of {net.batch} "
                            f"(batch norm), got {X.shape[0]} sample(s)", where)
        return Values(X.reshape(1, -1), T.reshape(1, -1), params)
    return Values(X.reshape(X.shape[0], -1), T, params)
