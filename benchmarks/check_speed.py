"""Claims checked per second: a class's batch of 1,000 plain-text claims about the easy
network (20 files of 50 lines; correct claims in several forms, and the common mistakes),
checked with `symbackprop check easynet DIR --jobs N`, and in one process.

Issue 13's figures (``--class`` runs only these, ``class`` in the JSON):

- a class of 1,000 Markdown files of 20 mixed LaTeX claims each (givens, definitions,
  derivatives right and wrong, chains, worked numbers), checked by the command line as a
  user runs it, ``--jobs 2``, with its wall time and the peak memory of its processes;
- the start-up of ``symbackprop check`` on one short file (median of 5 fresh processes),
  next to the bare ``import sympy`` on the same machine.

    python benchmarks/check_speed.py            # writes benchmarks/check_speed.json
    python benchmarks/check_speed.py --class    # only issue 13's figures
    python benchmarks/check_speed.py --tensor   # only issue 15's: a 20-claim conv2d page

Issue 15's figure (``tensor`` in the JSON): a Markdown page of 20 claims about the conv2d
preset (kernel and bias gradients as numbers, right and wrong, from the NumPy reference;
sums of δ·x over a kernel entry's uses, complete and with uses missing; a max-pool
routing slip; chains; index claims over all 18 kernel entries), checked by the command
line from a fresh process (median of 3) and in one process with the network loaded.
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
        env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed copy
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "symbackprop", "check", "easynet", str(folder),
                            "--jobs", str(jobs), "-o", str(Path(tmp) / f"out{jobs}")],
                           capture_output=True, env=env)
            seconds = time.perf_counter() - start
            out[f"jobs_{jobs}"] = {"seconds": round(seconds, 3),
                                   "claims_per_second": round(len(lines) / seconds, 1)}
    return out


ROOT = Path(__file__).resolve().parents[1]
CLASS_FILES = 1000
CLAIMS_PER_FILE = 20


def latex_page(rng: random.Random) -> str:
    """One student's page about the easy network: 20 LaTeX claims in display blocks, of
    the kinds a class writes (right ones in several forms, and the usual slips)."""
    lines = []
    if rng.random() < 0.5:
        lines.append(r"x_1 = 1, \quad x_2 = 2, \quad x_3 = 3, \quad N = 1")
    if rng.random() < 0.3:
        lines += [r"e = y_{true} - y_{pred}", r"\frac{dL}{dy_{pred}} = -\frac{2}{N} e"]
    while len(lines) < CLAIMS_PER_FILE:
        i, j = rng.randint(1, 3), rng.randint(1, 2)
        k = 2 * (i - 1) + j
        r = rng.randint(2, 9)
        forms = [
            r"\frac{dL}{dy_{pred}} = -\frac{2}{N}\left(y_{true} - y_{pred}\right)",
            r"\frac{dL}{dy_{pred}} = \frac{2}{N}\left(y_{true} - y_{pred}\right)",
            rf"\frac{{dy_{{pred}}}}{{dh_{j}}} = w_{j}^{{[2]}}",
            rf"\frac{{dy_{{pred}}}}{{dh_{j}}} = w_{3 - j}^{{[2]}}",
            rf"\frac{{dh_{j}}}{{dw_{k}^{{[1]}}}} = x_{i}",
            rf"\frac{{dL}}{{dw_{k}^{{[1]}}}} = \frac{{dL}}{{dy_{{pred}}}}\,\frac{{dy_{{pred}}}}{{dh_{j}}}"
            rf"\,\frac{{dh_{j}}}{{dw_{k}^{{[1]}}}}",
            rf"\frac{{dL}}{{dw_{k}^{{[1]}}}} = -\frac{{2}}{{N}} w_{j}^{{[2]}} x_{i}"
            rf"\left(y_{{true}} - y_{{pred}}\right)",
            rf"\frac{{dL}}{{dw_{k}^{{[1]}}}} = -\frac{{{2 * r}}}{{{r} N}} w_{j}^{{[2]}} x_{i}"
            rf"\left(y_{{true}} - y_{{pred}}\right)",
            rf"\frac{{dL}}{{dw_{k}^{{[1]}}}} = -2 w_{j}^{{[2]}} x_{i}\left(y_{{true}} - y_{{pred}}\right)",
            rf"\frac{{dL}}{{dw_{j}^{{[2]}}}} = -\frac{{2}}{{N}}\left(y_{{true}} - y_{{pred}}\right) h_{j}",
            r"h_1 = 1", r"h_2 = 0.7", r"y_{pred} = 0.16", r"y_{pred} = 0.3 \cdot 1 - 0.2 \cdot 0.7 = 0.16",
            r"\frac{dL}{dy_{pred}} = -1.68", r"\frac{dL}{dy_{pred}} = -1.7",
            r"\frac{dL}{dw_1^{[2]}} = -1.68 \cdot 1 = -1.68", r"\frac{dL}{dw_2^{[2]}} \approx -1.18",
            r"L = \frac{1}{N}\sum_{n=1}^{N}\left(y_{true}^{(n)} - y_{pred}^{(n)}\right)^2",
            rf"y_{{pred}} = w_1^{{[2]}} h_1 + w_2^{{[2]}} h_2",
        ]
        lines.append(rng.choice(forms))
    return "".join(f"$${line}$$\n\n" for line in lines[:CLAIMS_PER_FILE])


def _median_seconds(cmd, env, runs=5) -> float:
    import statistics
    import subprocess

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def class_figures() -> dict:
    """Issue 13: the class batch (1,000 files x 20 LaTeX claims, --jobs 2) and the
    one-file start-up, both through the command line in fresh processes."""
    import resource
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cli = [sys.executable, "-m", "symbackprop", "check", "easynet"]
    rng = random.Random(SEED)
    out = {"files": CLASS_FILES, "claims_per_file": CLAIMS_PER_FILE,
           "load_average_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for f in range(CLASS_FILES):
            (folder / f"student{f:04d}.md").write_text(latex_page(rng))
        one = folder / "student0000.md"
        out["one_file_startup_seconds"] = _median_seconds(cli + [str(one)], env)
        out["import_sympy_seconds"] = _median_seconds([sys.executable, "-c", "import sympy"], env)
        start = time.perf_counter()
        proc = subprocess.run(cli + [str(folder), "--jobs", "2", "-o", str(Path(tmp) / "out")],
                              env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        rows = json.loads((Path(tmp) / "out" / "summary.json").read_text())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    claims = sum(r["checked"] + r["not_checked"] for r in rows)
    out["batch_jobs_2"] = {
        "seconds": round(seconds, 2), "claims": claims,
        "claims_per_second": round(claims / seconds, 1), "exit_code": proc.returncode,
        "correct": sum(r["correct"] for r in rows), "wrong": sum(r["wrong"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
        "peak_memory_mib_largest_process": round(peak / 1024, 1)}
    out["one_process_distinct_latex"] = distinct_latex(1000)
    out["load_average_after"] = round(os.getloadavg()[0], 2)
    return out


def distinct_latex(n: int) -> dict:
    """The worst case for the verdict cache: n LaTeX claims no two alike (each with its own
    coefficient), judged in this process."""
    from symbackprop.check import check_text, truth_of

    rng = random.Random(SEED + 3)
    lines = []
    for r in rng.sample(range(2, 10**6), n):
        i, j = rng.randint(1, 3), rng.randint(1, 2)
        k = 2 * (i - 1) + j
        lines.append(rf"$$\frac{{dL}}{{dw_{k}^{{[1]}}}} = -\frac{{{2 * r}}}{{{r} N}} w_{j}^{{[2]}} "
                     rf"x_{i}\left(y_{{true}} - y_{{pred}}\right)$$")
    truth = truth_of("easynet")
    start = time.perf_counter()
    res = check_text(truth, "\n\n".join(lines), "markdown")
    seconds = time.perf_counter() - start
    return {"claims": len(res), "seconds": round(seconds, 2),
            "claims_per_second": round(len(res) / seconds, 1),
            "correct": sum(r.verdict == "correct" for r in res)}


def tensor_page() -> tuple[str, list[str]]:
    """20 claims about conv2d, and the verdict each must get (values from the NumPy
    reference at the page's worked example, not from the checker)."""
    import numpy as np

    from symbackprop import reference_layers as ref
    from symbackprop import spec as specs
    from symbackprop.graph import build_graph

    net = specs.load("conv2d")
    g = build_graph(net)
    ex = g.example
    params = {t: np.vectorize(lambda k: ex.params[k], otypes=[float])(keys)
              for t, keys in g.tensors.items()}
    _, grads = ref.backward(net, params, ex.inputs.reshape((1,) + net.shape),
                            ex.targets.reshape(1, -1))
    grad = {keys[i]: float(grads[t][i]) for t, keys in g.tensors.items()
            for i in np.ndindex(*keys.shape)}
    d = r"\frac{\partial L}{\partial %s}"
    out = []
    for k in ("K1_1_1_1_1", "K1_1_1_2_2", "K1_2_1_3_3", "b1_1", "b1_2", "w4_1_5"):
        out.append((f"{d % g.latex[k]} = {grad[k]:.6g}", "correct"))
    for k in ("K1_1_1_1_2", "b1_1", "w4_1_1", "K1_2_1_2_1"):
        out.append((f"{d % g.latex[k]} = {grad[k] * 1.5 + 0.01:.6g}", "wrong"))
    uses = [("1,2,2", "1,2,2"), ("1,2,3", "1,2,4"), ("1,3,2", "1,4,2"), ("1,3,3", "1,4,4")]
    full = " + ".join(rf"\delta^{{[1]}}_{{{z}}} x_{{{x}}}" for z, x in uses)
    part = " + ".join(rf"\delta^{{[1]}}_{{{z}}} x_{{{x}}}" for z, x in uses[:2])
    out += [(rf"\frac{{\partial L}}{{\partial K^{{[1]}}_{{1,1,1,1}}}} = {full}", "correct"),
            (rf"\frac{{\partial L}}{{\partial K_{{1,1,1,1}}}} = {full}", "correct"),
            (rf"\frac{{\partial L}}{{\partial K^{{[1]}}_{{1,1,1,1}}}} = {part}", "wrong"),
            (r"\frac{dL}{dh^{[1]}_{1,2,2}} = " + " + ".join(
                rf"w^{{[4]}}_{{1,{i}}}\frac{{dL}}{{dy_{{pred}}}}" for i in range(1, 5)), "wrong"),
            (r"\frac{dL}{dw^{[4]}_{1,1}} = \frac{dL}{dy_{pred}} \frac{dy_{pred}}{dw^{[4]}_{1,1}}",
             "correct"),
            (r"\frac{dL}{dy_{pred}} = -\frac{2}{N}(y_{true} - y_{pred})", "correct"),
            (r"\frac{dL}{dy_{pred}} = -2(y_{true} - y_{pred})", "wrong"),
            (r"\frac{\partial L}{\partial K^{[1]}_{f,c,u,v}} = \sum_{i,j} \delta_{f,i,j}"
             r" x_{c,2i+u-3,2j+v-3}", "correct"),
            (r"\frac{\partial L}{\partial K^{[1]}_{f,c,u,v}} = \sum_{i,j} \delta_{f,i,j}"
             r" x_{c,i+u,j+v}", "wrong"),
            (r"\frac{\partial L}{\partial b^{[1]}_f} = \sum_{i,j} \delta_{f,i,j}", "correct")]
    return "\n\n".join(f"$${t}$$" for t, _ in out) + "\n", [v for _, v in out]


def tensor_figures() -> dict:
    import subprocess

    from symbackprop.check import check_text, truth_of

    text, want = tensor_page()
    start = time.perf_counter()
    truth = truth_of("conv2d")
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    got = [r.verdict for r in check_text(truth, text)]
    judged = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.md"
        page.write_text(text)
        cold = _median_seconds([sys.executable, "-m", "symbackprop", "check", "conv2d",
                                str(page)], dict(os.environ), runs=3)
    return {"claims": len(want), "misjudged": sum(g != w for g, w in zip(got, want)),
            "load_network_seconds": round(loaded, 3), "judge_seconds": round(judged, 3),
            "cli_cold_seconds": round(cold, 3), "load_average": os.getloadavg()[0]}


def main():
    if "--tensor" in sys.argv[1:]:
        path = Path(__file__).with_suffix(".json")
        result = json.loads(path.read_text()) if path.exists() else {}
        result["tensor"] = tensor_figures()
        print(json.dumps(result["tensor"], indent=2))
        path.write_text(json.dumps(result, indent=2) + "\n")
        return 0
    if "--class" in sys.argv[1:]:
        path = Path(__file__).with_suffix(".json")
        result = json.loads(path.read_text()) if path.exists() else {}
        result["class"] = class_figures()
        print(json.dumps(result["class"], indent=2))
        path.write_text(json.dumps(result, indent=2) + "\n")
        return 0
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
    result["class"] = class_figures()
    result["tensor"] = tensor_figures()
    print(json.dumps(result, indent=2))
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
