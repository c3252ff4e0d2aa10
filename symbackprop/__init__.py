"""symbackprop: step-by-step, verified, typeset backpropagation derivations."""

from .check import check_equation, check_file
from .derive import Derivation, derive
from .errors import SpecError
from .graph import Graph, build_graph
from .numeric import Values, evaluate
from .spec import Network, load, loads, presets
from .render import reprs as _reprs
from .verify import check_gradients

_reprs.install()  # Jupyter shows a Derivation as its page, a Graph as its equations

__all__ = ["Derivation", "Graph", "Network", "SpecError", "Values", "build_graph",
           "check_equation", "check_file", "check_gradients", "derive", "evaluate", "load",
           "loads", "presets"]
