"""Proofs that a derivation equals ``sympy.diff``, at a cost bounded by what they build.

Two ways, chosen per network by the size of the expressions they would build:

- **whole**: each derived dL/dθ, expanded down to the leaves, minus ``sympy.diff`` of the
  flattened loss, is identically zero. Flattening copies a shared node into every place
  that uses it, so the flattened loss grows exponentially with depth where nodes are
  shared (a residual chain doubles it at every layer); it is only attempted when the
  flattened loss, counted on the graph without building it, stays small.
- **local**: every local derivative d(node)/d(input) the derivation uses equals
  ``sympy.diff`` of that node's own definition (written in elementary functions, so the
  oracle never sees our slope table), and every chain and sum has the shape of the
  multivariate chain rule: a chain's factors link the loss to its target one edge at a
  time, a sum has exactly one term per consumer of its node. By the chain rule the whole
  gradient is then correct; the cost is linear in the edges of the graph.

Either way the numeric checks (NumPy reference, finite differences) run as well.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from . import ops
from .derive import Derivation, expanded, reaching
from .sizes import flat_depths
from .steps import Chain, Local, Step, Sum

# The whole-loss identity is attempted while the flattened loss has at most this many
# tree nodes (the 4-4-4-2 softmax network has 1,191 and its identity took 37 minutes;
# the softmax preset has 229 and takes half a second for its 21 parameters), and while
# parameters x that size stays under WHOLE_MAX_WORK.
WHOLE_MAX_SIZE = 400
WHOLE_MAX_WORK = 8000
# ... and while it is at most this deep: SymPy recurses once per level (issue 12: 32
# one-unit sigmoid layers overflowed Python's stack in sympy.diff), and the identity's
# cost grows steeply with depth (a sigmoid chain, 2 levels a layer: depth 28 in 6 s,
# 36 in 12 s, 44 past 200 s on 2 cores).
WHOLE_MAX_DEPTH = 30
# Functions with a kink: a whole-loss identity through them can only be judged at
# points; the local proof settles them branch by branch.
KINKS = (sp.Piecewise, sp.Heaviside, sp.Abs, sp.sign)
# Above this many operations a difference is judged at random points to 30 digits
# instead of proven zero as a rational function.
EXPAND_MAX_OPS = 3000
# A local derivative is a node's definition differentiated once; past this many
# operations (a softmax over very many classes) it is judged to 30 digits.
LOCAL_MAX_OPS = 600

EQUAL = "equal"  # the whole-loss identity, proven
EQUAL_DIGITS = "equal (30 digits)"  # the whole-loss identity, at random points
LOCAL = "equal (local steps)"  # every local derivative proven, chain rule checked
DIFFERENT = "DIFFERENT"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Proof:
    """How one gradient was proven: ``verdict`` is one of the labels above, ``method``
    "whole" or "local"; ``problem`` names the failing local step or structure."""

    verdict: str
    method: str
    problem: str = ""


def method_for(d: Derivation) -> str:
    """"whole" where the flattened loss is small enough to expand and has no kink,
    else "local"."""
    g = d.graph
    size = g.flat_size(d.loss)
    if size > WHOLE_MAX_SIZE or size * len(d.gradients) > WHOLE_MAX_WORK:
        return "local"
    if flat_depths(g)[d.loss] > WHOLE_MAX_DEPTH:
        return "local"
    kinked = any(n.expr is not None and ops.elementary(n.expr).has(*KINKS)
                 for n in g.nodes.values())
    return "local" if kinked else "whole"


def prove(d: Derivation, params, seed: int = 0, progress=None) -> dict[str, Proof]:
    """A proof for each parameter key in ``params``. ``progress(iterable, what, total)``,
    if given, wraps the loops that may take a while (the CLI shows a bar)."""
    params = list(params)
    step = progress or (lambda it, what, total: it)
    if method_for(d) == "whole":
        return {p: Proof(whole(d, p, seed), "whole")
                for p in step(params, "symbolic check", len(params))}
    problem = local_problem(d, seed, step)
    verdict = DIFFERENT if problem else LOCAL
    return {p: Proof(verdict, "local", problem) for p in params}


# ----------------------------------------------------------------------------- whole


def whole(d: Derivation, param: str, seed: int = 0) -> str:
    """The expanded derived gradient minus ``sympy.diff`` of the flattened loss is zero:
    proven as a rational function where it is small, else to 30 digits at random
    rational points."""
    g = d.graph
    oracle = sp.diff(ops.elementary(g.flat(g.loss)), g.sym(param))
    mine = ops.elementary(expanded(d, d.gradients[param]))
    diff = mine - oracle
    if sp.count_ops(diff) < EXPAND_MAX_OPS and _rational_zero(diff):
        return EQUAL
    return EQUAL_DIGITS if _zero_at_points(diff, oracle, seed, g) else DIFFERENT


def _rational_zero(diff) -> bool:
    """Whether ``diff`` is identically zero as a rational function of its symbols and its
    exp/log/Piecewise atoms, each atom taken as a new independent symbol. A zero here is a
    proof (substituting the atoms back keeps it zero); expanding the nested exponentials
    of a deep sigmoid chain instead takes minutes."""
    # e^{-u} and e^{u} must be one atom: write e^{-u} as 1/e^{u}
    r = diff.replace(lambda e: e.func == sp.exp and e.args[0].could_extract_minus_sign(),
                     lambda e: 1 / sp.exp(-e.args[0]))
    while True:
        atoms = sorted(r.atoms(sp.exp, sp.log, sp.Piecewise, sp.Heaviside, sp.erf),
                       key=sp.default_sort_key)
        if not atoms:
            break
        r = r.xreplace({a: sp.Dummy() for a in atoms})
    return sp.cancel(sp.together(r)) == 0


def _zero_at_points(diff, scale_of, seed: int, g) -> bool:
    """``diff`` vanishes to 30 digits at three random rational points (away from relu
    kinks: a random rational is never exactly 0)."""
    rnd = random.Random(seed)
    n = g.symbols.get("N")
    for _ in range(3):
        point = {s: sp.Rational(rnd.randint(-900, 900) or 1, 1000)
                 for s in diff.free_symbols | scale_of.free_symbols}
        if n is not None and n in point:
            point[n] = sp.Integer(rnd.randint(1, 9))
        value = sp.N(diff.xreplace(point), 30)
        scale = sp.N(abs(scale_of.xreplace(point)), 30) + 1
        if not value.is_number or abs(value) > sp.Float("1e-25") * scale:
            return False
    return True


# ----------------------------------------------------------------------------- local


def local_problem(d: Derivation, seed: int = 0, step=None) -> str:
    """"" when every local derivative is proven and every chain and sum has the chain
    rule's shape; else what is wrong, e.g. "local dh_1/dz_1"."""
    step = step or (lambda it, what, total: it)
    items = sorted(d.locals.items())
    proven, renamings = set(), {}  # a pattern repeated by weight sharing is proven once
    for (c, v), loc in step(items, "local derivatives", len(items)):
        shape = pattern(d.graph, loc, renamings)
        if shape in proven:
            continue
        if not local_equal(d.graph, loc, seed):
            return f"local d{c}/d{v}"
        proven.add(shape)
    return structure_problem(d)


