"""Computational-graph specs (``kind = "graph"``): the circuits of backprop courses.

    kind = "graph"
    inputs = ["x", "y", "z"]
    output = "f"
    [nodes]
    q = "x + y"
    f = "q * z"

Each node is a plain-math formula (``expr.formula_grammar``, never eval) of the inputs and the
nodes before it, so the file order is a topological order and cycles cannot be written.
What is differentiated is ``output``; the inputs are what it is differentiated by.
"""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field

from .expr import FUNCTIONS, Name, Node, Walker, names, parse_formula, walk
from .errors import SpecError
from .notation import Notation
from .spelling import Entry, Spellings, listing, resolve

MAX_NAMES = 500  # inputs + nodes
MAX_NAME = 40  # characters in a name (spec.MAX_NAME)
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Names the NumPy code lambdify writes may use besides the formula functions
# (relu' is Heaviside, |x|' is sign, exp(1) prints as e): a symbol of that name would shadow it.
RESERVED = frozenset(FUNCTIONS) | {"e", "E", "pi", "sign", "Heaviside"}
# Functions whose argument must stay in their domain, and kinks where slopes jump.
DOMAIN_FUNCTIONS = ("log", "sqrt")
KINK_FUNCTIONS = ("relu", "abs")


@dataclass(frozen=True)
class FormulaGraph:
    """A graph spec: ``nodes`` are (name, formula text) in file order."""

    name: str
    inputs: tuple[str, ...]
    output: str
    nodes: tuple[tuple[str, str], ...]
    title: str | None = None
    example: tuple[tuple[str, float], ...] | None = None  # (input name, value)
    notation: Notation = field(default_factory=Notation)
    detail: str = "auto"
    where: tuple[tuple[str, str], ...] = ()  # (node, file:line) for errors found later

    @property
    def loss(self):
        """No loss function: the output itself is differentiated."""
        return None

    def trees(self) -> dict[str, Node]:
        """name -> parsed formula, in file order."""
        return {k: parse_formula(text, where=k) for k, text in self.nodes}

    def positive_domain(self) -> bool:
        """Whether a formula needs positive values to stay real (log, sqrt, x^y, x^0.5)."""
        return any(_DOMAIN(n) for tree in self.trees().values() for n in walk(tree))


class _NeedsPositive(Walker):
    """Whether one node (not its insides) needs positive values to stay real."""

    def _walk_Call(self, n):
        return n.fn in DOMAIN_FUNCTIONS

    def _walk_BinOp(self, n):
        return n.op == "^" and not _INTEGER(n.right, True)

    def _walk_Node(self, n):
        return False


class _IntegerConstant(Walker):
    """An integer constant exponent, 2 or -3 (x^2 is real for every x); one sign only."""

    def _walk_Num(self, n, signed_ok):
        return float(n.value).is_integer()

    def _walk_Neg(self, n, signed_ok):
        return signed_ok and self(n.x, False)

    def _walk_Node(self, n, signed_ok):
        return False


_INTEGER = _IntegerConstant()
_DOMAIN = _NeedsPositive()


