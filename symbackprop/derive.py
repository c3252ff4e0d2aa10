"""derive(graph) -> Derivation: one reverse sweep, each upstream gradient derived once.

The lesson's habit is kept: the gradient of a parameter is written as the whole chain
from the loss down to it (dL/dy_pred · dy_pred/dh_1 · dh_1/dw_1^{[1]}), each local
factor computed the first time it appears and cited afterwards. The chain is unrolled
only through nodes with a single consumer; where a node feeds several others
(h_1^{[1]} feeding every unit of layer 2) its upstream gradient is a sum over paths,
derived once as a step of its own and cited by name. So the work is linear in the
number of edges of the graph, whatever the depth.

A unit's weighted sum z is a named point too: δ = dL/dz is derived once per unit (a
``Delta``, one chain) and every weight and bias of the unit cites it, as textbooks write
dL/dw_ji = δ_j h_i. Networks without activations (z = h, the lesson's easy network) have
no z nodes and keep the lesson's chains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .dag import Graph
from .sizes import cited_order
from .steps import Chain, Cite, Delta, Local, Step, Sum, grad_symbol

# Products with more operations than this are left as written, not simplified.
TIDY_MAX_OPS = 40


@dataclass
class Derivation:
    graph: Graph
    steps: list[Step]  # in presentation order: branching sums and parameter gradients
    gradients: dict[str, Step]  # parameter key -> its step, in graph.params order
    # named node -> its step: a branching node's Sum, a weighted sum z's Delta
    deltas: dict[str, Sum | Delta] = field(default_factory=dict)
    locals: dict[tuple[str, str], Local] = field(default_factory=dict)

    @property
    def loss(self) -> str:
        return self.graph.loss

    def __repr__(self):
        return "\n".join(repr(s) for s in self.steps)


def tidy(expr: sp.Expr) -> sp.Expr:
    """The shorter of ``expr`` and its factored form, for small expressions only
    (BCE after a sigmoid: -(t/y - (1-t)/(1-y))/N · y(1-y) -> (y - t)/N)."""
    if not _has_denominator(expr) or sp.count_ops(expr) > TIDY_MAX_OPS:
        return expr
    f = sp.factor(expr)
    return f if sp.count_ops(f) < sp.count_ops(expr) else expr


def _has_denominator(expr) -> bool:
    """Something to cancel: a division by more than the sample count N."""
    return any(p.exp.is_negative and p.base.free_symbols - {sp.Symbol("N", real=True)}
               for p in expr.atoms(sp.Pow))


def levels(graph: Graph) -> dict[str, int]:
    lv = {}
    for k, n in graph.nodes.items():
        lv[k] = 1 + max((lv[i] for i in n.inputs), default=-1)
    return lv


def reaching(graph: Graph) -> set[str]:
    """Nodes from which the loss can be reached."""
    seen, todo = {graph.loss}, [graph.loss]
    while todo:
        for i in graph.nodes[todo.pop()].inputs:
            if i not in seen:
                seen.add(i)
                todo.append(i)
    return seen


def derive(graph: Graph) -> Derivation:
    reach = reaching(graph)
    cons = {k: tuple(c for c in graph.consumers[k] if c in reach) for k in graph.nodes}
    loss = graph.loss
    d = Derivation(graph, steps=[], gradients={})
    presented: set = set()  # locals and sums already shown once

    def local(c: str, v: str) -> Local:
        key = (c, v)
        if key not in d.locals:
            d.locals[key] = Local(c, v, graph.local(c, v))
        return d.locals[key]

    path_memo: dict[str, list] = {loss: []}

    def named(v: str) -> bool:
        """dL/dv is a step of its own, cited by name: a node feeding several others, or a
        unit's weighted sum z (its δ)."""
        return len(cons[v]) != 1 or graph.nodes[v].kind == "pre"

    def path(v: str) -> list:
        """Factor refs from the loss down to v: ("local", c, v) or ("sum", v)."""
        todo = []
        while v not in path_memo:
            if named(v):
                path_memo[v] = [("sum", v)]
                break
            todo.append(v)
            v = cons[v][0]
        for u in reversed(todo):
            c = cons[u][0]
            path_memo[u] = path_memo[c] + [("local", c, u)]
        return path_memo[todo[0]] if todo else path_memo[v]

    def factor(ref) -> Step:
        if ref[0] == "sum":  # built before the chain that cites it
            return Cite(loss, ref[1], d.deltas[ref[1]])
        f = local(ref[1], ref[2])
        if f in presented:
            return Cite(f.of, f.wrt, f)
        presented.add(f)
        return f

    # chain, delta and gradient call each other as deep as the graph branches (a graph
    # spec of 500 nodes): they are generators that yield the call they need, run by
    # ``_run`` on an explicit stack, in the order plain recursion would take.
    def chain(refs: list, target: str, kind=Chain):
        for ref in refs:  # branching sums this chain cites come first on the page
            if ref[0] == "sum":
                yield delta(ref[1])
        factors = tuple(factor(r) for r in refs)
        product = sp.Mul(*[_named(f) for f in factors])
        return kind(loss, target, factors, product, tidy(product))

    def delta(v: str):
        """dL/dv for a named node: for several consumers a sum over the paths through
        each; for one (a unit's z) its δ, one chain."""
        if v not in d.deltas and len(cons[v]) == 1:
            c = cons[v][0]
            s = yield chain(path(c) + [("local", c, v)], v, Delta)
            d.deltas[v] = s
            d.steps.append(s)
        if v not in d.deltas:
            terms = []
            for c in cons[v]:
                terms.append((yield chain(path(c) + [("local", c, v)], v)))
            d.deltas[v] = s = Sum(loss, v, tuple(terms), sp.Add(*[t.expr for t in terms]))
            d.steps.append(s)
        return d.deltas[v]

    def gradient(p: str):
        if len(cons[p]) == 1:
            c = cons[p][0]
            return (yield chain(path(c) + [("local", c, p)], p))
        terms = []
        for c in cons[p]:
            terms.append((yield chain(path(c) + [("local", c, p)], p)))
        return Sum(loss, p, tuple(terms), sp.Add(*[t.expr for t in terms]))

    lv = levels(graph)
    params = [p for p in graph.params if cons[p]]
    order = sorted(params, key=lambda p: -max(lv[c] for c in cons[p]))
    for p in order:
        step = _run(gradient(p))
        d.steps.append(step)
        d.gradients[p] = step
    d.gradients = {p: d.gradients[p] for p in graph.params if p in d.gradients}
    return d


def _run(call):
    """The value of a generator that yields the generators it calls (a trampoline)."""
    stack, value = [call], None
    while stack:
        try:
            stack.append(stack[-1].send(value))
            value = None
        except StopIteration as done:
            stack.pop()
            value = done.value
    return value


def _named(f: Step) -> sp.Expr:
    if isinstance(f, Cite):
        return f.symbol
    return f.expr


def expanded(d: Derivation, step: Step) -> sp.Expr:
    """The step's result in leaves only (inputs, targets, parameters, N): grad symbols
    replaced by their sums and intermediates by their definitions. Exponential for
    wide deep networks: call only under a size guard."""
    g = d.graph
    memo: dict = {}

    def expand_expr(e):  # every cited gradient e needs is in memo
        return e.xreplace({s: g.flat(s.name) if s.name in g.nodes
                           else memo[s.name.split("__d", 1)[1]] for s in e.free_symbols})

    for wrt in cited_order(d, step.expr):
        memo[wrt] = expand_expr(d.deltas[wrt].expr)
    return expand_expr(step.expr)


__all__ = ["Derivation", "derive", "expanded", "grad_symbol", "tidy"]