def pattern(g, loc: Local, renamings: dict) -> tuple:
    """The local derivative with its node's inputs renamed by position (and the node
    itself as one name): two locals with the same pattern (compared as SymPy trees) are
    the same statement up to a one-to-one renaming of symbols, so proving one proves the
    other (a convolution's positions, a max-pool's windows). ``renamings`` keeps each
    node's renaming and renamed definition."""
    if loc.of not in renamings:
        node = g.nodes[loc.of]
        names = {g.sym(loc.of): sp.Symbol("_self", real=True)}
        for n, k in reversed(list(enumerate(node.inputs))):
            names[g.sym(k)] = sp.Symbol(f"_in{n}", real=True)
        rewrites = frozenset((a.xreplace(names), b.xreplace(names))
                             for a, b in g.rewrites.get(loc.of, {}).items())
        renamings[loc.of] = names, (node.op, node.expr.xreplace(names), rewrites)
    names, head = renamings[loc.of]
    return head + (loc.expr.xreplace(names), g.nodes[loc.of].inputs.index(loc.wrt))


def local_equal(g, loc: Local, seed: int = 0) -> bool:
    """d(of)/d(wrt) as derived (in the teacher's named form: h(1 - h), y_k - t_k) equals
    ``sympy.diff`` of the node's elementary definition."""
    node = g.nodes[loc.of]
    x = g.sym(loc.wrt)
    definition = node.expr
    # the named form uses the node's own symbol (h for σ(z)) and, after a softmax, the
    # outputs' symbols (y_k for e^{z_k}/Σ e^{z_j}): put their definitions back
    back = {g.sym(loc.of): definition}
    for expr, symbol in g.rewrites.get(loc.of, {}).items():
        back[symbol] = expr
    for symbol in loc.expr.free_symbols - set(back):
        key = g.by_symbol.get(symbol)
        if key is not None and g.nodes[key].op == "softmax":
            back[symbol] = g.nodes[key].expr
    mine = ops.elementary(loc.expr.xreplace(back))
    oracle = sp.diff(ops.elementary(definition), x)
    diff = mine - oracle
    if sp.count_ops(diff) <= LOCAL_MAX_OPS:
        folded = sp.piecewise_fold(diff.rewrite(sp.Piecewise))
        branches = [e for e, _ in folded.args] if isinstance(folded, sp.Piecewise) else [folded]
        if all(_rational_zero(b) for b in branches):
            return True
    return _zero_at_points(diff, oracle, seed, g)


