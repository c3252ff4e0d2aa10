"""Load on ``symbackprop serve``: a class of students checking a 20-claim page at once.

    python benchmarks/web_load.py [--students 50] [--rounds 4]

starts the server (``symbackprop serve`` on a free loopback port, one worker per core),
lets every student send ``rounds`` pages one after another, all students at once,
and checks every answer against the verdicts the page was written to have. Writes
``web_load.json`` and ``web_load.md`` beside this file. The client is bounded: loopback
only, students x rounds requests, each with a timeout, and the whole run with a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SLIPS_PAGE = ROOT / "tests" / "data" / "check" / "lesson_slips.md"
# lesson_slips.md's equations, line: (verdict, diagnosis), in file order (as
# tests/test_check_pages.py states them); two on line 17
SLIPS = [(3, "correct", None), (4, "wrong", "wrong_index"), (5, "correct", None),
         (6, "wrong", "mean_vs_sum"), (8, "wrong", "sign"), (10, "correct", None),
         (11, "correct", None), (12, "wrong", "constant_factor"),
         (14, "wrong", "constant_factor"), (16, "wrong", "chain_break"), (17, "correct", None),
         (17, "wrong", "wrong_index"), (18, "wrong", "missing_factor"),
         (20, "wrong", "wrong_index"), (22, "wrong", "extra_factor"), (24, "error", None)]


def page(student: int) -> tuple[str, list]:
    """A 20-claim page, a little different for each student, and its verdicts: the slips
    page and four lines of easynet, where h_2 = x_1 w_2 + x_2 w_4 + x_3 w_6 (so
    dh_2/dw_6 = x_3, and k x_3 is wrong for k >= 2) and y_pred = h_1 w_1^[2] + h_2 w_2^[2]."""
    k = student + 2
    extra = [
        (rf"\frac{{dh_1}}{{dw_1^{{[1]}}}} = \frac{{{k} x_1}}{{{k}}}", "correct", None),
        (rf"\frac{{dh_2}}{{dw_6^{{[1]}}}} = {k} x_3", "wrong", "constant_factor"),
        (r"\frac{dL}{dy_{pred}} = -\frac{2}{N}\left(y_{true} - y_{pred}\right)", "correct", None),
        (r"\frac{dy_{pred}}{dh_2} = w_2^{[2]}", "correct", None),
    ]
    text = SLIPS_PAGE.read_text().rstrip("\n") + "\n"
    first = text.count("\n") + 2
    text += "".join(f"\n$${latex}$$\n" for latex, _, _ in extra)
    want = SLIPS + [(first + 2 * i, v, d) for i, (_, v, d) in enumerate(extra)]
    return text, want


async def student(client, n: int, rounds: int, out: list) -> None:
    text, want = page(n)
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            r = await client.post("/api/check", json={"spec": "easynet", "text": text})
            status = r.status_code
            ok = status == 200 and [(x["line"], x["verdict"], x["diagnosis"])
                                    for x in r.json()] == want
        except httpx.HTTPError as e:
            status, ok = type(e).__name__, False
        out.append({"student": n, "status": status, "right": ok,
                    "seconds": time.perf_counter() - start})


async def load(url: str, students: int = 50, rounds: int = 1, timeout: float = 120.0,
               deadline: float = 600.0) -> dict:
    """Every student's requests, all students at once; latencies and verdict checks."""
    assert url.startswith(("http://127.", "http://localhost", "http://[::1]")), "loopback only"
    out: list = []
    limits = httpx.Limits(max_connections=students, max_keepalive_connections=students)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(student(client, n, rounds, out)
                                                for n in range(students))), deadline)
        wall = time.perf_counter() - start
    times = sorted(r["seconds"] for r in out)
    return {"students": students, "rounds": rounds, "requests": len(out),
            "answered": sum(r["status"] == 200 for r in out),
            "right": sum(r["right"] for r in out),
            "statuses": sorted({str(r["status"]) for r in out}),
            "p50": statistics.median(times),
            "p95": times[max(0, int(round(0.95 * len(times))) - 1)],
            "max": times[-1], "wall": wall, "per_second": len(out) / wall}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "symbackprop", "serve", "--port", str(port)],
                              cwd=ROOT)
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        alone = asyncio.run(load(url, 1, 20))
        result = asyncio.run(load(url, args.students, args.rounds))
        result["alone"] = {k: alone[k] for k in ("requests", "right", "p50", "p95", "max")}
    finally:
        server.terminate()
        server.wait(30)
    from symbackprop.web.limits import CHECK_SECONDS

    result.update(machine=f"{platform.machine()}, {os.cpu_count()} cores, Python "
                          f"{platform.python_version()}", workers=os.cpu_count(),
                  time_limit=CHECK_SECONDS, claims_per_page=20)
    here = Path(__file__).parent
    (here / "web_load.json").write_text(json.dumps(result, indent=2) + "\n")
    (here / "web_load.md").write_text(
        "# Load on symbackprop serve\n\n"
        "`python benchmarks/web_load.py` measures and writes `web_load.json` and this page.\n\n"
        f"Machine: {result['machine']}; the server with {result['workers']} worker processes, "
        "the client on the same machine (loopback).\n\n"
        f"{result['students']} students at once, each checking a 20-claim page (the slips page "
        f"and four lines of its own) {result['rounds']} times in a row; every answer compared "
        "with the verdicts the page was written to have.\n\n"
        "| requests | answered (200) | right | p50 (s) | p95 (s) | max (s) | time limit (s) | "
        "requests/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {result['requests']} | {result['answered']} | {result['right']} | "
        f"{result['p50']:.3f} | {result['p95']:.3f} | {result['max']:.3f} | "
        f"{result['time_limit']:g} | {result['per_second']:.1f} |\n\n"
        f"One student alone, 20 pages in a row: p50 {result['alone']['p50']:.3f} s, "
        f"p95 {result['alone']['p95']:.3f} s ({result['alone']['right']} of "
        f"{result['alone']['requests']} right). With a class at once, a page waits its turn "
        "for a worker: the latency is the queue, and the work of each page stays far below "
        "the time limit.\n")
    print(json.dumps(result, indent=2))
    return 0 if result["right"] == result["requests"] == result["answered"] else 1


if __name__ == "__main__":
    sys.exit(main())
