"""What the network says: its names, its values at random points, and the total
derivative of any node with respect to any other, all from the engine's graph.

The derivatives come from the graph's own local derivatives (``Graph.local``, SymPy's
diff of each node's definition) combined by the chain rule over the graph's edges, so
there is no second differentiator that could disagree with the CAS.

The random points: ``POINTS`` draws of the parameters, each with a batch of N samples
(N drawn from ``SAMPLE_COUNTS``); every node takes its forward value, so a writer's
expression may keep intermediates (h_1, y_pred) as symbols or substitute them.
"""

from __future__ import annotations

import difflib
import re
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from ..graph import build_graph
from ..naming import canonical_latex
from .numbers import Evaluator

POINTS = 12                  # random points (parameter draws)
SAMPLE_COUNTS = (2, 3, 4)    # N at each point is one of these; samples per point = max
SEED = 20240611
MAX_MEMO = 50_000            # cached subexpression values before the cache is cleared

KIND_WORDS = {"input": "input", "target": "target", "weight": "weight", "bias": "bias",
              "unit": "unit", "output": "output", "pre": "pre-activation", "act": "activation",
              "loss": "loss", "count": "count", "node": "node"}


def deriv_symbol(of: str, wrt: str) -> sp.Symbol:
    """The placeholder for the true d(of)/d(wrt) inside a writer's expression."""
    return sp.Symbol(f"D({of},{wrt})", real=True)


def deriv_of(s) -> tuple[str, str] | None:
    m = re.fullmatch(r"D\(([^,()]+),([^,()]+)\)", getattr(s, "name", ""))
    return (m.group(1), m.group(2)) if m else None


