"""The spec of a tensor network: an input shape and a sequence of layer records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..limits import MAX_PARAMS
from ..notation import Notation
from .group import Located, flatten, is_group
from .kinds import KINDS
from .residual import Residual

LOSSES = ("mse", "half_sse", "bce", "softmax_ce")
# Every entry of every tensor is a scalar node: the graph stays below this many.
MAX_NODES = 20000
MAX_INPUT = 64
MAX_BATCH = 16


@dataclass(frozen=True)
class TensorNetwork:
    name: str
    shape: tuple[int, ...]  # one sample's input: (channels, height, width), (T, features), (n,)
    layers: tuple  # layer records (``layers.KINDS``)
    shapes: tuple[tuple[int, ...], ...]  # each layer's output shape
    loss: str = "mse"
    notation: Notation = field(default_factory=Notation)
    title: str | None = None
    detail: str = "auto"
    batch: int = 1  # samples in the graph: a batch norm couples them

    @property
    def coupled(self) -> bool:
        """Built over the whole batch (a layer couples the samples)."""
        return any(getattr(layer, "couples", False) for layer in self.layers)

    @property
    def inputs(self) -> int:
        return int(np.prod(self.shape))

    @property
    def outputs(self) -> int:
        return int(np.prod(self.shapes[-1]))


def is_tensor_spec(data: dict) -> bool:
    """Tensor inputs (a list of whole numbers) or a layer kind other than dense."""
    inputs = data.get("inputs")
    shaped = isinstance(inputs, list) and bool(inputs) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in inputs)
    layers = data.get("layers")
    kinds = [raw.get("kind", "dense") for raw in layers if isinstance(raw, dict)] \
        if isinstance(layers, list) else []
    groups = isinstance(layers, list) and any(is_group(raw) for raw in layers)
    return shaped or groups or any(k != "dense" for k in kinds)


def read_tensor_network(r, data: dict, name: str) -> TensorNetwork:
    """``r``: the spec reader (``spec._Reader``), which points errors at their line."""
    r.check_keys(data, ("kind", "name", "title", "inputs", "loss", "notation", "layers",
                        "detail", "batch"))
    shape = data.get("inputs")
    if not isinstance(shape, list) or not 1 <= len(shape) <= 3 or any(
            isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_INPUT
            for v in shape):
        r.fail(f"inputs = {shape!r}: a network with tensor layers takes an input shape, "
               f"1 to 3 whole numbers between 1 and {MAX_INPUT} ([channels, height, width], "
               f"[T, features], [features])"
               + (f"; write inputs = [{shape}]" if isinstance(shape, int) else ""),
               None, "inputs")
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        r.fail("missing [[layers]]: at least the output layer is needed")
    # A residual group's layers, then its residual, take numbers in sequence: from here
    # on ``r`` counts layers by number and points each at the table it is written in.
    entries = flatten(r, raw_layers)
    r = Located(r, entries)
    layers, shapes, at, nodes, params = [], [], tuple(shape), int(np.prod(shape)), 0
    for i, entry in enumerate(entries):
        raw, kind = entry.raw, entry.kind
        if not isinstance(kind, str) or kind not in KINDS:
            r.fail(f"kind = {kind!r} is not one of: {', '.join(KINDS)}", "layers", "kind", i)
        layer = KINDS[kind](r, raw, i) if entry.start is None else \
            Residual.group(r, raw, i, entry.start)
        if kind == "embedding" and i > 0:
            r.fail(f"{r.label(i, kind)}: an embedding reads token ids, so it "
                   f"is the first layer", "layers", "kind", i)
        line = "kind" if "kind" in raw else None  # else the [[layers]] header
        line = "from" if kind == "residual" else line
        line = "residual" if entry.start is not None else line
        try:
            if kind == "residual":  # the block's input: the input of layer `from`
                layer.check_skip(([tuple(shape)] + shapes)[layer.start - 1], at)
            at = layer.out_shape(at)
        except ValueError as exc:
            r.fail(f"{r.label(i, kind)}: {exc}", "layers", line, i)
        params += sum(int(np.prod(s)) for s in layer.params(shapes[-1] if shapes else
                                                            tuple(shape)).values())
        if params > MAX_PARAMS:
            r.fail(f"{r.label(i)}: the network has {params:,} weights and biases; the "
                   f"limit is {MAX_PARAMS:,}", "layers", line, i)
        nodes += 2 * int(np.prod(at))
        if nodes > MAX_NODES:
            r.fail(f"{r.label(i)}: the network has too many entries for a "
                   f"step-by-step derivation (over {MAX_NODES} scalar nodes); use smaller "
                   f"inputs or fewer filters", "layers", line, i)
        layers.append(layer)
        shapes.append(at)
    loss = r.choice(data, "loss", LOSSES, "mse")
    last = layers[-1]
    act = getattr(last, "activation", "identity")
    if loss == "bce" and (act != "sigmoid" or int(np.prod(at)) != 1):
        r.fail('loss = "bce" needs one output unit with activation = "sigmoid"', None, "loss")
    if loss == "softmax_ce" and (last.kind != "dense" or act != "identity" or at[0] < 2):
        r.fail('loss = "softmax_ce" needs a dense output layer of at least 2 units with '
               'activation = "identity" (the softmax belongs to the loss)', None, "loss")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        r.fail("title must be a string", None, "title")
    batch = data.get("batch", 1)
    coupled = any(getattr(layer, "couples", False) for layer in layers)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        r.fail(f"batch = {batch!r} must be a whole number between 1 and {MAX_BATCH}",
               None, "batch")
    if batch != 1 and not coupled:
        r.fail("batch only applies to a network with a batchnorm layer (the samples are "
               "otherwise independent)", None, "batch")
    if batch * nodes > MAX_NODES:
        r.fail(f"batch = {batch}: the graph over the batch has too many entries (over "
               f"{MAX_NODES} scalar nodes)", None, "batch")
    return TensorNetwork(
        name=str(data.get("name", name)), shape=tuple(shape), layers=tuple(layers),
        shapes=tuple(shapes), loss=loss, notation=r.notation(data.get("notation", {})),
        title=title, detail=r.choice(data, "detail", ("auto", "all"), "auto"), batch=batch,
    )
