"""Lessons at the sizes courses use, end to end through the CLI, in one run.

For each network: the wall time of `symbackprop lesson` and `symbackprop verify` (whole
processes, imports included), the proof method the symbolic check chose (proof.py), and
as the baseline the old way, the whole-loss identity (`proof.whole`: the flattened loss
expanded and differentiated by `sympy.diff`) for ONE parameter, stopped after a budget.

Writes benchmarks/lesson_sizes.json and prints a Markdown table for benchmarks/README.md.

    python benchmarks/lesson_sizes.py        # about two minutes on 2 cores
"""

from __future__ import annotations

import json
import os
import multiprocessing as mp
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BASELINE_BUDGET_S = 60.0

DENSE = """inputs = {n}
loss = "{loss}"
""" + """[[layers]]
units = {w}
activation = "sigmoid"
bias = "per_unit"
""" * 2 + """[[layers]]
units = {out}
{last}bias = "per_unit"
"""

CASES = [
    ("4-4-4-2 sigmoid, softmax_ce", "file", DENSE.format(n=4, w=4, out=2, loss="softmax_ce", last="")),
    ("deep --depth 8 --activation relu --residual", "deep",
     ["--depth", "8", "--activation", "relu", "--residual"]),
    ("deep --depth 12 --residual", "deep", ["--depth", "12", "--residual"]),
    ("[16,16,16,1] sigmoid, mse", "file",
     DENSE.format(n=16, w=16, out=1, loss="mse", last='activation = "sigmoid"\n')),
]


def cli(*args) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbackprop", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def _whole_one(text, out):
    from symbackprop import proof, spec
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph

    d = derive(build_graph(spec.loads(text, name="net")))
    t = time.perf_counter()
    verdict = proof.whole(d, next(iter(d.gradients)))
    out.put((time.perf_counter() - t, verdict, proof.method_for(d)))


def _method(text) -> str:
    """The way proof.py proves this network (counted on the graph: cheap)."""
    from symbackprop import proof, spec
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph

    return proof.method_for(derive(build_graph(spec.loads(text, name="net"))))


def baseline(text):
    """The whole-loss identity for one parameter, in a child process stopped after the
    budget: (seconds or None, verdict, the method the new proof chooses)."""
    q = mp.get_context("fork").Queue()
    p = mp.get_context("fork").Process(target=_whole_one, args=(text, q))
    p.start()
    p.join(BASELINE_BUDGET_S)
    if p.is_alive():
        p.kill()
        p.join()
        return None, "stopped", None
    return q.get()


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, how, what in CASES:
            if how == "file":
                path = Path(tmp) / "net.toml"
                path.write_text(what)
                spec_args = [str(path)]
            else:
                spec_args = ["deep", *what]
            lesson = cli("lesson", *spec_args, "-o", str(Path(tmp) / "out"))
            verify = cli("verify", spec_args[0]) if how == "file" else None
            old, verdict, _ = baseline(what) if how == "file" else (None, "", None)
            method = _method(what) if how == "file" else "local"
            rows.append({"network": label, "lesson_s": round(lesson, 2),
                         "verify_s": None if verify is None else round(verify, 2),
                         "baseline_whole_one_param_s": None if old is None else round(old, 2),
                         "baseline_verdict": verdict, "method": method})
            print(rows[-1], file=sys.stderr)
    load = os.getloadavg()[0]
    import numpy
    import sympy

    result = {"machine": f"{platform.machine()}, {mp.cpu_count()} cores, Python "
                         f"{platform.python_version()}, sympy {sympy.__version__}, numpy "
                         f"{numpy.__version__}",
              "load_average_at_end": round(load, 2),
              "baseline_budget_s": BASELINE_BUDGET_S, "rows": rows}
    (HERE / "lesson_sizes.json").write_text(json.dumps(result, indent=1) + "\n")
    print("| network | lesson (s) | verify (s) | proof | baseline: whole-loss identity, one parameter (s) |")
    print("|---|---:|---:|---|---:|")
    for r in rows:
        old = ("> %g (stopped)" % BASELINE_BUDGET_S if r["baseline_verdict"] == "stopped"
               else "—" if r["baseline_whole_one_param_s"] is None else r["baseline_whole_one_param_s"])
        print(f"| {r['network']} | {r['lesson_s']} | {r['verify_s'] or '—'} | "
              f"{r['method'] or '—'} | {old} |")


if __name__ == "__main__":
    main()
