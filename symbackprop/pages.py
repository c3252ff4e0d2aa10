"""Lesson pages: derivation -> view -> templates -> files (rendered in memory first)."""

from __future__ import annotations

from .derive import derive
from .graph import build_graph
from .render.env import render
from .render.views import lesson_view
from .verify import check_gradients


def lesson_files(net, seed: int = 0, templates: str | None = None) -> dict[str, str]:
    """{file name: content} for the lesson page of ``net``: Markdown, its SVG diagram,
    and a complete LaTeX document."""
    d = derive(build_graph(net))
    report = check_gradients(d, seed=seed, points=2)
    view = lesson_view(d, report)
    return {
        f"{net.name}.md": render("markdown", "markdown/lesson.md.j2", view, templates),
        f"{net.name}.svg": render("markdown", "svg/network.svg.j2", view, templates),
        f"{net.name}.tex": render("latex", "latex/lesson.tex.j2", view, templates),
    }
