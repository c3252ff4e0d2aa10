"""``exam --stress N``: N seeds drawn, every variant checked.

For each seed an exam of ``--variants`` variants is built; each numeric answer of its key
is recomputed by the independent NumPy reference (``reference.py``, a tensor network's
``reference_layers``) from the variant's values alone, and a tensor exam's chain terms
and breakdowns factor by factor (``tensor_stress.term_problems``); a variant is degenerate when a chain-rule factor it asks for is 0, when an
answer rounds to 0 (the answer 0 would be accepted within its tolerance), or when two
variants of one exam ask the same numbers. The spread of every answer over all variants is reported (min, median, max of
its magnitude, how many distinct values).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from .. import reference
from ..verify import positions
from .pools import is_graph
from .text import render
from .tensor import is_tensor, make_exam
from .tensor_stress import reference_answers as tensor_answers, term_problems
from .views import Exam

REL = 1e-9  # key vs reference: the same float arithmetic up to rounding
REL_FD = 1e-7  # key vs a circuit's five-point difference (error O(h^4) and rounding)


def circuit_answers(net, d, variant: dict) -> dict:
    """{(kind, target latex): value} of a circuit's variant without SymPy: each node's
    formula evaluated by NumPy (``expr.evaluate``), each derivative of the output by a
    five-point central difference."""
    from ..expr import evaluate

    g, trees = d.graph, net.trees()
    at = {k: float(v) for k, v in variant["values"]["inputs"].items()}

    def run(values):
        env = dict(values)
        for k, tree in trees.items():
            env[k] = float(evaluate(tree, env))
        return env

    env = run(at)
    out = {("forward", g.latex[k]): env[k] for k in trees}
    for k in g.params:
        h = 1e-3 * max(1.0, abs(at[k]))
        f = [run(dict(at, **{k: at[k] + i * h}))[net.output] for i in (-2, -1, 1, 2)]
        out["gradient", g.latex[k]] = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h)
    return out


def reference_answers(net, d, variant: dict) -> dict:
    """{(kind, target latex): value} of a variant, by reference.py (a circuit's by
    ``circuit_answers``)."""
    if is_tensor(net):
        return tensor_answers(net, d, variant)
    if is_graph(net):
        return circuit_answers(net, d, variant)
    g = d.graph
    pos = positions(d)
    latex = {k: g.latex[k] for k in g.params}
    theta = {latex[k]: variant["values"]["params"][latex[k]] for k in g.params}
    params = reference.from_flat(net, {s: theta[latex[k]] for s, k in pos.items()})
    X = np.array(variant["values"]["inputs"], dtype=float)
    T = np.array(variant["values"]["targets"], dtype=float)
    loss, grads = reference.backward(net, params, X, T)
    c = reference.forward(net, params, X)
    out = {("forward", g.table.loss.latex): loss}
    for l in range(len(net.layers)):
        last = l == len(net.layers) - 1 and net.loss == "softmax_ce"
        for j in range(net.layers[l].size):
            out["forward", g.table.pre[l][j].latex] = c.z[l][0, j]
            out["forward", g.table.units[l][j].latex] = (c.p if last else c.h[l])[0, j]
            if g.table.act[l]:
                out["forward", g.table.act[l][j].latex] = c.a[l][0, j]
    lr = variant["learning_rate"]
    for s, v in reference.flatten(net, grads).items():
        name = latex[pos[s]]
        out["gradient", name] = v
        if lr:
            out["update", name] = theta[name] - lr * v
    return out


def check_exam(e: Exam) -> tuple[list[dict], list[dict]]:
    """(problems, key variants) of one exam. A problem is a record ``{"problem", "seed",
    "variant", ...}``; ``templates/exam/stress.txt.j2`` words it."""
    views = e.views()
    key = e.key(views)
    problems = []
    seen: dict = {}
    rel = REL_FD if e.graph or e.tensor else REL
    g = e.g  # a relu's 0 is a fair answer (a dead unit); a weighted sum's 0 is not
    may_be_zero = {g.latex[k] for k in g.computed if g.nodes[k].op != "linear"}
    for variant, view in zip(key["variants"], views):
        ref = reference_answers(e.net, e.d, variant)
        at = {"seed": e.seed, "variant": variant["id"]}
        if e.tensor:  # each term against the reference's own numbers
            problems += term_problems(e.net, e.d, variant, view, at, rel)
        for a in variant["answers"]:
            what = dict(at, kind=a["kind"], target=a["target"], value=a["value"])
            if a["kind"] == "chain" and a["value"] is not None:  # a tensor exam's term:
                want = float(np.prod([f["value"] for f in a["factors"]]))  # its factors'
            elif a["value"] is not None:
                want = ref[a["kind"], a["target"]]
            if a["value"] is not None:
                if abs(a["value"] - want) > rel * max(1.0, abs(want)):
                    problems.append(dict(what, problem="reference", reference=want))
                zero = abs(a["value"]) <= a["tolerance"] or a["value"] == 0  # 0 would pass
                if zero and not (a["kind"] == "forward" and a["target"] in may_be_zero):
                    problems.append(dict(what, problem="zero"))
            for f in a.get("factors", ()):
                if f["value"] == 0:
                    problems.append(dict(what, problem="zero_factor", factor=f["label"]))
        numbers = tuple(a["value"] for a in variant["answers"] if a["value"] is not None)
        if numbers in seen:
            problems.append(dict(at, problem="alike", other=seen[numbers]))
        seen[numbers] = variant["id"]
    return problems, key["variants"]


def spread(variants: list[dict]) -> list[dict]:
    slots: dict = {}
    for v in variants:
        for i, a in enumerate(x for x in v["answers"] if x["value"] is not None):
            slots.setdefault(i, {"kind": a["kind"], "values": []})["values"].append(a["value"])
    out = []
    for i, s in sorted(slots.items()):
        mags = np.abs(np.array(s["values"]))
        out.append({"column": f"q{i + 1}", "kind": s["kind"],
                    "min": float(np.min(mags)), "median": float(np.median(mags)),
                    "max": float(np.max(mags)), "distinct": len(set(s["values"]))})
    return out


def stress(net, seeds: int, variants: int = 30, first_seed: int = 0,
           questions: str | None = None) -> dict:
    start = time.perf_counter()
    problems, all_variants = [], []
    for seed in range(first_seed, first_seed + seeds):
        p, vs = check_exam(make_exam(net, variants, seed, questions))
        problems += p
        all_variants += vs
    return {"spec": net.name, "seeds": seeds, "variants_per_seed": variants,
            "variants": len(all_variants), "answers": sum(
                a["value"] is not None for v in all_variants for a in v["answers"]),
            "problems": problems, "spread": spread(all_variants),
            "seconds": round(time.perf_counter() - start, 2)}


def run_stress(net, args) -> int:
    from ..errors import SpecError

    if not 1 <= args.stress <= 10_000:
        raise SpecError(f"--stress {args.stress} must be between 1 and 10000")
    report = stress(net, args.stress, args.variants, args.seed, args.questions)
    sys.stdout.write(render("markdown", "exam/stress.txt.j2", report))
    if args.output:
        from pathlib import Path

        from ..render.write import write_all

        write_all(Path(args.output), {"stress.json": json.dumps(report, indent=2) + "\n"})
    return 1 if report["problems"] else 0
