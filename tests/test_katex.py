"""Every math block of every generated Markdown page renders in KaTeX with
throwOnError and strict: "error" (the npm package katex, run by node; .ci/run installs it)."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KATEX = Path(__file__).with_name("katex")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (KATEX / "node_modules" / "katex").is_dir(),
    reason="node and tests/katex/node_modules/katex are needed (npm ci in tests/katex)")


def math_blocks(text: str):
    """($$ display blocks, ```math fences, and inline $...$) with their line numbers."""
    blocks = []
    for m in re.finditer(r"\$\$(.+?)\$\$", text, flags=re.S):
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1), True))
    for m in re.finditer(r"```math\n(.+?)```", text, flags=re.S):
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1), True))
    stripped = re.sub(r"\$\$.+?\$\$|```.+?```", lambda m: "\n" * m.group(0).count("\n"), text,
                      flags=re.S)
    for n, line in enumerate(stripped.splitlines(), 1):
        for m in re.finditer(r"(?<![\\$])\$([^$\n]+?)\$", line):
            blocks.append((n, m.group(1), False))
    return blocks


def test_math_blocks_are_found():
    text = "a $x_1$ b\n\n$$\n\\frac{dL}{dw}\n$$\n| $h_1$ | 2 |\n"
    assert [(n, t.strip(), d) for n, t, d in math_blocks(text)] == [
        (3, r"\frac{dL}{dw}", True), (1, "x_1", False), (6, "h_1", False)]


def gallery_pages():
    return sorted(ROOT.glob("output/**/*.md"))


@pytest.mark.parametrize("page", gallery_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_math_block_renders_in_katex(page):
    blocks = [{"id": f"{page.name}:{n}", "tex": tex, "display": display}
              for n, tex, display in math_blocks(page.read_text(encoding="utf-8"))]
    assert blocks, "no math found"
    run = subprocess.run(["node", str(KATEX / "render.js")], input=json.dumps(blocks),
                         capture_output=True, text=True, timeout=300, cwd=KATEX)
    assert run.returncode == 0, run.stderr
    failures = json.loads(run.stdout)
    assert not failures, "\n".join(f"{f['id']}: {f['error']}" for f in failures[:20])


def test_katex_rejects_bad_math():
    """The check can fail: an undefined control sequence is caught."""
    run = subprocess.run(["node", str(KATEX / "render.js")],
                         input=json.dumps([{"id": "bad", "tex": r"\frac{a}{b} \nosuchmacro", "display": True}]),
                         capture_output=True, text=True, timeout=60, cwd=KATEX)
    assert json.loads(run.stdout)[0]["id"] == "bad"
