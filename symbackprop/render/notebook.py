"""A lesson as a Jupyter notebook: the page's Markdown in Markdown cells, and code cells
that re-run the numeric verification with NumPy alone: the forward pass and every derived
gradient as plain NumPy expressions, checked against central finite differences of the
loss, at the worked example."""

from __future__ import annotations

import inspect
import re

import nbformat
from sympy.printing.numpy import NumPyPrinter

from .. import ops
from ..derive import Derivation
from ..numeric import Values
from ..steps import grad_symbol

# the NumPy twins of the project's functions, copied from their one definition
HELPERS = "\n\n".join(["import numpy\nimport numpy as np"] + [
    inspect.getsource(fn).strip() for name, fn in ops.NUMPY.items() if name != "Heaviside"])


class _Printer(NumPyPrinter):
    def __init__(self):
        super().__init__({"allow_unknown_functions": True})

    def _print_Function(self, expr):
        return f"{expr.func.__name__}({', '.join(self._print(a) for a in expr.args)})"


def _code(expr) -> str:
    return _Printer().doprint(expr)


def notebook(d: Derivation, markdown: str, values: Values) -> str:
    """The notebook's JSON (nbformat 4), deterministic."""
    g = d.graph
    cells = [nbformat.v4.new_markdown_cell(part) for part in _sections(markdown)]
    names = {k: g.latex[k] for k in g.nodes}
    given = ["# the worked example: one sample"]
    for i, k in enumerate(g.inputs):
        given.append(f"{k} = {values.inputs[0, i]!r}  # {names[k]}")
    for i, k in enumerate(g.targets):
        given.append(f"{k} = {values.targets[0, i]!r}  # {names[k]}")
    if "N" in g.nodes:
        given.append("N = 1")
    given.append("params = {")
    given += [f"    {k!r}: {values.params[k]!r},  # {names[k]}" for k in g.params]
    given.append("}")
    fwd = ["def forward(params):",
           '    """Every node of the network, in order, from the parameters."""',
           "    v = dict(params)"]
    for k, node in g.nodes.items():
        if node.op == "leaf" and k not in g.params:
            fwd.append(f"    v[{k!r}] = {k}")
    for k, node in g.nodes.items():
        if node.op != "leaf":
            expr = node.expr.xreplace({g.sym(i): _v(i) for i in node.inputs})
            fwd.append(f"    v[{k!r}] = {_code(expr)}  # {names[k]}")
    fwd.append("    return v")
    back = ["v = forward(params)", "# the derived gradients, in named form, evaluated with NumPy"]
    subs = {s: _v(k) for k, s in g.symbols.items()}
    for k, step in d.deltas.items():
        subs[grad_symbol(d.loss, k)] = _v(f"d_{k}")
        back.append(f"v['d_{k}'] = {_code(step.expr.xreplace(subs))}")
    back.append("grad = {")
    back += [f"    {k!r}: {_code(step.expr.xreplace(subs))}," for k, step in d.gradients.items()]
    back.append("}")
    check = [
        "def loss(params):",
        f"    return forward(params)[{g.loss!r}]",
        "",
        "eps, worst = 1e-6, 0.0",
        "for k in params:",
        "    up, down = dict(params), dict(params)",
        "    up[k] += eps",
        "    down[k] -= eps",
        "    fd = (loss(up) - loss(down)) / (2 * eps)",
        "    err = abs(fd - grad[k]) / (abs(fd) + abs(grad[k]) + 1e-300)",
        "    worst = max(worst, err if abs(fd - grad[k]) > 1e-12 else 0.0)",
        "    print(f'{k:10s} derived {float(grad[k]): .10g}   finite differences {fd: .10g}')",
        "print('max normalized error', f'{worst:.1e}')",
        "assert worst < 1e-6",
        "print('verified')",
    ]
    cells += [
        nbformat.v4.new_markdown_cell("## Re-run the verification\n\nThe cells below need "
                                      "NumPy only: the forward pass, every derived gradient, "
                                      "and central finite differences of the loss."),
        nbformat.v4.new_code_cell(HELPERS),
        nbformat.v4.new_code_cell("\n".join(given)),
        nbformat.v4.new_code_cell("\n".join(fwd)),
        nbformat.v4.new_code_cell("\n".join(back)),
        nbformat.v4.new_code_cell("\n".join(check)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):  # stable ids: byte-identical notebooks
        cell["id"] = f"cell-{i}"
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def _v(key):
    """v['key'], as a symbol the printer prints verbatim."""
    import sympy as sp

    return sp.Symbol(f"v[{key!r}]")


def _sections(markdown: str) -> list[str]:
    parts = re.split(r"(?m)^(?=## )", markdown)
    return [p.strip("\n") for p in parts if p.strip()]
