#!/usr/bin/env python3
"""Render the gallery pages to pictures, to look at them as a reader would.

Usage (from the repository root)::

    python3 tools/render_pages.py [OUTDIR] [--src output] [--width 1000] [--column 890]
                                  [--dpi 100] [--only md|tex] [--mark-overflow] [PAGE ...]
    python3 tools/render_pages.py --readme docs      # the two README pictures only

(``/tmp/venv/bin/python`` works too and, having Pillow, stitches tall screenshots.)

``OUTDIR`` defaults to ``/tmp/rendered``.  Without ``PAGE`` arguments every ``*.md``
and ``*.tex`` under ``--src`` (default ``output/``, searched recursively) is rendered;
``PAGE`` arguments name files (or folders) to render instead (``summary.txt`` then lists
only those).

What it writes, keeping the folder structure of ``--src``:

* ``OUTDIR/md/<page>.html`` -- the Markdown page as a standalone HTML page.  The
  conversion is minimal (headings, paragraphs, lists, tables, images, code fences,
  block quotes, rules, bold/italic/code/links); math is passed through untouched and
  typeset in the browser by KaTeX's auto-render extension from the local copy in
  ``tests/katex/node_modules/katex/dist`` (``$$...$$`` in display mode, ``$...$``
  inline; errors are drawn in red instead of thrown).  The page is styled roughly like
  GitHub's Markdown view: a text column of ``--column`` px (default 890), display math
  scrolls sideways when it is wider than the column, as it does on GitHub.
* ``OUTDIR/md/<page>.png`` -- a full-page screenshot of that HTML in headless Chromium,
  ``--width`` pixels wide (a very tall page is shot in slices and stitched with Pillow
  if it is installed; otherwise the slices are kept as ``<page>.partN.png``).
* ``OUTDIR/tex/<page>.pdf`` and ``OUTDIR/tex/<page>-N.png`` -- the LaTeX page compiled
  with ``pdflatex`` (twice, in a scratch folder; the source folder is on TEXINPUTS so
  included pictures are found) and each PDF page rasterized by ``pdftoppm`` at
  ``--dpi``; the LaTeX log is kept as ``<page>.log``.
* ``OUTDIR/summary.txt`` -- per page: the screenshot height, the number of KaTeX
  errors (with their messages), the display equations wider than the column (with
  their widths), and for LaTeX the number of PDF pages and every ``Overfull \\hbox``.

``--readme DOCS_DIR`` writes only ``DOCS_DIR/easynet-markdown.png`` (the top of
easynet.md down to the end of the first derivation, ``--width`` px wide, with a text
column 50 px narrower than that so no display scrolls) and ``DOCS_DIR/easynet-pdf.png``
(page 2 of easynet.pdf at ``--dpi``); with Pillow both are saved with a 256-colour palette.

``--mark-overflow`` outlines, in the screenshots, every display equation wider than
the column (dashed red) and every KaTeX error (red box) so they are easy to spot.

Needs: Python 3 (standard library), ``chromium`` (or ``chromium-browser`` /
``google-chrome``; set ``CHROMIUM=/path`` to choose), ``pdflatex``, ``pdftoppm``;
Pillow is optional.  Nothing is written outside ``OUTDIR`` and a temporary folder.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIST = ROOT / "tests" / "katex" / "node_modules" / "katex" / "dist"
MAX_SHOT = 12000  # pixels: taller pages are shot in slices

# --------------------------------------------------------------------------------------
# A minimal Markdown to HTML converter (math-safe)
# --------------------------------------------------------------------------------------

_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)\$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _protect(text: str):
    """Replace code spans and inline math by placeholders; return text and table."""
    saved: list[str] = []

    def keep(s: str) -> str:
        saved.append(s)
        return f"\x00{len(saved) - 1}\x00"

    text = _CODE_SPAN.sub(lambda m: keep("<code>" + html.escape(m.group(2).strip()) + "</code>"), text)
    text = _INLINE_MATH.sub(lambda m: keep(html.escape(m.group(0), quote=False)), text)
    # CommonMark backslash escapes (outside code and math): \( -> (, \* -> *, ...
    text = re.sub(r"\\([!-/:-@\[-`{-~])", lambda m: keep("<span>$</span>" if m.group(1) == "$" else html.escape(m.group(1))), text)
    return text, saved


def _restore(text: str, saved: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: saved[int(m.group(1))], text)


def inline(text: str, base: Path) -> str:
    text, saved = _protect(text)
    text = html.escape(text, quote=False)
    text = re.sub(
        r"!\[([^\]]*)\]\(([^)\s]+)\)",
        lambda m: f'<img alt="{html.escape(m.group(1))}" src="{_url(m.group(2), base)}">',
        text,
    )
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f'<a href="{_url(m.group(2), base)}">{m.group(1)}</a>', text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)
    text = re.sub(r"(?<![\w\\])_(?!\s)(.+?)(?<!\s)_(?!\w)", r"<em>\1</em>", text)
    text = text.replace("  \n", "<br>\n")
    return _restore(text, saved)


def _url(target: str, base: Path) -> str:
    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
        return html.escape(target)
    return html.escape((base / target).resolve().as_uri())


def _split_row(line: str) -> list[str]:
    """Cells of a table row; a | inside $...$ or `...` does not split."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells, cur, in_math, in_code, i = [], "", False, False, 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            cur += line[i : i + 2]
            i += 2
            continue
        if c == "`" and not in_math:
            in_code = not in_code
        elif c == "$" and not in_code:
            in_math = not in_math
        elif c == "|" and not in_math and not in_code:
            cells.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    cells.append(cur.strip())
    return cells


