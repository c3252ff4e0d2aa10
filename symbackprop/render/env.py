"""Jinja2 environments: one factory for every output kind, delimiters set here and
only here.

    markdown, text   {{ }} and {% %}; nothing escaped (Markdown, SVG, plain text)
    latex            nbconvert's ((( ))) and ((* *)), so that braces stay LaTeX's
    html             {{ }} and {% %}, autoescaped (the Moodle XML's HTML parts)
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import SpecError
from .lines import broken, equation


def template_dir() -> Path:
    """The templates shipped in the wheel, or the checkout's templates/ folder."""
    packaged = Path(str(resources.files("symbackprop"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def _tex_escape(text) -> str:
    """Plain text (titles, names a user gave) made safe inside a LaTeX document."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}"}
    return "".join(table.get(c, c) for c in str(text))


def _md_escape(text) -> str:
    """Plain text (a title) made literal in Markdown: the characters that start emphasis,
    code, links, HTML, tables or math are escaped; ( ) + - . ! need not be mid-line, and
    escaping them shows stray backslashes where \\( is read as math (Jupyter)."""
    out = []
    for c in str(text):
        out.append("\\" + c if c in "\\`*_{}[]#|$<>&" else c)
    return "".join(out)


# Agreement figures at floating-point noise level differ between machines (another BLAS,
# another summation order): below this they are printed as a bound, so pages are stable.
NOISE_FLOOR = 1e-12


def _bounded(x, word: str = "below") -> str:
    """An error figure: 2.3e-10, or "below 1e-12" (``word`` below/within) at noise level."""
    return f"{word} 1e-12" if float(x) < NOISE_FLOOR else f"{float(x):.1e}"


KINDS = ("markdown", "text", "latex", "html")


@lru_cache(maxsize=None)
def environment(kind: str, extra: str | None = None, filters: tuple = ()) -> jinja2.Environment:
    """The environment for ``kind`` (one of KINDS). ``extra``: a folder whose templates
    override the built-in ones of the same relative path (markdown/lesson.md.j2,
    latex/_step.tex.j2, ...). ``filters``: (name, function) pairs a caller adds (the
    exam's text filters)."""
    if kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r}; expected one of {KINDS}")
    loaders = [jinja2.FileSystemLoader(str(template_dir()))]
    if extra:
        loaders.insert(0, jinja2.FileSystemLoader(extra))
    options = dict(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                   autoescape=kind == "html")
    if kind == "latex":
        options.update(block_start_string="((*", block_end_string="*))",
                       variable_start_string="(((", variable_end_string=")))",
                       comment_start_string="((=", comment_end_string="=))")
    # sandboxed: an instructor's own templates (--templates) cannot reach Python internals
    env = SandboxedEnvironment(**options)
    env.filters["tex_escape"] = _tex_escape
    env.filters["md_escape"] = _md_escape
    env.filters["bounded"] = _bounded
    env.filters["broken"], env.filters["equation"] = broken, equation  # long displays
    env.filters.update(filters)
    return env


def render(kind: str, name: str, view: dict, extra: str | None = None) -> str:
    """Render a template; a broken or unsafe custom template is a SpecError that names the
    file and line (the built-in templates are tested and never fail here)."""
    try:
        return environment(kind, extra).get_template(name).render(**view)
    except jinja2.TemplateError as exc:
        if extra is None:
            raise
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise SpecError(f"template error: {exc.message or exc}",
                        f"{where}:{line}" if line else where) from None
