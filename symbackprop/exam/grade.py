"""Grading back: students' numeric answers scored against key.json, with error carried
forward.

The rule, answer by answer in the key's order (forward values, then gradients, then
updates): an answer within the key's tolerance of the exact value is **right** (full
credit). Otherwise its *consistent* value is recomputed from the student's own earlier
numbers: a node's definition at their values of the nodes it reads, a gradient's chain
at their forward values, an update θ - η g from their gradient g. An answer within the
tolerance of that consistent value (when it differs from the exact one) is **carried**
and gets the ``ecf`` credit (default 1); anything else is **wrong**, a blank is **blank**.
Each wrong answer is classified by ``mistake`` (a sign flip, a missing 1/N, a constant
factor, ...), tallied per question across the class.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from .. import spec as specs
from ..derive import derive
from ..errors import SpecError
from ..graph import build_graph
from ..numeric import lambdify_sorted, leaves
from ..terminal import printable
from ..layers.values import parse_tensor_values
from ..values import parse_values
from .breakdown import consumer, terms_of
from .tensor import is_tensor
from .tensor_draws import step_of
from .numbers import tolerance
from .responses import numeric, read
from .text import render

SMALL_DENOMINATOR = 12  # as the checker's diagnoses: a factor p/q with q at most this
CLOSE = 0.01  # relative closeness of a mistake's value to the answer


class Grader:
    """The key of one exam with its derivation, to recompute values from a student's."""

    def __init__(self, key: dict, net):
        if key.get("spec") != net.name:
            raise SpecError(f"key.json is for spec {key.get('spec')!r}, not {net.name!r}")
        self.key, self.net = key, net
        self.d = derive(build_graph(net))
        g = self.g = self.d.graph
        self.by_latex = {g.latex[k]: k for k in g.nodes}
        self.fns = {k: lambdify_sorted(g.nodes[k].expr) for k in g.computed}
        self.variants = {v["id"]: v for v in key["variants"]}

    def consistent(self, variant: dict, given: list) -> list[float]:
        """For each numeric answer, its value recomputed from the student's own earlier
        numbers (``given``: floats, or None/text where there is none)."""
        g, d = self.g, self.d
        if is_tensor(self.net):  # key.json holds a tensor network's VALUES.json
            values = parse_tensor_values(variant["values"], g, "key.json")
        else:
            values = parse_values(variant["values"], g, "key.json")
        env = leaves(g, values)
        answers = numeric(variant)
        mine = {a["target"]: x for a, x in zip(answers, given)
                if a["kind"] == "forward" and isinstance(x, float)}
        exact = {}
        for k in g.computed:  # the forward pass, at the student's values where they gave one
            fn = self.fns[k]
            exact[k] = float(np.asarray(fn(*[env[s] for s in fn.args])).reshape(-1)[0])
            env[g.sym(k)] = np.array([mine.get(g.latex[k], exact[k])])
        grads: dict = {}
        out = []
        for a, x in zip(answers, given):
            k = self.by_latex[a["target"]]
            if a["kind"] == "forward":
                out.append(exact[k])
            elif a["kind"] == "chain":  # a tensor exam's term: its chain at their values
                step = step_of(d, k)
                term = next(t for t in terms_of(step) if g.latex[consumer(t)] == a["term"])
                out.append(float(np.asarray(term.eval(env, {})).reshape(-1)[0]))
            elif a["kind"] == "gradient":
                grads[k] = float(np.asarray(step_of(d, k).eval(env, {})).reshape(-1)[0])
                out.append(grads[k])
                if isinstance(x, float):
                    grads[k] = x  # an update after it uses the student's gradient
            else:  # update
                g_k = grads.get(k)
                if g_k is None:
                    g_k = float(np.asarray(d.gradients[k].eval(env, {})).reshape(-1)[0])
                out.append(values.params[k] - variant["learning_rate"] * g_k)
        return out

    def grade(self, response, ecf: float) -> dict:
        variant = self.variants[response.variant]
        answers = numeric(variant)
        carried = self.consistent(variant, response.answers)
        verdicts = []
        for a, x, c in zip(answers, response.answers, carried):
            verdict, mistake = _verdict(a, x, c, variant)
            verdicts.append({"target": a["target"], "kind": a["kind"], "answer": x,
                             "verdict": verdict, "mistake": mistake,
                             "credit": {"right": 1.0, "carried": ecf}.get(verdict, 0.0)})
        score = sum(v["credit"] for v in verdicts)
        return {"student": response.student, "variant": response.variant,
                "score": round(score, 6), "max": len(verdicts),
                "percent": round(100 * score / len(verdicts), 2), "answers": verdicts}


