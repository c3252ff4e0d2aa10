"""The README's pictures of the 4-wide lesson and the circuit: their SVG diagrams and a
stretch of the Markdown page as a reader sees it (markdown-it for the Markdown, KaTeX from
tests/katex/ for the math), taken by headless Chromium.

    python docs/lesson_pictures.py      # writes docs/wide-*.png and docs/circuit-diagram.png

Needs: chromium on the PATH, `npm ci` in tests/katex, markdown-it-py (pip).
"""

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
KATEX = ROOT / "tests" / "katex" / "node_modules" / "katex" / "dist"
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--virtual-time-budget=5000", "--disable-background-networking", "--no-first-run"]
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{katex}/katex.min.css">
<script src="{katex}/katex.min.js"></script>
<script src="{katex}/contrib/auto-render.min.js"></script>
<style>body {{ font: 17px/1.5 Georgia, serif; max-width: 860px; margin: 24px; }}
code {{ font-size: 15px; }} img {{ max-width: 100%; }}</style></head>
<body>{body}
<script>renderMathInElement(document.body, {{delimiters: [
  {{left: "$$", right: "$$", display: true}}, {{left: "$", right: "$", display: false}}],
  throwOnError: true}});</script></body></html>"""


def markdown_html(md: str) -> str:
    """The Markdown as HTML with its math left as $...$ text for KaTeX's auto-render."""
    maths: list[str] = []

    def keep(m):
        maths.append(m.group(0))
        return f"MATH{len(maths) - 1}X"

    protected = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", keep, md, flags=re.S)
    body = MarkdownIt("commonmark").enable("table").render(protected)
    return re.sub(r"MATH(\d+)X", lambda m: html.escape(maths[int(m.group(1))]), body)


def shoot(page: Path, png: Path, width: int, height: int) -> None:
    subprocess.run(CHROMIUM + [f"--window-size={width},{height}", f"--screenshot={png}",
                               page.as_uri()], check=True, capture_output=True, timeout=120)


def svg_size(svg: str) -> tuple[int, int]:
    m = re.search(r'width="(\d+)" height="(\d+)"', svg)
    return int(m.group(1)), int(m.group(2))


def section(md: str, start: str, stop: str) -> str:
    """The Markdown from the heading containing ``start`` up to the one containing ``stop``."""
    a = md.index(start)
    return md[a:md.index(stop, a)]


def main() -> None:
    out = ROOT / "output"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("wide", "circuit"):
            svg = (out / f"{name}.svg").read_text()
            shutil.copy(out / f"{name}.svg", tmp / f"{name}.svg")
            w, h = svg_size(svg)
            shoot(tmp / f"{name}.svg", ROOT / "docs" / f"{name}-diagram.png", w, h)
        md = (out / "wide.md").read_text()
        # δ of a hidden unit, a weight citing it, and a branching sum citing every δ
        part = section(md, r"### $\delta_1^{[2]}", r"### $\delta_1^{[1]}")
        page = tmp / "wide.html"
        page.write_text(PAGE.format(katex=KATEX.as_uri(), body=markdown_html(part)))
        shoot(page, ROOT / "docs" / "wide-markdown.png", 900, 1500)


if __name__ == "__main__":
    main()