class UnknownName(LookupError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Points:
    """Leaf values and every node's forward value at the points; ``mask`` marks real
    samples. ``example`` builds the single point of the spec's worked example."""

    def __init__(self, env: dict, mask: np.ndarray, count: np.ndarray):
        self.env, self.mask, self.count = env, mask, count
        self.evaluator = Evaluator(env, mask)

    def __call__(self, expr):
        if len(self.evaluator.memo) > MAX_MEMO:
            self.evaluator.memo.clear()
        return self.evaluator(expr)


class Truth:
    def __init__(self, net):
        self.net = net
        self.g = g = build_graph(net)
        self.loss = g.loss
        self.sym = g.symbols
        self.key_of = {s: k for k, s in g.symbols.items()}
        self.latex = dict(g.latex)
        self.partial = getattr(getattr(net, "notation", None), "derivative", "d") == "partial"
        self.kind = {k: n.kind for k, n in g.nodes.items()}
        anc: dict[str, frozenset] = {}
        for k, n in g.nodes.items():
            s = set()
            for i in n.inputs:
                s |= anc[i]
                s.add(i)
            anc[k] = frozenset(s)
        self.ancestors = anc
        self.by_latex = {canonical_latex(v): k for k, v in g.latex.items()}
        self.by_ascii = {}
        for k, v in g.latex.items():
            for form in ascii_forms(v):
                self.by_ascii.setdefault(form, k)
        self._total: dict = {}
        self._locals: dict = {}
        loss_spec = getattr(net, "loss", None)
        self.reduce = "mean" if loss_spec and g.mean_outside else "sum"
        self.shared = {k for k, n in g.nodes.items()
                       if n.op == "leaf" and n.kind not in ("input", "target")}
        if not g.layers:
            self.shared = set()  # a graph's inputs are its parameters, one per sample
        self.points = self._points()

    # ------------------------------------------------------------------ names

    def lookup(self, name) -> str:
        """The node key of a written name (grammar.Name), or UnknownName with a suggestion."""
        if name.ascii:
            text = name.base + (f"[{name.layer}]" if name.layer else "")
            key = self.by_ascii.get(text)
            if key is None and name.base in ("E_total", "Etotal", "L_total") and not name.layer:
                key = self.loss
            if key is None:
                raise UnknownName(self._unknown(text, self.by_ascii, ascii=True))
            return key
        written = written_latex(name)
        key = self.by_latex.get(canonical_latex(written))
        if key is None and name.sub in ("total", "tot") and not name.layer \
                and self.latex[self.loss] == name.base:
            key = self.loss  # E_{total}: the textbook's name of the loss
        if key is None:
            raise UnknownName(self._unknown(canonical_latex(written), self.by_latex))
        return key

    def _unknown(self, text, table, ascii=False) -> str:
        near = _nearest(text, table, ascii)
        if near is None:
            return f"{text}: no such name in the network"
        key = table[near]
        shown = near if ascii else self.latex[key]
        return f"{text}: no such {KIND_WORDS.get(self.kind[key], 'name')}; did you mean {shown}?"

    def show(self, key: str, ascii=False) -> str:
        return ascii_forms(self.latex[key])[0] if ascii else self.latex[key]

    # ------------------------------------------------------------------ derivatives

    def total(self, of: str, wrt: str, override: dict | None = None) -> sp.Expr:
        """d(of)/d(wrt) in the network, in named form (intermediates as symbols).
        ``override`` replaces local derivatives {(node, input): expr} (for diagnoses)."""
        memo = self._total if override is None else {}
        return self._sweep(of, wrt, override or {}, memo)

    def _sweep(self, of, wrt, override, memo):
        g = self.g
        # iterative: nodes from ``of`` down, in reverse topological order
        order = [k for k in g.nodes if k == of or (k in self.ancestors[of] and
                                                   (k == wrt or wrt in self.ancestors[k]))]
        if of == wrt:
            return sp.Integer(1)
        if wrt not in self.ancestors[of]:
            return self._unrelated(of, wrt)
        for k in order:  # topological: inputs first
            if (k, wrt) in memo:
                continue
            if k == wrt:
                memo[(k, wrt)] = sp.Integer(1)
                continue
            terms = []
            for i in g.nodes[k].inputs:
                if i == wrt or wrt in self.ancestors[i]:
                    local = override.get((k, i))
                    if local is None:
                        local = self.local(k, i)
                    terms.append(local * memo[(i, wrt)])
            memo[(k, wrt)] = sp.Add(*terms)
        return memo[(of, wrt)]

    def local(self, of: str, inp: str) -> sp.Expr:
        key = (of, inp)
        if key not in self._locals:
            self._locals[key] = self.g.local(of, inp)
        return self._locals[key]

    def _unrelated(self, of, wrt):
        """0 when ``wrt`` does not feed ``of``; the softmax cross-entropy written in the
        outputs, -Σ t_k log y_k / N, when a claim differentiates it by an output."""
        net, g = self.net, self.g
        if of == self.loss and getattr(net, "loss", None) == "softmax_ce" \
                and self.kind.get(wrt) == "output":
            outs = [k for k in g.nodes if self.kind[k] == "output"]
            t = [self.sym[k] for k in g.targets]
            alt = -sp.Add(*[tk * sp.log(self.sym[y]) for tk, y in zip(t, outs)]) / self.sym["N"]
            return sp.diff(alt, self.sym[wrt])
        return sp.Integer(0)

    def depends(self, of: str, wrt: str) -> bool:
        return of == wrt or wrt in self.ancestors[of]

    def flat(self, expr) -> sp.Expr:
        """``expr`` with every intermediate replaced by its definition in leaves."""
        subs = {s: self.g.flat(k) for s, k in self.key_of.items()
                if s in expr.free_symbols and self.g.nodes[k].op != "leaf"}
        return expr.xreplace(subs)

    # ------------------------------------------------------------------ points

    def _points(self) -> Points:
        g, net = self.g, self.net
        rng = np.random.default_rng(SEED)
        P, S = POINTS, max(SAMPLE_COUNTS)
        count = rng.choice(SAMPLE_COUNTS, size=(P, 1)).astype(float)
        mask = np.arange(S)[None, :] < count
        positive = bool(getattr(net, "positive_domain", lambda: False)())

        def draw(shape):
            # two decimals, away from 0, random sign: readable counterexamples
            v = np.round(rng.uniform(0.2, 1.5, size=shape), 2)
            return v if positive else v * rng.choice((-1.0, 1.0), size=shape)

        env = {}
        loss = getattr(net, "loss", None)
        targets = [k for k in g.nodes if self.kind[k] == "target"]
        for k, n in g.nodes.items():
            if n.op != "leaf":
                continue
            if k == "N":
                env[self.sym[k]] = count
            elif n.kind == "target":
                if loss == "bce":
                    env[self.sym[k]] = np.round(rng.uniform(0.05, 0.95, size=(P, S)), 2)
                elif loss == "softmax_ce":
                    env[self.sym[k]] = rng.uniform(0.1, 1.0, size=(P, S))
                else:
                    env[self.sym[k]] = draw((P, S))
            elif k in self.shared:
                env[self.sym[k]] = draw((P, 1))
            else:
                env[self.sym[k]] = draw((P, S))
        if loss == "softmax_ce":  # targets are a distribution over the classes
            total = sum(env[self.sym[k]] for k in targets)
            for k in targets:
                env[self.sym[k]] = env[self.sym[k]] / total
        return self._forward(env, mask, count)

    def _forward(self, env, mask, count) -> Points:
        ev = Evaluator(env, mask)
        for k, n in self.g.nodes.items():
            if n.op != "leaf":
                with np.errstate(all="ignore"):
                    env[self.sym[k]] = np.broadcast_to(
                        np.asarray(ev(n.expr), dtype=float), mask.shape)
        return Points(env, mask, count)

    @cached_property
    def example(self) -> Points | None:
        """The spec's worked example as one point of one sample (N = 1), if it has one."""
        ex = getattr(self.net, "example", None)
        if not ex:
            return None
        g = self.g
        env = {}
        if isinstance(ex, tuple):  # a graph spec: (input name, value) pairs
            values = dict(ex)
            for k in g.nodes:
                if g.nodes[k].op == "leaf":
                    if k not in values:
                        return None
                    env[self.sym[k]] = np.full((1, 1), float(values[k]))
        else:
            params = {canonical_latex(n): v for n, v in ex.params}
            if not params:
                return None
            for k, v in zip(g.inputs, ex.inputs):
                env[self.sym[k]] = np.full((1, 1), float(v))
            for k, v in zip(g.targets, ex.targets):
                env[self.sym[k]] = np.full((1, 1), float(v))
            for k in g.params:
                v = params.get(canonical_latex(self.latex[k]))
                if v is None:
                    return None
                env[self.sym[k]] = np.full((1, 1), float(v))
            if "N" in g.nodes:
                env[self.sym["N"]] = np.ones((1, 1))
        mask = np.ones((1, 1), dtype=bool)
        return self._forward(env, mask, np.ones((1, 1)))


# ---------------------------------------------------------------------- names

def written_latex(name) -> str:
    sub = ""
    if name.sub is not None:
        sub = f"_{name.sub}" if len(name.sub) == 1 else f"_{{{name.sub}}}"
    layer = f"^{{[{name.layer}]}}" if name.layer is not None else ""
    base = name.base if len(name.base) == 1 or name.base.startswith("\\") \
        else r"\mathrm{" + name.base + "}"
    return base + sub + layer


_LATEX_PARTS = re.compile(r"^(\\mathrm\{[^{}]*\}|\\?[A-Za-z]+)(.*)$")


@lru_cache(maxsize=4096)
def ascii_forms(latex: str) -> tuple[str, ...]:
    """The plain spellings of a LaTeX name, the preferred first: w_1^{[2]} -> w1[2],
    w_1[2]; y_{pred} -> y_pred; y_{true,1} -> y_true1, y_true_1; h^{[2]} -> h[2]."""
    s = canonical_latex(latex)
    m = _LATEX_PARTS.match(s)
    if not m:
        return (s,)
    base = m.group(1)
    if base.startswith(r"\mathrm{"):
        base = base[len(r"\mathrm{"):-1].replace(r"\_", "_")
    rest = m.group(2)
    sub = re.search(r"_(\{[^{}]*\}|[A-Za-z0-9])", rest)
    layer = re.search(r"\^\{\[([^{}\[\]]*)\]\}", rest)
    suffix = f"[{layer.group(1)}]" if layer else ""
    if not sub:
        return (base + suffix,)
    parts = sub.group(1).strip("{}").split(",")
    if len(parts) == 1 and parts[0].isdigit():
        return (f"{base}{parts[0]}{suffix}", f"{base}_{parts[0]}{suffix}")
    joined = "_".join(parts)
    glued = parts[0] + "".join(parts[1:]) if all(p.isdigit() for p in parts[1:]) else joined
    forms = [f"{base}_{glued}{suffix}", f"{base}_{joined}{suffix}"]
    return tuple(dict.fromkeys(forms))


def _parts(text: str):
    m = re.match(r"^(\\mathrm\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z])(?:_(\{[^{}]*\}|[A-Za-z0-9]))?"
                 r"(?:\^\{\[([^{}\[\]]*)\]\})?$", text)
    if m:
        return m.group(1), (m.group(2) or "").strip("{}"), m.group(3) or ""
    m = re.match(r"^([A-Za-z]+?)_?([A-Za-z0-9_]*)(?:\[([0-9]+)\])?$", text)
    if m:
        return m.group(1), m.group(2), m.group(3) or ""
    return text, "", ""


def _nearest(text: str, table: dict, ascii: bool) -> str | None:
    """The existing name nearest a written one: the same letter and index in another
    layer first, then the same letter and layer with another index, then spelling."""
    base, sub, layer = _parts(text)
    names = sorted(table)
    parsed = {n: _parts(n) for n in names}
    same_index = [n for n in names if parsed[n][:2] == (base, sub) and parsed[n][2] != layer]
    style = "_" in text  # w_1[2] or w1[2]: suggest in the writer's spelling

    def spelled(n):
        return ("_" in n) != style, n

    if same_index:
        return min(same_index, key=lambda n: (_distance(parsed[n][2], layer), *spelled(n)))
    same_layer = [n for n in names if parsed[n][0] == base and parsed[n][2] == layer]
    if same_layer:
        return min(same_layer, key=lambda n: (_distance(parsed[n][1], sub), *spelled(n)))
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _distance(a: str, b: str):
    if a.isdigit() and b.isdigit():
        return abs(int(a) - int(b))
    return 0 if a == b else 1000
