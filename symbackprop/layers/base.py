"""What every layer kind shares: the builder that collects scalar nodes, and the index
helpers that name the entries of a tensor.

A tensor in the graph is a NumPy array of node keys (dtype object) of the layer's shape
in PyTorch's layout (channels, height, width; features); each entry is one scalar node of
``dag.Graph``. A layer record turns its input array into its output array by adding
nodes, and names its parameters by their PyTorch names ("weight", "bias").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .. import ops
from ..dag import Node

ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus")


def key(prefix: str, index) -> str:
    """``z2_1_3_4``: a canonical key from a prefix and a 0-based index."""
    return prefix + "_".join(str(i + 1) for i in index)


def sub(base: str, index, layer: int | None = None) -> str:
    """``z^{[2]}_{1,3,4}``: the LaTeX name of a tensor entry, 1-based indices."""
    name = base + (f"^{{[{layer}]}}" if layer is not None else "")
    if index:
        name += "_{" + ",".join(str(i + 1) for i in index) + "}"
    return name


def entries(shape):
    """Every index of a tensor of ``shape``, in row-major (C) order."""
    return itertools.product(*[range(n) for n in shape])


@dataclass
class Builder:
    """Collects the nodes of a tensor network in topological order."""

    nodes: dict = field(default_factory=dict)
    latex: dict = field(default_factory=dict)
    params: list = field(default_factory=list)  # parameter keys, print order
    # "<layer>.<PyTorch name>" -> array of keys in PyTorch's layout
    tensors: dict = field(default_factory=dict)
    # layer number -> the layer's computed node keys (for pages: one pattern per layer)
    layer_of: dict = field(default_factory=dict)
    # node -> {definition: symbol}: how its local derivatives name other nodes (an
    # attention's softmax derivative in the α of its row); the proof puts them back
    rewrites: dict = field(default_factory=dict)
    current: int = 0  # the layer being built
    # a graph over a whole batch (batch norm couples the samples): every per-sample entry
    # carries its sample n, in its key (``z1_n2_1_3``) and its name (``z^{[1](2)}_{1,3}``)
    batch: int = 1
    sample: int = 0
    # (layer, sample) -> the layer's input array: a residual's skip reads its block's input
    block_inputs: dict = field(default_factory=dict)

    def key(self, prefix: str, index) -> str:
        return key(prefix + (f"n{self.sample + 1}_" if self.batch > 1 else ""), index)

    def sub(self, base: str, index, layer: int | None = None) -> str:
        if self.batch == 1:
            return sub(base, index, layer)
        return sub(base + ("^{" + (f"[{layer}]" if layer is not None else "")
                           + f"({self.sample + 1})" + "}"), index)

    def sym(self, k: str) -> sp.Symbol:
        return sp.Symbol(k, real=True)

    def leaf(self, k: str, latex: str, kind: str):
        self.nodes[k] = Node(k, "leaf", (), None, kind)
        self.latex[k] = latex

    def add(self, k: str, latex: str, op: str, inputs, expr, kind="unit", coeffs=()):
        self.nodes[k] = Node(k, op, tuple(inputs), expr, kind, tuple(coeffs))
        self.latex[k] = latex
        self.layer_of[k] = self.current

    def parameter(self, layer: int, name: str, shape, prefix: str, base: str, kind: str):
        """A parameter tensor: one leaf per entry, registered as ``"<layer>.<name>"`` (once:
        every sample of a batch uses the same)."""
        if f"{layer}.{name}" in self.tensors:
            return self.tensors[f"{layer}.{name}"]
        keys = np.empty(shape, dtype=object)
        for idx in entries(shape):
            k = key(f"{prefix}{layer}_", idx)
            self.leaf(k, sub(base, idx, layer), kind)
            self.params.append(k)
            keys[idx] = k
        self.tensors[f"{layer}.{name}"] = keys
        return keys

    def linear(self, k: str, latex: str, terms, bias, op: str):
        """k = Σ a·w (+ b): a sum of products with its local derivatives as coefficients
        (∂/∂a = w, ∂/∂w = a, ∂/∂b = 1), as a dense unit is built. ``bias``: a key, a
        tuple of keys (an rnn's two biases) or None."""
        S = self.sym
        inputs = [a for a, _ in terms] + [w for _, w in terms]
        coeffs = [(a, S(w)) for a, w in terms] + [(w, S(a)) for a, w in terms]
        expr = sp.Add(*[S(a) * S(w) for a, w in terms])
        for b in (() if bias is None else (bias,) if isinstance(bias, str) else bias):
            inputs.append(b)
            coeffs.append((b, sp.Integer(1)))
            expr += S(b)
        self.add(k, latex, op, inputs, expr, coeffs=coeffs)

    def activate(self, z: np.ndarray, activation: str, layer: int, base: str = "h"):
        """h = act(z) entrywise; the identity adds no node."""
        if activation == "identity":
            return z
        out = np.empty(z.shape, dtype=object)
        for idx in entries(z.shape):
            k = self.key(f"{base}{layer}_", idx)
            self.add(k, self.sub(base, idx, layer), activation, [z[idx]],
                     ops.FORWARD[activation](self.sym(z[idx])))
            out[idx] = k
        return out