_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LIST = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")


def markdown_to_html(md: str, base: Path) -> str:
    lines = md.splitlines()
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush_para():
        if para:
            out.append("<p>" + inline("\n".join(para), base) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        # code fence
        if stripped.startswith("```") or stripped.startswith("~~~"):
            flush_para()
            fence = stripped[:3]
            lang = stripped[3:].strip()
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            i += 1
            cls = f' class="language-{html.escape(lang)}"' if lang else ""
            out.append(f"<pre><code{cls}>" + html.escape("\n".join(body)) + "</code></pre>")
            continue
        # display math block: $$ ... $$ (possibly on one line)
        if stripped.startswith("$$"):
            flush_para()
            block = [line]
            if not (len(stripped) > 2 and stripped.endswith("$$") and stripped != "$$"):
                i += 1
                while i < len(lines):
                    block.append(lines[i])
                    if lines[i].strip().endswith("$$"):
                        break
                    i += 1
            i += 1
            out.append('<div class="math-block">' + html.escape("\n".join(block), quote=False) + "</div>")
            continue
        if not stripped:
            flush_para()
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            flush_para()
            n = len(m.group(1))
            out.append(f"<h{n}>{inline(m.group(2), base)}</h{n}>")
            i += 1
            continue
        if re.match(r"^\s*([-*_])(\s*\1){2,}\s*$", line) and not para:
            out.append("<hr>")
            i += 1
            continue
        # table
        if stripped.startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            flush_para()
            head = _split_row(line)
            aligns = []
            for c in _split_row(lines[i + 1]):
                c = c.strip()
                aligns.append("center" if c.startswith(":") and c.endswith(":") else "right" if c.endswith(":") else "left" if c.startswith(":") else "")
            i += 2
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_split_row(lines[i]))
                i += 1

            def cell(tag, j, text):
                a = aligns[j] if j < len(aligns) and aligns[j] else ""
                style = f' style="text-align:{a}"' if a else ""
                return f"<{tag}{style}>{inline(text, base)}</{tag}>"

            t = ["<table>", "<thead><tr>" + "".join(cell("th", j, c) for j, c in enumerate(head)) + "</tr></thead>", "<tbody>"]
            for r in rows:
                r = (r + [""] * len(head))[: len(head)]
                t.append("<tr>" + "".join(cell("td", j, c) for j, c in enumerate(r)) + "</tr>")
            t.append("</tbody></table>")
            out.append("\n".join(t))
            continue
        # block quote
        if stripped.startswith(">"):
            flush_para()
            body = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                body.append(re.sub(r"^\s*>\s?", "", lines[i]))
                i += 1
            out.append("<blockquote>" + markdown_to_html("\n".join(body), base) + "</blockquote>")
            continue
        # list
        m = _LIST.match(line)
        if m and not para:
            ordered = m.group(2)[0].isdigit()
            indent = len(m.group(1))
            items: list[list[str]] = []
            while i < len(lines):
                m2 = _LIST.match(lines[i])
                if m2 and len(m2.group(1)) == indent:
                    items.append([m2.group(3)])
                    i += 1
                elif lines[i].strip() and (lines[i].startswith(" " * (indent + 2)) or lines[i].startswith("\t")) and items:
                    items[-1].append(lines[i][indent + 2 :] if lines[i].startswith(" ") else lines[i][1:])
                    i += 1
                elif not lines[i].strip() and i + 1 < len(lines) and items and (
                    lines[i + 1].startswith(" " * (indent + 2)) or (_LIST.match(lines[i + 1]) and len(_LIST.match(lines[i + 1]).group(1)) == indent)
                ):
                    items[-1].append("")
                    i += 1
                elif lines[i].strip() and not _LIST.match(lines[i]) and items and items[-1][-1].strip() and not lines[i].startswith(("#", "|", "$$", "```")):
                    items[-1].append(lines[i])  # lazy continuation
                    i += 1
                else:
                    break
            tag = "ol" if ordered else "ul"
            parts = [f"<{tag}>"]
            for it in items:
                body = "\n".join(it).strip("\n")
                if "\n\n" in body or "$$" in body or _LIST.search(body.split("\n", 1)[-1] if "\n" in body else ""):
                    parts.append("<li>" + markdown_to_html(body, base) + "</li>")
                else:
                    parts.append("<li>" + inline(body, base) + "</li>")
            parts.append(f"</{tag}>")
            out.append("\n".join(parts))
            continue
        para.append(line)
        i += 1
    flush_para()
    return "\n".join(out)


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{katex}/katex.min.css">
<style>
body {{ margin: 0; background: #fff; color: #1f2328;
  font: 16px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }}
