"""Claims checked per second: a class's batch of 1,000 plain-text claims about the easy
network (20 files of 50 lines; correct claims in several forms, and the common mistakes),
checked with `symbackprop check easynet DIR --jobs N`, and in one process.

    python benchmarks/check_speed.py            # writes benchmarks/check_speed.json
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

CLAIMS = 1000
FILES = 20
SEED = 1


def claims(n: int, seed: int = SEED, distinct: bool = False) -> list[str]:
    """n varied ASCII claims: every first-layer weight (unit j, input i), correct in
    several rewrites with random coefficients, or with one of the common mistakes.
    ``distinct``: each claim also times a factor ((N + r)/N - r/N) = 1 with its own r,
    so no two claims are the same text or the same SymPy expression (no cache helps)."""
    rng = random.Random(seed)
    used = set()
    expected = []
    out = []
    while len(out) < n:
        i, j = rng.randint(1, 3), rng.randint(1, 2)
        k = 2 * (i - 1) + j  # the lesson numbers layer 1 input by input
        r = rng.randint(2, 9)
        good = [
            f"dL/dw{k}[1] = -2*w{j}[2]*x{i}/N*(y_true - y_pred)",
            f"dL/dw{k}[1] = {r}*w{j}[2]*x{i}*(y_pred - y_true)/N - {r - 2}*w{j}[2]*x{i}*(y_pred - y_true)/N",
            f"dL/dw{k}[1] = dL/dy_pred * dy_pred/dh{j} * dh{j}/dw{k}[1]",
            f"dL/dw{k}[1] = dL/dh{j} * x{i}",
            f"dh{j}/dw{k}[1] = x{i}",
            f"dL/dh{j} = 2*({r}*w{j}[2]*y_pred - {r}*w{j}[2]*y_true)/({r}*N)",
            f"d(h1*w1[2] + h2*w2[2])/dw{j}[2] = h{j}",
        ]
        bad = [
            f"dL/dw{k}[1] = 2*w{j}[2]*x{i}/N*(y_true - y_pred)",             # sign
            f"dL/dw{k}[1] = -w{j}[2]*x{i}/N*(y_true - y_pred)",              # a missing 2
            f"dL/dw{k}[1] = -2*w{j}[2]*x{i}*(y_true - y_pred)",              # a missing 1/N
            f"dL/dw{k}[1] = -2*w{j}[2]*x{i % 3 + 1}/N*(y_true - y_pred)",    # a wrong index
            f"dL/dw{k}[1] = -2*x{i}/N*(y_true - y_pred)",                    # a missing factor
            f"dL/dw{k}[1] = -2*w{j}[2]*w{k}[1]*x{i}/N*(y_true - y_pred)",    # an extra factor
            f"dL/dw{k}[1] = dL/dy_pred * dy_pred/dh{3 - j} * dh{j}/dw{k}[1]",  # a broken chain
        ]
        ok = rng.random() < 0.6
        claim = rng.choice(good) if ok else rng.choice(bad)
        if distinct:
            r = rng.randint(2, 10**6)
            while r in used:
                r = rng.randint(2, 10**6)
            used.add(r)
            lhs, rhs = claim.split(" = ", 1)
            claim = f"{lhs} = ({rhs})*((N + {r})/N - {r}/N)"
        out.append(claim)
        expected.append("correct" if ok else "wrong")
    return out, expected


def cli_cold(lines) -> dict:
    """`symbackprop check easynet DIR --jobs N` as a user runs it: a fresh process,
    imports and the network's truth included."""
    import subprocess

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        per = len(lines) // FILES
        for f in range(FILES):
            (folder / f"student{f:02d}.txt").write_text("\n".join(lines[f * per:(f + 1) * per]) + "\n")
        exe = Path(sys.executable).with_name("symbackprop")
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run([str(exe), "check", "easynet", str(folder), "--jobs", str(jobs),
                            "-o", str(Path(tmp) / f"out{jobs}")], capture_output=True)
            seconds = time.perf_counter() - start
            out[f"jobs_{jobs}"] = {"seconds": round(seconds, 3),
                                   "claims_per_second": round(len(lines) / seconds, 1)}
    return out


def main():
    from symbackprop.check import check_text, truth_of
    from symbackprop.check import batch

    lines, _ = claims(CLAIMS)
    result = {"claims": CLAIMS, "files": FILES, "cpus": os.cpu_count(),
              "load_average": os.getloadavg()[0],
              "python": platform.python_version(), "machine": platform.machine()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        per = CLAIMS // FILES
        for f in range(FILES):
            (folder / f"student{f:02d}.txt").write_text("\n".join(lines[f * per:(f + 1) * per]) + "\n")
        for jobs in (1, 2):
            start = time.perf_counter()
            rows, _ = batch.run("easynet", [str(folder)], jobs=jobs, out=Path(tmp) / f"out{jobs}",
                                progress=None)
            seconds = time.perf_counter() - start
            checked = sum(r["checked"] for r in rows)
            result[f"jobs_{jobs}"] = {"seconds": round(seconds, 3), "checked": checked,
                                      "claims_per_second": round(checked / seconds, 1),
                                      "wrong": sum(r["wrong"] for r in rows),
                                      "errors": sum(r["errors"] for r in rows)}
    truth = truth_of("easynet")
    for name, (batch_lines, want) in (("one_process_class_batch", claims(CLAIMS, SEED + 1)),
                                      ("one_process_all_distinct", claims(CLAIMS, SEED + 2, True))):
        start = time.perf_counter()
        res = check_text(truth, "\n".join(batch_lines), "text")
        seconds = time.perf_counter() - start
        got = [r.verdict for r in res]
        result[name] = {"seconds": round(seconds, 3), "claims": len(res),
                        "claims_per_second": round(len(res) / seconds, 1),
                        "wrong": got.count("wrong"), "errors": got.count("error"),
                        "misjudged": sum(g != w for g, w in zip(got, want))}
    result["cli_cold"] = cli_cold(lines)
    print(json.dumps(result, indent=2))
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
