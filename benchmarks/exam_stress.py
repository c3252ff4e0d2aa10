"""exam --stress over the presets: SEEDS seeds x 30 variants each, every numeric answer
checked against the NumPy reference, degenerate variants counted, the spread recorded.

    python benchmarks/exam_stress.py [SEEDS]
        -> benchmarks/exam_stress.json and benchmarks/exam_stress.md (the table)
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from symbackprop import spec
from symbackprop.exam.stress import stress

PRESETS = ("easynet", "sigmoid222", "softmax", "deep", "circuit")
HERE = Path(__file__).resolve().parent


def main(seeds: int = 20) -> None:
    results = {"machine": f"{platform.machine()}, Python {platform.python_version()}",
               "seeds": seeds, "variants_per_seed": 30, "presets": {}}
    lines = [
        "# Exam stress test", "",
        f"`python benchmarks/exam_stress.py {seeds}`: for each preset, {seeds} seeds x 30 "
        "variants; every numeric answer of every variant recomputed by the NumPy reference "
        "(a circuit's by NumPy evaluation of its formulas and five-point differences), no "
        "zero chain-rule factor, no answer that 0 would pass, no two variants with the same "
        "answers (`symbackprop exam SPEC --stress N`).", "",
        f"Machine: {results['machine']}, 2 cores shared with other jobs.", "",
        "| preset | variants | numeric answers | problems | seconds | smallest |answer| "
        "| median |answer| (range over questions) |",
        "|---|---:|---:|---:|---:|---:|---|"]
    for name in PRESETS:
        r = stress(spec.load(name), seeds, 30)
        results["presets"][name] = r
        medians = [s["median"] for s in r["spread"]]
        lines.append(f"| {name} | {r['variants']} | {r['answers']} | {len(r['problems'])} | "
                     f"{r['seconds']} | {min(s['min'] for s in r['spread']):.3g} | "
                     f"{min(medians):.3g} to {max(medians):.3g} |")
        print(lines[-1])
    (HERE / "exam_stress.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "exam_stress.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
