"""Exams: seeded variants of questions on one network, with worked answer keys.

    exam_files(net, variants=30, seed=1) -> {file name: text}

Each variant draws its own values from ``numpy.random.default_rng(seed)`` in a fixed
order (parameters in print order, inputs, targets, a learning rate, the parameter the
questions are about), from pools chosen for arithmetic by hand: weights and biases
±0.1 ... ±0.9, inputs ±1 ... ±3 for piecewise-linear networks (one decimal otherwise),
targets valid for the loss. A draw is rejected when it repeats an earlier variant, when
the loss or a chain-rule factor of a derivation it asks for is 0 (a question made
trivial), or when its gradient-descent step would not show in an answer rounded to 4
significant digits. Unless a question names its parameter, the values depend on the spec
and the seed alone, not on the questions asked.

Questions (``KINDS``) are data here; the prose lives in ``templates/exam/``. The worked
solution of a variant is the lesson's own step views (``render.views.StepViews``) at the
variant's values, restricted to the steps its questions need.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from .activations import ACTIVATIONS
from .derive import Derivation, derive
from .errors import SpecError
from .graph import build_graph
from .losses import LOSSES
from .naming import canonical_latex
from .numeric import Values, forward
from .render.env import environment
from .render.printer import number
from .render.views import Notation, StepViews, diagram, forward_equations, loss_view
from .steps import Cite, Step, Sum, grad_of

KINDS = ("forward", "chain", "expression", "gradient", "update")
DEFAULT_QUESTIONS = "forward,chain,expression,gradient,update"
TOLERANCE = 0.01  # Moodle accepts an answer within 1% of the exact value
DIGITS = 4  # answers that are not short exact decimals are given to 4 significant digits
EXACT_DIGITS = 6  # a value with at most this many significant digits is printed exactly
MAX_VARIANTS = 1000
MAX_DRAWS = 200  # attempts per variant before giving up

WEIGHTS = tuple(k / 10 for k in (*range(-9, 0), *range(1, 10)))  # ±0.1 ... ±0.9
INTEGERS = (-3, -2, -1, 1, 2, 3)
DECIMALS = tuple(k / 10 for k in (*range(-10, 0), *range(1, 11)))  # ±0.1 ... ±1.0
RATES = (0.1, 0.2, 0.5)  # learning rates for piecewise-linear networks
RATES_SMOOTH = (0.5, 1.0)  # and for the others, whose gradients are small
# activations that keep hand arithmetic exact
LINEAR = tuple(a.name for a in ACTIVATIONS.values() if a.exact)
# valid targets for a mse / half_sse output by its activation
TARGETS = {a.name: a.targets for a in ACTIVATIONS.values()}
ZERO = 1e-9  # a step value this small makes a question trivial
NOISE = 1e-12  # a value this small is float noise around 0
# what the forward equations write, defined on the sheets for the activations in use
ACTIVATION_TEX = {a.name: a.definition for a in ACTIVATIONS.values() if a.definition}


# ------------------------------------------------------------------------ questions


@dataclass(frozen=True)
class Question:
    n: int  # 1-based number on the sheet
    kind: str
    param: str | None = None  # a fixed parameter key, or None: the variant's own


def parse_questions(text: str, g) -> tuple[Question, ...]:
    """``forward,chain,gradient:w_5,update`` -> questions. ``KIND:NAME`` fixes the
    parameter (its LaTeX name, as ``grad`` reads it); otherwise each variant draws one."""
    by_name = {canonical_latex(g.latex[k]): k for k in g.params}
    out = []
    for n, item in enumerate((p.strip() for p in text.split(",")), 1):
        kind, _, name = item.partition(":")
        kind, name = kind.strip(), name.strip()
        if kind not in KINDS:
            near = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise SpecError(f"unknown question kind {kind!r}{hint} (kinds: {', '.join(KINDS)})",
                            "--questions")
        param = None
        if name:
            if kind == "forward":
                raise SpecError("forward asks for every node value; it takes no parameter",
                                "--questions")
            param = by_name.get(canonical_latex(name))
            if param is None:
                near = difflib.get_close_matches(canonical_latex(name), list(by_name), n=1)
                hint = f"; did you mean {g.latex[by_name[near[0]]]}?" if near else ""
                raise SpecError(f"unknown parameter {name!r}{hint} (parameters: "
                                f"{', '.join(g.latex[k] for k in g.params)})", "--questions")
        out.append(Question(n, kind, param))
    return tuple(out)


def target_pool(g) -> tuple[str, ...]:
    """The parameters a variant may ask about: the first layer's weights, the longest
    chains of the network."""
    first = tuple(q.key for q in g.table.params if q.layer == 1 and q.kind == "weight")
    return first or tuple(g.params)


# ------------------------------------------------------------------------ variants


@dataclass
class Variant:
    id: int
    values: Values  # one sample
    lr: float
    param: str  # the parameter questions without a fixed one are about


def _pools(net):
    acts = [layer.activation for layer in net.layers]
    linear = all(a in LINEAR for a in acts)
    if linear:
        return INTEGERS, TARGETS[acts[-1]], RATES
    return DECIMALS, TARGETS[acts[-1]], RATES_SMOOTH


def _draw(rng, pool):
    return pool[int(rng.integers(len(pool)))]


def _targets(net, rng, pool):
    return LOSSES[net.loss].draw(rng, net.outputs, pool)


KINKS = tuple(a.name for a in ACTIVATIONS.values() if a.kink)  # slope jumps at z = 0


def trivial(d: Derivation, values: Values, params) -> bool:
    """True when the loss is 0 (y_pred = y_true), or a step of the derivation of
    ``params`` is 0 at ``values``: the gradient itself, a factor of its chain (a relu off,
    h_j = 0), or a branching sum it cites (its paths cancelling). A question on it would
    be trivial. Also when a relu sits exactly at its kink z = 0, where float rounding
    would decide its slope. A zero elsewhere (one dead path of a sum, a unit the
    questions do not pass through) is allowed."""
    g = d.graph
    env = clean(forward(d, values))
    if env[g.sym(d.loss)][0] == 0:
        return True
    if any(g.nodes[k].op in KINKS and env[g.sym(g.nodes[k].inputs[0])][0] == 0
           for k in g.computed):
        return True
    cache: dict = {}
    return any(abs(_value(s.eval(env, cache))) < ZERO for s in closure(d, params))


def visible(d: Derivation, values: Values, lr: float, param: str) -> bool:
    """True when one step of gradient descent moves ``param`` by at least 3 units of
    its ``DIGITS``-th significant digit: the update is visible in a rounded answer."""
    grad = _value(d.gradients[param].eval(clean(forward(d, values)), {}))
    new = values.params[param] - lr * grad
    return abs(lr * grad) >= 3 * unit(new)


def draw_variants(d: Derivation, count: int, seed: int, fixed=(), updated=()) -> list[Variant]:
    """``count`` distinct variants; ``fixed``: parameters some question names, checked
    like each variant's drawn one; ``updated``: those of them an update question asks for.
    Without fixed parameters the values depend on the spec and the seed alone."""
    g, net = d.graph, d.graph.spec
    rng = np.random.default_rng(seed)
    inputs, targets, rates = _pools(net)
    pool = target_pool(g)
    out, seen = [], set()
    for k in range(1, count + 1):
        for _ in range(MAX_DRAWS):
            params = {p: float(_draw(rng, WEIGHTS)) for p in g.params}
            X = [float(_draw(rng, inputs)) for _ in g.inputs]
            T = _targets(net, rng, targets)
            lr = float(_draw(rng, rates))
            param = pool[int(rng.integers(len(pool)))]
            key = (tuple(X), tuple(T), tuple(params.values()))
            if key in seen:
                continue
            values = Values([X], [T], params)
            asked = list(dict.fromkeys((param, *fixed)))
            if trivial(d, values, asked) or not all(
                    visible(d, values, lr, p) for p in dict.fromkeys((param, *updated))):
                continue
            seen.add(key)
            out.append(Variant(k, values, lr, param))
            break
        else:
            raise SpecError(f"could not draw {count} distinct variants with no zero factor "
                            f"in their questions (found {len(out)}); ask for fewer")
    return out


# ------------------------------------------------------------------------ numbers


def round12(v: float) -> float:
    """The value to 12 significant digits, float noise around 0 made 0: exact decimal
    arithmetic shows as such (1.0, not 1.0000000000000002; 0, not 1.1e-16)."""
    v = float(v)
    return 0.0 if abs(v) < NOISE else float(f"{v:.12g}")


def clean(env: dict) -> dict:
    """Node values rounded like ``round12``, so that worked solutions print 0, not 1e-16."""
    return {s: np.vectorize(round12, otypes=[float])(a) if np.ndim(a) else round12(a)
            for s, a in env.items()}


def is_exact(v: float) -> bool:
    digits = f"{abs(round12(v)):.12e}".split("e")[0].replace(".", "").rstrip("0")
    return len(digits) <= EXACT_DIGITS


def shown(v: float) -> str:
    """A number as an answer prints it: exactly when short, else to 4 significant digits."""
    return number(round12(v)) if is_exact(v) else number(v, DIGITS)


def relation(v: float) -> str:
    return "=" if is_exact(v) else r"\approx"


def unit(v: float) -> float:
    """One unit in the last place of ``v`` rounded to ``DIGITS`` significant digits: room
    for that rounding and for rounded intermediate results."""
    return 10.0 ** (math.floor(math.log10(abs(v))) - DIGITS + 1) if v else 0.0


def tolerance(v: float, step: float | None = None) -> float:
    """The absolute tolerance of an answer: ``TOLERANCE`` (1%) of it, or for an updated
    parameter of the step η dL/dθ when that is smaller (else leaving the parameter
    unchanged would pass), never below one unit of its ``DIGITS``-th significant digit."""
    scale = abs(v) if step is None else min(abs(v), abs(step))
    return float(f"{max(scale * TOLERANCE, unit(v), 1e-12):.3g}")


# ------------------------------------------------------------------------ views


class _Notation(Notation):
    """Notation whose value-free printing is memoized across variants."""

    def __init__(self, d):
        super().__init__(d)
        self._tex: dict = {}

    def tex(self, expr) -> str:
        if expr not in self._tex:
            self._tex[expr] = super().tex(expr)
        return self._tex[expr]


def closure(d: Derivation, params) -> list[Step]:
    """The steps a derivation of ``params`` needs: their own and every branching sum
    they cite, in the lesson's order."""
    need: dict = {}

    def visit(s):
        if s in need:
            return
        need[s] = True
        for t in (s.terms if isinstance(s, Sum) else (s,)):
            for f in t.factors:
                if isinstance(f, Cite) and isinstance(f.step, Sum):
                    visit(f.step)

    for p in params:
        visit(d.gradients[p])
    return [s for s in d.steps if s in need]


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