def latex_name(name: str) -> str:
    """x -> x, x1 / x_1 -> x_1, x12 -> x_{12}, y_pred -> y_{pred}, dot -> \\mathrm{dot}."""
    if len(name) == 1:
        return name
    m = re.match(r"^([A-Za-z])_?([0-9]+)$", name)
    if m:
        sub = m.group(2)
        return f"{m.group(1)}_{sub}" if len(sub) == 1 else f"{m.group(1)}_{{{sub}}}"
    m = re.match(r"^([A-Za-z])_([A-Za-z0-9]+)$", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _suggest(word, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _check_name(r, name, table, key, what):
    if isinstance(name, str) and len(name) > MAX_NAME:
        r.fail(f"{what} name of {len(name)} characters; the limit is {MAX_NAME}", table, key)
    if not isinstance(name, str) or not _IDENT.match(name):
        r.fail(f"{what} {name!r} is not a name (a letter, then letters, digits or _)",
               table, key)
    if "__" in name or name.endswith("_"):
        r.fail(f"{what} {name!r}: a name may not contain '__' or end with '_'", table, key)
    if name in RESERVED or keyword.iskeyword(name):
        r.fail(f"{what} {name!r} is reserved (a function or constant name); pick another",
               table, key)


def read_graph_spec(r, data, name) -> FormulaGraph:
    """Validate a ``kind = "graph"`` spec; ``r`` is spec._Reader (errors at file:line)."""
    r.check_keys(data, ("kind", "name", "title", "inputs", "output", "nodes", "notation",
                        "example", "detail"), what='a kind = "graph" spec')
    inputs = data.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        r.fail('missing or empty field \'inputs\' (a list of names: ["x", "y"])', None,
               "inputs" if "inputs" in data else None)
    for item in inputs:
        _check_name(r, item, None, "inputs", "input")
    if len(set(inputs)) != len(inputs):
        r.fail("inputs: names repeat", None, "inputs")

    raw = data.get("nodes")
    if not isinstance(raw, dict) or not raw:
        r.fail('missing [nodes] table (name = "formula", one per node)')
    if len(inputs) + len(raw) > MAX_NAMES:
        r.fail(f"too many inputs and nodes ({len(inputs) + len(raw)}; limit {MAX_NAMES})",
               "nodes")
    defined = {k: "input" for k in inputs}
    nodes, trees, places = [], {}, []
    for key, text in raw.items():
        where = r.where("nodes", key)
        places.append((key, where))
        _check_name(r, key, "nodes", key, "node")
        if key in defined:
            r.fail(f"node '{key}' has the name of an input", "nodes", key)
        if not isinstance(text, str):
            r.fail(f"node '{key}' must be a formula in quotes, e.g. {key} = \"x * y\"",
                   "nodes", key)
        tree = parse_formula(text, where=where)
        # the names right to left, as this check always reported them
        for n in reversed([n for n in walk(tree) if type(n) is Name]):
            if n.id in defined:
                continue
            col = f" (column {n.col})" if n.col else ""
            if n.id == key:
                msg = f"{key} uses itself{col}: a node may use only inputs and earlier nodes"
            elif n.id in raw:
                msg = (f"{key} uses '{n.id}'{col} which is not defined before it (it is a later"
                       f" node, at {r.where('nodes', n.id)}): a node may use only inputs and"
                       " earlier nodes, so the graph has no cycles")
            else:
                msg = (f"{key} uses unknown name '{n.id}'{col}{_suggest(n.id, defined)}"
                       f" (defined before it: {listing(defined)})")
            raise SpecError(msg, where)
        defined[key] = "node"
        nodes.append((key, text))
        trees[key] = tree

    if "output" not in data:
        r.fail(f"missing field 'output' (the node to differentiate, e.g. output = "
               f"\"{nodes[-1][0]}\")")
    output = data["output"]
    if not isinstance(output, str):
        r.fail(f"output must be the name of one node in quotes, e.g. output = "
               f"\"{nodes[-1][0]}\"", None, "output")
    if output not in trees:
        if output in inputs:
            msg = f"output = {output!r} is an input; it must be one of the nodes"
        else:
            msg = (f"output = {output!r} is not a node{_suggest(str(output), trees)}"
                   f" (nodes: {listing(trees)})")
        r.fail(msg, None, "output")

    # every input must reach the output, else its derivative is silently 0
    seen, todo = {output}, [output]
    while todo:
        for used in names(trees[todo.pop()]):
            if used not in seen:
                seen.add(used)
                if used in trees:
                    todo.append(used)
    unused = [k for k in inputs if k not in seen]
    if unused:
        r.fail(f"input{'s' if len(unused) > 1 else ''} {listing(map(repr, unused))} not used"
               f" by the output {output!r}", None, "inputs")

    notation = data.get("notation", {})
    if not isinstance(notation, dict):
        r.fail("[notation] must be a table", None, "notation")
    r.check_keys(notation, ("derivative",), "notation", what="[notation] of a graph spec")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        r.fail("title must be a string", None, "title")
    return FormulaGraph(
        name=r.stem(data, name), inputs=tuple(inputs), output=output,
        nodes=tuple(nodes), title=title, example=_example(r, data.get("example"), inputs),
        notation=r.notation(notation),
        detail=r.choice(data, "detail", ("auto", "all"), "auto"), where=tuple(places),
    )


def _example(r, data, inputs):
    if data is None:
        return None
    if not isinstance(data, dict):
        r.fail("[example] must be a table", None, "example")
    r.check_keys(data, ("inputs",), "example", what="[example] of a graph spec")
    values = data.get("inputs")
    shape = "{" + listing(f"{k} = ..." for k in inputs) + "}"
    if not isinstance(values, dict):
        r.fail(f"[example] inputs must be a table of name = number: inputs = {shape}",
               "example", "inputs" if "inputs" in data else None)
    # the spec's own name (w0) or the page's (w_0, w_{0})
    spellings = Spellings((Entry(k, k, (k, latex_name(k))) for k in inputs), quote=True)
    given = resolve(values, spellings, r.where("example", "inputs"), "[example] inputs",
                    "input")
    values = {k: r.number(v, f"[example] inputs: {k}", "example", "inputs")
              for k, v in given.items()}
    missing = [k for k in inputs if k not in values]
    if missing:
        r.fail(f"[example] inputs: missing {listing(missing)}", "example", "inputs")
    return tuple((k, values[k]) for k in inputs)
