"""Steps -> plain dicts and lists with LaTeX strings inside: what templates lay out.

Dispatch is by the step's class name (``_view_Chain``, ``_view_Sum``), as SymPy's
printers do; templates never see a SymPy object.
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp

from ..activations import ACTIVATIONS
from ..derive import Derivation
from ..lesson import EXPAND_MAX_OPS, Lesson, Worked
from ..losses import LOSSES
from ..naming import delta_latex
from ..steps import Chain, Cite, Delta, Step, Sum, grad_symbol
from .diagram_view import diagram, svg_label
from .env import render
from .lines import WIDTH, ink, lines
from .matrix_view import matrix_view
from .printer import LessonPrinter, number

# Show the expansion down to inputs and weights only while it stays readable
# (and while it stays small: lesson.EXPAND_MAX_OPS).
EXPAND_MAX_CHARS = 400
# Above this many parameters a page shows one derivation per layer and a table of the rest.
FULL_PAGE_MAX_PARAMS = 40

LOSS_NAMES = {r.name: r.title for r in LOSSES.values()}


class Notation:
    """The naming and printing of one derivation: symbol names, d or ∂, number printing."""

    def __init__(self, d: Derivation):
        g = d.graph
        self.d, self.g = d, g
        self.partial = g.partial
        names = {g.sym(k): v for k, v in g.latex.items()}
        # δ_j^{[l]} = dL/dz_j^{[l]}: the name a unit's weighted sum's gradient goes by
        self.deltas = {k: delta_name(g, k) for k in d.deltas if g.nodes[k].kind == "pre"}
        for k in d.deltas:
            names[grad_symbol(d.loss, k)] = self.deltas.get(k) or self.frac(d.loss, k)
        self.names = names
        loss = LOSSES.get(g.loss_name)
        prefer = g.targets if loss is not None and loss.errors_positive else [
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

    def label(self, of: str, wrt: str) -> str:
        """How a factor is named: δ_j^{[l]} for dL/dz_j^{[l]}, else the fraction."""
        if of == self.d.loss and wrt in self.deltas:
            return self.deltas[wrt]
        return self.frac(of, wrt)

    def numbers(self, expr, env) -> str:
        """``expr`` with each symbol replaced by its value at the worked example."""
        if expr.is_Symbol and expr in env:
            return number(float(np.asarray(env[expr]).reshape(-1)[0]))
        names = {}
        for s in expr.free_symbols:
            v = env.get(s)
            if v is not None:
                names[s] = number(float(np.asarray(v).reshape(-1)[0]))
        negative = [s for s, t in names.items() if t.startswith("-")]
        return LessonPrinter(names, self.prefer, negative=negative).doprint(expr)


def delta_name(g, k: str) -> str:
    """δ_j^{[l]} for the weighted sum z_j^{[l]} (δ^{[l]} in a layer of one unit)."""
    q = g.table.by_key[k]
    return delta_latex(q, g.layers[q.layer - 1].size)


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
    if g.flat_size(g.loss) <= 2 * EXPAND_MAX_OPS:
        flat = g.flat(g.loss)
        if sp.count_ops(flat) <= EXPAND_MAX_OPS:
            total = f"{name} = {n.tex(flat)}"
    return {"total": total, "term": term, "name": f"output ${name}$", "has_mean": False,
            "latex": name, "softmax": False, "graph": True, "definition": None}


def loss_view(n: Notation) -> dict:
    g = n.g
    if not g.layers:
        return graph_output_view(n)
    node = g.nodes[g.loss]
    term = n.tex(node.expr)
    lname = g.latex[g.loss]
    t = [g.latex[k] for k in g.targets]
    y = [g.latex[k] for k in g.nodes if g.nodes[k].kind == "output"]
    loss = LOSSES[g.loss_name]
    inner, parens = loss.summand([f"{s}^{{(n)}}" for s in t], [f"{s}^{{(n)}}" for s in y])
    inner = rf"\left({inner}\right)" if parens else f" {inner}"
    return {"total": rf"{lname} = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}{inner}",
            "term": f"{lname} = {term}", "name": loss.title, "has_mean": not g.mean_outside,
            "per_example": g.mean_outside and loss.has_mean,
            "latex": lname, "softmax": loss.on_logits, "graph": False,
            "definition": loss.definition}


class StepViews:
    """One dict per step, numbers from the worked example substituted in. The numbers and
    expansions come from ``lesson.Worked``; this class only prints them."""

    def __init__(self, n: Notation, env: dict, cache: dict | None = None, expand: bool = True,
                 expansions: dict | None = None, worked: Worked | None = None):
        self.n, self.env = n, env
        # expansions are value-free and costly (factoring): once per step, and shareable
        # between views of one derivation at other values (the variants of an exam)
        self.worked = worked or Worked(n.d, env, expand, expansions)
        if cache is not None and worked is None:
            self.worked.cache = cache

    def view(self, step: Step) -> dict:
        return getattr(self, f"_view_{type(step).__name__}")(step)

    def value(self, step: Step) -> float:
        return self.worked.value(step)

    def factor(self, f: Step) -> dict:
        n = self.n
        cited = isinstance(f, Cite)
        expr = f.symbol if cited else f.expr
        return {
            "label": n.label(f.of, f.wrt) if cited else n.frac(f.of, f.wrt), "cited": cited,
            "branch": cited and isinstance(f.step, Sum),
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
        result = n.tex(s.expr)
        nums = r" \cdot ".join(rf"\left({f['number']}\right)" if f["number"].startswith("-")
                               else f["number"] for f in factors)
        return {
            "kind": "chain", "target": n.frac(s.of, s.wrt), "wrt": n.g.latex[s.wrt],
            "heading": n.slash(s.of, s.wrt),
            "chain": " ".join(f["label"] for f in factors), "factors": factors,
            "product": product, "product_lines": lines, "result": result,
            "simplified": _shorter(product, result),
            "expanded": self._expanded(s), "numbers": nums, "number": number(self.value(s)),
            "single": len(factors) == 1, "path": None, "delta": None, "defines": None,
        }

    def _view_Delta(self, s: Delta) -> dict:
        """δ_j^{[l]} = dL/dz_j^{[l]}: a chain, headed and cited by its name."""
        v = self._view_Chain(s)
        delta = self.n.deltas.get(s.wrt)
        if delta:
            v.update(delta=delta, heading=f"{delta} = {v['heading']}",
                     target=delta, defines=rf"{delta} = {v['target']}")
        return v

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
            # each path a cited gradient times one edge: δ_1^{[2]} w_1^{[2]} + ...
            "compact": all(len(t["factors"]) == 2 and t["factors"][0]["cited"]
                           and not t["factors"][1]["cited"] for t in terms),
            "numbers": " + ".join(rf"\left({t['number']}\right)" if t["number"].startswith("-")
                                  else t["number"] for t in terms),
            "products": " + ".join(t["numbers"] for t in terms),
            "number": number(self.value(s)),
            "is_param": s.wrt in n.d.gradients, "delta": None,
        }

    def _expanded(self, s: Step):
        e = self.worked.expansion(s)
        if e is None:
            return None
        shown = self.n.tex(e)
        if len(shown) > EXPAND_MAX_CHARS:  # a wall of symbols teaches nothing
            return None
        if max(ink(line) for line in lines(shown, 8)) > WIDTH:
            return None  # a factor too long for a line of its own: it cannot be broken
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


def _shorter(product: str, result: str) -> bool:
    """Whether the tidied result is worth a line of its own: something other than the
    product as written, and no longer (dots, spaces and parentheses not counted)."""
    def ink(t):
        return re.sub(r"\\cdot|\\left|\\right|[\s()]", "", t)
    return ink(result) != ink(product) and len(ink(result)) <= len(ink(product))


def _needs_parens(tex: str) -> bool:
    return tex.startswith("-") or bool(re.search(r"(?<!\\left\()[^{(]*\s[-+]\s", tex)) and not tex.startswith(r"\left(")


def lesson_view(lesson: Lesson) -> dict:
    """The lesson page's data: the derivation's steps with the worked example's numbers,
    the example, the verification table and the matrix form, as plain data."""
    d, g, values, env = lesson.derivation, lesson.graph, lesson.values, lesson.env
    n = Notation(d)
    views = StepViews(n, env, worked=lesson.worked)
    full = g.detail == "all" or len(d.gradients) <= FULL_PAGE_MAX_PARAMS
    steps, seen = [], set()
    for s in d.steps:
        is_param = s.wrt in d.gradients
        # a large page derives one parameter and one branching sum per layer in full
        q = g.table.by_key.get(s.wrt) if g.table else None
        group = (type(s).__name__, is_param, q.layer if q else None)
        shown = full or group not in seen
        seen.add(group)
        sv = views.view(s) if shown else {
            "wrt": g.latex[s.wrt], "result": n.tex(s.expr), "number": number(views.value(s)),
            "delta": n.deltas.get(s.wrt) if isinstance(s, Delta) else None}
        sv.update(is_param=is_param, first_of_layer=shown)
        steps.append(sv)
    graph = not g.layers  # a graph of formulas: no layers, its inputs are its parameters
    layers = [{"index": l, "size": layer.size, "activation": layer.activation,
               "bias": layer.bias, "residual": layer.residual}
              for l, layer in enumerate(g.layers, 1)]
    ex = {
        "inputs": [{"name": g.latex[k], "value": number(values.inputs[0, i])}
                   for i, k in enumerate(g.inputs)],
        "targets": [{"name": g.latex[k], "value": number(values.targets[0, i])}
                    for i, k in enumerate(g.targets)],
        "params": [{"name": g.latex[k], "value": number(values.params[k])} for k in g.params],
        "nodes": [{"name": g.latex[k], "value": number(env[g.sym(k)][0])}
                  for k, node in g.nodes.items() if node.op != "leaf"],
        # what the spec's [example] did not give, seeded: all of it, or these parameters
        "seeded_all": bool(g.seeded) and all(k in g.seeded for k in g.params)
        and (not g.layers or g.inputs[0] in g.seeded),
        "seeded": [g.latex[k] for k in g.params if k in g.seeded][:12],
        "seeded_more": max(0, sum(k in g.seeded for k in g.params) - 12),
    }
    lr = g.learning_rate
    ex["step"] = None
    if lr is not None:
        ex["step"] = {"lr": number(lr), "rows": [
            {"name": g.latex[k], "old": number(values.params[k]),
             "grad": number(views.value(d.gradients[k])),
             "new": number(values.params[k] - lr * views.value(d.gradients[k]))}
            for k in g.params]}
    if graph:  # a graph's inputs are what it is differentiated by: shown as its inputs
        ex["inputs"], ex["params"] = ex["params"], []
    return {
        "name": g.name, "title": g.title or f"Backpropagation through {g.name}",
        "layers": layers, "sizes": list(g.sizes),
        "graph": {"inputs": [g.latex[k] for k in g.params], "output": g.latex[g.loss],
                  "nodes": [g.latex[k] for k in g.computed]} if graph else None,
        "loss": loss_view(n), "forward": forward_equations(n), "steps": steps,
        "definitions": [  # the activations a page must define, in use
            a.definition for a in ACTIVATIONS.values() if not a.familiar
            and any(layer.activation == a.name for layer in g.layers)],
        "full": full, "example": ex, "verification": verification_view(n, lesson.report),
        "diagram": diagram(d, *_wires(lesson)) if graph else diagram(d), "partial": n.partial,
        "matrix": None if lesson.matrix is None else matrix_view(d, lesson.matrix),
        "params": [g.latex[k] for k in g.params],
        "n_params": len(g.params),
    }


def _wires(lesson: Lesson) -> tuple[dict, dict]:
    """A circuit's wire values at the worked example: each node's value and the output's
    derivative by it (``Worked.node_gradients``)."""
    g, env = lesson.graph, lesson.env
    values = {k: float(np.asarray(env[g.sym(k)]).reshape(-1)[0])
              for k in g.nodes if g.sym(k) in env}
    return values, lesson.worked.node_gradients()


def verification_summary(report) -> str:
    """One line of the report's figures (templates/text/verify_summary.txt.j2)."""
    return render("text", "text/verify_summary.txt.j2", report.figures()).rstrip("\n")


def verification_view(n: Notation, report) -> dict | None:
    """The verification table; error figures stay floats (templates bound the noise)."""
    if report is None:
        return None
    g = n.g
    return {
        "rows": [{"name": r.name, "frac": n.frac(g.loss, r.param), "derived": number(r.derived, 10),
                  "reference": number(r.reference, 10), "fd": number(r.finite_diff, 7),
                  "symbolic": r.symbolic, "error": max(r.error_ref, r.error_fd)}
                 for r in report.rows],
        "summary": verification_summary(report), "ok": report.ok, "method": report.method,
        "max_ref": max(report.errors_ref, default=0.0),
        "max_fd": max(report.errors_fd, default=0.0),
    }


__all__ = ["diagram", "lesson_view", "Notation", "StepViews", "svg_label"]
