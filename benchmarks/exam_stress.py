"""exam --stress over the presets: SEEDS seeds x 30 variants each, every numeric answer
checked against the NumPy reference (a tensor exam's terms factor by factor), degenerate
variants counted, the spread recorded.

    python benchmarks/exam_stress.py [SEEDS [PRESET ...]]
        -> benchmarks/exam_stress.json and benchmarks/exam_stress.md (the table)

Naming presets reruns only those; the others keep their recorded results.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from symbackprop import spec
from symbackprop.exam.stress import stress

DENSE = ("easynet", "sigmoid222", "softmax", "deep", "circuit")
# networks with tensor layers (issue 15): a kernel entry, a BPTT term, a batch-norm input
TENSOR = ("conv2d", "pooling", "conv1d", "rnn", "batchnorm", "normdrop", "embedding",
          "attention", "resblock")
PRESETS = DENSE + TENSOR
HERE = Path(__file__).resolve().parent


def main(seeds: int = 20, names=PRESETS) -> None:
    path = HERE / "exam_stress.json"
    results = json.loads(path.read_text()) if path.exists() else {"presets": {}}
    results.update(machine=f"{platform.machine()}, Python {platform.python_version()}",
                   variants_per_seed=30)
    results.pop("seeds", None)  # per preset now
    for name in names:
        r = stress(spec.load(name), seeds, 30)
        results["presets"][name] = r
        print(name, r["variants"], len(r["problems"]), r["seconds"])
    lines = [
        "# Exam stress test", "",
        "`python benchmarks/exam_stress.py SEEDS [PRESET ...]`: for each preset, SEEDS seeds "
        "x 30 variants; every numeric answer of every variant recomputed by the NumPy "
        "reference (a circuit's by NumPy evaluation of its formulas and five-point "
        "differences; a tensor network's by `reference_layers`, a batch-norm input's by a "
        "central difference of the reference's loss; each chain term and each use of a "
        "gradient's breakdown factor by factor, its dL/dc from the reference's gradient at "
        "the layer's output and its dc/dθ from the reference's layer input, the uses "
        "summing to the reference's gradient), no zero chain-rule factor, no answer that 0 would pass, no "
        "two variants with the same answers (`symbackprop exam SPEC --stress N`).", "",
        f"Machine: {results['machine']}, 2 cores shared with other jobs.", "",
        "| preset | seeds | variants | numeric answers | problems | seconds | smallest "
        "|answer| | median |answer| (range over questions) |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name in PRESETS:
        r = results["presets"].get(name)
        if r is None:
            continue
        medians = [s["median"] for s in r["spread"]]
        lines.append(f"| {name} | {r['seeds']} | {r['variants']} | {r['answers']} | "
                     f"{len(r['problems'])} | {r['seconds']} | "
                     f"{min(s['min'] for s in r['spread']):.3g} | "
                     f"{min(medians):.3g} to {max(medians):.3g} |")
    path.write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "exam_stress.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, tuple(sys.argv[2:]) or PRESETS)
