"""check_gradients(): the derivation proven three ways.

1. symbolically: each derived dL/dθ, expanded to leaves, equals ``sympy.diff`` of the
   flattened loss (the project's own functions rewritten to exp/log/Piecewise first, so
   the oracle never sees our derivative table);
2. against ``reference.py``, hand-written NumPy backprop that shares no code with the
   symbolic path;
3. against central finite differences of the reference loss,

at seeded random points, on one sample and on a batch. Numeric agreement is judged by
the normalized error ||g_a - g_b|| / (||g_a|| + ||g_b||), over all parameters at once
and per parameter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import ops, reference
from .derive import Derivation, expanded
from .numeric import Values, evaluate

# Symbolic checks cost exponential time for wide deep networks; above this many graph
# edges the symbolic column says "numeric only" and the 30-digit check stands in.
SYMBOLIC_MAX_EDGES = 120
TOL = 1e-7
# Above this many operations the symbolic difference is judged at random points to 30
# digits instead of proven zero.
EXPAND_MAX_OPS = 3000


def normalized_error(a, b) -> float:
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


@dataclass
class Row:
    param: str  # canonical key
    name: str  # LaTeX name
    derived: float
    reference: float
    finite_diff: float
    symbolic: str  # "equal", "equal (30 digits)", "DIFFERENT", "skipped"

    @property
    def error_ref(self):
        return normalized_error(self.derived, self.reference)

    @property
    def error_fd(self):
        return normalized_error(self.derived, self.finite_diff)


@dataclass
class Report:
    rows: list[Row]  # the first point, one sample: the table a page shows
    errors_ref: list[float] = field(default_factory=list)  # one per (point, batch)
    errors_fd: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"{len(self.rows)} parameters, {self.checks} evaluations: "
                f"max normalized error vs NumPy {max(self.errors_ref, default=0):.1e}, "
                f"vs finite differences {max(self.errors_fd, default=0):.1e}; "
                f"symbolic: {sum(r.symbolic.startswith('equal') for r in self.rows)}"
                f"/{len(self.rows)} equal to sympy.diff")


def positions(d: Derivation) -> dict[tuple, str]:
    """reference.flatten's structural keys -> the graph's parameter keys."""
    out = {}
    for q in d.graph.table.params:
        out[("weight", q.layer, q.row, q.col) if q.kind == "weight"
            else ("bias", q.layer, q.row, 0)] = q.key
    return out


def sample(net, rng: np.random.Generator, n: int):
    """Random inputs and valid targets for the spec's loss."""
    X = rng.normal(size=(n, net.inputs))
    return X, ops.LOSSES[net.loss].sample(rng, n, net.outputs)


def check_gradients(d: Derivation, seed: int = 0, points: int = 3, batch: int = 5,
                    tol: float = TOL, symbolic: bool = True) -> Report:
    net, g = d.graph.spec, d.graph
    if getattr(net, "kind", "layers") == "graph":
        return check_graph(d, seed, points, tol, symbolic)
    pos = positions(d)
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    for point in range(points):
        params = reference.init_params(net, rng, scale=0.8)
        flat = {pos[k]: v for k, v in reference.flatten(net, params).items()}
        for n in (1, batch):
            X, T = sample(net, rng, n)
            _, derived = evaluate(d, Values(X, T, flat))
            _, ref = reference.backward(net, params, X, T)
            fd = reference.numeric_grad(net, params, X, T)
            ref = {pos[k]: v for k, v in reference.flatten(net, ref).items()}
            fd = {pos[k]: v for k, v in reference.flatten(net, fd).items()}
            keys = list(d.gradients)
            a = [derived[k] for k in keys]
            e_ref = normalized_error(a, [ref[k] for k in keys])
            e_fd = normalized_error(a, [fd[k] for k in keys])
            report.errors_ref.append(e_ref)
            report.errors_fd.append(e_fd)
            report.checks += 1
            where = f"point {point + 1}, N = {n}"
            for k in keys:
                if normalized_error(derived[k], ref[k]) > tol and abs(derived[k] - ref[k]) > 1e-12:
                    report.failures.append(
                        f"dL/d{g.latex[k]} ({where}): derived {derived[k]!r} "
                        f"but NumPy reference {ref[k]!r}")
                if normalized_error(derived[k], fd[k]) > 1e-5 and abs(derived[k] - fd[k]) > 1e-8:
                    report.failures.append(
                        f"dL/d{g.latex[k]} ({where}): derived {derived[k]!r} "
                        f"but finite differences {fd[k]!r}")
            if point == 0 and n == 1:
                report.rows = [Row(k, g.latex[k], derived[k], ref[k], fd[k], "skipped")
                               for k in keys]
    for row in report.rows if symbolic else ():
        row.symbolic = symbolic_check(d, row.param, seed)
        if row.symbolic == "DIFFERENT":
            report.failures.append(f"dL/d{row.name}: derived expression differs from sympy.diff")
    return report


# A graph spec's output is checked symbolically while its flattened tree stays this small.
GRAPH_SYMBOLIC_MAX_SIZE = 100


def _graph_oracle(net):
    """f(values) -> output, and the arguments of relu/abs, with NumPy alone
    (``formula.evaluate`` of the parsed formulas; no SymPy)."""
    from .formula import Call
    from .formula import evaluate as np_eval
    from .formula_spec import KINK_FUNCTIONS, walk

    trees = net.trees()
    kinks = {k: [n.arg for n in walk(t) if type(n) is Call and n.fn in KINK_FUNCTIONS]
             for k, t in trees.items()}

    def run(values: dict):
        env, near = dict(values), []
        with np.errstate(all="ignore"):
            for k, t in trees.items():
                near += [np.min(np.abs(np_eval(a, env))) for a in kinks[k]]
                env[k] = np_eval(t, env)
        return env[net.output], min(near, default=np.inf)

    return run


