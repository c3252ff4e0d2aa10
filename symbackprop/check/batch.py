"""A class's submissions at once: every .md, .tex and .txt file under the given folders,
checked in parallel, one report per file and a summary table (CSV and JSON).

Unreadable files are recorded in the summary and skipped; so is, never opened, anything
that is not a regular file or that resolves outside the submitted folders; the rest are
still checked. The reports and the summary are written as one set (``render/write.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import stat
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import check_file, truth_of
from .extract import InputError
from ..render.write import write_all
from .report import counts, json_report, text_report

SUFFIXES = (".md", ".markdown", ".tex", ".txt")
COLUMNS = ("file", "checked", "correct", "wrong", "errors", "not_checked", "status")
BAR_WIDTH = 30
MAX_NAME_BYTES = 200  # a report's name, before .txt/.json (file systems allow 255)
NO_EQUATIONS = "no equations"   # the status of a file with nothing to check


def collect(paths) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to check, in a stable order, and (path, reason) for what is skipped: an
    argument that is neither a file nor a folder, and, never opened, any candidate that
    is not a regular file (a FIFO, socket or device), a dangling symlink, or a symlink
    that resolves outside the submitted folders."""
    files, skipped = [], []
    for p in map(Path, paths):
        if p.is_dir():
            root = p.resolve()
            for f in _walk(p):
                problem = _problem(f, root)
                (skipped.append((str(f), problem)) if problem else files.append(f))
        elif p.exists() or p.is_symlink():
            problem = _problem(p, p.parent.resolve())
            (skipped.append((str(p), problem)) if problem else files.append(p))
        else:
            skipped.append((str(p), "no such file or folder"))
    return list(dict.fromkeys(files)), skipped


def _walk(folder: Path):
    """The candidate files under ``folder`` by suffix, sorted; symlinked folders are not
    entered (a link to / would walk the whole disk)."""
    found = []
    for top, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for d in dirs:  # a symlink to a folder: reported, not entered
            if os.path.islink(os.path.join(top, d)) and Path(d).suffix.lower() in SUFFIXES:
                found.append(Path(top, d))
        found += [Path(top, n) for n in names if Path(n).suffix.lower() in SUFFIXES]
    return sorted(found)


def _problem(path: Path, root: Path) -> str | None:
    """Why ``path`` is not read, or None (``lstat``/``stat`` only: nothing is opened)."""
    try:
        mode = path.lstat().st_mode
    except OSError as e:
        return f"cannot read: {e.strerror or e}"
    if stat.S_ISLNK(mode):
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "skipped: a dangling symlink"
        if not real.is_relative_to(root):
            return "skipped: a symlink that resolves outside the submitted folders"
        mode = real.stat().st_mode
    if not stat.S_ISREG(mode):
        return f"skipped: not a regular file ({_KIND.get(stat.S_IFMT(mode), 'special file')})"
    return None


_KIND = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
         stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder"}


_SPEC = None
_NOTATION = None  # check --notation: the profile claims are read in (issue 14)


def _init(spec, notation=None, worker: bool = False):
    global _SPEC, _NOTATION
    if worker:  # Ctrl-C is the parent's to handle (it ends the workers); SIGTERM ends one
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
    stem = (Path(path).as_posix().lstrip("./").replace("../", "").replace("/", "__")
            .replace("\\", "_") or "file")
    if len(stem.encode("utf-8")) > MAX_NAME_BYTES:  # deep folders: keep a file name legal
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:12]
        stem = stem.encode("utf-8")[-MAX_NAME_BYTES + 13:].decode("utf-8", "ignore") \
            + "." + digest
    name, i = stem, 1
    while name in taken:
        i += 1
        name = f"{stem}.{i}"
    taken.add(name)
    return name


def _check_all(spec, files, jobs, results, progress, notation=None):
    """Fill ``results`` {path: (results, error)}, in parallel with ``jobs`` > 1."""
    total = len(files)
    if jobs > 1 and total > 1:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                                   initargs=(spec, notation, True))
        try:
            futures = [pool.submit(_one, str(f)) for f in files]
            for n, fut in enumerate(as_completed(futures), 1):
                path, res, err = fut.result()
                results[path] = (res, err)
                if progress is not None:
                    _progress(n, total, progress)
        except BaseException:  # interrupted: the workers go now, not after their files
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        _init(spec, notation)
        for n, f in enumerate(files, 1):
            path, res, err = _one(str(f))
            results[path] = (res, err)
            if progress is not None:
                _progress(n, total, progress)


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


def run(spec, paths, jobs: int = 1, out="check-reports", progress="stderr", dask=None,
        notation=None):
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

    try:
        if dask:
            _dask(spec, files, dask, results, tick)
        else:
            _check_all(spec, files, jobs, results, progress, notation)
    except BaseException:
        if progress is not None and total:
            progress.write("\n")  # the bar's line ends before the message that follows
        raise
    out = Path(out)
    rows, taken, files_out = [], set(), {}
    for f in files:
        res, err = results[str(f)]
        shown = _shown(str(f))
        name = report_name(shown, taken)
        if err is not None:
            rows.append(_row(shown, f"unreadable: {_shown(err)}"))
            continue
        for r in res:
            r.file = shown
        files_out[f"{name}.txt"] = text_report(res)
        files_out[f"{name}.json"] = json_report(res)
        c = counts(res)
        empty = all(not r.latex for r in res)  # an empty or equation-free file
        rows.append({"file": shown, **{k: c[k] for k in COLUMNS[1:-1]},
                     "status": NO_EQUATIONS if empty else "ok",
                     "report": str(out / f"{name}.txt")})
    for path, problem in missing:
        rows.append(_row(_shown(path), problem if problem.startswith("skipped") else
                         f"unreadable: {problem}"))
    files_out.update(summary_files(rows))
    write_all(out, files_out)  # the reports and the summary as one set
    return rows, exit_code(rows)


def _shown(path: str) -> str:
    """A path as text: the bytes of a name that is not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _row(path: str, status: str) -> dict:
    return {"file": path, "checked": 0, "correct": 0, "wrong": 0, "errors": 0,
            "not_checked": 0, "status": status}


def exit_code(rows) -> int:
    if not rows or all(r["status"] not in ("ok", NO_EQUATIONS) for r in rows):
        return 2
    bad = any(r["wrong"] or r["errors"] or r["status"] not in ("ok", NO_EQUATIONS)
              for r in rows)
    return 1 if bad else 0


def summary_files(rows) -> dict[str, str]:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return {"summary.csv": buf.getvalue(),
            "summary.json": json.dumps(rows, indent=2) + "\n"}


def table(rows) -> str:
    """The summary as an aligned text table (templates/check/table.txt.j2)."""
    from ..render.env import render

    width = max([len("file")] + [len(r["file"]) for r in rows])
    return render("text", "check/table.txt.j2", {"rows": rows, "width": width})