def structure_problem(d: Derivation) -> str:
    """"" when every gradient is the chain rule over the graph: a chain's factors run from
    the loss to its target one edge at a time, each factor the local derivative of that
    edge (or the cited sum dL/dv of the node v it reaches); a sum has one term per
    consumer of its node (among the nodes the loss depends on), each ending on the edge
    from that consumer. Else which step breaks it."""
    check = _Structure(d)
    # the sums first, in the order they were derived (each after those it cites), so a
    # cited sum is already checked and the check never nests deeper than one step
    steps = list(d.deltas.values()) + list(d.gradients.values())
    return next((p for s in steps if (p := check(s))), "")


class _Structure:
    """Checks each step once, dispatching on its class name (``_Sum``, ``_Chain``)."""

    def __init__(self, d: Derivation):
        self.d, g = d, d.graph
        reach = reaching(g)
        self.consumers = {k: sorted(c for c in g.consumers[k] if c in reach) for k in g.nodes}
        self.seen: set[int] = set()

    def __call__(self, s: Step) -> str:
        if id(s) in self.seen:
            return ""
        self.seen.add(id(s))
        method = getattr(self, "_" + type(s).__name__, None)
        return method(s) if method else f"dL/d{s.wrt}: unexpected step {type(s).__name__}"

    def _Sum(self, s: Sum) -> str:
        ends = sorted(t.factors[-1].of for t in s.terms)
        if ends != self.consumers[s.wrt] or any(t.wrt != s.wrt for t in s.terms):
            return f"sum dL/d{s.wrt}: its terms are not one per consumer {self.consumers[s.wrt]}"
        if sp.expand(s.expr - sp.Add(*[t.expr for t in s.terms])) != 0:
            return f"sum dL/d{s.wrt}: its total is not the sum of its terms"
        return next((p for t in s.terms if (p := self(t))), "")

    def _Chain(self, s: Chain) -> str:
        d, at = self.d, self.d.loss
        for f in s.factors:
            inner = getattr(f, "step", f)  # a Cite names the step it cites
            if f.of != at:
                return f"chain dL/d{s.wrt}: factor d{f.of}/d{f.wrt} does not continue from {at}"
            if d.deltas.get(f.wrt) is inner and f.of == d.loss:
                problem = self(inner)  # a cited dL/dv: proven where it is derived
                if problem:
                    return problem
            elif d.locals.get((f.of, f.wrt)) is not inner or f.wrt not in d.graph.nodes[f.of].inputs:
                return f"chain dL/d{s.wrt}: d{f.of}/d{f.wrt} is not the local derivative of an edge"
            at = f.wrt
        if at != s.wrt:
            return f"chain dL/d{s.wrt}: ends at {at}"
        if s.expr is not s.product and not _rational_zero(s.expr - s.product):
            return f"chain dL/d{s.wrt}: the tidied product differs from the product"
        return ""

    _Delta = _Chain  # δ = dL/dz of a unit: one chain, derived once and cited by name
