"""Steps -> plain dicts and lists with LaTeX strings inside: what templates lay out.

Dispatch is by the step's class name (``_view_Chain``, ``_view_Sum``), as SymPy's
printers do; templates never see a SymPy object.
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp

from ..activations import ACTIVATIONS
from ..derive import Derivation, expanded
from ..formula_graph import flat_size
from ..losses import LOSSES
from ..numeric import Values, forward
from ..steps import Chain, Cite, Step, Sum, grad_symbol
from .matrix_view import matrix_view
from .printer import LessonPrinter, number

# Show the expansion down to inputs and weights only while it stays readable.
EXPAND_MAX_OPS = 60
EXPAND_MAX_CHARS = 400
# Above this many parameters a page shows one derivation per layer and a table of the rest.
FULL_PAGE_MAX_PARAMS = 40
# Diagrams label edges only while they are few enough to read.
LABEL_MAX_EDGES = 40

LOSS_NAMES = {r.name: r.title for r in LOSSES.values()}


class Notation:
    """The naming and printing of one derivation: symbol names, d or ∂, number printing."""

    def __init__(self, d: Derivation):
        g = d.graph
        self.d, self.g = d, g
        self.partial = getattr(getattr(g.spec, "notation", None), "derivative", "d") == "partial"
        names = {g.sym(k): v for k, v in g.latex.items()}
        for k in d.deltas:
            names[grad_symbol(d.loss, k)] = self.frac(d.loss, k)
        self.names = names
        loss = getattr(g.spec, "loss", None)
        prefer = g.targets if loss in LOSSES and LOSSES[loss].errors_positive else [
            k for k, n in g.nodes.items() if n.kind == "output"]
        self.prefer = [g.sym(k) for k in prefer]
        self.printer = LessonPrinter(names, self.prefer)

    def tex(self, expr) -> str:
        return self.printer.doprint(sp.sympify(expr))

    def frac(self, of: str, wrt: str) -> str:
        dd = r"\partial " if self.partial else "d"
        return rf"\frac{{{dd}{self.g.latex[of]}}}{{{dd}{self.g.latex[wrt]}}}"

    def slash(self, of: str, wrt: str) -> str:
        """dL/dw_1^{[1]}: the derivative inline, for headings."""
        dd = r"\partial " if self.partial else "d"
        return rf"{dd}{self.g.latex[of]}/{dd}{self.g.latex[wrt]}"

    def numbers(self, expr, env) -> str:
        """``expr`` with each symbol replaced by its value at the worked example."""
        if expr.is_Symbol and expr in env:
            return number(float(np.asarray(env[expr]).reshape(-1)[0]))
        names = {}
        for s in expr.free_symbols:
            v = env.get(s)
            if v is None:
                continue
            t = number(float(np.asarray(v).reshape(-1)[0]))
            names[s] = rf"\left({t}\right)" if t.startswith("-") else t
        return LessonPrinter(names, self.prefer).doprint(expr)


def svg_label(latex: str) -> list[tuple[str, str]]:
    """``w_1^{[1]}`` -> [("w", ""), ("1", "sub"), ("[1]", "super")] for SVG tspans."""
    m = re.match(r"^([A-Za-z]+)(.*)$", latex)
    if not m:
        return [(latex, "")]
    parts = [(m.group(1), "")]
    for mark, body in re.findall(r"([_^])(\{[^{}]*\}|.)", m.group(2)):
        parts.append((body.strip("{}"), "sub" if mark == "_" else "super"))
    return parts


# A graph spec's steps are shown in its inputs alone while its output's tree is this small.
GRAPH_EXPAND_MAX_SIZE = 200


def _is_graph(g) -> bool:
    return getattr(g.spec, "kind", "layers") == "graph"


def graph_diagram(d: Derivation) -> dict:
    """A graph spec's DAG, left to right by level (inputs first), edges unlabelled."""
    from ..derive import levels

    g = d.graph
    lv = levels(g)
    columns = [[k for k in g.nodes if lv[k] == c] for c in range(max(lv.values()) + 1)]
    height = max(len(c) for c in columns)
    nodes, pos = [], {}
    for c, col in enumerate(columns):
        for r, k in enumerate(col):
            y = r + (height - len(col)) / 2
            pos[k] = (c, y)
            latex = g.latex[k]
            svg = [(k, "")] if latex.startswith("\\") else svg_label(latex)
            nodes.append({"id": k, "latex": latex, "x": c, "y": y, "svg": svg,
                          "kind": g.nodes[k].kind})
    edges = []
    for k, node in g.nodes.items():
        for i in node.inputs:
            (x0, y0), (x1, y1) = pos[i], pos[k]
            edges.append({"src": i, "dst": k, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                          "label": False, "latex": "", "svg": [], "skip": False})
    return {"nodes": nodes, "edges": edges, "columns": len(columns), "rows": height,
            "layers": [{"x": c, "activation": ""} for c in range(len(columns))]}


