"""Layer kinds as records. Each kind (a module here) says what it is in the TOML spec
(its fields, validated where they are read), its output shape and its parameters' shapes in
PyTorch's layout, and the scalar nodes and local derivatives it adds to the graph
(``build``). ``KINDS`` maps a ``[[layers]] kind`` to the reader of its record.

A network of dense layers only over a count of inputs is today's layered network
(``spec.Network``, built by ``graph._build_layered``); a network with any other kind, or
tensor inputs (``inputs = [1, 6, 6]``), is a ``TensorNetwork`` built by ``layers.graph``.
"""

from __future__ import annotations

from .kinds import KINDS
from .network import TensorNetwork, is_tensor_spec, read_tensor_network

__all__ = ["KINDS", "TensorNetwork", "is_tensor_spec", "read_tensor_network"]
