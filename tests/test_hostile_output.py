"""Issue 12, the output side: a command writes its files as one set inside the chosen
folder, or nothing; a kill, a full disk or a read-only folder never leaves a mix of two
runs, a half-written file, a temporary folder or a traceback; nothing outside the folder is
read or written. Each case ends with one line on stderr and the documented exit code."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from symbackprop import spec as specs
from symbackprop.cli import main
from symbackprop.render import write

ROOT = Path(__file__).resolve().parents[1]
SET = ("easynet.md", "easynet.svg", "easynet.tex")
# Two runs whose .md and .tex differ, so a mix is visible: the easynet preset (the old set)
# and the same network with another title and worked example (the new set), same name.
NEW_SPEC = Path(__file__).resolve().parent / "data" / "easynet_other.toml"
OLD = ["easynet"]
NEW = [str(NEW_SPEC)]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file contents, symlink targets, folders."""
    out = {}
    for top, dirs, names in os.walk(folder):
        for n in dirs + names:
            p = Path(top, n)
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("symbackprop: error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    """The lesson of easynet (the old set, 1) and of NEW_SPEC (the new one, 2): their .md
    and .tex differ (title, worked example), so a mix is visible."""
    sets = {}
    for seed, spec in ((1, OLD), (2, NEW)):
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        assert main(["lesson", *spec, "-o", str(folder)]) == 0
        sets[seed] = {n: (folder / n).read_bytes() for n in SET}
    assert sets[1]["easynet.md"] != sets[2]["easynet.md"]
    assert sets[1]["easynet.tex"] != sets[2]["easynet.tex"]
    return sets


def put(folder: Path, files: dict[str, bytes]):
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in files.items():
        (folder / n).write_bytes(data)


def test_full_disk_midway_keeps_the_old_set(tmp_path, capsys, monkeypatch, two_sets):
    out = tmp_path / "out"
    put(out, two_sets[1])
    before = snapshot(tmp_path)
    real, calls = write._write_file, []

    def full(path, data):
        calls.append(path)
        if len(calls) == 2:  # the second file of the set: the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(write, "_write_file", full)
    assert main(["lesson", *NEW, "-o", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "no space left" in line
    assert snapshot(tmp_path) == before  # the old set whole, no temporary folder


def test_a_failed_move_is_undone(tmp_path, capsys, monkeypatch, two_sets):
    """The moves into place fail after the first file went in: it is put back."""
    out = tmp_path / "out"
    put(out, two_sets[1])
    before = snapshot(tmp_path)
    real, moved = os.rename, []

    def rename(src, dst):
        if Path(dst).parent == out:
            moved.append(dst)
            if len(moved) == 2:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    monkeypatch.setattr(write.os, "rename", rename)
    assert main(["lesson", *NEW, "-o", str(out)]) == 1
    monkeypatch.setattr(write.os, "rename", real)
    one_line(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


def test_read_only_folder(tmp_path, capsys, monkeypatch, two_sets):
    out = tmp_path / "out"
    put(out, two_sets[1])
    before = snapshot(tmp_path)

    def read_only(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(write.tempfile, "mkdtemp", read_only)
    assert main(["lesson", "easynet", "-o", str(out)]) == 1
    assert "read-only" in one_line(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_read_only_folder_for_real(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["lesson", "easynet", "-o", str(out)]) == 1
        one_line(capsys.readouterr().err)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


@pytest.mark.parametrize("case", ["output is a file", "target is a folder", "symlink out",
                                  "folder symlink out"])
def test_refused_targets(tmp_path, capsys, case):
    """Bad input about the output place: exit 2, one line, nothing written anywhere."""
    sandbox = tmp_path / "sandbox"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("keep")
    out = sandbox / "out"
    out.mkdir(parents=True)
    if case == "output is a file":
        out.rmdir()
        out.write_text("a file")
    elif case == "target is a folder":
        (out / "easynet.tex").mkdir()
    elif case == "symlink out":
        (out / "easynet.md").symlink_to(outside / "secret.md")
    elif case == "folder symlink out":
        (out / "sub").symlink_to(outside)
    before = snapshot(tmp_path)
    if case == "folder symlink out":  # a name through a folder inside that leads out
        from symbackprop.errors import SpecError

        with pytest.raises(SpecError, match="outside"):
            write.write_all(out, {"sub/secret.md": "overwritten"})
        assert snapshot(tmp_path) == before
        return
    assert main(["lesson", "easynet", "-o", str(out)]) == 2
    one_line(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["../escaped", "/tmp/abs", "a/../../b", ".symbackprop-x",
                                  "", "nul\x00"])
def test_names_that_would_leave_the_folder(tmp_path, name):
    from symbackprop.errors import SpecError

    out = tmp_path / "out"
    with pytest.raises(SpecError):
        write.write_all(out, {f"{name}.md" if name else "": "x"})
    assert list(tmp_path.iterdir()) == []  # not even the folder was made


def test_a_network_name_cannot_leave_the_folder(tmp_path, capsys):
    """name = "../../escaped" with -o a/b/out (issue 12, point 2): refused, nothing made
    (H validates the name at read time too; the writer refuses it whatever the reader)."""
    spec = tmp_path / "esc.toml"
    spec.write_text('name = "../../escaped"\ninputs = 1\n[[layers]]\nunits = 1\n')
    before = snapshot(tmp_path)
    assert main(["lesson", str(spec), "-o", str(tmp_path / "a" / "b" / "out")]) == 2
    one_line(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


def test_kill_at_random_moments_leaves_one_whole_set(tmp_path, two_sets):
    """``lesson`` in a child process, killed at random moments (SIGTERM, SIGINT and
    SIGKILL): the folder holds the whole old set or the whole new one; after SIGTERM and
    SIGINT no temporary folder is left and the exit code says which signal."""
    rng = random.Random(12)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONHASHSEED="0")
    seen = {"old": 0, "new": 0}
    cmd = [sys.executable, "-m", "symbackprop", "lesson", *NEW, "-o"]
    start = time.monotonic()  # how long a whole run takes here: kills spread over it
    subprocess.run(cmd + [str(tmp_path / "timing")], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    whole = time.monotonic() - start
    for k in range(6):
        put(out, two_sets[1])
        sig = (signal.SIGTERM, signal.SIGINT, signal.SIGKILL)[k % 3]
        proc = subprocess.Popen(cmd + [str(out)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.6, 1.6) * whole)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        # -sig: Python's own handler, before main() (importing) or after it (exiting)
        started = proc.returncode != -sig
        assert b"Traceback" not in err or not started
        now = {n: (out / n).read_bytes() for n in SET}
        which = [s for s in (1, 2) if now == two_sets[s]]
        assert which, f"a mix of two runs after {sig.name}"
        seen["old" if which[0] == 1 else "new"] += 1
        left = sorted(p.name for p in out.iterdir())
        if sig != signal.SIGKILL:
            assert left == sorted(SET), left  # no temporary folder (one SIGKILL left went)
            assert proc.returncode in (0, 128 + sig, -sig), (sig, err[-600:])
    assert sum(seen.values()) == 6


def test_the_markdown_image_line_escapes_the_name():
    """A network named like an HTML tag: not raw in the .md (issue 12, point 10)."""
    from symbackprop.pages import Output, lesson_files

    net = replace(specs.load("easynet"), name="<svg onload=alert(1)>")
    files = lesson_files(net, output=Output(formats=("md", "ipynb")))
    for n in ("<svg onload=alert(1)>.md", "<svg onload=alert(1)>.ipynb"):
        assert "<svg onload" not in files[n].replace("\\<svg onload", "")
    assert "(%3Csvg%20onload%3Dalert%281%29%3E.svg)" in files["<svg onload=alert(1)>.md"]


def test_tex_never_gets_a_character_code(tmp_path, capsys):
    """TeX reads ^^5c as a backslash: a name holding ^^ never reaches a .tex."""
    spec = tmp_path / "inj.toml"
    spec.write_text('name = "inj"\ninputs = ["x^^5cinput{^^2fetc^^2fhostname}"]\n'
                    '[[layers]]\nunits = 1\n')
    out = tmp_path / "out"
    assert main(["lesson", str(spec), "-o", str(out)]) == 2
    assert "^^" in one_line(capsys.readouterr().err)
    assert not out.exists()


def test_error_lines_are_inert_on_a_terminal(tmp_path, capsys):
    """A file name with an escape sequence is shown, not obeyed."""
    bad = tmp_path / "\x1b]0;pwned\x07.toml"
    bad.write_text("inputs = [")
    assert main(["lesson", str(bad), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b" in err
    one_line(err)


@pytest.mark.skipif(not __import__("shutil").which("pdflatex"), reason="no pdflatex")
def test_sigterm_during_pdflatex_ends_the_group_and_the_temporary_folders(tmp_path):
    """``exam`` stopped while pdflatex runs: no pdflatex left running, no temporary folder
    (holding answer keys) left in TMPDIR, no exam folder half-written, one line, 143."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "exam"
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONHASHSEED="0")
    proc = subprocess.Popen([sys.executable, "-m", "symbackprop", "exam", "easynet",
                             "--variants", "3", "-o", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not any(tmpdir.glob("symbackprop-latex-*/*.log")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the exam ended before pdflatex could be caught running")
    running = pdflatex_in(tmpdir)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.decode().count("\n") == 1 and b"Traceback" not in err
    time.sleep(0.2)
    assert running and pdflatex_in(tmpdir) == []
    assert list(tmpdir.iterdir()) == [] and not out.exists()


def pdflatex_in(folder: Path) -> list[int]:
    """The processes whose working folder is under ``folder`` (pdflatex's run folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "cwd").startswith(str(folder)):
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def test_exam_killed_at_random_moments_is_one_set(tmp_path):
    """``exam`` (no PDF) killed at random moments over a folder holding seed 1's set and
    the instructor's notes: afterwards the folder is seed 1's set or seed 2's, whole, and
    the notes are there (key.tex and key.json never of two seeds)."""
    rng = random.Random(16)
    env = dict(os.environ, PYTHONHASHSEED="0")
    base = [sys.executable, "-m", "symbackprop", "exam", "easynet", "--no-pdf", "--seed"]
    sets = {}
    for seed in ("1", "2"):
        start = time.monotonic()
        subprocess.run(base + [seed, "-o", str(tmp_path / seed)], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        sets[seed] = snapshot(tmp_path / seed)
    whole = time.monotonic() - start
    assert sets["1"]["key.json"] != sets["2"]["key.json"]
    out = tmp_path / "exam"
    for k in range(4):
        if out.exists():
            __import__("shutil").rmtree(out)
        __import__("shutil").copytree(tmp_path / "1", out)
        (out / "notes.txt").write_text("mine")
        sig = (signal.SIGTERM, signal.SIGKILL)[k % 2]
        proc = subprocess.Popen(base + ["2", "-o", str(out)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 1.4) * whole)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        now = snapshot(out)
        assert now.pop("notes.txt") == b"mine"
        assert now in (sets["1"], sets["2"]), f"a mix after {sig.name}"


@pytest.mark.parametrize("command", [["exam", "easynet", "--no-pdf"],
                                     ["check", "easynet", "{sub}"],
                                     ["lesson", "easynet"]])
def test_output_that_is_a_file_is_said_at_once(tmp_path, capsys, command):
    """-o naming an existing file: exit 2, one line, before any work, the file untouched."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.txt").write_text("dL/dy_pred = -2/N*(y_true - y_pred)\n")
    target = tmp_path / "taken"
    target.write_text("mine")
    before = snapshot(tmp_path)
    start = time.monotonic()
    code = main([c.format(sub=sub) for c in command] + ["-o", str(target)])
    assert code == 2 and "is a file" in one_line(capsys.readouterr().err)
    assert time.monotonic() - start < 20
    assert snapshot(tmp_path) == before


LAYER = "\n[[layers]]\nunits = 1\n"
CORPUS = {  # spec text: what it tries
    "name up two folders": 'name = "../../escaped"\ninputs = 1' + LAYER,
    "absolute name": 'name = "/tmp/symbackprop-hostile-abs"\ninputs = 1' + LAYER,
    "name with a folder": 'name = "a/b"\ninputs = 1' + LAYER,
    "name with an escape": 'name = "x\\u001b[2Jx"\ninputs = 1' + LAYER,
    "input name with ^^": 'inputs = ["x^^5cinput{^^2fetc^^2fpasswd}"]' + LAYER,
    "title with TeX and HTML": 'name = "t"\ntitle = "\\\\input{/etc/passwd} <svg onload=alert(1)> '
                               '$x$ ^^5c %"\ninputs = 1' + LAYER,
}


@pytest.mark.parametrize("case", CORPUS)
def test_hostile_spec_corpus(tmp_path, capsys, monkeypatch, case):
    """Each spec of the corpus ends cleanly (written, or one line and exit 2), quickly,
    and reads or writes nothing outside the output folder; what it writes is inert."""
    sandbox = tmp_path / "sandbox"
    (sandbox / "a" / "b").mkdir(parents=True)
    (sandbox / "spec.toml").write_text(CORPUS[case])
    monkeypatch.chdir(sandbox / "a" / "b")
    before = snapshot(sandbox)
    start = time.monotonic()
    code = main(["lesson", str(sandbox / "spec.toml"), "-o", "out"])
    cap = capsys.readouterr()
    assert time.monotonic() - start < 60
    assert "\x1b" not in cap.out + cap.err
    if code == 2:
        one_line(cap.err)
    else:
        assert code == 0 and cap.err == ""
    after = snapshot(sandbox)
    written = {k: v for k, v in after.items() if k.startswith("a/b/out")}
    assert {k: v for k, v in after.items() if k not in written} == before
    assert not Path("/tmp/symbackprop-hostile-abs.md").exists()
    for name, data in written.items():
        if name.endswith(".tex"):
            assert b"\\input{/etc/passwd}" not in data and b"^^" not in data
        if name.endswith(".md"):
            assert b"<svg onload" not in data.replace(b"\\<svg onload", b"")
