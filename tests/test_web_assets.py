"""The app serves every asset itself: KaTeX's script, style sheet and fonts are the
files of the npm package pinned in tests/katex/, byte for byte, and every font the
style sheet asks a browser for (woff2) is there; the pages name no other host."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "symbackprop" / "web" / "static"
NPM = ROOT / "tests" / "katex" / "node_modules" / "katex"


@pytest.mark.skipif(not NPM.is_dir(), reason="npm ci in tests/katex installs KaTeX")
def test_katex_files_are_the_npm_packages():
    pinned = json.loads((ROOT / "tests" / "katex" / "package.json").read_text())
    assert json.loads((NPM / "package.json").read_text())["version"] == pinned["dependencies"]["katex"]
    ours = sorted(p.relative_to(STATIC / "katex") for p in (STATIC / "katex").rglob("*")
                  if p.is_file())
    assert ours, "no KaTeX files"
    for rel in ours:
        source = NPM / ("LICENSE" if rel.name == "LICENSE" else Path("dist") / rel)
        assert (STATIC / "katex" / rel).read_bytes() == source.read_bytes(), rel


def test_every_woff2_font_of_the_style_sheet_is_served():
    css = (STATIC / "katex" / "katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(fonts) == 20
    for f in fonts:
        assert (STATIC / "katex" / f).is_file(), f


def test_pages_and_scripts_name_no_other_host():
    files = list((ROOT / "templates" / "web").glob("*.j2")) + list(STATIC.glob("*.*"))
    for f in files:
        text = f.read_text()
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), f
        assert "cdn" not in text.lower(), f
