"""check_gradients(): the derivation proven three ways.

1. symbolically (``proof.py``): each derived dL/dθ, expanded to leaves, equals
   ``sympy.diff`` of the flattened loss where that stays small; otherwise every local
   derivative equals ``sympy.diff`` of its node and every chain and sum has the chain
   rule's shape (the project's own functions rewritten to exp/log/Piecewise first, so
   the oracle never sees our derivative table);
2. against ``reference.py``, hand-written NumPy backprop that shares no code with the
   symbolic path;
3. against central finite differences of the reference loss,

at seeded random points, on one sample and on a batch. Numeric agreement is judged by
the normalized error ||g_a - g_b|| / (||g_a|| + ||g_b||), over all parameters at once
and per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import ops, reference
from .derive import Derivation
from .numeric import Values, evaluate
from .proof import DIFFERENT, prove

TOL = 1e-7


# What a failed check says; filled with str.format (names are the lesson's LaTeX).
MESSAGES = {
    "where": "point {point}, N = {n}",
    "example": "the worked example",
    "vs": "{derivative} ({where}): derived {derived!r} but {what} {other!r}",
    "forward": "{name} (point {point}): derivation's forward pass gives {derived!r} but NumPy "
               "{other!r}",
    "symbolic": "{derivative}: derived expression differs from sympy.diff{where}",
    "few_points": "only {found} of {points} random points gave finite values away from "
                  "relu/abs kinks",
}
REFERENCE, FINITE_DIFFERENCES, DIFFERENCES = "NumPy reference", "finite differences", \
    "NumPy differences"


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
    # the table a page shows: the worked example when one was given, else the first point
    rows: list[Row]
    errors_ref: list[float] = field(default_factory=list)  # one per (point, batch)
    errors_fd: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checks: int = 0
    method: str = ""  # how the symbolic column was proven: "whole", "local" (proof.py)

    @property
    def ok(self) -> bool:
        return not self.failures

    def figures(self) -> dict:
        """The numbers a summary states (render/views.verification_summary prints them)."""
        return {"parameters": len(self.rows), "checks": self.checks,
                "max_ref": max(self.errors_ref, default=0.0),
                "max_fd": max(self.errors_fd, default=0.0),
                "equal": sum(r.symbolic.startswith("equal") for r in self.rows)}


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
                    tol: float = TOL, symbolic: bool = True, progress=None,
                    example: Values | None = None) -> Report:
    """``progress(iterable, what, total)``, if given, wraps the loops that may take a
    while (the CLI shows a bar on stderr). ``example``, if given, is checked too, before
    the random points, and is the point the report's table shows."""
    net, g = d.graph.spec, d.graph
    if g.oracle is not None:  # a front end with its own NumPy reference (layers/check.py)
        return g.oracle(d, seed=seed, points=points, batch=batch, tol=tol,
                        symbolic=symbolic, progress=progress, example=example)
    if not g.layers:  # a graph of formulas: no layers for the NumPy backpropagation
        return check_graph(d, seed, points, tol, symbolic, progress, example)
    pos = positions(d)
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    step = progress or (lambda it, what, total: it)
    first = -1 if example is not None else 0  # the point whose values the table shows
    for point in step(range(first, points), "numeric check", points - first):
        if point < 0:  # the worked example: its own parameters, its one sample
            params = reference.from_flat(net, {q: example.params[k] for q, k in pos.items()})
        else:
            params = reference.init_params(net, rng, scale=0.8)
        flat = {pos[k]: v for k, v in reference.flatten(net, params).items()}
        for n in ((1,) if point < 0 else (1, batch)):
            X, T = (example.inputs, example.targets) if point < 0 else sample(net, rng, n)
            value, derived = evaluate(d, Values(X, T, flat))
            _, ref = reference.backward(net, params, X, T)
            fd = reference.numeric_grad(net, params, X, T)
            ref = {pos[k]: v for k, v in reference.flatten(net, ref).items()}
            fd = {pos[k]: v for k, v in reference.flatten(net, fd).items()}
            keys = list(d.gradients)
            where = (MESSAGES["example"] if point < 0
                     else MESSAGES["where"].format(point=point + 1, n=n))
            compare_point(report, g, keys, derived, ref, fd, where, tol, value)
            if point == first and n == 1:
                report.rows = [Row(k, g.latex[k], derived[k], ref[k], fd[k], "skipped")
                               for k in keys]
    _prove(d, report, seed, symbolic, progress, "dL")
    return report


