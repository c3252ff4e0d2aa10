"""A class's submissions at once: every .md, .tex and .txt file under the given folders,
checked in parallel, one report per file and a summary table (CSV and JSON).

Unreadable files are recorded in the summary and skipped; the rest are still checked.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import check_file, truth_of
from .extract import InputError
from .report import counts, json_report, text_report

SUFFIXES = (".md", ".markdown", ".tex", ".txt")
COLUMNS = ("file", "checked", "correct", "wrong", "errors", "not_checked", "status")
BAR_WIDTH = 30
NO_EQUATIONS = "no equations"   # the status of a file with nothing to check


def collect(paths) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to check, in a stable order, and (path, problem) for arguments that are
    neither a file nor a folder."""
    files, missing = [], []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            missing.append((str(p), "no such file or folder"))
    return list(dict.fromkeys(files)), missing


_SPEC = None


def _init(spec):
    global _SPEC
    _SPEC = truth_of(spec)


def _one(path: str):
    try:
        return path, check_file(_SPEC, path), None
    except InputError as e:
        return path, None, str(e)


def _progress(done, total, stream):
    filled = BAR_WIDTH * done // max(total, 1)
    stream.write(f"\rchecking [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} files")
    if done == total:
        stream.write("\n")
    stream.flush()


def report_name(path: str, taken: set) -> str:
    stem = Path(path).as_posix().lstrip("./").replace("../", "").replace("/", "__") or "file"
    name, i = stem, 1
    while name in taken:
        i += 1
        name = f"{stem}.{i}"
    taken.add(name)
    return name


def _check_sent(net, text: str, kind: str, file: str):
    """A file's text checked on a Dask worker: the same check_text as a local run, so
    the reports are the same (workers need not see the files)."""
    from . import check_text

    return check_text(net, text, kind, file=file)


def _dask(spec, files, address, results: dict, tick):
    """Every file's text sent to the Dask scheduler at ``address`` (the optional extra
    ``dask``: pip install 'symbackprop[dask]'); results[path] = (results, error)."""
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:
        print("symbackprop: error: --dask needs the optional extra 'dask' "
              "(pip install 'symbackprop[dask]')", file=sys.stderr)
        raise SystemExit(2) from None
    from .. import spec as specs
    from .extract import kind_of, read

    net = specs.load(spec) if isinstance(spec, (str, Path)) else spec
    with Client(address) as client:
        shared = client.scatter(net, broadcast=True)
        futures = {}
        for f in files:
            try:
                text = read(f)
            except InputError as e:
                results[str(f)] = (None, str(e))
                tick()
                continue
            futures[client.submit(_check_sent, shared, text, kind_of(f), str(f),
                                  pure=False)] = str(f)
        for fut in dask_completed(futures):
            results[futures[fut]] = (fut.result(), None)
            tick()


def run(spec, paths, jobs: int = 1, out="check-reports", progress="stderr", dask=None):
    """Check every file; write the reports and the summary under ``out``; draw a
    progress bar on ``progress`` (a stream; None for none). Returns (rows, exit code).
    ``jobs``: local processes; ``dask``: a Dask scheduler's address instead."""
    if progress == "stderr":
        progress = sys.stderr
    files, missing = collect(paths)
    results: dict[str, tuple] = {}
    total = len(files)
    if progress is not None and total:
        _progress(0, total, progress)
    done = [0]

    def tick():
        done[0] += 1
        if progress is not None:
            _progress(done[0], total, progress)

    if dask:
        _dask(spec, files, dask, results, tick)
    elif jobs > 1 and total > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(spec,)) as pool:
            futures = [pool.submit(_one, str(f)) for f in files]
            for n, fut in enumerate(as_completed(futures), 1):
                path, res, err = fut.result()
                results[path] = (res, err)
                if progress is not None:
                    _progress(n, total, progress)
    else:
        _init(spec)
        for n, f in enumerate(files, 1):
            path, res, err = _one(str(f))
            results[path] = (res, err)
            if progress is not None:
                _progress(n, total, progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, taken = [], set()
    for f in files:
        res, err = results[str(f)]
        name = report_name(str(f), taken)
        if err is not None:
            rows.append({"file": str(f), "checked": 0, "correct": 0, "wrong": 0, "errors": 0,
                         "not_checked": 0, "status": f"unreadable: {err}"})
            continue
        (out / f"{name}.txt").write_text(text_report(res), encoding="utf-8")
        (out / f"{name}.json").write_text(json_report(res), encoding="utf-8")
        c = counts(res)
        empty = all(not r.latex for r in res)  # an empty or equation-free file
        rows.append({"file": str(f), **{k: c[k] for k in COLUMNS[1:-1]},
                     "status": NO_EQUATIONS if empty else "ok",
                     "report": str(out / f"{name}.txt")})
    for path, problem in missing:
        rows.append({"file": path, "checked": 0, "correct": 0, "wrong": 0, "errors": 0,
                     "not_checked": 0, "status": f"unreadable: {problem}"})
    write_summary(rows, out)
    return rows, exit_code(rows)


def exit_code(rows) -> int:
    if not rows or all(r["status"] not in ("ok", NO_EQUATIONS) for r in rows):
        return 2
    bad = any(r["wrong"] or r["errors"] or r["status"] not in ("ok", NO_EQUATIONS)
              for r in rows)
    return 1 if bad else 0


def write_summary(rows, out: Path):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (out / "summary.csv").write_text(buf.getvalue(), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def table(rows) -> str:
    """The summary as an aligned text table (templates/check/table.txt.j2)."""
    from ..render.env import render

    width = max([len("file")] + [len(r["file"]) for r in rows])
    return render("text", "check/table.txt.j2", {"rows": rows, "width": width})