def diagram(d: Derivation) -> dict:
    """Positions of the units and the labelled edges, for the SVG and TikZ templates."""
    g = d.graph
    if _is_graph(g):
        return graph_diagram(d)
    net = g.spec
    table = g.table
    columns = [table.inputs] + list(table.units)
    height = max(len(c) for c in columns)
    nodes, pos = [], {}
    for c, col in enumerate(columns):
        for r, q in enumerate(col):
            y = (r + (height - len(col)) / 2)
            pos[q.key] = (c, y)
            nodes.append({"id": q.key, "latex": q.latex, "x": c, "y": y,
                          "svg": svg_label(q.latex), "kind": q.kind})
    edges = []
    for l, (w_layer, prev, cur) in enumerate(zip(table.weights, columns, columns[1:]), 1):
        for j, q in enumerate(cur):
            for i, p in enumerate(prev):
                w = w_layer[j][i]
                # labels of the edges leaving one unit sit at staggered distances along
                # them, so that they do not pile up beside the unit
                edges.append({"src": p.key, "dst": q.key, "latex": w.latex,
                              "svg": svg_label(w.latex), "pos": 0.2 + 0.17 * (j % 3)})
        layer = net.layers[l - 1]
        if layer.residual:
            for p, q in zip(prev, cur):
                edges.append({"src": p.key, "dst": q.key, "latex": "", "svg": [], "skip": True})
    label = len(edges) <= LABEL_MAX_EDGES
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["src"]], pos[e["dst"]]
        e.update(x0=x0, y0=y0, x1=x1, y1=y1, label=label and not e.get("skip"))
        e.setdefault("skip", False)
        e.setdefault("pos", 0.3)
    return {"nodes": nodes, "edges": edges, "columns": len(columns), "rows": height,
            "layers": [{"x": c, "activation": (net.layers[c - 1].activation if c else "input")}
                       for c in range(len(columns))]}


def forward_equations(n: Notation) -> list[dict]:
    g = n.g
    rows = []
    for k, node in g.nodes.items():
        if node.op == "leaf" or k == g.loss:
            continue
        if node.op == "linear":
            # the lesson's order, input by input: x_1 w_1^{[1]} + x_2 w_3^{[1]} + ... (+ b)
            terms, biases = [], []
            for i in node.inputs:
                kind = g.nodes[i].kind
                if kind == "bias":
                    biases.append(g.latex[i])
                elif kind != "weight":
                    terms.append(f"{g.latex[i]} {n.tex(node.expr.coeff(g.sym(i)))}")
            rhs = " + ".join(terms + biases)
        else:
            rhs = n.tex(node.expr)
        rows.append({"lhs": g.latex[k], "rhs": rhs, "op": node.op})
    return rows


def graph_output_view(n: Notation) -> dict:
    """A graph spec has no loss: its output is what is differentiated. Same keys as
    loss_view; ``total`` is the output in the inputs alone when that stays short."""
    g = n.g
    name = g.latex[g.loss]
    term = f"{name} = {n.tex(g.nodes[g.loss].expr)}"
    total = term
    if flat_size(g, g.loss) <= 2 * EXPAND_MAX_OPS:
        flat = g.flat(g.loss)
        if sp.count_ops(flat) <= EXPAND_MAX_OPS:
            total = f"{name} = {n.tex(flat)}"
    return {"total": total, "term": term, "name": f"output ${name}$", "has_mean": False,
            "latex": name, "softmax": False, "graph": True, "definition": None}


def loss_view(n: Notation) -> dict:
    g = n.g
    net = g.spec
    if _is_graph(g):
        return graph_output_view(n)
    node = g.nodes[g.loss]
    term = n.tex(node.expr)
    lname = g.latex[g.loss]
    t = [g.latex[k] for k in g.targets]
    y = [g.latex[k] for k in g.nodes if g.nodes[k].kind == "output"]
    loss = LOSSES[net.loss]
    inner, parens = loss.summand([f"{s}^{{(n)}}" for s in t], [f"{s}^{{(n)}}" for s in y])
    inner = rf"\left({inner}\right)" if parens else f" {inner}"
    return {"total": rf"{lname} = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}{inner}",
            "term": f"{lname} = {term}", "name": loss.title, "has_mean": loss.has_mean,
            "latex": lname, "softmax": loss.on_logits, "graph": False,
            "definition": loss.definition}


