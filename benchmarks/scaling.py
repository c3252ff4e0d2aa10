"""Scaling and speed of symbackprop, in one run.

1. Derivation: the engine (build the graph, one reverse sweep) against naive
   ``sympy.diff`` of the fully composed loss for every parameter, on sigmoid networks of
   growing width and depth: time and expression size (operations).
2. Batch evaluation on 10,000 samples of a [16,16,16,1] sigmoid network: the compiled
   matrix form (matrix.py) against the hand-written NumPy backprop (reference.py) and the
   forward pass alone.

Writes benchmarks/results.json and the tables in benchmarks/README.md.

    python benchmarks/scaling.py            # about a minute on 2 cores
"""

from __future__ import annotations

import json
import multiprocessing as mp
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from symbackprop import ops, reference, spec  # noqa: E402
from symbackprop.derive import derive  # noqa: E402
from symbackprop.graph import build_graph  # noqa: E402
from symbackprop.matrix import compile_layers  # noqa: E402
from symbackprop.numeric import Values  # noqa: E402

NAIVE_BUDGET_S = 60.0


def network(widths, activation="sigmoid", inputs=None):
    layers = "".join(f'[[layers]]\nunits = {w}\nactivation = "{activation}"\nbias = "per_unit"\n'
                     for w in widths)
    text = f"inputs = {inputs or widths[0]}\n{layers}[[layers]]\nunits = 1\nbias = \"per_unit\"\n"
    return spec.loads(text, name="x".join(map(str, widths)))


def engine(net):
    t = time.perf_counter()
    d = derive(build_graph(net))
    seconds = time.perf_counter() - t
    ops_named = sum(sp.count_ops(s.expr) for s in d.gradients.values())
    return seconds, ops_named, len(d.gradients)


def _naive(widths, out):
    net = network(widths)
    g = build_graph(net)
    t = time.perf_counter()
    flat = ops.elementary(g.flat(g.loss))
    grads = [sp.diff(flat, g.sym(p)) for p in g.params]
    out["seconds"] = time.perf_counter() - t
    out["ops"] = int(sum(sp.count_ops(e) for e in grads[:3]) / 3 * len(grads))


def naive(widths):
    """sympy.diff of the composed loss, in a child process stopped at the budget."""
    with mp.Manager() as m:
        out = m.dict()
        proc = mp.Process(target=_naive, args=(widths, out))
        proc.start()
        proc.join(NAIVE_BUDGET_S)
        if proc.is_alive():
            proc.terminate()
            return None, None
        return out.get("seconds"), out.get("ops")


def timed(fn, repeat=15):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def batch():
    net = spec.loads(  # 16 inputs, two hidden layers of 16, one output
        'inputs = 16\n' + '[[layers]]\nunits = 16\nactivation = "sigmoid"\nbias = "per_unit"\n' * 2
        + '[[layers]]\nunits = 1\nbias = "per_unit"\n', name="16x16x16x1")
    d = derive(build_graph(net))
    program = compile_layers(d)
    rng = np.random.default_rng(0)
    params = reference.init_params(net, rng, scale=0.5)
    X, T = rng.normal(size=(10_000, 16)), rng.normal(size=(10_000, 1))
    from symbackprop.verify import positions

    pos = positions(d)
    values = Values(X, T, {pos[k]: v for k, v in reference.flatten(net, params).items()})
    return {
        "network": "[16,16,16,1] sigmoid", "parameters": len(d.gradients), "samples": 10_000,
        "compiled_gradient_s": timed(lambda: program.run(values)),
        "numpy_backprop_s": timed(lambda: reference.backward(net, params, X, T)),
        "numpy_forward_s": timed(lambda: reference.loss(net, params, X, T)),
    }


def main():
    rows = []
    shapes = [[2, 2], [4, 4], [6, 6], [8, 8], [16, 16], [32, 32],
              [4] * 4, [4] * 8, [4] * 16, [4] * 32]
    for widths in shapes:
        net = network(widths)
        seconds, ops_named, params = engine(net)
        n_sec, n_ops = naive(widths) if params <= 200 else (None, None)
        row = {"network": f"[{widths[0]},{','.join(map(str, widths))},1]", "parameters": params,
               "engine_s": round(seconds, 4), "engine_ops": ops_named,
               "naive_s": None if n_sec is None else round(n_sec, 3), "naive_ops": n_ops}
        rows.append(row)
        print(row, flush=True)
    speed = batch()
    print(speed)
    result = {"machine": f"{platform.machine()}, {mp.cpu_count()} cores, Python "
                         f"{platform.python_version()}, sympy {sp.__version__}, numpy {np.__version__}",
              "derivation": rows, "batch": speed}
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    write_readme(result)


def write_readme(r):
    lines = ["# Benchmarks", "", "`python benchmarks/scaling.py` measures, in one run, and writes "
             "`results.json` and this page.", "", f"Machine: {r['machine']}.", "",
             "## Derivation: the engine against naive `sympy.diff`", "",
             "Sigmoid networks with a bias per unit and one linear output. The engine builds "
             "the graph and derives every gradient in one reverse sweep; naive differentiates "
             f"the fully composed loss for every parameter (stopped after {NAIVE_BUDGET_S:.0f} s; "
             "`—` where it was stopped or not tried). Operations: `count_ops` of the engine's "
             "gradients in named form, and of naive's (extrapolated from the first three).",
             "", "| network | parameters | engine (s) | engine ops | naive (s) | naive ops |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in r["derivation"]:
        lines.append(f"| {row['network']} | {row['parameters']} | {row['engine_s']:.3f} | "
                     f"{row['engine_ops']} | {row['naive_s'] if row['naive_s'] is not None else '—'} | "
                     f"{row['naive_ops'] if row['naive_ops'] is not None else '—'} |")
    b = r["batch"]
    lines += ["", "## Batch gradient evaluation", "",
              f"{b['network']} ({b['parameters']} parameters), {b['samples']:,} samples, "
              "median of 15 runs.", "", "| what | seconds | ratio |", "|---|---:|---:|",
              f"| compiled matrix form (matrix.py) | {b['compiled_gradient_s']:.5f} | 1 |",
              f"| NumPy backprop (reference.py) | {b['numpy_backprop_s']:.5f} | "
              f"{b['compiled_gradient_s'] / b['numpy_backprop_s']:.2f}x of it |",
              f"| forward pass alone (reference.py) | {b['numpy_forward_s']:.5f} | "
              f"{b['compiled_gradient_s'] / b['numpy_forward_s']:.2f}x of it |", "",
              "Targets: derivation time about linear in the parameter count; batch gradients "
              "within 2x of the NumPy backprop and within 3x of the forward pass.", ""]
    (HERE / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