def compare_point(report: Report, g, keys, derived: dict, ref: dict, fd: dict, where: str,
                  tol: float = TOL, loss: float = 1.0):
    """One evaluation: the derived gradients against the reference's and the finite
    differences', over all parameters (the report's figures) and one by one (its
    failures, each naming the parameter and both values). A central difference of step
    1e-6 rounds to about 1e-16 |L| / 1e-6 = 1e-10 |L|: its floor grows with the loss."""
    fd_floor = 1e-8 * max(1.0, abs(float(loss)))
    a = [derived[k] for k in keys]
    report.errors_ref.append(normalized_error(a, [ref[k] for k in keys]))
    report.errors_fd.append(normalized_error(a, [fd[k] for k in keys]))
    report.checks += 1
    for k in keys:
        said = dict(derivative=f"dL/d{g.latex[k]}", where=where, derived=derived[k])
        if normalized_error(derived[k], ref[k]) > tol and abs(derived[k] - ref[k]) > 1e-12:
            report.failures.append(MESSAGES["vs"].format(**said, what=REFERENCE, other=ref[k]))
        if normalized_error(derived[k], fd[k]) > 1e-5 and abs(derived[k] - fd[k]) > fd_floor:
            report.failures.append(
                MESSAGES["vs"].format(**said, what=FINITE_DIFFERENCES, other=fd[k]))


def _prove(d: Derivation, report: Report, seed: int, symbolic: bool, progress, of: str):
    """The symbolic column: each row's gradient proven equal to sympy.diff (proof.py)."""
    if not symbolic:
        return
    proofs = prove(d, [r.param for r in report.rows], seed, progress)
    for row in report.rows:
        p = proofs[row.param]
        report.method = p.method
        row.symbolic = p.verdict
        if p.verdict == DIFFERENT:
            report.failures.append(MESSAGES["symbolic"].format(
                derivative=f"{of}/d{row.name}", where=f" ({p.problem})" if p.problem else ""))


def _graph_oracle(net):
    """f(values) -> output, and the arguments of relu/abs, with NumPy alone
    (``expr.evaluate`` of the parsed formulas; no SymPy)."""
    from .expr import calls
    from .expr import evaluate as np_eval
    from .formula_spec import KINK_FUNCTIONS

    trees = net.trees()
    kinks = {k: [n.arg for n in calls(t, KINK_FUNCTIONS)]
             for k, t in trees.items()}

    def run(values: dict):
        env, near = dict(values), []
        with np.errstate(all="ignore"):
            for k, t in trees.items():
                near += [np.min(np.abs(np_eval(a, env))) for a in kinks[k]]
                env[k] = np_eval(t, env)
        return env[net.output], min(near, default=np.inf)

    return run


def check_graph(d: Derivation, seed: int = 0, points: int = 3, tol: float = TOL,
                symbolic: bool = True, progress=None, example: Values | None = None) -> Report:
    """A graph spec's gradients vs NumPy evaluation of its formulas: a fourth-order
    (five-point) difference stands in for the reference, a central difference for the
    finite-difference column. Points where a value is not finite, or where a relu/abs
    argument is within a step of its kink, are skipped and redrawn."""
    g, net = d.graph, d.graph.spec
    run = _graph_oracle(net)
    rng = np.random.default_rng(seed)
    report = Report(rows=[])
    keys = list(d.gradients)
    point, tries = 0, 0
    total = points + (example is not None)  # the worked example first, when given
    while point < total and tries < 20 * total:
        tries += 1
        at = dict(example.params) if tries == 1 and example is not None else g.sample(rng).params
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
            report.failures.append(MESSAGES["forward"].format(
                name=g.latex[g.loss], point=point, derived=loss, other=float(value)))
        for k in keys:
            for what, other, limit, floor in ((DIFFERENCES, ref[k], 1e-6, 1e-9),
                                              (FINITE_DIFFERENCES, fd[k], 1e-5, 1e-7)):
                if normalized_error(derived[k], other) > limit and abs(derived[k] - other) > floor:
                    report.failures.append(MESSAGES["vs"].format(
                        derivative=f"d{g.latex[g.loss]}/d{g.latex[k]}", where=f"point {point}",
                        derived=derived[k], what=what, other=other))
        if point == 1:
            report.rows = [Row(k, g.latex[k], derived[k], ref[k], fd[k], "skipped")
                           for k in keys]
    if point < total:
        report.failures.append(MESSAGES["few_points"].format(found=point, points=total))
    _prove(d, report, seed, symbolic, progress, f"d{g.latex[g.loss]}")
    return report


def symbolic_check(d: Derivation, param: str, seed: int = 0) -> str:
    """The symbolic verdict for one parameter (``proof.prove`` for all of them at once)."""
    return prove(d, [param], seed)[param].verdict
