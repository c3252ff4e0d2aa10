"""exam --stress over the presets: SEEDS seeds x 30 variants each, every numeric answer
checked against the NumPy reference, degenerate variants counted, the spread recorded.

    python benchmarks/exam_stress.py [SEEDS]   -> benchmarks/exam_stress.json, and a table
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
    print("| preset | variants | answers | problems | seconds | smallest |answer| |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in PRESETS:
        r = stress(spec.load(name), seeds, 30)
        results["presets"][name] = r
        print(f"| {name} | {r['variants']} | {r['answers']} | {len(r['problems'])} | "
              f"{r['seconds']} | {min(s['min'] for s in r['spread']):.3g} |")
    (HERE / "exam_stress.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
