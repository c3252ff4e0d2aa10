"""Measure the sizes the engine holds, to pick the spec limits (spec.MAX_*, README "Limits").

    python benchmarks/limits.py [CASE ...]     writes benchmarks/limits.json

Each case is a spec at the edge of a limit (or past it, to show why the limit is there),
run as ``symbackprop verify`` and ``symbackprop lesson --format md`` in a child process
with a time limit; wall time and the child's peak memory are recorded. A spec past a
limit is refused when it is read (exit code 2), which is measured too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT = 120


def chain(layers: int, act: str = "sigmoid") -> str:
    body = "".join(f'[[layers]]\nunits = 1\nactivation = "{act}"\n' for _ in range(layers - 1))
    return f'inputs = 1\nloss = "mse"\n{body}[[layers]]\nunits = 1\n'


def wide(width: int, hidden: int = 2) -> str:
    body = "".join(f'[[layers]]\nunits = {width}\nactivation = "sigmoid"\nbias = "per_unit"\n'
                   for _ in range(hidden))
    return f'inputs = {width}\nloss = "mse"\n{body}[[layers]]\nunits = 1\n'


def named_inputs(n: int, length: int = 3) -> str:
    names = ", ".join(f'"x{str(i).zfill(length - 1)}"' for i in range(n))
    return f'inputs = [{names}]\nloss = "mse"\n[[layers]]\nunits = 1\n'


def graph_branching(nodes: int) -> str:
    """n_i = n_{i-1} + n_{i-2}: every node used twice, so every gradient is a cited sum."""
    body = "".join(f'n{i} = "n{i - 1} + n{i - 2}"\n' for i in range(2, nodes))
    return (f'kind = "graph"\ninputs = ["x"]\noutput = "n{nodes - 1}"\n[nodes]\n'
            f'n0 = "x * x"\nn1 = "n0 * x"\n{body}')


def graph_chain(nodes: int) -> str:
    body = "".join(f'n{i} = "n{i - 1} * x + 1"\n' for i in range(1, nodes))
    return (f'kind = "graph"\ninputs = ["x"]\noutput = "n{nodes - 1}"\n[nodes]\n'
            f'n0 = "x * x"\n{body}')


CASES = {
    "chain 16": chain(16), "chain 32": chain(32), "chain 64": chain(64),
    "wide 32x2": wide(32), "wide 16x3": wide(16, 3), "wide 64x2": wide(64), "wide 128x2": wide(128),
    "4096 units x2": wide(4096),
    "64 named inputs": named_inputs(64), "4097 named inputs": named_inputs(4097),
    "name of 40 characters": named_inputs(1, 40),
    "name of 100,000 characters": named_inputs(1, 100_000),
    "graph of 200 nodes": graph_chain(200), "graph of 499 nodes": graph_chain(499),
    "branching graph of 400 nodes": graph_branching(400),
}


# The child lifts the spec limits, so a case past them measures the engine, not the refusal.
CHILD = """import sys
from symbackprop import spec
spec.MAX_UNITS = spec.MAX_LAYERS = spec.MAX_PARAMS = spec.MAX_NAME = 10**9
from symbackprop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run(argv: list[str], limited: bool) -> dict:
    """Wall time, exit code and peak memory (this child's own, from wait4)."""
    cmd = [sys.executable, "-m", "symbackprop"] if limited else [sys.executable, "-c", CHILD]
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(cmd + argv, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > TIMEOUT:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        last = (err.read().strip().splitlines() or [""])[-1]
    seconds = time.monotonic() - start
    return {"seconds": round(seconds, 2),
            "exit": None if seconds > TIMEOUT else p.returncode,
            "peak_mb": round(usage.ru_maxrss / 1024),
            "last_error_line": f"stopped after {TIMEOUT} s" if seconds > TIMEOUT else last[:160]}


def main(names: list[str]) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(CASES):
            spec = Path(tmp) / "spec.toml"
            spec.write_text(CASES[name])
            results[name] = {
                "read with the limits": run(["verify", str(spec), "--points", "1"], True),
                "verify": run(["verify", str(spec), "--points", "1"], False),
                "lesson": run(["lesson", str(spec), "-o", tmp, "--format", "md"], False)}
            print(name, json.dumps(results[name]), flush=True)
    out = Path(__file__).with_name("limits.json")
    old = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps(old | results, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
