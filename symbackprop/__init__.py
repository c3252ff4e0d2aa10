"""symbackprop: step-by-step, verified, typeset backpropagation derivations."""

from .check import check_equation, check_file
from .derive import Derivation, derive
from .errors import SpecError
from .graph import Graph, build_graph
from .numeric import Values, evaluate
from .spec import Network, load, loads, presets
from .verify import check_gradients

__all__ = ["Derivation", "Graph", "Network", "SpecError", "Values", "build_graph",
           "check_equation", "check_file", "check_gradients", "derive", "evaluate", "load",
           "loads", "presets"]
