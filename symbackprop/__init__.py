"""symbackprop: step-by-step, verified, typeset backpropagation derivations."""

from .derive import Derivation, derive
from .errors import SpecError
from .graph import Graph, build_graph
from .spec import Network, load, loads, presets
from .render import reprs as _reprs

_reprs.install()  # Jupyter shows a Derivation as its page, a Graph as its equations

# imported on first use, so that a command loads only what it needs (``grad`` no checker,
# ``check`` no verifier): name -> module
_LAZY = {"check_equation": ".check", "check_file": ".check", "check_gradients": ".verify",
         "Values": ".numeric", "evaluate": ".numeric"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["Derivation", "Graph", "Network", "SpecError", "Values", "build_graph",
           "check_equation", "check_file", "check_gradients", "derive", "evaluate", "load",
           "loads", "presets"]
