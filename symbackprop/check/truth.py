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

import re
from functools import cached_property

import numpy as np
import sympy as sp

from ..graph import build_graph
from ..naming import canonical_latex, delta_latex
from .numbers import Evaluator
from .tensor_names import TensorNames, example_env, token_ids
from .spelling import ascii_forms, name_parts, nearest, written_latex

POINTS = 12                  # random points (parameter draws)
SAMPLE_COUNTS = (2, 3, 4)    # N at each point is one of these; samples per point = max
SEED = 20240611
MAX_MEMO = 50_000            # cached subexpression values before the cache is cleared

# a written letter -> the kind of node its structure names (z_{o1}, w^{[1]}_{21}, out_{h1})
STRUCTURE = {"w": "w", "z": "z", "h": "h", "a": "h", "b": "b", "net": "z", "out": "h",
             "o": "h"}
LOSS_WORDS = ("Loss", "loss", "Cost", "cost", "Error", "error")  # read as the loss
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
        # δ_j^{[l]}, a page's name of dL/dz_j^{[l]}: weighted sum z -> its key
        self.by_delta = {canonical_latex(delta_latex(g.table.by_key[k], g.layers[
            g.table.by_key[k].layer - 1].size)): k for k, n in g.nodes.items()
            if n.kind == "pre"} if g.layers else {}
        self.by_ascii = {}
        for k, v in g.latex.items():
            for form in ascii_forms(v):
                self.by_ascii.setdefault(form, k)
        # a tensor network's entries (K^{[1]}_{1,1,2,2}, z^{[1](2)}_{1}): tensor_names.py
        self.tensor_names = TensorNames(g) if g.tensors is not None else None
        self._total: dict = {}
        self._locals: dict = {}
        loss_spec = getattr(net, "loss", None)
        self.reduce = "mean" if loss_spec and g.mean_outside else "sum"
        self.shared = {k for k, n in g.nodes.items()
                       if n.op == "leaf" and n.kind not in ("input", "target")}
        if not g.layers and g.tensors is None:
            self.shared = set()  # a graph's inputs are its parameters, one per sample
        # The number of samples a page's claims are about, when fixed: None lets N vary at
        # the random points. The single place a convention sets it: a page's ``N = 1``
        # (``Page.give``) or the spec's per-example option (read here).
        # [notation] mean = "per_example": one example's loss, no 1/N (N is 1 throughout)
        self.fixed_n = 1 if getattr(getattr(net, "notation", None), "mean", None) == \
            "per_example" else None
        self._fixed_points: dict = {}
        self.points = self._points()

    def points_for(self, fixed_n: int | None) -> Points:
        """The random points, with N fixed at ``fixed_n`` samples when given."""
        if fixed_n is None or "N" not in self.g.nodes:
            return self.points
        hit = self._fixed_points.get(fixed_n)
        if hit is None:
            hit = self._fixed_points[fixed_n] = self._points(min(int(fixed_n), 64))
        return hit

    # ------------------------------------------------------------------ names

    def delta(self, name) -> str | None:
        """The weighted sum z whose δ = dL/dz a written name is (δ_1^{[2]}), else None."""
        if self.tensor_names is not None:
            return self.tensor_names.delta(name)
        if name.ascii or name.id != r"\delta":
            return None
        return self.by_delta.get(canonical_latex(written_latex(name)))

    def lookup(self, name) -> str:
        """The node key of a written name (grammar.Name), or UnknownName with a suggestion."""
        if name.ascii:
            text = name.id + (f"[{name.layer}]" if name.layer else "")
            key = self.by_ascii.get(text)
            if key is None and name.id in ("E_total", "Etotal", "L_total") and not name.layer:
                key = self.loss
            if key is None:
                raise UnknownName(self._unknown(text, self.by_ascii, ascii=True))
            return key
        written = written_latex(name)
        key = self.by_latex.get(canonical_latex(written))
        if key is None and self.tensor_names is not None:  # raises when ambiguous
            key = self.tensor_names.lookup(name, self.latex, UnknownName)
        if key is None and name.sub in ("total", "tot") and not name.layer \
                and self.latex[self.loss] == name.id:
            key = self.loss  # E_{total}: the textbook's name of the loss
        if key is None and name.id in LOSS_WORDS and name.sub is None and not name.layer:
            key = self.loss  # Loss = L = ...: the word for the loss
        if key is None:
            guess = self._structural(name)
            if guess is not None:
                raise UnknownName(f"{canonical_latex(written)}: no such "
                                  f"{KIND_WORDS.get(self.kind[guess], 'name')}; "
                                  f"did you mean {self.latex[guess]}?")
            raise UnknownName(self._unknown(canonical_latex(written), self.by_latex))
        return key

    def _structural(self, name) -> str | None:
        """The node a name means by its structure: w^{[1]}_{21} the weight into unit 2 of
        layer 1 from input 1; z_{o1} the pre-activation of output 1; h_{h2} hidden unit 2."""
        base = name.id[len("\\mathrm{"):-1] if name.id.startswith("\\mathrm{") else name.id
        prefix = STRUCTURE.get(base)
        if prefix is None or not self.g.layers:
            return None
        last = str(len(self.g.layers))
        sub = (name.sub or "").replace(",", "")
        layer = name.layer or (last if base in ("o", "out") and sub.isdigit() else None)
        m = re.fullmatch(r"(o|h)(\d+)", sub)
        if m:
            layer, sub = (last if m.group(1) == "o" else "1"), m.group(2)
        if layer is None or not sub.isdigit():
            return None
        if prefix == "w" and len(sub) == 2:
            key = f"w{layer}_{sub[0]}_{sub[1]}"
        elif prefix == "b":
            key = f"b{layer}_{sub}" if f"b{layer}_{sub}" in self.g.nodes else f"b{layer}"
        else:
            key = f"{prefix}{layer}_{sub}"
        return key if key in self.g.nodes else None

    def uses_letter(self, name) -> bool:
        """True when some name of the network is written with this name's letter."""
        if not hasattr(self, "_letters"):
            self._letters = {name_parts(canonical_latex(v))[0] for v in self.latex.values()}
        base = re.match(r"[A-Za-z]+", name.id).group(0) if name.ascii else name.id
        return base in self._letters or ("\\mathrm{%s}" % base) in self._letters

    def _unknown(self, text, table, ascii=False) -> str:
        near = nearest(text, table, ascii)
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

    def factor(self, of: str, wrt: str) -> sp.Expr:
        """A written d(of)/d(wrt): the total derivative, but in a tensor network the edge's
        local one when wrt is an input of ``of`` (dz_t/dW_hh in BPTT, dσ²/da in BN)."""
        if self.tensor_names is not None and of != self.loss \
                and wrt in self.g.nodes[of].inputs:
            return self.local(of, wrt)
        return self.total(of, wrt)

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

    def _points(self, fixed_n: int | None = None) -> Points:
        g, net = self.g, self.net
        rng = np.random.default_rng(SEED)
        P, S = POINTS, max(SAMPLE_COUNTS + ((fixed_n,) if fixed_n else ()))
        count = rng.choice(SAMPLE_COUNTS, size=(P, 1)).astype(float)
        if fixed_n:
            count = np.full((P, 1), float(fixed_n))
        mask = np.arange(S)[None, :] < count
        positive = bool(getattr(net, "positive_domain", lambda: False)())

        def draw(shape):
            # two decimals, away from 0, random sign: readable counterexamples
            v = np.round(rng.uniform(0.2, 1.5, size=shape), 2)
            return v if positive else v * rng.choice((-1.0, 1.0), size=shape)

        env = {}
        loss = getattr(net, "loss", None)
        targets = [k for k in g.nodes if self.kind[k] == "target"]
        vocab = token_ids(net)
        for k, n in g.nodes.items():
            if n.op != "leaf":
                continue
            if vocab and n.kind == "input":  # an embedding's input: token ids 0..V-1
                env[self.sym[k]] = rng.integers(0, vocab, size=(P, S)).astype(float)
            elif k == "N":
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
        g = self.g
        if g.tensors is not None:  # a tensor network: the seeded example its page prints
            return self._tensor_example(g.example)
        ex = getattr(self.net, "example", None)
        if not ex:
            return None
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

    def _tensor_example(self, values) -> Points | None:
        env, one = example_env(self.g, values), np.ones((1, 1))
        return None if env is None else self._forward(env, one.astype(bool), one)

    def at(self, values: dict) -> Points | None:
        """One point of one sample at the given leaf values {key: value} (a page's own
        worked example); N is 1 unless given. None when a leaf has no value."""
        env = {}
        for k, n in self.g.nodes.items():
            if n.op != "leaf":
                continue
            v = values.get(k, 1.0 if k == "N" else None)
            if v is None:
                return None
            env[self.sym[k]] = np.full((1, 1), float(v))
        one = np.ones((1, 1))
        return self._forward(env, one.astype(bool), one)

    def at_overridden(self, points: Points, values: dict) -> Points:
        """``points`` with some symbols (nodes, derivative placeholders) set to the
        given values and every node computed from them redone."""
        env = {s: v for s, v in points.env.items() if s in self.key_of
               and self.g.nodes[self.key_of[s]].op == "leaf"}
        fixed = {}
        for s, v in values.items():
            fixed[s] = np.broadcast_to(np.asarray(float(v)), points.mask.shape)
        ev = Evaluator(env, points.mask)
        for k, n in self.g.nodes.items():
            s = self.sym[k]
            if s in fixed:
                env[s] = fixed[s]
            elif n.op != "leaf":
                with np.errstate(all="ignore"):
                    env[s] = np.broadcast_to(np.asarray(ev(n.expr), dtype=float),
                                             points.mask.shape)
                ev.memo.clear()
        env.update({s: v for s, v in fixed.items() if s not in self.key_of})
        return Points(env, points.mask, points.count)
