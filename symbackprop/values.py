"""VALUES.json: where to evaluate a network, read with clear errors.

    {"inputs": [[x_1, x_2, x_3], ...], "targets": [[y], ...],
     "params": {"w_1^{[1]}": 0.1, ...}}

One row per sample (a flat list is one sample); parameter names as the lesson prints
them or in any spelling that can only mean one of them (``spelling.py``: ``w_10^{[1]}``
for ``w_{10}^{[1]}``, ``b_1^{[3]}`` for a layer's only bias ``b^{[3]}``). A graph spec
(``kind = "graph"``) names its inputs, which are what its output is differentiated by:

    {"inputs": {"x": -2, "y": 5, "z": -4}}
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .dag import Graph
from .errors import SpecError
from .numeric import Values
from .spelling import Entry, Spellings, listing, resolve

MAX_VALUES_BYTES = 10_000_000  # a VALUES.json file


def load_values(path: str | Path, g: Graph) -> Values:
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read values: {exc.strerror}", where) from None
    except UnicodeDecodeError:
        raise SpecError("values file is not UTF-8 text", where) from None
    return parse_values(read_json(text, where), g, where)


def read_json(text: str, where: str):
    """JSON text -> data, every way it can fail a one-line SpecError."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_VALUES_BYTES:
        raise SpecError(f"values file is too large ({len(text):,} characters; limit "
                        f"{MAX_VALUES_BYTES:,})", where)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON: {exc.msg}", f"{where}:{exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise SpecError("malformed JSON: arrays or objects nested too deep", where) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise SpecError("malformed JSON: a number too large to read", where) from None


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
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SpecError(f"{what}: {_short(v)} is not a finite number", where)
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise SpecError(f"{what}: {_short(v)} is not a finite number", where)
    return x


def _short(v) -> str:
    text = str(v) if isinstance(v, (int, float)) else json.dumps(v)
    return text if len(text) <= 40 else text[:20] + "..." + f" ({len(text):,} characters)"


def _rows(value, width, what, where):
    if not isinstance(value, list) or not value:
        raise SpecError(f"{what} must be a list of {width} numbers, or a list of such rows", where)
    rows = value if isinstance(value[0], list) else [value]
    out = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list) or len(row) != width:
            raise SpecError(f"{what} row {n}: expected {width} numbers, got {_short(row)}", where)
        out.append([_number(v, f"{what} row {n}", where) for v in row])
    return out


def _params(value, g: Graph, where) -> dict[str, float]:
    if not isinstance(value, dict):
        raise SpecError('params must be an object {"name": value}', where)
    spellings = Spellings(Entry(k, g.latex[k], (g.latex[k],)) for k in g.params)
    given = resolve(value, spellings, where, "params")
    out = {k: _number(v, f"params {g.latex[k]}", where) for k, v in given.items()}
    missing = [g.latex[k] for k in g.params if k not in out]
    if missing:
        raise SpecError(f"params: missing {listing(missing)} (expected: "
                        f"{listing(g.latex[k] for k in g.params)})", where)
    return out


def _graph_values(data, g: Graph, where) -> Values:
    """{"inputs": {name: value}} for a graph spec: the inputs travel as the parameters."""
    shape = '{"inputs": {' + listing(f'"{k}": ...' for k in g.params) + "}}"
    if not isinstance(data, dict) or set(data) != {"inputs"} or not isinstance(data["inputs"], dict):
        raise SpecError(f"expected {shape} (the inputs by name)", where)
    given = resolve(data["inputs"], input_spellings(g), where, "inputs", "input")
    out = {k: _number(v, f"inputs {k!r}", where) for k, v in given.items()}
    missing = [k for k in g.params if k not in out]
    if missing:
        raise SpecError(f"inputs: missing {listing(missing)} (expected: {listing(g.params)})",
                        where)
    return Values(np.zeros((1, 0)), None, out)


def input_spellings(g: Graph) -> Spellings:
    """A graph's inputs: the spec's own name (w0) or its printed form (w_0, w_{0})."""
    return Spellings((Entry(k, k, (k, g.latex[k])) for k in g.params), quote=True)
