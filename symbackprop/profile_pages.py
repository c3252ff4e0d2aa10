"""Lesson pages in a textbook's notation: ``symbackprop lesson SPEC --notation ng`` (or a
spec's ``[notation] style``). The lesson is built once as for the default page; the view
(``render/profile_view.py``) names it in the profile, the templates
``templates/{markdown,latex}/profiles/<style>.*.j2`` write it. Files are called
``<network>-<style>.md`` / ``.tex`` so that a gallery holds several notations side by side."""

from __future__ import annotations

from .lesson import build_lesson
from .pages import Output, finish
from .profiles import profile
from .render.env import render
from .render.profile_view import profile_view


def profile_files(net, style: str, seed: int = 0, output: Output | None = None) -> dict:
    """{file name: content} of the lesson of ``net`` in the notation ``style``."""
    output = output or Output()
    prof = profile(style)
    lesson = build_lesson(net, seed=seed, points=2, progress=output.progress)
    view = profile_view(lesson, prof)
    name = f"{net.name}-{style}"
    t = output.templates
    files = {
        f"{name}.md": render("markdown", f"markdown/profiles/{style}.md.j2", view, t),
        f"{name}.tex": render("latex", f"latex/profiles/{style}.tex.j2", view, t),
    }
    files = finish(dict(files, **{f"{name}.svg": ""}), name, lesson, output)
    files.pop(f"{name}.svg", None)  # a profile page has no diagram of its own
    return files
