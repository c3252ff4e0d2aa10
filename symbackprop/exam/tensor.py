"""The exam of a network with tensor layers (``layers/``): the same question kinds as a
dense network's, asked where the tensor layers make them worth asking.

- forward: the outputs and the loss at the variant's values (the key lists every layer's
  values);
- gradient: one entry's gradient; a shared parameter's as the sum over its uses, each term
  ∂L/∂c · ∂c/∂θ with its numbers (a kernel entry over the positions it slides over, an rnn
  weight over the time steps); a batch-norm input's in the compact teacher's form;
- chain: one term of that sum, factor by factor (an rnn weight's: the term of its earliest
  step, with the chain back through time); update: θ − η ∂L/∂θ.

The expression kind is refused: a tensor network's closed form is too large to ask for.
Values are drawn by ``tensor_draws``; the numbers of the breakdowns by ``breakdown``."""

from __future__ import annotations

import re

import numpy as np

from ..errors import SpecError
from ..layers.tensors import to_tensors
from ..losses import LOSSES
from ..numeric import forward
from ..render.printer import number
from ..render.views import StepViews
from ..steps import Cite, Sum
from . import breakdown as bd
from .numbers import DIGITS, TOLERANCE, _value, clean, relation, round12, shown
from .pools import ACTIVATION_TEX
from .questions import parse_questions
from .tensor_draws import batch_norm_inputs, draw_tensor_variants, step_of, target_pool
from .views import Exam, _chains, _self_contained

_SUB = re.compile(r"_\{[^{}]*\}$")
# a key's worked solution (the lesson's steps) is printed up to this many chain terms per
# variant; beyond (a residual block over a batch: hundreds), the answers' own breakdowns stay
WORKED_TERMS = 120


def is_tensor(net) -> bool:
    return type(net).__name__ == "TensorNetwork"  # the graph.FRONT_ENDS key


def make_exam(net, *args, **kwargs) -> Exam:
    """The exam of ``net``: a ``TensorExam`` for a network with tensor layers."""
    return (TensorExam if is_tensor(net) else Exam)(net, *args, **kwargs)


def default_questions(d, pool) -> str:
    """A batch-norm network: the input's gradient and an update of the first γ; otherwise
    the forward pass, one term, the whole sum, an update."""
    g = d.graph
    if pool and pool[0] not in d.gradients:
        gamma = next(k for k in g.params if g.nodes[k].kind == "weight"
                     and any(g.nodes[c].op == "scale" for c in g.consumers[k]))
        return f"forward,gradient,update:{g.latex[gamma]}"
    return "forward,chain,gradient,update"