def _graph_point(net, rng):
    keys = net.inputs
    if net.positive_domain():
        return dict(zip(keys, rng.uniform(0.5, 2.0, size=len(keys))))
    return dict(zip(keys, rng.normal(size=len(keys))))


def check_graph(d: Derivation, seed: int = 0, points: int = 3, tol: float = TOL,
                symbolic: bool = True) -> Report:
    """A graph spec's gradients vs NumPy evaluation of its formulas: a fourth-order
    (five-point) difference stands in for the reference, a central difference for the
    finite-difference column. Points where a value is not finite, or where a relu/abs
    argument is within a step of its kink, are skipped and redrawn."""
    from .formula_graph import flat_size

    g, net = d.graph, d.graph.spec
    run = _graph_oracle(net)
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    keys = list(d.gradients)
    point, tries = 0, 0
    while point < points and tries < 20 * points:
        tries += 1
        at = _graph_point(net, rng)
        value, kink = run(at)
        if not np.isfinite(value) or kink < 1e-2:
            continue
        loss, derived = evaluate(d, Values(np.zeros((1, 0)), None, at))
        ref, fd = {}, {}
        for k in keys:
            h = 1e-4 * max(1.0, abs(at[k]))
            shifted = dict(at)
            shifted[k] = at[k] + h * np.array([-2.0, -1.0, 1.0, 2.0])
            with np.errstate(all="ignore"):
                f2m, f1m, f1p, f2p = run(shifted)[0]
            ref[k] = float((f2m - 8 * f1m + 8 * f1p - f2p) / (12 * h))
            h = 1e-6 * max(1.0, abs(at[k]))
            shifted[k] = at[k] + h * np.array([-1.0, 1.0])
            fm, fp = run(shifted)[0]
            fd[k] = float((fp - fm) / (2 * h))
        values = [derived[k] for k in keys] + [ref[k] for k in keys] + [fd[k] for k in keys]
        if not np.all(np.isfinite(values)):
            continue
        point += 1
        a = [derived[k] for k in keys]
        report.errors_ref.append(normalized_error(a, [ref[k] for k in keys]))
        report.errors_fd.append(normalized_error(a, [fd[k] for k in keys]))
        report.checks += 1
        if abs(loss - float(value)) > 1e-9 * (1 + abs(float(value))):
            report.failures.append(f"{g.latex[g.loss]} (point {point}): derivation's forward "
                                   f"pass gives {loss!r} but NumPy {float(value)!r}")
        for k in keys:
            for what, other, limit, floor in (("NumPy differences", ref[k], 1e-6, 1e-9),
                                              ("finite differences", fd[k], 1e-5, 1e-7)):
                if normalized_error(derived[k], other) > limit and abs(derived[k] - other) > floor:
                    report.failures.append(
                        f"d{g.latex[g.loss]}/d{g.latex[k]} (point {point}): derived "
                        f"{derived[k]!r} but {what} {other!r}")
        if point == 1:
            report.rows = [Row(k, g.latex[k], derived[k], ref[k], fd[k], "skipped")
                           for k in keys]
    if point < points:
        report.failures.append(f"only {point} of {points} random points gave finite values "
                               "away from relu/abs kinks")
    # flattening shared nodes grows exponentially with depth: sized on the graph first
    symbolic = symbolic and flat_size(g, g.loss) <= GRAPH_SYMBOLIC_MAX_SIZE
    for row in report.rows if symbolic else ():
        row.symbolic = symbolic_check(d, row.param, seed)
        if row.symbolic == "DIFFERENT":
            report.failures.append(f"d{g.latex[g.loss]}/d{row.name}: derived expression "
                                   "differs from sympy.diff")
    return report


def _rational_zero(diff) -> bool:
    """Whether ``diff`` is identically zero as a rational function of its symbols and its
    exp/log/Piecewise atoms, each atom taken as a new independent symbol. A zero here is a
    proof (substituting the atoms back keeps it zero); expanding the nested exponentials
    of a deep sigmoid chain instead takes minutes."""
    r = diff
    while True:
        atoms = sorted(r.atoms(sp.exp, sp.log, sp.Piecewise, sp.Heaviside),
                       key=sp.default_sort_key)
        if not atoms:
            break
        r = r.xreplace({a: sp.Dummy() for a in atoms})
    return sp.cancel(sp.together(r)) == 0


def symbolic_check(d: Derivation, param: str, seed: int = 0) -> str:
    g = d.graph
    if g.size() > SYMBOLIC_MAX_EDGES:
        return "skipped"
    oracle = sp.diff(ops.elementary(g.flat(g.loss)), g.sym(param))
    mine = ops.elementary(expanded(d, d.gradients[param]))
    diff = mine - oracle
    if sp.count_ops(diff) < EXPAND_MAX_OPS and _rational_zero(diff):
        return "equal"
    # High-precision agreement at random points (away from relu kinks).
    rnd = random.Random(seed)
    for _ in range(3):
        point = {s: sp.Rational(rnd.randint(-900, 900) or 1, 1000) for s in diff.free_symbols}
        if "N" in g.nodes and g.sym("N") in point:
            point[g.sym("N")] = sp.Integer(rnd.randint(1, 9))
        value = sp.N(diff.xreplace(point), 30)
        scale = sp.N(abs(oracle.xreplace(point)), 30) + 1
        if not value.is_number or abs(value) > sp.Float("1e-25") * scale:
            return "DIFFERENT"
    return "equal (30 digits)"
