"""Text of the sheets: instructor text made literal in LaTeX and Markdown, and the
Jinja environments the exam renders through."""

from __future__ import annotations

import re
from functools import lru_cache

from ..render.env import environment

def tex_text(text) -> str:
    """Instructor text made literal in LaTeX: the special characters, and the
    ligatures T1 fonts would make of -- `` '' << >> ?` !`."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}", "-": "-{}", "`": r"\textasciigrave{}",
             "'": r"\textquotesingle{}", "<": r"\textless{}", ">": r"\textgreater{}",
             '"': r"\textquotedbl{}", "|": r"\textbar{}"}
    return "".join(table.get(c, c) for c in " ".join(str(text).split()))


MD_INLINE = "\\`*_[]<>&$|~#"  # special anywhere in a CommonMark/GFM line (# ends headings)


def md_text(text) -> str:
    """Instructor text made literal in Markdown, on one line: backslash escapes
    (CommonMark) for the inline specials, and for what would start a block (a list
    marker ``-``, ``+``, ``1.``, ``1)``, a setext ``=``)."""
    out = "".join("\\" + c if c in MD_INLINE else c for c in " ".join(str(text).split()))
    m = re.match(r"^(\d{1,9})([.)])", out)
    if m:
        return m.group(1) + "\\" + out[len(m.group(1)):]
    return "\\" + out if out[:1] in ("-", "+", "=") else out


@lru_cache(maxsize=None)
def _environment(kind: str):
    """The project's environment for ``kind`` (delimiters set in render/env.py), with
    the exam's filters added to an overlay of its own."""
    env = environment(kind).overlay()
    env.filters = dict(env.filters, tex_text=tex_text, md_text=md_text)
    return env


def render(kind: str, name: str, view: dict) -> str:
    return _environment(kind).get_template(name).render(**view)