class StepViews:
    """One dict per step, numbers from the worked example substituted in."""

    def __init__(self, n: Notation, env: dict, cache: dict, expand: bool,
                 expansions: dict | None = None):
        self.n, self.env, self.cache, self.expand = n, env, cache, expand
        # expansions are value-free and costly (factoring): once per step, and shareable
        # between views of one derivation at other values (the variants of an exam)
        self.expansions = {} if expansions is None else expansions

    def view(self, step: Step) -> dict:
        return getattr(self, f"_view_{type(step).__name__}")(step)

    def value(self, step: Step) -> float:
        return float(np.asarray(step.eval(self.env, self.cache)).reshape(-1)[0])

    def factor(self, f: Step) -> dict:
        n = self.n
        cited = isinstance(f, Cite)
        expr = f.symbol if cited else f.expr
        return {
            "label": n.frac(f.of, f.wrt), "cited": cited, "branch": cited and isinstance(f.step, Sum),
            "value": n.tex(expr), "numbers": n.numbers(expr, self.env),
            "number": number(self.value(f)),
        }

    def _view_Chain(self, s: Chain) -> dict:
        n = self.n
        factors = [self.factor(f) for f in s.factors]
        shown = [f["value"] for f in factors]
        parts = [rf"\left({v}\right)" if _needs_parens(v) else v for v in shown]
        product = r" \cdot ".join(parts)
        lines = _lines(parts, r" \cdot ")
        nums = r" \cdot ".join(rf"\left({f['number']}\right)" if f["number"].startswith("-")
                               else f["number"] for f in factors)
        return {
            "kind": "chain", "target": n.frac(s.of, s.wrt), "wrt": n.g.latex[s.wrt],
            "heading": n.slash(s.of, s.wrt),
            "chain": " ".join(f["label"] for f in factors), "factors": factors,
            "product": product, "product_lines": lines, "result": n.tex(s.expr),
            "simplified": sp.srepr(s.expr) != sp.srepr(s.product),
            "expanded": self._expanded(s), "numbers": nums, "number": number(self.value(s)),
            "single": len(factors) == 1, "path": None,
        }

    def _view_Sum(self, s: Sum) -> dict:
        n = self.n
        terms = [self._view_Chain(t) for t in s.terms]
        consumers = [n.g.latex[t.factors[-1].of] for t in s.terms]
        for t, c in zip(terms, consumers):
            t["path"] = c  # one term of the sum: the path through c, not the whole gradient
        return {
            "kind": "sum", "target": n.frac(s.of, s.wrt), "wrt": n.g.latex[s.wrt],
            "heading": n.slash(s.of, s.wrt),
            "terms": terms, "consumers": consumers,
            "sum": " + ".join(t["chain"] for t in terms), "result": n.tex(s.expr),
            "expanded": self._expanded(s),
            "numbers": " + ".join(rf"\left({t['number']}\right)" if t["number"].startswith("-")
                                  else t["number"] for t in terms),
            "number": number(self.value(s)),
            "is_param": s.wrt in n.d.gradients,
        }

    def _expanded(self, s: Step):
        if not self.expand:
            return None
        if s not in self.expansions:
            self.expansions[s] = self._expand(s)
        return self.expansions[s]

    def _expand(self, s: Step):
        e = expanded(self.n.d, s)
        if sp.count_ops(e) > EXPAND_MAX_OPS:
            return None
        e = sp.factor(e) if sp.count_ops(e) < 30 else e
        shown = self.n.tex(e)
        if len(shown) > EXPAND_MAX_CHARS:  # a wall of symbols teaches nothing
            return None
        return None if shown == self.n.tex(s.expr) else shown


# A display line longer than this (LaTeX source characters) is broken into several.
LINE_CHARS = 110


def _lines(parts: list[str], sep: str) -> list[str]:
    """``parts`` joined by ``sep`` into lines of at most LINE_CHARS characters each."""
    lines, cur = [], ""
    for p in parts:
        if cur and len(cur) + len(sep) + len(p) > LINE_CHARS:
            lines.append(cur)
            cur = p
        else:
            cur = f"{cur}{sep}{p}" if cur else p
    return lines + [cur]


def _needs_parens(tex: str) -> bool:
    return tex.startswith("-") or bool(re.search(r"(?<!\\left\()[^{(]*\s[-+]\s", tex)) and not tex.startswith(r"\left(")


