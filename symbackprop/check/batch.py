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
_NOTATION = None  # check --notation: the profile claims are read in (issue 14)


def _init(spec, notation=None):
    global _SPEC, _NOTATION
    _SPEC, _NOTATION = truth_of(spec), notation


def _one(path: str):
    try:
        return path, check_file(_SPEC, path, notation=_NOTATION), None
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


def run(spec, paths, jobs: int = 1, out="check-reports", progress="stderr", notation=None):
    """Check every file; write the reports and the summary under ``out``; draw a
    progress bar on ``progress`` (a stream; None for none). Returns (rows, exit code)."""
    if progress == "stderr":
        progress = sys.stderr
    files, missing = collect(paths)
    results: dict[str, tuple] = {}
    total = len(files)
    if progress is not None and total:
        _progress(0, total, progress)
    if jobs > 1 and total > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                                 initargs=(spec, notation)) as pool:
            futures = [pool.submit(_one, str(f)) for f in files]
            for n, fut in enumerate(as_completed(futures), 1):
                path, res, err = fut.result()
                results[path] = (res, err)
                if progress is not None:
                    _progress(n, total, progress)
    else:
        _init(spec, notation)
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
        rows.append({"file": str(f), **{k: c[k] for k in COLUMNS[1:-1]},
                     "status": "ok", "report": str(out / f"{name}.txt")})
    for path, problem in missing:
        rows.append({"file": path, "checked": 0, "correct": 0, "wrong": 0, "errors": 0,
                     "not_checked": 0, "status": f"unreadable: {problem}"})
    write_summary(rows, out)
    return rows, exit_code(rows)


def exit_code(rows) -> int:
    if not rows or all(r["status"] != "ok" for r in rows):
        return 2
    bad = any(r["wrong"] or r["errors"] or r["status"] != "ok" for r in rows)
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
