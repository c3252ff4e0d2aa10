"""Tensor networks (issue 15): the small CNN's lesson and grad, timed as a user runs them
(the CLI, a fresh process each), and the derivation's cost against the graph's edges for
growing inputs (linear: a kernel entry's gradient is one sum over its uses).

    python benchmarks/layers_speed.py          # writes benchmarks/layers_speed.json and .md
    python benchmarks/layers_speed.py resnet   # only `lesson resnet`: its entry and section

The small CNN: a 1 × 8 × 8 input, 4 filters of 3 × 3 with relu and a bias each, a 2 × 2
max-pool, flatten, a dense output of 4 units: 40 + 148 = 188 parameters. Targets: lesson
≤ 20 s, grad ≤ 3 s.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's symbackprop, not an installed one
SPEC = """name = "small_cnn"
inputs = [1, {n}, {n}]
loss = "mse"
[[layers]]
kind = "conv2d"
filters = 4
kernel = 3
activation = "relu"
bias = "per_unit"
[[layers]]
kind = "maxpool"
size = 2
[[layers]]
kind = "flatten"
[[layers]]
units = 4
bias = "per_unit"
"""


def timed(args) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbackprop", *args], check=True,
                   capture_output=True, cwd=HERE.parent)
    return time.perf_counter() - t


def main():
    from symbackprop.derive import derive
    from symbackprop.graph import build_graph
    from symbackprop.spec import loads

    out = {"machine": f"{platform.machine()}, Python {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "small_cnn.toml"
        spec.write_text(SPEC.format(n=8))
        values = Path(tmp) / "v.json"
        values.write_text(json.dumps({"inputs": [[[0.1 * (i - j) for j in range(8)]
                                                  for i in range(8)]], "targets": [0, 1, 0, 0]}))
        g = build_graph(loads(SPEC.format(n=8)))
        out["small_cnn"] = {
            "parameters": len(g.params), "edges": g.size(),
            "lesson_s": round(timed(["lesson", str(spec), "-o", tmp]), 2),
            "grad_s": round(timed(["grad", str(spec), "--at", str(values), "--seed", "0",
                                   "--json"]), 2),
            "verify_s": round(timed(["verify", str(spec)]), 2),
        }
    rows = []
    for n in (6, 8, 12, 16):
        g = build_graph(loads(SPEC.format(n=n)))
        t = time.perf_counter()
        derive(g)
        rows.append({"input": f"1 × {n} × {n}", "parameters": len(g.params), "edges": g.size(),
                     "derive_s": round(time.perf_counter() - t, 3)})
    out["scaling"] = rows
    (HERE / "layers_speed.json").write_text(json.dumps(out, indent=2) + "\n")
    s = out["small_cnn"]
    md = ["# Tensor networks: speed (issue 15)", "",
          f"`python benchmarks/layers_speed.py`; {out['machine']}, a machine shared with "
          "other jobs.", "",
          f"The small CNN ({s['parameters']} parameters, {s['edges']} edges), each a fresh "
          "process through the CLI:", "",
          "| command | seconds | target |", "|---|---:|---:|",
          f"| `lesson` (derive, verify, render Markdown, SVG, LaTeX) | {s['lesson_s']} | 20 |",
          f"| `grad --json` | {s['grad_s']} | 3 |",
          f"| `verify` | {s['verify_s']} | |", "",
          "Derivation alone against the graph's size (edges = scalar dependencies):", "",
          "| input | parameters | edges | derive (s) |", "|---|---:|---:|---:|"]
    md += [f"| {r['input']} | {r['parameters']} | {r['edges']} | {r['derive_s']} |" for r in rows]
    (HERE / "layers_speed.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    resnet()


RESNET_HEAD = "## The ResNet lesson"


def resnet():
    """`lesson resnet` through the CLI (target: well under 30 s), and its stages timed in
    one process; written as the "resnet_lesson" entry and the last section of the .md."""
    from symbackprop import spec
    from symbackprop.lesson import build_lesson
    from symbackprop.pages import resnet_files
    from symbackprop.resnet import resnet_lesson

    with tempfile.TemporaryDirectory() as tmp:
        cli = timed(["lesson", "resnet", "-o", tmp])
    net = spec.load("resnet")
    t = time.perf_counter()
    lesson = build_lesson(net)
    t_lesson = time.perf_counter() - t
    t = time.perf_counter()
    resnet_lesson(lesson)
    t_numbers = time.perf_counter() - t
    t = time.perf_counter()
    resnet_files(net)
    t_all = time.perf_counter() - t
    entry = {"cli_s": round(cli, 2), "derive_verify_s": round(t_lesson, 2),
             "twin_jacobian_study_s": round(t_numbers, 2), "page_in_process_s": round(t_all, 2),
             "load_average": round(os.getloadavg()[0], 1)}
    path = HERE / "layers_speed.json"
    data = json.loads(path.read_text())
    data["resnet_lesson"] = entry
    path.write_text(json.dumps(data, indent=2) + "\n")
    md_path = HERE / "layers_speed.md"
    md = md_path.read_text().split(RESNET_HEAD)[0].rstrip("\n")
    md += "\n\n" + "\n".join([
        RESNET_HEAD, "",
        "`python benchmarks/layers_speed.py resnet`: the preset's network (2 basic blocks, "
        "a batch of 2) derived and verified, its plain twin, the blocks' Jacobians, the "
        "study of 8-block stacks (4 settings × 8 draws × 2 weight scales, NumPy reference) "
        "and ResNet-50's shapes, rendered with its plots; load average "
        f"{entry['load_average']} (2 cores shared with other jobs).", "",
        "| stage | seconds |", "|---|---:|",
        f"| `lesson resnet` through the CLI (target: well under 30) | {entry['cli_s']} |",
        f"| derive and verify the network | {entry['derive_verify_s']} |",
        f"| twin, Jacobians, study, shapes | {entry['twin_jacobian_study_s']} |",
        f"| the whole page in one process (both of the above, render, plots) | "
        f"{entry['page_in_process_s']} |"]) + "\n"
    md_path.write_text(md)
    print(md.split(RESNET_HEAD)[1])


if __name__ == "__main__":
    resnet() if sys.argv[1:] == ["resnet"] else main()
