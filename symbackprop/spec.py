"""Network specs: frozen dataclasses, loaded from TOML files or built-in presets.

The spec is plain data (stdlib only); it says *what* the network is. ``graph.py``
turns it into symbols, ``reference.py`` into NumPy arrays.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .activations import ACTIVATIONS as _ACTIVATIONS
from .errors import SpecError
from .formula_spec import read_graph_spec
from .layers import is_tensor_spec, read_tensor_network
from .limits import MAX_LAYERS, MAX_NAME, MAX_PARAMS, MAX_SPEC_BYTES, MAX_UNITS
from .losses import LOSSES as _LOSSES
from .notation import DERIVATIVES, MEANS, NUMBERINGS, SCOPES, Notation
from .profiles import STYLES
from .spelling import quoted

ACTIVATIONS = tuple(_ACTIVATIONS)  # the registries' names, in their order
LOSSES = tuple(_LOSSES)
BIASES = ("none", "per_unit", "shared")

# A name the user gives is printed as LaTeX, so it must be plain: letters, digits,
# sub/superscripts, braces, brackets, commas. No backslash commands, and no ``^^``
# (TeX reads ``^^5c`` as a backslash).
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_^{}\[\],']*$")
# The file stem a spec's ``name`` gives its output files: a plain stem, no folders, no
# hidden file, no control characters.
_STEM = re.compile(r"^[^./\\\x00-\x1f\x7f:][^/\\\x00-\x1f\x7f:]*$")


@dataclass(frozen=True)
class Layer:
    size: int
    activation: str = "identity"
    bias: str = "none"
    residual: bool = False
    names: tuple[str, ...] | None = None  # custom unit (output) names
    pre_names: tuple[str, ...] | None = None  # custom pre-activation names


@dataclass(frozen=True)
class Example:
    """Values for the worked example on a lesson page (one sample)."""

    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    params: tuple[tuple[str, float], ...]  # (LaTeX name, value), in any order
    learning_rate: float | None = None  # show one gradient-descent step
    where: str | None = None  # file:line of its params, for errors about their names


@dataclass(frozen=True)
class Network:
    name: str
    inputs: int
    layers: tuple[Layer, ...]
    loss: str = "mse"
    notation: Notation = field(default_factory=Notation)
    input_names: tuple[str, ...] | None = None
    target_names: tuple[str, ...] | None = None
    title: str | None = None
    example: Example | None = None
    detail: str = "auto"  # "auto" | "all": how much a page shows of a large network

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, the inputs first: easynet is (3, 2, 1)."""
        return (self.inputs,) + tuple(layer.size for layer in self.layers)

    @property
    def outputs(self) -> int:
        return self.layers[-1].size


# --------------------------------------------------------------------------- loading


def load(spec: str | Path) -> Network:
    """A preset name (``easynet``) or a path to a TOML file."""
    text_spec = str(spec)
    if text_spec.endswith(".toml") or Path(text_spec).exists():
        path = Path(text_spec)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"cannot read spec: {exc.strerror}", str(path)) from None
        except UnicodeDecodeError:
            raise SpecError("spec is not UTF-8 text", str(path)) from None
        return loads(text, name=path.stem, source=str(path))
    if text_spec not in presets():
        raise SpecError(
            f"unknown preset or missing file {text_spec!r}; presets: {', '.join(presets())}"
        )
    text = resources.files("symbackprop.presets").joinpath(f"{text_spec}.toml").read_text("utf-8")
    return loads(text, name=text_spec, source=f"preset {text_spec}")


