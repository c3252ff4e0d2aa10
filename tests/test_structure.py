"""The house rules that a reader checks by eye, checked by the suite: small modules, and
no module asking which kind of spec a graph came from (the front end decided that)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "symbackprop"
MAX_LINES = 400
# Modules allowed over MAX_LINES while they are being split: none now.
SPLITTING: set = set()
# getattr(net, "kind", "layers") == "graph", spec.kind != "layers", ...
KIND_TEST = re.compile(r"""getattr\([^)]*["']kind["']|\.kind\s*[!=]=\s*["'](graph|layers)["']""")


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_the_kind_pattern_catches_what_it_must():
    assert KIND_TEST.search('if getattr(net, "kind", "layers") == "graph":')
    assert KIND_TEST.search("if g.spec.kind != 'layers':")
    assert not KIND_TEST.search('if node.kind == "bias":')


def test_no_module_tests_the_kind_of_spec():
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in modules()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if KIND_TEST.search(line)]
    assert not found, f"string tests on the spec's kind: {found}"


def test_modules_are_small():
    big = {p.relative_to(PACKAGE).as_posix(): n for p in modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(big) <= SPLITTING, f"modules over {MAX_LINES} lines: {big}"
