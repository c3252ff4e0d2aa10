"""VALUES.json: where to evaluate a network, read with clear errors.

    {"inputs": [[x_1, x_2, x_3], ...], "targets": [[y], ...],
     "params": {"w_1^{[1]}": 0.1, ...}}

One row per sample (a flat list is one sample); parameter names as the lesson prints
them, braces around a one-character subscript optional. A graph spec (``kind = "graph"``)
names its inputs, which are what its output is differentiated by:

    {"inputs": {"x": -2, "y": 5, "z": -4}}
"""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path

import numpy as np

from .errors import SpecError
from .dag import Graph
from .naming import canonical_latex
from .numeric import Values


def load_values(path: str | Path, g: Graph) -> Values:
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read values: {exc.strerror}", where) from None
    except UnicodeDecodeError:
        raise SpecError("values file is not UTF-8 text", where) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON: {exc.msg}", f"{where}:{exc.lineno}:{exc.colno}") from None
    return parse_values(data, g, where)


def parse_values(data, g: Graph, where: str = "values") -> Values:
    if not g.layers:  # a graph of formulas: its inputs by name
        return _graph_values(data, g, where)
    if not isinstance(data, dict):
        raise SpecError('expected an object {"inputs": ..., "targets": ..., "params": ...}', where)
    allowed = ("inputs", "targets", "params")
    for key in data:
        if key not in allowed:
            raise SpecError(f"unknown field {key!r}; expected: {', '.join(allowed)}", where)
    for key in ("inputs", "targets", "params"):
        if key not in data:
            raise SpecError(f"missing field {key!r}", where)
    X = _rows(data["inputs"], len(g.inputs), "inputs", where)
    T = _rows(data["targets"], len(g.targets), "targets", where)
    if len(X) != len(T):
        raise SpecError(f"{len(X)} input rows but {len(T)} target rows", where)
    if g.loss_name == "softmax_ce":
        for n, row in enumerate(T):
            if abs(sum(row) - 1) > 1e-9:
                raise SpecError(f"targets row {n + 1}: softmax_ce targets must sum to 1 "
                                f"(one-hot or a distribution), got {sum(row)}", where)
    return Values(X, T, _params(data["params"], g, where))


def _number(v, what, where) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SpecError(f"{what}: {json.dumps(v)} is not a finite number", where)
    return float(v)


def _rows(value, width, what, where):
    if not isinstance(value, list) or not value:
        raise SpecError(f"{what} must be a list of {width} numbers, or a list of such rows", where)
    rows = value if isinstance(value[0], list) else [value]
    out = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list) or len(row) != width:
            raise SpecError(f"{what} row {n}: expected {width} numbers, got {json.dumps(row)}", where)
        out.append([_number(v, f"{what} row {n}", where) for v in row])
    return out


def _params(value, g: Graph, where) -> dict[str, float]:
    if not isinstance(value, dict):
        raise SpecError('params must be an object {"name": value}', where)
    by_name = {canonical_latex(g.latex[k]): k for k in g.params}
    expected = ", ".join(g.latex[k] for k in g.params)
    out = {}
    for name, v in value.items():
        key = by_name.get(canonical_latex(name))
        if key is None:
            near = difflib.get_close_matches(canonical_latex(name), list(by_name), n=1)
            hint = f"; did you mean {g.latex[by_name[near[0]]]}?" if near else ""
            raise SpecError(f"params: unknown parameter {name!r}{hint} (expected: {expected})", where)
        out[key] = _number(v, f"params {name!r}", where)
    missing = [g.latex[k] for k in g.params if k not in out]
    if missing:
        raise SpecError(f"params: missing {', '.join(missing)} (expected: {expected})", where)
    return out


def _graph_values(data, g: Graph, where) -> Values:
    """{"inputs": {name: value}} for a graph spec: the inputs travel as the parameters."""
    expected = ", ".join(g.params)
    shape = '{"inputs": {' + ", ".join(f'"{k}": ...' for k in g.params) + "}}"
    if not isinstance(data, dict) or set(data) != {"inputs"} or not isinstance(data["inputs"], dict):
        raise SpecError(f"expected {shape} (the inputs by name)", where)
    # the spec's name (w0) or its printed form (w_0, w_{0}) as grad prints it
    by_name = {k: k for k in g.params}
    by_name.update({canonical_latex(g.latex[k]): k for k in g.params})
    out = {}
    for name, v in data["inputs"].items():
        key = by_name.get(name) or by_name.get(canonical_latex(name))
        if key is None:
            near = difflib.get_close_matches(name, list(g.params), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise SpecError(f"inputs: unknown input {name!r}{hint} (expected: {expected})", where)
        if key in out:
            raise SpecError(f"inputs: {key!r} is given twice", where)
        out[key] = _number(v, f"inputs {name!r}", where)
    missing = [k for k in g.params if k not in out]
    if missing:
        raise SpecError(f"inputs: missing {', '.join(missing)} (expected: {expected})", where)
    return Values(np.zeros((1, 0)), None, out)
