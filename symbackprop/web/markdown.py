"""A lesson's Markdown as HTML for the browser: CommonMark with tables and dollar math,
raw HTML off (so text from a spec shows as text), math left for KaTeX in the browser,
and the page's own pictures (its SVG diagram, plots) inlined as data URIs."""

from __future__ import annotations

import base64

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

MEDIA = {".svg": "image/svg+xml", ".png": "image/png"}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return md.use(dollarmath_plugin, double_inline=True)


def to_html(text: str, files: dict) -> str:
    md = _parser()
    default_image = md.renderer.rules["image"]

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        body = files.get(src)
        kind = MEDIA.get(src[src.rfind("."):].lower()) if "." in src else None
        if body is not None and kind:  # an <img> never runs an SVG's scripts
            raw = body.encode("utf-8") if isinstance(body, str) else body
            token.attrSet("src", f"data:{kind};base64,{base64.b64encode(raw).decode('ascii')}")
        return default_image(tokens, idx, options, env)

    md.add_render_rule("image", image)
    return md.render(text)
