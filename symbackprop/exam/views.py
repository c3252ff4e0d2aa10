"""The views of an exam: its questions, its variants, and what the templates print of
them (the worked solution of a variant is the lesson's own step views,
``render.views.StepViews``, at the variant's values, restricted to the steps its
questions need)."""

from __future__ import annotations

import sympy as sp

from ..derive import Derivation, derive
from ..errors import SpecError
from ..graph import build_graph
from ..numeric import forward
from ..render.printer import number
from ..render.views import Notation, StepViews, diagram, forward_equations, loss_view
from ..steps import Cite, Sum, grad_of
from .maxima import maxima, names
from .numbers import DIGITS, TOLERANCE, _value, clean, relation, round12, shown, tolerance
from ..losses import LOSSES
from .pools import ACTIVATION_TEX, is_graph
from .questions import default_questions, parse_questions
from .variants import MAX_VARIANTS, Variant, closure, draw_variants


class _Notation(Notation):
    """Notation whose value-free printing is memoized across variants."""

    def __init__(self, d):
        super().__init__(d)
        self._tex: dict = {}

    def tex(self, expr) -> str:
        if expr not in self._tex:
            self._tex[expr] = super().tex(expr)
        return self._tex[expr]



def _chains(view: dict) -> list[dict]:
    return view["terms"] if view["kind"] == "sum" else [view]


def _self_contained(views: list[dict]) -> list[dict]:
    """A factor the lesson cites from a step this solution does not show is written out."""
    seen = set()
    for v in views:
        for t in _chains(v):
            for i, f in enumerate(t["factors"]):
                if f["cited"] and not f["branch"] and f["label"] not in seen:
                    t["factors"][i] = dict(f, cited=False)
                seen.add(f["label"])
    return views


def closed(d: Derivation, expr: sp.Expr) -> sp.Expr:
    """``expr`` with each cited upstream gradient (a grad symbol) replaced by its sum,
    recursively: the gradient in the network's named quantities only."""
    subs = {}
    for s in expr.free_symbols:
        of_wrt = grad_of(s)
        if of_wrt and of_wrt[1] in d.deltas:
            subs[s] = closed(d, d.deltas[of_wrt[1]].expr)
    return expr.xreplace(subs)