main {{ box-sizing: content-box; max-width: {column}px; margin: 0 auto; padding: 32px {pad}px; }}
h1, h2 {{ border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }}
h1 {{ font-size: 2em; }} h2 {{ font-size: 1.5em; margin-top: 24px; }} h3 {{ font-size: 1.25em; }}
p, ul, ol, table, pre, blockquote {{ margin: 0 0 16px; }}
img {{ max-width: 100%; background: #fff; }}
table {{ border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }}
th, td {{ border: 1px solid #d1d9e0; padding: 6px 13px; }}
tr:nth-child(2n) {{ background: #f6f8fa; }}
code {{ background: #eff1f3; padding: .2em .4em; border-radius: 6px; font-size: 85%; }}
pre {{ background: #f6f8fa; padding: 16px; overflow: auto; }} pre code {{ background: none; padding: 0; }}
blockquote {{ color: #59636e; border-left: .25em solid #d1d9e0; padding: 0 1em; margin-left: 0; }}
.math-block {{ margin: 0 0 16px; }}
.katex-display {{ overflow-x: auto; overflow-y: hidden; padding: 2px 0; }}
.katex {{ font-size: 1.15em; }}
{extra_css}
</style>
<script defer src="{katex}/katex.min.js"></script>
<script defer src="{katex}/contrib/auto-render.min.js"></script>
<script>
document.addEventListener("DOMContentLoaded", function () {{
  renderMathInElement(document.body, {{
    delimiters: [{{left: "$$", right: "$$", display: true}}, {{left: "$", right: "$", display: false}}],
    throwOnError: false, errorColor: "#cc0000", strict: "ignore", trust: false
  }});
  var report = function () {{
    var m = document.querySelector("main"), cs = getComputedStyle(m);
    var col = m.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    var wide = [];
    document.querySelectorAll(".katex-display").forEach(function (d) {{
      var w = d.querySelector(".katex-html") ? d.querySelector(".katex-html").scrollWidth : d.scrollWidth;
      if (d.scrollWidth > d.clientWidth + 1 || w > col + 1) {{
        wide.push(Math.round(w));
        if ({mark}) d.style.outline = "2px dashed #cc0000";
      }}
    }});
    var errs = [];
    document.querySelectorAll(".katex-error").forEach(function (e) {{
      errs.push((e.getAttribute("title") || e.textContent).replace(/\\s+/g, " ").slice(0, 200));
      if ({mark}) e.style.outline = "2px solid #cc0000";
    }});
    var s = document.getElementById("render-report");
    s.setAttribute("data-height", Math.ceil(document.documentElement.scrollHeight));
    s.setAttribute("data-column", col);
    s.setAttribute("data-wide", wide.join(","));
    var h3 = [];
    document.querySelectorAll("h3").forEach(function (h) {{ h3.push(Math.round(h.getBoundingClientRect().top + window.scrollY)); }});
    s.setAttribute("data-h3", h3.join(","));
    s.textContent = JSON.stringify(errs);
  }};
  if (document.fonts && document.fonts.ready) {{ document.fonts.ready.then(report); }} else {{ report(); }}
  window.addEventListener("load", report);
}});
</script>
</head><body>
<main>
{body}
</main>
<script type="application/json" id="render-report"></script>
</body></html>
"""


def write_html(md_path: Path, html_path: Path, mark: bool, offset: int = 0, height: int | None = None,
               width: int = 1000, column: int = 890) -> None:
    md = md_path.read_text(encoding="utf-8")
    body = markdown_to_html(md, md_path.parent)
    m = re.search(r"^#\s+(.*)$", md, re.M)
    extra = ""
    if height is not None:  # one slice of a tall page
        extra = f"html {{ overflow: hidden; height: {height}px; }} body {{ margin-top: -{offset}px; }}"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(
        PAGE.format(
            title=html.escape(m.group(1) if m else md_path.stem),
            katex=KATEX_DIST.as_uri(),
            body=body,
            mark="true" if mark else "false",
            extra_css=extra,
            column=column,
            pad=max(16, min(45, (width - column) // 2)),
        ),
        encoding="utf-8",
    )


# --------------------------------------------------------------------------------------
# Headless Chromium
# --------------------------------------------------------------------------------------


def find_chromium() -> str:
    for c in [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]:
        if c and shutil.which(c):
            return shutil.which(c)
    sys.exit("render_pages: no chromium found (apt-get install -y chromium, or set CHROMIUM=/path)")


def chromium(browser: str, args: list[str], profile: str) -> subprocess.CompletedProcess:
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--allow-file-access-from-files", "--hide-scrollbars=false", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def measure(browser: str, html_path: Path, width: int, profile: str) -> dict:
    r = chromium(browser, [f"--window-size={width},1000", "--dump-dom", html_path.as_uri()], profile)
    m = re.search(r'<script[^>]*id="render-report"([^>]*)>(.*?)</script>', r.stdout, re.S)
    info = {"height": 2000, "wide": [], "errors": [], "column": None}
    if not m:
        info["errors"] = ["(could not read the page's report; chromium said: " + r.stderr.strip()[-300:] + ")"]
        return info
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1)))
    if "height" in attrs:
        info["height"] = int(float(attrs["height"]))
    info["column"] = attrs.get("column")
    info["wide"] = [int(w) for w in attrs.get("wide", "").split(",") if w]
    info["h3"] = [int(y) for y in attrs.get("h3", "").split(",") if y]
    try:
        info["errors"] = json.loads(html.unescape(m.group(2)) or "[]")
    except ValueError:
        info["errors"] = [m.group(2)[:300]]
    return info


def screenshot(browser: str, html_path: Path, png: Path, width: int, height: int, profile: str) -> bool:
    r = chromium(browser, [f"--window-size={width},{height}", f"--screenshot={png}", html_path.as_uri()], profile)
    if not png.exists():
        print(f"  chromium failed on {html_path}: {r.stderr.strip()[-400:]}", file=sys.stderr)
        return False
    return True


def render_md(browser: str, md_path: Path, rel: Path, outdir: Path, width: int, column: int, mark: bool, profile: str) -> dict:
    html_path = outdir / "md" / rel.with_suffix(".html")
    png = outdir / "md" / rel.with_suffix(".png")
    write_html(md_path, html_path, mark, width=width, column=column)
    info = measure(browser, html_path, width, profile)
    height = info["height"]
    for old in png.parent.glob(png.stem + ".part*.png"):
        old.unlink()
    if height <= MAX_SHOT:
        screenshot(browser, html_path, png, width, height, profile)
        info["png"] = [png]
        return info
    # tall page: shoot slices of the same page shifted up, then stitch
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, off in enumerate(range(0, height, MAX_SHOT)):
            h = min(MAX_SHOT, height - off)
            slice_html = Path(tmp) / f"slice{k}.html"
            write_html(md_path, slice_html, mark, offset=off, height=h, width=width, column=column)
            part = png.parent / f"{png.stem}.part{k + 1}.png"
            if screenshot(browser, slice_html, part, width, h, profile):
                parts.append(part)
    try:
        from PIL import Image  # optional

        ims = [Image.open(p) for p in parts]
        whole = Image.new("RGB", (width, sum(im.height for im in ims)), "white")
        y = 0
        for im in ims:
            whole.paste(im, (0, y))
            y += im.height
        whole.save(png, optimize=True)
        for p in parts:
            p.unlink()
        info["png"] = [png]
    except ImportError:
        info["png"] = parts
    return info


# --------------------------------------------------------------------------------------
# LaTeX
# --------------------------------------------------------------------------------------


def render_tex(tex_path: Path, rel: Path, outdir: Path, dpi: int) -> dict:
    dest = outdir / "tex" / rel.parent
    dest.mkdir(parents=True, exist_ok=True)
    stem = rel.stem
    info: dict = {"pages": 0, "overfull": [], "ok": False, "png": []}
    with tempfile.TemporaryDirectory() as build:
        env = dict(os.environ, TEXINPUTS=f"{tex_path.parent}{os.pathsep}", openout_any="p")
        for _ in range(2):
            r = subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                 f"-output-directory={build}", str(tex_path)],
                cwd=build, env=env, capture_output=True, text=True, errors="replace", timeout=300,
            )
        log = Path(build) / f"{stem}.log"
        if log.exists():
            text = log.read_text(errors="replace")
            shutil.copy(log, dest / f"{stem}.log")
            info["overfull"] = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) (?:in paragraph|detected) at lines? (\d+(?:--\d+)?)", text)
            info["log_errors"] = re.findall(r"^! .*$", text, re.M)
        pdf = Path(build) / f"{stem}.pdf"
        if r.returncode == 0 and pdf.exists():
            shutil.copy(pdf, dest / f"{stem}.pdf")
            info["ok"] = True
    if not info["ok"]:
        return info
    for old in dest.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(dest / f"{stem}.pdf"), str(dest / stem)], check=True)
    info["png"] = sorted(dest.glob(f"{stem}-*.png"))
    info["pages"] = len(info["png"])
    return info


def readme_pictures(src: Path, docs: Path, outdir: Path, width: int, dpi: int) -> int:
    """The two README pictures: the top of easynet.md (diagram, forward pass, loss and the
    first derivation, down to the second derivation's heading) and page 2 of easynet.pdf."""
    docs.mkdir(parents=True, exist_ok=True)
    browser = find_chromium()
    column = width - 50  # a column as wide as the picture allows, so no display scrolls
    with tempfile.TemporaryDirectory() as profile:
        html_path = outdir / "md" / "easynet.readme.html"
        write_html(src / "easynet.md", html_path, False, width=width, column=column)
        info = measure(browser, html_path, width, profile)
        cut = info["h3"][1] - 12 if len(info["h3"]) > 1 else 1600
        png = docs / "easynet-markdown.png"
        screenshot(browser, html_path, png, width, cut, profile)
        if info["wide"] or info["errors"]:
            print(f"  note: {len(info['wide'])} display(s) wider than {column} px, {len(info['errors'])} KaTeX error(s) on easynet.md")
    tex = render_tex(src / "easynet.tex", Path("easynet.tex"), outdir, dpi)
    if not tex["ok"]:
        print("render_pages: pdflatex failed on easynet.tex", file=sys.stderr)
        return 1
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "2", "-l", "2",
                    str(outdir / "tex" / "easynet.pdf"), str(docs / "easynet-pdf")], check=True)
    for p in (png, docs / "easynet-pdf.png"):
        try:  # optional: a smaller file with a 256-colour palette
            from PIL import Image

            Image.open(p).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(p, optimize=True)
        except ImportError:
            pass
        print(f"{p} ({p.stat().st_size // 1024} KB)")
    return 0


# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", default="/tmp/rendered", help="where to write (default /tmp/rendered)")
    ap.add_argument("pages", nargs="*", help="pages (or folders) to render; default: everything under --src")
    ap.add_argument("--src", default=str(ROOT / "output"), help="the gallery folder (default: output/)")
    ap.add_argument("--width", type=int, default=1000, help="browser window width in pixels (default 1000)")
    ap.add_argument("--dpi", type=int, default=100, help="resolution of the PDF page images (default 100)")
    ap.add_argument("--only", choices=["md", "tex"], help="render only the Markdown or only the LaTeX pages")
    ap.add_argument("--column", type=int, default=890,
                    help="width of the Markdown text column in pixels (default 890, about GitHub's at 1000 px)")
    ap.add_argument("--readme", metavar="DOCS_DIR",
                    help="only write the README pictures DOCS_DIR/easynet-markdown.png and DOCS_DIR/easynet-pdf.png")
    ap.add_argument("--mark-overflow", action="store_true", help="outline over-wide equations and KaTeX errors in red")
    a = ap.parse_args(argv)

    src = Path(a.src).resolve()
    outdir = Path(a.outdir).resolve()
    if a.readme:
        return readme_pictures(src, Path(a.readme).resolve(), outdir, a.width, a.dpi)
    targets = [Path(p).resolve() for p in a.pages] or [src]
    files: list[Path] = []
    for t in targets:
        files += sorted(t.rglob("*")) if t.is_dir() else [t]
    kinds = {"md", "tex"} if a.only is None else {a.only}
    files = [f for f in files if f.suffix[1:] in kinds and f.is_file()]
    if not files:
        print("render_pages: nothing to render", file=sys.stderr)
        return 1

    def relative(f: Path) -> Path:
        try:
            return f.relative_to(src)
        except ValueError:
            return Path(f.name)

    outdir.mkdir(parents=True, exist_ok=True)
    summary = []
    browser = find_chromium() if any(f.suffix == ".md" for f in files) else None
    if browser and not KATEX_DIST.exists():
        sys.exit(f"render_pages: KaTeX not found at {KATEX_DIST} (npm install in tests/katex)")
    with tempfile.TemporaryDirectory() as profile:
        for f in files:
            rel = relative(f)
            print(f"{rel} ...", flush=True)
            if f.suffix == ".md":
                info = render_md(browser, f, rel, outdir, a.width, a.column, a.mark_overflow, profile)
                line = f"{rel}: {info['height']} px tall, {len(info['errors'])} KaTeX error(s), {len(info['wide'])} display equation(s) wider than the {info['column']} px column"
                if info["wide"]:
                    line += " (widths " + ", ".join(map(str, info["wide"])) + " px)"
                line += "\n" + "".join(f"    KaTeX: {e}\n" for e in info["errors"])
                line += "".join(f"    -> {p}\n" for p in info.get("png", []))
            else:
                info = render_tex(f, rel, outdir, a.dpi)
                if not info["ok"]:
                    line = f"{rel}: pdflatex FAILED " + "; ".join(info.get("log_errors", [])[:3]) + "\n"
                else:
                    line = f"{rel}: {info['pages']} page(s), {len(info['overfull'])} overfull line(s)\n"
                    line += "".join(f"    Overfull \\hbox {w}pt too wide at line {ln}\n" for w, ln in info["overfull"])
                    line += f"    -> {outdir / 'tex' / rel.with_suffix('.pdf')} and {len(info['png'])} PNG page(s)\n"
            print("  " + line.rstrip().replace("\n", "\n  "))
            summary.append(line.rstrip())
    (outdir / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    print(f"summary: {outdir / 'summary.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