def grids(g, keys: np.ndarray, value) -> list[dict]:
    """A tensor as LaTeX matrices: a vector as a row, a matrix as it is, more dimensions
    as one matrix per leading index (a kernel per filter and channel)."""
    keys = keys[None] if keys.ndim == 1 else keys
    base = _SUB.sub("", g.latex[keys.reshape(-1)[0]])
    out = []
    for idx in np.ndindex(*keys.shape[:-2]):
        label = base + ("_{" + ",".join(str(i + 1) for i in idx) + r",\cdot,\cdot}"
                        if idx else "")
        rows = [" & ".join(number(value(k)) for k in row) for row in keys[idx]]
        out.append({"label": label,
                    "matrix": r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"})
    return out


def describe(net, g, n) -> list[dict]:
    """Each layer: its kind, its fields as the spec gives them, its output shape, and one
    equation per operation it adds (the entry that reads the most: a full kernel window, a
    recurrent step), the pattern every other entry repeats."""
    first: dict = {}
    for k, node in g.nodes.items():
        at = (g.layer_of.get(k), node.op)
        if node.op != "leaf" and k != g.loss and (
                at not in first or len(node.inputs) > len(g.nodes[first[at]].inputs)):
            first[at] = k
    out = []
    for l, (layer, shape) in enumerate(zip(net.layers, net.shapes), 1):
        fields = [(f, getattr(layer, f)) for f in getattr(layer, "FIELDS", ())
                  if hasattr(layer, f)]
        eqs = [{"lhs": g.latex[k], "rhs": n.tex(g.nodes[k].expr)}
               for (at, _), k in first.items() if at == l]
        out.append({"index": l, "kind": layer.kind,
                    "fields": ", ".join(f"{f} = {_field(v)}" for f, v in fields),
                    "shape": " × ".join(map(str, shape)), "equations": eqs})
    return out


def _field(v) -> str:
    if isinstance(v, tuple):
        return " × ".join(map(str, v))
    return str(v)


class TensorExam(Exam):
    """An exam on a network with tensor layers."""

    tensor = True

    def _ask(self, questions: str | None) -> list:
        """The questions; without ``--questions`` those of ``default_questions``. ``pool``:
        the entries a question without a parameter is drawn from."""
        d, g = self.d, self.g
        self.pool = target_pool(d)
        asked = parse_questions(questions or default_questions(d, self.pool), g,
                                nodes=batch_norm_inputs(g), tensor=True)
        if self.pool[0] not in d.gradients and any(
                q.kind == "update" and not q.param for q in asked):
            raise SpecError("update asks for a step of gradient descent on a parameter; "
                            "this network's questions are about a batch-norm input: name the "
                            "parameter (update:NAME)", "--questions")
        return asked

    def _draw(self, count: int, seed: int, fixed: tuple, updated: tuple) -> list:
        drawn = [q.kind for q in self.questions if not q.param and q.kind != "forward"]
        chained = tuple(q.param for q in self.questions if q.param and q.kind == "chain")
        return draw_tensor_variants(
            self.d, count, seed, self.pool, fixed, updated, chains="chain" in drawn,
            update_drawn="update" in drawn, chained=chained)

    def common(self) -> dict:
        net, n, g = self.net, self.n, self.g
        acts = {getattr(layer, "activation", "identity") for layer in net.layers}
        return {
            "title": self.title, "course": self.course, "instructions": self.instructions,
            "name": net.name, "seed": self.seed, "tensor": True,
            "sizes": [], "graph": None, "layers": [], "diagram": None, "equations": [],
            "tensor_layers": describe(net, g, n), "shape": " × ".join(map(str, net.shape)),
            "batch": net.batch if net.coupled else 1,
            "loss": {"name": LOSSES[net.loss].title, "latex": g.latex[g.loss], "has_mean": True},
            "loss_rhs": n.tex(g.nodes[g.loss].expr),
            "n_params": len(g.params), "partial": n.partial,
            "activations": [ACTIVATION_TEX[a] for a in ACTIVATION_TEX if a in acts]
            + [d for d in (LOSSES[net.loss].definition,) if d],
            "tolerance": f"{TOLERANCE * 100:g}", "digits": DIGITS,
            "n_variants": len(self.variants),
        }

    def variant(self, v) -> dict:
        d, g, n = self.d, self.g, self.n
        env = clean(forward(d, v.values))
        bar = bd.adjoints(d, env)
        sv = StepViews(n, env, {}, self.expand, self.memo)
        targets = self.params_of(v)
        need = self._closure(targets)
        terms = sum(len(bd.terms_of(s)) for s in need)
        asked = {step_of(d, k) for k in targets}
        shown_steps = need if terms <= WORKED_TERMS else [s for s in need if s in asked]
        views = _self_contained([sv.view(s) for s in shown_steps])
        by_step = dict(zip(shown_steps, views))
        steps = views if terms <= WORKED_TERMS else []
        outs = [k for k, node in g.nodes.items() if node.kind in ("output", "loss")]
        fwd = self._rows(outs, env)

        def ask(q, p, view):
            step = step_of(d, p)
            return getattr(self, f"_t_{q.kind}")(q, p, step, by_step[step], sv, v, view, env, bar)
        questions, answers = self._ask_all(v, fwd, ask)
        return {"id": v.id, "given": self._given(v), "questions": questions, "answers": answers,
                "forward": fwd, "layer_values": self._layer_values(env), "steps": steps,
                "omitted": 0 if steps or not need else len(need),
                "updates": [self._update_row(p, sv, v) for p in self._updated(v, targets)]}

    def _closure(self, targets) -> list:
        """The steps the asked gradients need: their own and every named step they cite."""
        need: dict = {}
        todo = [step_of(self.d, k) for k in targets]
        while todo:
            s = todo.pop()
            if s in need:
                continue
            need[s] = True
            for t in (s.terms if isinstance(s, Sum) else (s,)):
                todo += [f.step for f in t.factors if isinstance(f, Cite) and f.step.named]
        order = {s: i for i, s in enumerate(self.d.steps)}
        return sorted(need, key=lambda s: order.get(s, len(order)))

    def _given(self, v) -> dict:
        g, vals = self.g, v.values
        x = dict(zip(g.inputs, vals.inputs[0]))
        B = len(g.inputs) // int(np.prod(self.net.shape))
        inputs = np.array(g.inputs, dtype=object).reshape((B,) + tuple(self.net.shape))
        grid_in = [m for s in range(B) for m in grids(g, inputs[s], lambda k: x[k])] \
            if len(self.net.shape) > 1 or B > 1 else grids(g, inputs[0], lambda k: x[k])
        return {
            "inputs": [{"name": g.latex[k], "value": number(x[k])} for k in g.inputs],
            "targets": [{"name": g.latex[k], "value": number(t)}
                        for k, t in zip(g.targets, vals.targets[0])],
            "params": [{"name": g.latex[k], "value": number(vals.params[k])} for k in g.params],
            "input_grids": grid_in,
            "param_grids": [m for keys in g.tensors.values()
                            for m in grids(g, keys, lambda k: vals.params[k])],
            "samples": B,
            "lr": number(v.lr) if self.asks_update else None,
            "circuit": False,
        }

    def _rows(self, keys, env) -> list[dict]:
        g, n = self.g, self.n
        rows = []
        for k in keys:
            node, value = g.nodes[k], _value(env[g.sym(k)])
            rows.append({"lhs": g.latex[k], "rhs": n.tex(node.expr),
                         "numbers": n.numbers(node.expr, env), "value": value,
                         "shown": shown(value), "rel": relation(value)})
        return rows

    def _layer_values(self, env) -> list[dict]:
        g = self.g
        out: dict = {}
        for k in g.computed:
            layer = g.layer_of.get(k)
            if layer is not None and layer <= len(self.net.layers):
                v = _value(env[g.sym(k)])
                out.setdefault(layer, []).append(
                    {"name": g.latex[k], "shown": shown(v), "rel": relation(v)})
        return [{"index": l, "kind": self.net.layers[l - 1].kind, "entries": vals}
                for l, vals in sorted(out.items())]

    def key(self, views: list[dict]) -> dict:
        """key.json: as a dense network's, the values as ``grad`` reads a tensor network's
        VALUES.json (inputs of the input shape per sample, tensors in PyTorch's layout;
        params by name too), a chain answer's term named."""
        key = super().key(views)
        g, B = self.g, self.common_batch()
        for variant, v, view in zip(key["variants"], self.variants, views):
            vals = v.values
            variant["values"] = {
                "inputs": np.asarray(vals.inputs[0]).reshape((B,) + self.net.shape).tolist(),
                "targets": np.asarray(vals.targets[0]).reshape(B, -1).tolist(),
                "tensors": {name: arr.tolist() for name, arr in to_tensors(g, vals.params).items()},
                "params": {g.latex[k]: vals.params[k] for k in g.params}}
            for out, a in zip(variant["answers"], view["answers"]):
                if a["kind"] == "chain":
                    out["term"] = a["term"]
        return key

    def common_batch(self) -> int:
        return self.net.batch if self.net.coupled else 1

    # ------------------------------------------------------------ the question kinds

    def _t_gradient(self, q, p, step, s, sv, v, view, env, bar):
        value = sv.value(step)
        extra = {"uses": None, "sum": None, "bn": None}
        if len(bd.terms_of(step)) > 1 and p in self.d.gradients:
            rows = [_shown(r, "upstream_value", "local_value", "value")
                    for r in bd.uses(self, step, env, bar)]
            extra.update(uses=rows, sum=" + ".join(_paren(r["value_shown"]) for r in rows))
        if p not in self.d.gradients:
            b = _shown(bd.batchnorm(self, p, env, bar), "gamma_value", "var_value", "sigma",
                       "hat_value", "g_value", "sum_g", "sum_gh", "value")
            b["rows"] = [_shown(r, "g_value", "hat_value") for r in b["rows"]]
            b["numbers"] = (rf"\frac{{{b['gamma_value_shown']}}}{{{b['m']} \cdot "
                            rf"{b['sigma_shown']}}} \left({b['m']} \cdot "
                            rf"{_paren(b['g_value_shown'])} - {_paren(b['sum_g_shown'])} - "
                            rf"{_paren(b['hat_value_shown'])} \cdot {_paren(b['sum_gh_shown'])}"
                            r"\right)")
            extra["bn"] = b
        return self._answer(q, view["param"], value,
                            f"{view['frac']} {relation(value)} {shown(value)}", **extra)

    def _t_chain(self, q, p, step, s, sv, v, view, env, bar):
        i = bd.pick_term(step, env)
        term, tv = bd.terms_of(step)[i], _chains(s)[i]
        rows = []
        for f, fv in zip(term.factors, tv["factors"]):
            expr = f.symbol if isinstance(f, Cite) else f.expr
            val = sv.value(f)
            rows.append({"label": fv["label"], "latex": self.n.tex(expr), "value": round12(val),
                         "shown": shown(val), "rel": relation(val)})
        value = sv.value(term)
        c = bd.consumer(term)
        view.update(term=self.g.latex[c], factors=[r["label"] for r in rows],
                    shape=tv.get("chain") or " \\cdot ".join(r["label"] for r in rows),
                    terms=len(bd.terms_of(step)), step=self._step_number(c))
        bptt = bd.bptt(self, c, bar)
        if bptt:
            bptt = [dict(r, h=[dict(e, shown=shown(e["value"])) for e in r["h"]],
                         delta=[dict(e, shown=shown(e["value"])) for e in r["delta"]])
                    for r in bptt]
        return self._answer(q, view["param"], value,
                            rf"{view['frac']}\Big|_{{{self.g.latex[c]}}} = "
                            + " \\cdot ".join(_paren(r["shown"]) for r in rows)
                            + f" {relation(value)} {shown(value)}",
                            factors=rows, term=self.g.latex[c], bptt=bptt)

    def _step_number(self, c: str) -> int | None:
        return int(c.split("_")[1]) if self.g.nodes[c].op == "rnn" else None

    def _t_update(self, q, p, step, s, sv, v, view, env, bar):
        return self._update(q, p, s, sv, v, view)


def _shown(row: dict, *fields) -> dict:
    """``row`` with ``<field>_shown``: each number as an answer prints it."""
    return dict(row, **{f"{f}_shown": shown(row[f]) for f in fields})


def _paren(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text
