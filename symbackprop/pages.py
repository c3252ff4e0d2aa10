"""Lesson pages: derivation -> view -> templates -> files (rendered in memory first)."""

from __future__ import annotations

from .derive import derive
from .graph import build_graph
from .render.env import render
from .render.views import lesson_view
from .verify import check_gradients

# The preset whose page is the deep-network lesson (``deep_files``).
DEEP_PRESET = "deep"
# sympy.diff of a deeper sigmoid chain, expanded, takes minutes: beyond this depth the
# deep page's derivation is checked numerically only (NumPy reference, finite differences).
DEEP_SYMBOLIC_MAX_DEPTH = 5


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


def deep_files(net, options, seed: int = 0, templates: str | None = None) -> dict[str, str | bytes]:
    """The deep-network lesson: the lesson page of the chain ``net`` followed by why its
    gradients vanish or explode and how skip connections help, with the sampled numbers
    of ``vanishing.study`` and their plots (PNG and SVG, beside the pages).
    ``options``: ``vanishing.Options``, the chain's shape and the weight scale."""
    from . import plots, vanishing
    from .render.deep_view import deep_view

    d = derive(build_graph(net))
    report = check_gradients(d, seed=seed, points=2,
                             symbolic=options.depth <= DEEP_SYMBOLIC_MAX_DEPTH)
    view = lesson_view(d, report)
    st = vanishing.study(options, seed=seed)
    view["deep"] = deep_view(st, vanishing.lesson_chains(options), vanishing.check(st), net.name)
    files = {
        f"{net.name}.md": render("markdown", "markdown/deep.md.j2", view, templates),
        f"{net.name}.svg": render("markdown", "svg/network.svg.j2", view, templates),
        f"{net.name}.tex": render("latex", "latex/deep.tex.j2", view, templates),
    }
    files.update(plots.plot_files(st, net.name))
    return files
