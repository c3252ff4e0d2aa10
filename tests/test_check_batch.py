"""A class's batch (issue 13): local processes (--jobs) and a Dask cluster (--dask) give
the same reports as one process; an empty or equation-free file is reported as such."""

import json
from pathlib import Path

import pytest

from symbackprop.check import batch
from symbackprop.cli import main

DATA = Path(__file__).parent / "data" / "check"


def _class(tmp_path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("lesson.md", "lesson_slips.md", "lesson.tex", "lesson.txt"):
        (folder / name).write_text((DATA / name).read_text())
    (folder / "empty.md").write_text("")
    (folder / "words.md").write_text("I did not finish.\n")
    return folder


def _reports(out: Path) -> dict:
    """Every file written, byte for byte; summary.json without the report paths (which
    name the output folder)."""
    got = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    rows = json.loads(got.pop("summary.json"))
    got["summary.json"] = [{k: v for k, v in r.items() if k != "report"} for r in rows]
    return got


def test_equation_free_files_are_reported_as_such(tmp_path):
    folder = _class(tmp_path)
    rows, code = batch.run("easynet", [str(folder)], out=tmp_path / "out", progress=None)
    status = {Path(r["file"]).name: r["status"] for r in rows}
    assert status["empty.md"] == status["words.md"] == "no equations"
    assert status["lesson.md"] == "ok"
    assert code == 1  # lesson_slips.md has wrong claims; the empty files add no error


def test_jobs_match_one_process(tmp_path):
    folder = _class(tmp_path)
    batch.run("easynet", [str(folder)], jobs=1, out=tmp_path / "one", progress=None)
    batch.run("easynet", [str(folder)], jobs=2, out=tmp_path / "two", progress=None)
    assert _reports(tmp_path / "one") == _reports(tmp_path / "two")


def test_dask_matches_a_local_run(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = _class(tmp_path)
    batch.run("easynet", [str(folder)], jobs=1, out=tmp_path / "local", progress=None)
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        rows, code = batch.run("easynet", [str(folder)], out=tmp_path / "dask", progress=None,
                               dask=cluster.scheduler_address)
    assert code == 1 and len(rows) == 6
    assert _reports(tmp_path / "local") == _reports(tmp_path / "dask")


def test_dask_without_the_extra_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(SystemExit) as e:
        main(["check", "easynet", str(DATA / "lesson.md"), "--dask", "tcp://127.0.0.1:1"])
    assert e.value.code == 2
    assert "optional extra 'dask'" in capsys.readouterr().err