def _paren(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def _one_line(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _paragraphs(text: str | None) -> list[str]:
    """Instructor text as paragraphs (split at blank lines), each on one line."""
    if not text:
        return []
    paras, cur = [], []
    for line in text.splitlines():
        if line.strip():
            cur.append(line.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return [" ".join(p.split()) for p in paras]


class Exam:
    """An exam on one network: its questions, its variants, and their views. What the
    kinds of network share is here: the checks of the options, the derivation, the
    parameters the questions fix, the instructor's text; what differs (which questions
    are asked by default, how variants are drawn) is ``_ask`` and ``_draw``, which
    ``tensor.TensorExam`` overrides."""

    tensor = False  # a network with tensor layers (``tensor.TensorExam``)

    def __init__(self, net, variants: int = 1, seed: int = 0, questions: str | None = None,
                 title: str | None = None, course: str | None = None,
                 instructions: str | None = None):
        self.graph = not self.tensor and is_graph(net)
        if not 1 <= variants <= MAX_VARIANTS:
            raise SpecError(f"--variants {variants} must be between 1 and {MAX_VARIANTS}")
        if seed < 0:
            raise SpecError(f"--seed {seed} must be 0 or more")
        self.net, self.seed = net, seed
        self.d = d = derive(build_graph(net))
        self.g = g = d.graph
        self.questions = self._ask(questions)
        self.n = _Notation(d)
        self.expand = not self.tensor and g.size() <= 200  # a tensor layer's are too long
        self.memo: dict = {}
        fixed = tuple(dict.fromkeys(q.param for q in self.questions if q.param))
        updated = tuple(dict.fromkeys(q.param for q in self.questions
                                      if q.param and q.kind == "update"))
        self.variants = self._draw(variants, seed, fixed, updated)
        self.title = _one_line(title) or \
            "Exam: " + (net.title or f"Backpropagation through {net.name}")
        self.course = _one_line(course) or None
        self.instructions = _paragraphs(
            "Answer every question and show your work." if instructions is None else instructions)
        self.asks_update = any(q.kind == "update" for q in self.questions)

    def _ask(self, questions: str | None) -> list:
        """The questions, ``--questions`` or the default ones, parsed."""
        return parse_questions(questions or default_questions(self.g, self.graph), self.g,
                               self.graph)

    def _draw(self, count: int, seed: int, fixed: tuple, updated: tuple) -> list[Variant]:
        """``count`` variants; ``fixed``: the parameters questions name, ``updated``: those
        an update asks for."""
        return draw_variants(self.d, count, seed, fixed, updated)

    # ---------------------------------------------------------------- common

    def common(self) -> dict:
        net, n, g = self.net, self.n, self.g
        layers = [] if self.graph else net.layers
        return {
            "title": self.title, "course": self.course, "instructions": self.instructions,
            "name": net.name, "seed": self.seed, "tensor": False,
            "sizes": [] if self.graph else list(net.sizes),
            "graph": {"inputs": [g.latex[k] for k in g.params], "output": g.latex[g.loss],
                      "nodes": list(g.computed)} if self.graph else None,
            "layers": [{"index": l, "size": layer.size, "activation": layer.activation,
                        "bias": layer.bias, "residual": layer.residual}
                       for l, layer in enumerate(layers, 1)],
            "loss": loss_view(n), "loss_rhs": n.tex(g.nodes[g.loss].expr),
            "n_params": len(g.params), "diagram": diagram(self.d),
            "equations": forward_equations(n), "partial": n.partial,
            "activations": [ACTIVATION_TEX[a] for a in ACTIVATION_TEX
                            if any(layer.activation == a for layer in layers)]
            + [d for d in (() if self.graph else (LOSSES[net.loss].definition,)) if d],
            "tolerance": f"{TOLERANCE * 100:g}", "digits": DIGITS,
            "n_variants": len(self.variants),
        }

    # ---------------------------------------------------------------- a variant

    def params_of(self, v: Variant) -> list[str]:
        """The parameters variant ``v`` asks about, each once, in question order."""
        out = []
        for q in self.questions:
            p = q.param or v.param
            if q.kind != "forward" and p not in out:
                out.append(p)
        return out

    def variant(self, v: Variant) -> dict:
        d, g, n = self.d, self.g, self.n
        env = clean(forward(d, v.values))
        sv = StepViews(n, env, {}, self.expand, self.memo)
        params = self.params_of(v)
        steps = _self_contained([sv.view(s) for s in closure(d, params)])
        by_param = {s["wrt"]: s for s in steps if s["kind"] == "chain" or s["is_param"]}
        fwd = self._forward(env)
        questions, answers = self._ask_all(v, fwd, lambda q, p, view: getattr(
            self, f"_{q.kind}")(q, p, by_param[g.latex[p]], sv, v, view))
        return {"id": v.id, "given": self._given(v), "questions": questions, "answers": answers,
                "forward": fwd, "layer_values": [], "steps": steps, "omitted": 0,
                "updates": [self._update_row(p, sv, v) for p in self._updated(v, params)]}

    def _ask_all(self, v: Variant, fwd: list[dict], ask) -> tuple[list[dict], list[dict]]:
        """(question views, answers) of variant ``v``: a forward question's from the rows
        ``fwd``, another's by ``ask(q, p, view)`` about its parameter p (its own or the
        variant's)."""
        g, n = self.g, self.n
        questions, answers = [], []
        for q in self.questions:
            view = {"n": q.n, "kind": q.kind}
            if q.kind == "forward":
                view["nodes"] = [r["lhs"] for r in fwd]
                ans = [self._answer(q, r["lhs"], r["value"], f"{r['lhs']} {r['rel']} {r['shown']}")
                       for r in fwd]
            else:
                p = q.param or v.param
                view.update(param=g.latex[p], frac=n.frac(g.loss, p))
                ans = [ask(q, p, view)]
            view["answers"] = ans
            answers += ans
            questions.append(view)
        return questions, answers

    def _updated(self, v: Variant, params) -> list[str]:
        """Those of ``params`` an update question of variant ``v`` asks for."""
        return [p for p in params if any(q.kind == "update" and (q.param or v.param) == p
                                         for q in self.questions)]

    def _given(self, v: Variant) -> dict:
        g, vals = self.g, v.values
        return {
            "inputs": [{"name": g.latex[k], "value": number(vals.inputs[0, i])}
                       for i, k in enumerate(g.inputs)],
            "targets": [{"name": g.latex[k], "value": number(vals.targets[0, i])}
                        for i, k in enumerate(g.targets)],
            "params": [{"name": g.latex[k], "value": number(vals.params[k])} for k in g.params],
            "lr": number(v.lr) if self.asks_update else None,
            "circuit": self.graph,  # a circuit's inputs travel as its parameters
        }

    def _forward(self, env) -> list[dict]:
        """Every computed node: its definition, the numbers substituted, its value."""
        g, n = self.g, self.n
        eqs = {r["lhs"]: r["rhs"] for r in forward_equations(n)}
        rows = []
        for k in g.computed:
            node, lhs = g.nodes[k], g.latex[k]
            if node.op == "linear":  # the lesson's order, input by input, biases last
                terms, biases = [], []
                for i in node.inputs:
                    kind = g.nodes[i].kind
                    if kind == "bias":
                        biases.append(_paren(number(_value(env[g.sym(i)]))))
                    elif kind != "weight":
                        w = node.expr.coeff(g.sym(i))
                        terms.append(rf"{_paren(number(_value(env[g.sym(i)])))} \cdot "
                                     rf"{_paren(number(_value(env[w])))}")
                numbers = " + ".join(terms + biases)
            else:  # the printer brackets a negative number only where its place needs it
                numbers = n.numbers(node.expr, env)
            value = _value(env[g.sym(k)])
            rows.append({"lhs": lhs, "rhs": eqs.get(lhs) or n.tex(node.expr), "numbers": numbers,
                         "value": value, "shown": shown(value), "rel": relation(value)})
        return rows

    def _update_row(self, p: str, sv, v: Variant) -> dict:
        g = self.g
        grad = sv.value(self.d.gradients[p])
        old = v.values.params[p]
        new = old - v.lr * grad
        return {"name": g.latex[p], "frac": self.n.frac(g.loss, p), "old": number(old),
                "lr": number(v.lr), "grad": shown(grad),
                "numbers": rf"{number(old)} - {number(v.lr)} \cdot {_paren(shown(grad))}",
                "value": new, "new": shown(new), "rel": relation(new), "step": v.lr * grad}

    def _answer(self, q, target: str, value, latex: str, step=None, **extra) -> dict:
        out = {"question": q.n, "kind": q.kind, "target": target,
               "value": None if value is None else round12(value), "latex": latex}
        out.update(extra)
        if value is not None:
            out.update(shown=shown(value), rel=relation(value), tolerance=tolerance(value, step))
        return out

    def _gradient(self, q, p, s, sv, v, view):
        grad = sv.value(self.d.gradients[p])
        return self._answer(q, view["param"], grad,
                            f"{view['frac']} {relation(grad)} {shown(grad)}")

    def _update(self, q, p, s, sv, v, view):
        r = self._update_row(p, sv, v)
        return self._answer(q, view["param"], r["value"],
                            rf"{r['name']} - \eta {r['frac']} = {r['numbers']} "
                            rf"{r['rel']} {r['new']}",
                            step=r["step"])

    def _expression(self, q, p, s, sv, v, view):
        forms = [s["result"]]
        expr = closed(self.d, self.d.gradients[p].expr)
        full = self.n.tex(expr)
        for form in (full, s.get("expanded")):
            if form and form not in forms:
                forms.append(form)
        return self._answer(q, view["param"], None, f"{view['frac']} = " + " = ".join(forms),
                            forms=forms, maxima=maxima(expr), names=names(self.g, expr))

    def _chain(self, q, p, s, sv, v, view):
        step = self.d.gradients[p]
        rows, seen = [], set()
        for t, tv in zip(step.terms if isinstance(step, Sum) else (step,), _chains(s)):
            for f, fv in zip(t.factors, tv["factors"]):
                if fv["label"] not in seen:
                    seen.add(fv["label"])
                    expr = f.symbol if isinstance(f, Cite) else f.expr
                    expr = closed(self.d, expr)
                    rows.append({"label": fv["label"], "latex": self.n.tex(expr),
                                 "maxima": maxima(expr), "names": names(self.g, expr),
                                 "value": round12(sv.value(f)), "shown": shown(sv.value(f)),
                                 "rel": relation(sv.value(f))})
        shape = s["sum"] if s["kind"] == "sum" else s["chain"]
        products = " + ".join(t["product"] for t in _chains(s))
        view.update(shape=shape, factors=[r["label"] for r in rows])
        return self._answer(q, view["param"], None, f"{view['frac']} = {shape} = {products}",
                            factors=rows, products=products)

    # ---------------------------------------------------------------- outputs

    def views(self) -> list[dict]:
        return [self.variant(v) for v in self.variants]

    def key(self, views: list[dict]) -> dict:
        """key.json: every answer of every variant, with the values it was drawn at."""
        g = self.g
        fields = ("question", "kind", "target", "value", "latex")
        variants = []
        for v, view in zip(self.variants, views):
            answers = []
            for a in view["answers"]:
                out = {k: a[k] for k in fields}
                if a["kind"] == "chain":
                    out["factors"] = [{k: f[k] for k in ("label", "latex", "value")}
                                      for f in a["factors"]]
                if a["value"] is not None:
                    out["tolerance"] = a["tolerance"]
                answers.append(out)
            vals = v.values
            variants.append({
                "id": v.id,
                "values": {"inputs": {k: vals.params[k] for k in g.params}} if self.graph else
                {"inputs": vals.inputs.tolist(), "targets": vals.targets.tolist(),
                 "params": {g.latex[k]: vals.params[k] for k in g.params}},
                "learning_rate": v.lr if self.asks_update else None,
                "answers": answers,
            })
        return {
            "spec": self.net.name, "seed": self.seed,
            "questions": [{"question": q.n, "kind": q.kind,
                           "param": g.latex[q.param] if q.param else None}
                          for q in self.questions],
            "tolerance": {"relative": TOLERANCE, "digits": DIGITS},
            "variants": variants,
        }

