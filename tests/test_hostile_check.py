"""Issue 12 for ``check``: a batch never reads what is not a regular file inside the
submitted folders (FIFOs, sockets, devices, symlinks out, dangling symlinks) and reports
each as skipped with its reason; a file has a time budget past which the rest is reported
as not checked; an empty or equation-free file is said to be so; the reports are written as
one set; submission text reaches the terminal inert."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symbackprop import check
from symbackprop.check import check_text
from symbackprop.cli import main

ROOT = Path(__file__).resolve().parents[1]
RIGHT = "dL/dy_pred = -2/N*(y_true - y_pred)\n"  # the easy network's first link, correct


def test_batch_skips_what_is_not_a_regular_file_inside(tmp_path):
    """A FIFO (which blocked the batch for ever), a socket, a device, a dangling symlink
    and a symlink to a system file: each in summary.json as skipped with its reason, none
    read; the real submission is checked. Run in a child process with a time bound, so a
    blocking read fails the test instead of hanging it."""
    sub = tmp_path / "class"
    sub.mkdir()
    (sub / "alice.txt").write_text(RIGHT)
    os.mkfifo(sub / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sub / "sock.md"))
    (sub / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    secret = tmp_path / "secret.txt"
    secret.write_text("dL/dw_1 = 42  # the secret line\n")
    (sub / "passwd.txt").symlink_to(secret)
    (sub / "null.tex").symlink_to("/dev/null")
    (sub / "inside.md").symlink_to(sub / "alice.txt")  # a symlink inside: read
    out = tmp_path / "reports"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "symbackprop", "check", "easynet", str(sub),
                           "-o", str(out), "--json"], cwd=ROOT, capture_output=True,
                          timeout=240)
    sock.close()
    assert time.monotonic() - start < 240
    assert b"Traceback" not in proc.stderr
    rows = {Path(r["file"]).name: r for r in json.loads((out / "summary.json").read_text())}
    assert rows["alice.txt"]["status"] == "ok" and rows["alice.txt"]["correct"] == 1
    # read (not skipped): as Markdown the plain-text line is no display equation
    assert rows["inside.md"]["status"] == "no equations"
    reasons = {n: rows[n]["status"] for n in rows if n not in ("alice.txt", "inside.md")}
    assert reasons == {
        "fifo.txt": "skipped: not a regular file (a FIFO)",
        "sock.md": "skipped: not a regular file (a socket)",
        "dangling.md": "skipped: a dangling symlink",
        "passwd.txt": "skipped: a symlink that resolves outside the submitted folders",
        "null.tex": "skipped: a symlink that resolves outside the submitted folders",
    }
    assert proc.returncode == 1  # something was not ok
    written = "".join(p.read_text() for p in out.iterdir())
    assert "the secret line" not in written and "42" not in written
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_single_fifo_is_refused_not_read(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.md")
    assert main(["check", "easynet", str(tmp_path / "pipe.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a regular file" in err


def test_time_budget(monkeypatch):
    """Past the budget the rest is one not-checked line that counts what was left."""
    text = "".join(RIGHT for _ in range(5))
    done = check_text("easynet", text, kind="text", budget=60)
    assert [r.verdict for r in done] == ["correct"] * 5
    clock = iter(range(0, 1000, 10))  # each look at the clock: 10 s later
    monkeypatch.setattr(check.time, "monotonic", lambda: next(clock))
    cut = check_text("easynet", text, kind="text", budget=25)
    # deadline 0+25; the checks at 10 and 20 pass, the one at 30 stops: 2 judged, 3 left
    assert [r.verdict for r in cut] == ["correct", "correct", "not_checked"]
    assert cut[-1].line == 3 and "3 in all" in cut[-1].message
    assert "time budget (25 s)" in cut[-1].message


def test_slow_lines_end_within_the_budget(monkeypatch):
    """60 hard lines took 148 s before the budget: with equations that each take 0.5 s
    (a stand-in for hard ones, each below the judge's own bound), a 3 s budget ends the
    file after about 3 s, the rest reported once."""
    real = check.judge_equation

    def slow(*a, **k):
        time.sleep(0.5)
        return real(*a, **k)

    class Forgetful(dict):  # every line judged: no verdict remembered from an earlier one
        def get(self, key, default=None):
            return default

        def __setitem__(self, key, value):
            pass

    monkeypatch.setattr(check, "judge_equation", slow)
    monkeypatch.setattr(check, "_VERDICTS", Forgetful())
    start = time.monotonic()
    res = check_text("easynet", RIGHT * 60, kind="text", budget=3)
    took = time.monotonic() - start
    assert 3 <= took < 3 + 5, took
    judged = [r for r in res if r.verdict == "correct"]
    assert 1 <= len(judged) <= 7 and len(res) == len(judged) + 1  # 3 s / 0.5 s + 1 at most
    assert f"{60 - len(judged)} in all" in res[-1].message


@pytest.mark.parametrize("text, word", [("", "empty"), ("   \n\n", "empty"),
                                        ("Some prose, no math.\n", "no equation")])
def test_empty_and_equation_free_files(tmp_path, capsys, text, word):
    f = tmp_path / "a.md"
    f.write_text(text)
    assert main(["check", "easynet", str(f)]) == 0
    out = capsys.readouterr().out
    assert word in out and "1 not checked" in out


def test_submission_text_is_inert_on_a_terminal(tmp_path, capsys):
    """Escape sequences (retitle the window, clear the screen), a C1 CSI and a bidi
    override in a submission: shown as escapes, in the text report and the JSON."""
    f = tmp_path / "evil.txt"
    f.write_text("dL/dy_pred = \x1b]0;pwned\x07\x1b[2J-2/N*(y_true - y_pred)\u202e\x9b31m\n")
    main(["check", "easynet", str(f)])
    out = capsys.readouterr().out
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in out
    assert "\\x1b" in out
    main(["check", "easynet", str(f), "--json"])
    raw = capsys.readouterr().out
    assert "\x9b" not in raw and "\u202e" not in raw
    assert "\x1b]0;pwned" in json.loads(raw)[0]["latex"]  # the same text, as JSON escapes


def test_batch_reports_are_one_set_on_a_full_disk(tmp_path, capsys, monkeypatch):
    """A full disk while writing the reports: exit 1, one line, the previous reports and
    summary as they were (no 0-byte report)."""
    import errno

    from symbackprop.render import write

    sub = tmp_path / "class"
    sub.mkdir()
    (sub / "a.txt").write_text(RIGHT)
    (sub / "b.txt").write_text(RIGHT.replace("-2", "2"))
    out = tmp_path / "reports"
    main(["check", "easynet", str(sub), "-o", str(out)])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before) == 6 and all(before.values())
    (sub / "b.txt").write_text(RIGHT)
    real, calls = write._write_file, []

    def full(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "_write_file", full)
    capsys.readouterr()
    assert main(["check", "easynet", str(sub), "-o", str(out)]) == 1
    err = capsys.readouterr().err.split("files\n")[-1]  # after the progress bar
    assert err.count("\n") == 1 and "no space left" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_batch_names_that_are_not_utf8_or_too_long(tmp_path, capsys):
    """A submission whose name is not UTF-8, and one deep enough that its report name
    would pass the file system's 255 bytes: both checked, reported under legal names."""
    sub = tmp_path / "class"
    deep = sub / Path(*["folder_with_a_long_name"] * 12)
    deep.mkdir(parents=True)
    (deep / "bob.txt").write_text(RIGHT)
    (Path(os.fsdecode(bytes(sub) + b"/bad\xff.txt"))).write_text(RIGHT)
    out = tmp_path / "reports"
    assert main(["check", "easynet", str(sub), "-o", str(out)]) == 0
    rows = json.loads((out / "summary.json").read_text())
    assert sorted(r["status"] for r in rows) == ["ok", "ok"]
    assert any(r["file"].endswith("bad\\xff.txt") for r in rows)
    names = [p.name for p in out.iterdir()]
    assert len(names) == 6 and all(len(os.fsencode(n)) <= 255 for n in names)
    assert all(n.isprintable() for n in names)


def test_ctrl_c_on_a_parallel_batch(tmp_path):
    """Ctrl-C reaches the whole process group (the batch and its workers): one line, exit
    130, no worker traceback, no report written, no worker left running."""
    import signal

    sub = tmp_path / "class"
    sub.mkdir()
    for i in range(300):
        (sub / f"s{i}.txt").write_text(RIGHT * 3)
    out = tmp_path / "reports"
    proc = subprocess.Popen([sys.executable, "-m", "symbackprop", "check", "easynet",
                             str(sub), "-o", str(out), "--jobs", "2"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    seen = b""
    while b"] 2/300 files" not in seen:  # the workers are at it
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = seen + err
    assert b"300/300" not in err
    lines = [x for x in err.decode().replace("\r", "\n").split("\n")
             if x and not x.startswith("checking")]
    assert proc.returncode == 130 and len(lines) == 1 and "SIGINT" in lines[0], err
    assert not out.exists() or list(out.iterdir()) == []
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # the group is gone: no worker left
