"""Issue 12 for ``--templates``: a colleague's template folder reads nothing outside it
(no symlink followed out), runs within a time and output limit, and every failure at run
time is one line naming the user's template file and line, exit 2, nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.render import env

LESSON = "markdown/lesson.md.j2"

CASES = {
    # name: (template text, what the error line says, the line it names or None)
    "divide by zero": ("ok\n{{ 1 / 0 }}\n", "ZeroDivisionError", 2),
    "string plus number": ("{{ 'a' + 1 }}\n", "TypeError", 1),
    "power overflow": ("a\nb\n{{ 10 ** 100000 }}\n", "a power too large", 3),
    "float overflow": ("{{ 10.0 ** 400 }}\n", "OverflowError", 1),
    "repetition": ("{{ 'x' * 10 ** 9 }}\n", "repetition past", 1),
    "loops for ever": ("{% for i in range(100000) %}{% for j in range(100000) %}"
                       "{% endfor %}{% endfor %}\n", "still running after", 1),
    "output past the limit": ("{% for i in range(100000) %}{% for j in range(100000) %}"
                              "xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}\n", "grows past", 1),
    "includes itself": ("{% include 'markdown/lesson.md.j2' %}\n", "itself", 1),
}


def _files(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


@pytest.fixture
def quick(monkeypatch):
    """Small limits so that the cases end in seconds (the defaults: env.RENDER_SECONDS,
    env.MAX_OUTPUT, stated in the README)."""
    monkeypatch.setattr(env, "RENDER_SECONDS", 2.0)
    monkeypatch.setattr(env, "MAX_OUTPUT", 1_000_000)


@pytest.mark.parametrize("case", CASES)
def test_hostile_template(tmp_path, capsys, quick, case):
    text, says, line = CASES[case]
    folder = tmp_path / "tpl"
    (folder / "markdown").mkdir(parents=True)
    (folder / LESSON).write_text(text)
    out = tmp_path / "out"
    before = _files(tmp_path)
    start = time.monotonic()
    code = main(["lesson", "easynet", "--format", "md", "--templates", str(folder),
                 "-o", str(out)])
    took = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and says in err, err
    assert f"{folder / LESSON}:{line}:" in err, err
    assert took < 60, took
    assert _files(tmp_path) == before and not out.exists()


def test_not_utf8(tmp_path, capsys):
    folder = tmp_path / "tpl"
    (folder / "markdown").mkdir(parents=True)
    (folder / LESSON).write_bytes(b"\xff\xfe{{ x }}")
    assert main(["lesson", "easynet", "--format", "md", "--templates", str(folder),
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not UTF-8" in err and str(folder / LESSON) in err


@pytest.mark.parametrize("how", ["root link", "file link"])
def test_no_symlink_followed_out(tmp_path, capsys, how):
    """``root -> /`` and ``{% include 'root/etc/passwd' %}``, or the lesson template
    itself a link to a file outside: refused, the outside file's text nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("THE SECRET LINE\n")
    folder = tmp_path / "tpl"
    (folder / "markdown").mkdir(parents=True)
    if how == "root link":
        (folder / "root").symlink_to("/")
        (folder / LESSON).write_text(
            "{% include 'root" + str(secret) + "' %}\n")
    else:
        (folder / LESSON).symlink_to(secret)
    out = tmp_path / "out"
    assert main(["lesson", "easynet", "--format", "md", "--templates", str(folder),
                 "-o", str(out)]) == 2
    cap = capsys.readouterr()
    assert cap.err.count("\n") == 1 and "outside the template folder" in cap.err
    assert "THE SECRET LINE" not in cap.out + cap.err and not out.exists()


def test_a_link_inside_the_folder_is_fine(tmp_path, capsys):
    """Symlinks that stay inside the folder are followed (a shared partial)."""
    folder = tmp_path / "tpl"
    (folder / "markdown").mkdir(parents=True)
    (folder / "shared.j2").write_text("# {{ title }} by hand\n")
    (folder / LESSON).symlink_to(folder / "shared.j2")
    out = tmp_path / "out"
    assert main(["lesson", "easynet", "--format", "md", "--templates", str(folder),
                 "-o", str(out)]) == 0
    assert (out / "easynet.md").read_text() == "# Backpropagation through the easy network by hand\n"