def presets() -> list[str]:
    root = resources.files("symbackprop.presets")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def loads(text: str, name: str = "network", source: str = "<spec>"):
    """Parse and validate TOML text; errors carry ``source:line:column``."""
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(f"spec is too large ({len(text):,} characters; limit "
                        f"{MAX_SPEC_BYTES:,})", source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"{source}:{m.group(1)}:{m.group(2)}" if m else source
        raise SpecError(f"malformed TOML: {re.sub(r' ?[(]at line.*[)]', '', msg)}", where) from None
    except RecursionError:
        raise SpecError("malformed TOML: arrays or tables nested too deep", source) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise SpecError(f"malformed TOML: a number too large to read ({exc})".split(";")[0],
                        source) from None
    return _Reader(text, source).network(data, name)


class _Reader:
    """Validates the TOML data, pointing errors at the line of the offending key."""

    def __init__(self, text, source):
        self.lines = text.splitlines()
        self.source = source

    def where(self, table: str | None, key: str | None, index: int | None = None) -> str:
        line = self._locate(table, key, index)
        return f"{self.source}:{line}" if line else self.source

    def _locate(self, table, key, index):
        """Line (1-based) of ``key`` inside ``[table]`` / the index-th ``[[table]]``."""
        current, seen = None, -1
        for n, raw in enumerate(self.lines, 1):
            s = raw.split("#", 1)[0].strip()
            header = re.match(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?$", s)
            if header:
                current = header.group(1)
                if current == table and s.startswith("[["):
                    seen += 1
                if key is None and current == table and (index is None or seen == index):
                    return n
                continue
            here = current == table and (index is None or seen == index)
            if key and here and re.match(rf"^{re.escape(key)}\s*=", s):
                return n
        return None

    def fail(self, message, table=None, key=None, index=None):
        raise SpecError(message, self.where(table, key, index))

    def check_keys(self, data, allowed, table=None, index=None, what="top level"):
        for key in data:
            if key not in allowed:
                self.fail(
                    f"unknown field {quoted(key)} in {what}; expected one of: "
                    f"{', '.join(allowed)}",
                    table, key, index,
                )

    def choice(self, data, key, options, default, table=None, index=None):
        value = data.get(key, default)
        if value not in options:
            self.fail(
                f"{key} = {quoted(value)} is not one of: {', '.join(options)}", table, key, index
            )
        return value

    def names(self, value, key, table=None, index=None):
        """A count or a list of names -> (count, names or None)."""
        if isinstance(value, bool) or not isinstance(value, (int, list)):
            self.fail(f"{key} must be a count or a list of names", table, key, index)
        if isinstance(value, int):
            if not 1 <= value <= MAX_UNITS:
                self.fail(f"{key} = {value} must be between 1 and {MAX_UNITS}", table, key, index)
            return value, None
        if not value:
            self.fail(f"{key} must not be empty", table, key, index)
        if len(value) > MAX_UNITS:
            self.fail(f"{key} names {len(value)} values; the limit is {MAX_UNITS}",
                      table, key, index)
        for item in value:
            self.name(item, key, table, index)
        if len(set(value)) != len(value):
            self.fail(f"{key}: names repeat", table, key, index)
        return len(value), tuple(value)

    def name(self, item, key, table=None, index=None):
        """A name a page will typeset: plain, short, no TeX ``^^`` escape."""
        if not isinstance(item, str):
            self.fail(f"{key}: {item!r} is not a name (a string)", table, key, index)
        if len(item) > MAX_NAME:
            self.fail(f"{key}: a name of {len(item)} characters; the limit is {MAX_NAME}",
                      table, key, index)
        if not _NAME.match(item) or "^^" in item:
            self.fail(f"{key}: {item!r} is not a plain name (a letter, then letters, digits, "
                      f"_ ^ {{ }} [ ] , ' but not ^^)", table, key, index)

    def stem(self, data, default):
        """The spec's ``name``: the stem of its output files, so no folders in it."""
        name = data.get("name", default)
        if not isinstance(name, str) or not _STEM.match(name) or ".." in name \
                or len(name) > 100:
            shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:50] + "...'"
            self.fail(f"name = {shown} must be a plain file name stem (no / \\ : or '..', "
                      f"not starting with '.', at most 100 characters)", None, "name")
        return name

    def number(self, value, what, table, key):
        """A finite number as a float; 10^400 or nan is an error at its line."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{what}: {value!r} is not a number", table, key)
        try:
            x = float(value)
        except OverflowError:
            x = float("inf")
        if not math.isfinite(x):
            self.fail(f"{what}: {str(value)[:20]} is not a finite number", table, key)
        return x

    def network(self, data, name):
        """The spec of the file's ``kind``: a layered network or a graph of formulas."""
        kind = data.get("kind", "layers")
        if not isinstance(kind, str) or kind not in KINDS:
            self.fail(f"kind = {quoted(kind)} is not one of: {', '.join(KINDS)}", None, "kind")
        return KINDS[kind](self, data, name)

    def layered(self, data, name) -> Network:
        if is_tensor_spec(data):  # layer kinds other than dense, or an input shape
            return read_tensor_network(self, data, name)
        self.check_keys(
            data,
            ("kind", "name", "title", "inputs", "targets", "loss", "notation", "layers",
             "example", "detail"),
        )
        if "inputs" not in data:
            self.fail("missing field 'inputs' (a count, or a list of names)")
        n_in, input_names = self.names(data["inputs"], "inputs")
        loss = self.choice(data, "loss", LOSSES, "mse")
        notation = self.notation(data.get("notation", {}))
        raw_layers = data.get("layers")
        if not isinstance(raw_layers, list) or not raw_layers:
            self.fail("missing [[layers]]: at least the output layer is needed")
        if len(raw_layers) > MAX_LAYERS:
            self.fail(f"too many layers ({len(raw_layers)}; the limit is {MAX_LAYERS})",
                      "layers")
        layers = tuple(self.layer(raw, i) for i, raw in enumerate(raw_layers))
        sizes = (n_in,) + tuple(layer.size for layer in layers)
        n_params = sum(a * b + {"none": 0, "shared": 1}.get(layer.bias, b)
                       for a, b, layer in zip(sizes, sizes[1:], layers))
        if n_params > MAX_PARAMS:
            self.fail(f"the network has {n_params:,} weights and biases; the limit is "
                      f"{MAX_PARAMS:,}", None, "inputs")
        for i, layer in enumerate(layers):
            if layer.residual and sizes[i] != sizes[i + 1]:
                self.fail(
                    f"residual = true needs equal input and output sizes, "
                    f"got {sizes[i]} -> {sizes[i + 1]}", "layers", "residual", i,
                )
        out = layers[-1]
        if loss == "bce" and (out.activation != "sigmoid" or out.size != 1):
            self.fail('loss = "bce" needs one output unit with activation = "sigmoid"',
                      None, "loss")
        if loss == "softmax_ce":
            if out.activation != "identity" or out.size < 2:
                self.fail('loss = "softmax_ce" needs an output layer of at least 2 units with '
                          'activation = "identity" (the softmax belongs to the loss)',
                          None, "loss")
            if out.residual:
                self.fail('loss = "softmax_ce" needs an output layer without residual = true '
                          '(the softmax reads the output layer\'s z)', None, "loss")
        target_names = None
        if "targets" in data:
            n_t, target_names = self.names(data["targets"], "targets")
            if n_t != out.size:
                self.fail(f"targets names {n_t} values, the output layer has {out.size} units",
                          None, "targets")
        title = data.get("title")
        if title is not None and not isinstance(title, str):
            self.fail("title must be a string", None, "title")
        detail = self.choice(data, "detail", ("auto", "all"), "auto")
        net = Network(
            name=self.stem(data, name), inputs=n_in, layers=layers, loss=loss,
            notation=notation, input_names=input_names, target_names=target_names,
            title=title, detail=detail,
        )
        if "example" in data:
            net = _replace(net, example=self.example(data["example"], net))
        return net

    def notation(self, data) -> Notation:
        if not isinstance(data, dict):
            self.fail("[notation] must be a table", None, "notation")
        self.check_keys(data, ("numbering", "scope", "derivative", "mean", "style"), "notation",
                        what="[notation]")
        return Notation(
            numbering=self.choice(data, "numbering", NUMBERINGS, "by_input", "notation"),
            scope=self.choice(data, "scope", SCOPES, "per_layer", "notation"),
            derivative=self.choice(data, "derivative", DERIVATIVES, "d", "notation"),
            mean=self.choice(data, "mean", MEANS, "per_batch", "notation"),
            style=self.choice(data, "style", STYLES, "lesson", "notation"),
        )

    def layer(self, data, i) -> Layer:
        if not isinstance(data, dict):
            self.fail("each [[layers]] entry must be a table", "layers", None, i)
        self.check_keys(data, ("kind", "units", "activation", "bias", "residual",
                               "preactivations"), "layers", i, what=f"[[layers]] #{i + 1}")
        if "units" not in data:
            self.fail(f"[[layers]] #{i + 1}: missing field 'units'", "layers", None, i)
        size, names = self.names(data["units"], "units", "layers", i)
        if size > MAX_UNITS:
            self.fail(f"units = {size}: the limit is {MAX_UNITS} units in a layer",
                      "layers", "units", i)
        pre_names = None
        if "preactivations" in data:
            n_pre, pre_names = self.names(data["preactivations"], "preactivations", "layers", i)
            if n_pre != size:
                self.fail("preactivations must name as many values as units", "layers",
                          "preactivations", i)
        residual = data.get("residual", False)
        if not isinstance(residual, bool):
            self.fail("residual must be true or false", "layers", "residual", i)
        return Layer(
            size=size,
            activation=self.choice(data, "activation", ACTIVATIONS, "identity", "layers", i),
            bias=self.choice(data, "bias", BIASES, "none", "layers", i),
            residual=residual, names=names, pre_names=pre_names,
        )

    def example(self, data, net) -> Example:
        if not isinstance(data, dict):
            self.fail("[example] must be a table", None, "example")
        self.check_keys(data, ("inputs", "targets", "params", "learning_rate"), "example",
                        what="[example]")
        lr = data.get("learning_rate")
        if lr is not None:
            lr = self.number(lr, "[example] learning_rate", "example", "learning_rate")
            if lr <= 0:
                self.fail("[example] learning_rate must be a positive number", "example",
                          "learning_rate")
        rows = {}
        for key, count in (("inputs", net.inputs), ("targets", net.outputs)):
            vals = data.get(key)
            if not isinstance(vals, list) or len(vals) != count:
                self.fail(f"[example] {key} must be a list of {count} numbers", "example", key)
            rows[key] = tuple(self.number(v, f"[example] {key}", "example", key) for v in vals)
        params = data.get("params", {})
        if not isinstance(params, dict):
            self.fail("[example] params must be a table of name = number", "example", "params")
        return Example(
            inputs=rows["inputs"], targets=rows["targets"],
            params=tuple((str(k), self.number(v, f"[example] params {k!r}", "example", "params"))
                         for k, v in params.items()),
            learning_rate=lr, where=self.where("example", "params"),
        )


# The spec kinds a file names (``kind = "graph"``) and the reader of each.
KINDS = {"layers": _Reader.layered, "graph": read_graph_spec}


def _replace(obj, **changes):
    from dataclasses import replace

    return replace(obj, **changes)