def example_values(d: Derivation) -> Values:
    """The worked example: the spec's [example], else seeded round numbers."""
    g, net = d.graph, d.graph.spec
    ex = getattr(net, "example", None)
    if _is_graph(g):
        if ex is not None:
            return Values(np.zeros((1, 0)), None, dict(ex))
        rng = np.random.default_rng(7)
        lo, hi = (0.5, 2.0) if net.positive_domain() else (-2.0, 2.0)
        return Values(np.zeros((1, 0)), None,
                      {k: float(np.round(rng.uniform(lo, hi), 1) or 1.0) for k in g.params})
    by_latex = g.table.by_latex() if g.table else {}
    if ex is not None:
        from ..naming import canonical_latex

        params = {by_latex[canonical_latex(k)].key: v for k, v in ex.params}
        if set(params) == set(g.params):
            return Values([ex.inputs], [ex.targets], params)
    rng = np.random.default_rng(7)
    params = {k: float(np.round(rng.uniform(-1, 1), 1) or 0.5) for k in g.params}
    X = np.round(rng.uniform(-1, 1, size=(1, len(g.inputs))), 1)
    if net.loss == "softmax_ce":
        T = np.eye(len(g.targets))[:1]
    elif net.loss == "bce":
        T = np.ones((1, 1))
    else:
        T = np.round(rng.uniform(-1, 1, size=(1, len(g.targets))), 1)
    return Values(X, T, params)


def lesson_view(d: Derivation, report=None, values: Values | None = None) -> dict:
    g = d.graph
    net = g.spec
    n = Notation(d)
    values = values or example_values(d)
    env = forward(d, values)
    cache: dict = {}
    expand = g.size() <= 200
    if _is_graph(g):  # flattening a deep graph's shared nodes is exponential: size it first
        expand = flat_size(g, g.loss) <= GRAPH_EXPAND_MAX_SIZE
    views = StepViews(n, env, cache, expand)
    full = net.detail == "all" or len(d.gradients) <= FULL_PAGE_MAX_PARAMS
    steps, seen = [], set()
    for s in d.steps:
        is_param = s.wrt in d.gradients
        # a large page derives one parameter and one branching sum per layer in full
        q = g.table.by_key.get(s.wrt) if g.table else None
        group = (type(s).__name__, is_param, q.layer if q else None)
        shown = full or group not in seen
        seen.add(group)
        sv = views.view(s) if shown else {
            "wrt": g.latex[s.wrt], "result": n.tex(s.expr), "number": number(views.value(s))}
        sv.update(is_param=is_param, first_of_layer=shown)
        steps.append(sv)
    graph = _is_graph(g)
    layers = [] if graph else [
        {"index": l, "size": layer.size, "activation": layer.activation,
         "bias": layer.bias, "residual": layer.residual}
        for l, layer in enumerate(net.layers, 1)]
    ex = {
        "inputs": [{"name": g.latex[k], "value": number(values.inputs[0, i])}
                   for i, k in enumerate(g.inputs)],
        "targets": [{"name": g.latex[k], "value": number(values.targets[0, i])}
                    for i, k in enumerate(g.targets)],
        "params": [{"name": g.latex[k], "value": number(values.params[k])} for k in g.params],
        "nodes": [{"name": g.latex[k], "value": number(env[g.sym(k)][0])}
                  for k, node in g.nodes.items() if node.op != "leaf"],
    }
    lr = getattr(getattr(net, "example", None), "learning_rate", None)
    ex["step"] = None
    if lr is not None and not graph:
        ex["step"] = {"lr": number(lr), "rows": [
            {"name": g.latex[k], "old": number(values.params[k]),
             "grad": number(views.value(d.gradients[k])),
             "new": number(values.params[k] - lr * views.value(d.gradients[k]))}
            for k in g.params]}
    if graph:  # a graph's inputs are what it is differentiated by: shown as its inputs
        ex["inputs"], ex["params"] = ex["params"], []
    verification = None
    if report is not None:
        verification = {
            "rows": [{"name": r.name, "frac": n.frac(g.loss, r.param), "derived": number(r.derived, 10),
                      "reference": number(r.reference, 10), "fd": number(r.finite_diff, 10),
                      "symbolic": r.symbolic,
                      "error": f"{max(r.error_ref, r.error_fd):.1e}"} for r in report.rows],
            "summary": report.summary(), "ok": report.ok,
            "max_ref": f"{max(report.errors_ref, default=0):.1e}",
            "max_fd": f"{max(report.errors_fd, default=0):.1e}",
        }
    title = net.title or f"Backpropagation through {net.name}"
    return {
        "name": net.name, "title": title, "layers": layers,
        "sizes": [len(g.params)] if graph else list(net.sizes),
        "graph": {"inputs": [g.latex[k] for k in g.params], "output": g.latex[g.loss],
                  "nodes": [g.latex[k] for k in g.computed]} if graph else None,
        "loss": loss_view(n), "forward": forward_equations(n), "steps": steps,
        "definitions": [] if graph else [  # the activations a page must define, in use
            a.definition for a in ACTIVATIONS.values() if not a.familiar
            and any(layer.activation == a.name for layer in net.layers)],
        "full": full, "example": ex, "verification": verification,
        "diagram": diagram(d), "partial": n.partial,
        "matrix": None if graph else matrix_view(d, values),
        "params": [g.latex[k] for k in g.params],
        "n_params": len(g.params),
    }


__all__ = ["lesson_view", "Notation", "StepViews"]