def _verdict(a: dict, x, carried: float, variant: dict):
    if x is None:
        return "blank", None
    if not isinstance(x, float):
        return "wrong", "not_a_number"
    if abs(x - a["value"]) <= a["tolerance"]:
        return "right", None
    if abs(carried - a["value"]) > a["tolerance"] and \
            abs(x - carried) <= tolerance(carried):
        return "carried", None
    return "wrong", mistake(a, x, carried, variant)


def _near(x: float, v: float) -> bool:
    return abs(x - v) <= max(CLOSE * abs(v), 1e-9)


def mistake(a: dict, x: float, carried: float, variant: dict) -> str:
    """The mistake a wrong number shows, compared with the value it should have (the
    consistent one: the student's own earlier numbers are not this answer's mistake)."""
    t = carried
    if t == 0:
        return "other"
    if _near(x, -t):
        return "sign_flip"
    rows = variant["values"]["inputs"]
    n = len(rows) if isinstance(rows, list) else 1  # samples (a circuit has one point)
    if n > 1 and _near(x, t * n):
        return "missing_1/N"
    if a["kind"] == "update":
        lr = variant["learning_rate"]
        theta = t + lr * _grad_of_update(a, t, variant)
        step = theta - t
        if _near(x, theta + step):
            return "step_added"
        if step and _near(x, theta - step / lr):
            return "learning_rate_left_out"
        if _near(x, step / lr) or _near(x, -step / lr):
            return "gradient_not_update"
    if _near(x, t * 10) or _near(x, t / 10):
        return "decimal_point"
    ratio = Fraction(x / t).limit_denominator(SMALL_DENOMINATOR)
    if ratio not in (0, 1, -1) and abs(ratio.numerator) <= SMALL_DENOMINATOR \
            and _near(x, t * float(ratio)):
        return f"factor_{ratio}"
    if abs(x - t) <= 0.05 * abs(t):
        return "rounded_early"
    return "other"


def _grad_of_update(a: dict, updated: float, variant: dict) -> float:
    """The gradient that an update's consistent value used: (θ - θ') / η."""
    theta = variant["values"]["params"][a["target"]]
    return (theta - updated) / variant["learning_rate"]


def tally(graded: list[dict], width: int) -> list[dict]:
    """Per numeric answer (q1, q2, ...): how many students got each verdict, and each
    mistake's count among the wrong ones, most frequent first."""
    out = []
    for i in range(width):
        rows = [g["answers"][i] for g in graded]
        verdicts = {v: sum(r["verdict"] == v for r in rows)
                    for v in ("right", "carried", "wrong", "blank")}
        mistakes: dict = {}
        for r in rows:
            if r["mistake"]:
                mistakes[r["mistake"]] = mistakes.get(r["mistake"], 0) + 1
        out.append({"column": f"q{i + 1}", "target": rows[0]["target"] if rows else None,
                    "kind": rows[0]["kind"] if rows else None, **verdicts,
                    "mistakes": dict(sorted(mistakes.items(), key=lambda m: (-m[1], m[0])))})
    return out


def grade_files(key: dict, net, responses, ecf: float) -> dict[str, str]:
    """grades.csv (the gradebook), grades.json (verdicts and the class tally)."""
    grader = Grader(key, net)
    graded = [grader.grade(r, ecf) for r in responses]
    width = len(numeric(key["variants"][0]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "variant", "score", "max", "percent",
                *(f"q{i}" for i in range(1, width + 1))])
    for g in graded:
        w.writerow([g["student"], g["variant"], f"{g['score']:g}", g["max"], f"{g['percent']:g}",
                    *(a["verdict"] for a in g["answers"])])
    report = {"spec": key["spec"], "seed": key["seed"], "ecf": ecf, "students": graded,
              "questions": tally(graded, width)}
    return {"grades.csv": buf.getvalue(),
            "grades.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
            "summary": render("markdown", "exam/grades.txt.j2", report)}


def load_key(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            key = json.load(fh)
    except OSError as exc:
        raise SpecError(f"cannot read key: {exc.strerror}", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"not a key.json: {exc}", path) from None
    if not isinstance(key, dict) or not key.get("variants") or "spec" not in key:
        raise SpecError("not an exam's key.json (no spec and variants)", path)
    return key


def run(args) -> int:
    if not 0 <= args.ecf <= 1:
        raise SpecError(f"--ecf {args.ecf} must be between 0 and 1")
    key = load_key(args.key)
    net = specs.load(args.spec or key["spec"])
    files = grade_files(key, net, read(args.responses, key), args.ecf)
    summary = files.pop("summary")
    if args.output:
        from ..render.write import write_all

        for path in write_all(Path(args.output), files):
            print(printable(path))
    sys.stdout.write(printable(summary))  # student names from a CSV: inert
    return 0
