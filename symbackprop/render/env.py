"""Jinja2 environments: one factory for every output kind, delimiters set here and
only here.

    markdown, text   {{ }} and {% %}; nothing escaped (Markdown, SVG, plain text)
    latex            nbconvert's ((( ))) and ((* *)), so that braces stay LaTeX's
    html             {{ }} and {% %}, autoescaped (the Moodle XML's HTML parts)
"""

from __future__ import annotations

import math

import os
import sys
import time
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


def _tex_guard(value):
    """Every value printed into LaTeX: TeX reads ``^^5c`` as a backslash (and ``^^`` with
    any two hex digits as that character), so a name holding ``^^`` could smuggle in
    ``\\input``; no page symbackprop writes has it, so it is refused, whatever escaping
    a name went through before."""
    if isinstance(value, str) and "^^" in value:
        raise SpecError(f"{value[:60]!r} holds ^^, which TeX reads as a character code; "
                        f"names may not contain it")
    return value


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
# A central finite difference in double precision is good to about 1e-10 (its rounding
# depends on the machine's BLAS): below this its error figures are printed as a bound.
FD_FLOOR = 1e-8


def _bounded(x, word: str = "below", floor: float = NOISE_FLOOR) -> str:
    """An error figure: 2.3e-10, or "below 1e-12" (``word`` below/within) under ``floor``,
    where the digits are rounding noise that differs between machines."""
    if float(x) < floor:
        return f"{word} 1e{round(math.log10(floor))}"
    return f"{float(x):.1e}"


KINDS = ("markdown", "text", "latex", "html")

# What a template folder given by a user (--templates) may cost: output characters and
# seconds per render, and the size of any string, list or number its arithmetic builds.
MAX_OUTPUT = 20_000_000
RENDER_SECONDS = 30.0
MAX_VALUE_DIGITS = 10_000


class TemplateLimit(jinja2.TemplateError):
    """A user's template went past a limit or failed while running; ``filename`` and
    ``lineno`` say where, as for Jinja's own errors."""

    def __init__(self, message, filename=None, lineno=None):
        super().__init__(message)
        self.filename, self.lineno = filename, lineno


class _FolderLoader(jinja2.FileSystemLoader):
    """A user's template folder: nothing outside it is read (a symlink inside that leads
    out, ``root -> /``, is refused), and a file that is not UTF-8 is an error naming it."""

    def get_source(self, environment, template):
        folder = Path(self.searchpath[0]).resolve()
        path = folder / template
        if path.exists() and not path.resolve().is_relative_to(folder):
            raise TemplateLimit(f"{template} resolves to {path.resolve()}, outside the "
                                f"template folder {self.searchpath[0]}",
                                str(Path(self.searchpath[0]) / template))
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise TemplateLimit(f"not UTF-8 text (byte {exc.start})",
                                str(Path(self.searchpath[0]) / template)) from None


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox (no Python internals) with arithmetic bounded in size: a string or
    list repeated or joined past MAX_OUTPUT, a power past MAX_VALUE_DIGITS digits."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and all(isinstance(x, (int, float)) for x in (left, right)):
            if abs(right) * len(str(int(abs(left)) or 1)) > MAX_VALUE_DIGITS and abs(left) > 1:
                raise OverflowError(f"a power too large ({left} ** {right})")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) \
                        and len(seq) * n > MAX_OUTPUT:
                    raise OverflowError(f"a repetition past {MAX_OUTPUT} items")
        if operator == "+" and isinstance(left, (str, list, tuple)) \
                and isinstance(right, (str, list, tuple)) and len(left) + len(right) > MAX_OUTPUT:
            raise OverflowError(f"a sum past {MAX_OUTPUT} items")
        return super().call_binop(context, operator, left, right)


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
        loaders.insert(0, _FolderLoader(extra))
    options = dict(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                   autoescape=kind == "html")
    if kind == "latex":
        options["finalize"] = _tex_guard
        options.update(block_start_string="((*", block_end_string="*))",
                       variable_start_string="(((", variable_end_string=")))",
                       comment_start_string="((=", comment_end_string="=))")
    # sandboxed: an instructor's own templates (--templates) cannot reach Python internals
    env = _Sandbox(**options)
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
        template = environment(kind, extra).get_template(name)
        return template.render(**view) if extra is None else _limited(template, view, extra)
    except jinja2.TemplateError as exc:
        if extra is None:
            raise
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise SpecError(f"template error: {exc.message or exc}",
                        f"{where}:{line}" if line else where) from None


def _limited(template, view: dict, extra: str) -> str:
    """Render with a user's folder in the loader: at most MAX_OUTPUT characters and
    RENDER_SECONDS seconds (the lines of the user's templates are timed as they run), and
    a failure at run time (a division by zero, a string added to a number, a template
    including itself) is a TemplateLimit naming the user's file and line."""
    mine = tuple({p.rstrip(os.sep) + os.sep for p in (str(Path(extra).resolve()),
                                                      os.path.abspath(extra),
                                                      os.path.normpath(extra))})
    deadline = time.monotonic() + RENDER_SECONDS
    where = [None, None]

    def on_line(frame, event, arg):
        if event == "line":
            where[:] = frame.f_code.co_filename, _template_line(frame)
            if time.monotonic() > deadline:
                raise TimeoutError
        return on_line

    def on_call(frame, event, arg):  # only the user's template code is traced line by line
        return on_line if frame.f_code.co_filename.startswith(mine) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    out, size = [], 0
    try:
        for chunk in template.generate(**view):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit(f"the page grows past {MAX_OUTPUT} characters", *where)
            out.append(chunk)
    except TimeoutError:
        raise TemplateLimit(f"still running after {RENDER_SECONDS:g} s", *where) from None
    except RecursionError as exc:
        raise TemplateLimit("includes or calls itself without end",
                            *_user_frame(exc, mine, where)) from None
    except (ArithmeticError, TypeError, ValueError, MemoryError) as exc:
        raise TemplateLimit(f"{type(exc).__name__}: {exc}",
                            *_user_frame(exc, mine, where)) from None
    except jinja2.UndefinedError as exc:  # a name the view does not have
        raise TemplateLimit(exc.message or str(exc), *_user_frame(exc, mine, where)) from None
    finally:
        sys.settrace(previous)
    return "".join(out)


def _template_line(frame) -> int | None:
    """The template line a frame of compiled template code is at (Jinja's debug map)."""
    template = frame.f_globals.get("__jinja_template__")
    return template.get_corresponding_lineno(frame.f_lineno) if template is not None else None


def _user_frame(exc: BaseException, mine: tuple, where: list) -> list:
    """[file, line] of the last frame in the user's templates in ``exc``'s traceback
    (Jinja rewrites template frames to template lines), else ``where``."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(mine):
            found = [tb.tb_frame.f_code.co_filename, tb.tb_lineno]
        tb = tb.tb_next
    return found or where