_DOUBLE = re.compile(r"\\left\(\\left\(([^()]*)\\right\)\\right\)")


def _paren(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def _value(x) -> float:
    return float(np.asarray(x).reshape(-1)[0])


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
    """An exam on one network: its questions, its variants, and their views."""

    def __init__(self, net, variants: int = 1, seed: int = 0, questions: str | None = None,
                 title: str | None = None, course: str | None = None,
                 instructions: str | None = None):
        if getattr(net, "kind", "layers") == "graph":
            raise SpecError("exam needs a layered network with a loss; a graph spec "
                            "(kind = \"graph\") has no inputs and targets to draw")
        if not 1 <= variants <= MAX_VARIANTS:
            raise SpecError(f"--variants {variants} must be between 1 and {MAX_VARIANTS}")
        if seed < 0:
            raise SpecError(f"--seed {seed} must be 0 or more")
        self.net, self.seed = net, seed
        self.d = d = derive(build_graph(net))
        self.g = g = d.graph
        self.questions = parse_questions(questions or DEFAULT_QUESTIONS, g)
        self.n = _Notation(d)
        self.expand = g.size() <= 200
        self.memo: dict = {}
        fixed = tuple(dict.fromkeys(q.param for q in self.questions if q.param))
        updated = tuple(dict.fromkeys(q.param for q in self.questions
                                      if q.param and q.kind == "update"))
        self.variants = draw_variants(d, variants, seed, fixed, updated)
        self.title = _one_line(title) or \
            "Exam: " + (net.title or f"Backpropagation through {net.name}")
        self.course = _one_line(course) or None
        self.instructions = _paragraphs(
            "Answer every question and show your work." if instructions is None else instructions)
        self.asks_update = any(q.kind == "update" for q in self.questions)

    # ---------------------------------------------------------------- common

    def common(self) -> dict:
        net, n, g = self.net, self.n, self.g
        return {
            "title": self.title, "course": self.course, "instructions": self.instructions,
            "name": net.name, "seed": self.seed, "sizes": list(net.sizes),
            "layers": [{"index": l, "size": layer.size, "activation": layer.activation,
                        "bias": layer.bias, "residual": layer.residual}
                       for l, layer in enumerate(net.layers, 1)],
            "loss": loss_view(n), "loss_rhs": n.tex(g.nodes[g.loss].expr),
            "n_params": len(g.params), "diagram": diagram(self.d),
            "equations": forward_equations(n), "partial": n.partial,
            "activations": [ACTIVATION_TEX[a] for a in ACTIVATION_TEX
                            if any(layer.activation == a for layer in net.layers)]
            + [d for d in (LOSSES[net.loss].definition,) if d],  # and the loss's own functions
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
                ans = [getattr(self, f"_{q.kind}")(q, p, by_param[g.latex[p]], sv, v, view)]
            view["answers"] = ans
            answers += ans
            questions.append(view)
        updates = [p for p in params if any(q.kind == "update" and (q.param or v.param) == p
                                            for q in self.questions)]
        return {"id": v.id, "given": self._given(v), "questions": questions, "answers": answers,
                "forward": fwd, "steps": steps,
                "updates": [self._update_row(p, sv, v) for p in updates]}

    def _given(self, v: Variant) -> dict:
        g, vals = self.g, v.values
        return {
            "inputs": [{"name": g.latex[k], "value": number(vals.inputs[0, i])}
                       for i, k in enumerate(g.inputs)],
            "targets": [{"name": g.latex[k], "value": number(vals.targets[0, i])}
                        for i, k in enumerate(g.targets)],
            "params": [{"name": g.latex[k], "value": number(vals.params[k])} for k in g.params],
            "lr": number(v.lr) if self.asks_update else None,
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
            else:  # sigma(-1), not sigma((-1))
                numbers = _DOUBLE.sub(r"\\left(\1\\right)", n.numbers(node.expr, env))
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
        full = self.n.tex(closed(self.d, self.d.gradients[p].expr))
        for form in (full, s.get("expanded")):
            if form and form not in forms:
                forms.append(form)
        return self._answer(q, view["param"], None, f"{view['frac']} = " + " = ".join(forms),
                            forms=forms)

    def _chain(self, q, p, s, sv, v, view):
        step = self.d.gradients[p]
        rows, seen = [], set()
        for t, tv in zip(step.terms if isinstance(step, Sum) else (step,), _chains(s)):
            for f, fv in zip(t.factors, tv["factors"]):
                if fv["label"] not in seen:
                    seen.add(fv["label"])
                    expr = f.symbol if isinstance(f, Cite) else f.expr
                    rows.append({"label": fv["label"], "latex": self.n.tex(closed(self.d, expr)),
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
                "values": {"inputs": vals.inputs.tolist(), "targets": vals.targets.tolist(),
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


# ------------------------------------------------------------------------ files


def tex_text(text) -> str:
    """Instructor text made literal in LaTeX: the special characters, and the
    ligatures T1 fonts would make of -- `` '' << >> ?` !`."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}", "-": "-{}", "`": r"\textasciigrave{}",
             "'": r"\textquotesingle{}", "<": r"\textless{}", ">": r"\textgreater{}",
             '"': r"\textquotedbl{}", "|": r"\textbar{}"}
    return "".join(table.get(c, c) for c in " ".join(str(text).split()))


MD_INLINE = "\\`*_[]<>&$|~#"  # special anywhere in a CommonMark/GFM line (# ends headings)


def md_text(text) -> str:
    """Instructor text made literal in Markdown, on one line: backslash escapes
    (CommonMark) for the inline specials, and for what would start a block (a list
    marker ``-``, ``+``, ``1.``, ``1)``, a setext ``=``)."""
    out = "".join("\\" + c if c in MD_INLINE else c for c in " ".join(str(text).split()))
    m = re.match(r"^(\d{1,9})([.)])", out)
    if m:
        return m.group(1) + "\\" + out[len(m.group(1)):]
    return "\\" + out if out[:1] in ("-", "+", "=") else out


@lru_cache(maxsize=None)
def _environment(kind: str):
    """The project's environment for ``kind`` (delimiters set in render/env.py), with
    the exam's filters added to an overlay of its own."""
    env = environment(kind).overlay()
    env.filters = dict(env.filters, tex_text=tex_text, md_text=md_text)
    return env


def render(kind: str, name: str, view: dict) -> str:
    return _environment(kind).get_template(name).render(**view)


def exam_files(net, variants: int = 1, seed: int = 0, questions: str | None = None,
               title: str | None = None, course: str | None = None,
               instructions: str | None = None, pdf: bool = False) -> dict[str, str | bytes]:
    """{file name: content} of an exam: the question sheet and the answer key (one
    document each, a page per variant) in Markdown and LaTeX, key.json, moodle.xml, and
    with ``pdf`` questions.pdf and key.pdf (pdflatex runs while the rest is rendered;
    ``PdfError.files`` holds the other files when it fails)."""
    from .moodle import moodle_xml

    exam = Exam(net, variants, seed, questions, title, course, instructions)
    common = exam.common()
    views = exam.views()
    page = dict(common, variants=views)
    files: dict[str, str | bytes] = {
        "questions.tex": render("latex", "exam/questions.tex.j2", page),
        "key.tex": render("latex", "exam/key.tex.j2", page),
    }
    engine = latex_engine() if pdf else None
    if pdf and engine is None:
        raise PdfError("no pdflatex on the PATH", files={})
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {name[:-4] + ".pdf": pool.submit(_compile, engine, name, files[name])
                for name in ("questions.tex", "key.tex")} if pdf else {}
        files.update({
            "questions.md": render("markdown", "exam/questions.md.j2", page),
            "key.md": render("markdown", "exam/key.md.j2", page),
            f"{net.name}.svg": render("markdown", "svg/network.svg.j2", common),
            "key.json": json.dumps(exam.key(views), indent=2, ensure_ascii=False) + "\n",
            "moodle.xml": moodle_xml(common, views),
        })
        errors = []
        for name, job in jobs.items():
            try:
                files[name] = job.result()
            except PdfError as exc:
                errors.append(exc)
    if errors:
        raise PdfError(str(errors[0]), files=files)
    return files


# ------------------------------------------------------------------------ PDF


class PdfError(RuntimeError):
    """A LaTeX run failed; the message carries the first error of its log, ``files``
    whatever was rendered besides."""

    def __init__(self, message, files=None):
        super().__init__(message)
        self.files = files or {}


def latex_engine() -> str | None:
    return shutil.which("pdflatex")


def _compile(engine: str, name: str, tex: str) -> bytes:
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="symbackprop-exam-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(tex)
        try:
            run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error",
                                  "-no-shell-escape", name], cwd=tmp, env=env,
                                 capture_output=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{engine} timed out on {name}") from None
        pdf = path[:-4] + ".pdf"
        if run.returncode != 0 or not os.path.exists(pdf):
            log = run.stdout.decode("utf-8", "replace").splitlines()
            first = next((i for i, line in enumerate(log) if line.startswith("!")), None)
            detail = " ".join(log[first:first + 3]) if first is not None else "see its log"
            raise PdfError(f"{os.path.basename(engine)} failed on {name}: {detail}")
        with open(pdf, "rb") as fh:
            return fh.read()
