"""Lesson pages: derivation -> view -> templates -> files (rendered in memory first)."""

from __future__ import annotations

from dataclasses import dataclass

from .lesson import Lesson, build_lesson
from .render import flavour
from .render.env import render
from .render.notebook import notebook
from .render.layers_view import layers_view
from .render.views import lesson_view

# The preset whose page is the deep-network lesson (``deep_files``).
DEEP_PRESET = "deep"
# The preset whose page is the ResNet lesson (``resnet_files``).
RESNET_PRESET = "resnet"


FORMATS = ("md", "tex", "ipynb")
# Specs whose lesson page has its own view and templates: class name -> (view, page).
PAGES = {"TensorNetwork": (layers_view, "layers")}


@dataclass(frozen=True)
class Output:
    """How a page is written: which formats, which Markdown math syntax, a PDF or not,
    and a folder of templates that override the built-in ones."""

    formats: tuple[str, ...] = ("md", "tex")
    math: str = "dollars"  # "dollars": $$ blocks; "fences": ```math fences
    pdf: bool = False
    templates: str | None = None
    progress: object = None  # progress(iterable, what, total) for the slow stages


def lesson_files(net, seed: int = 0, templates: str | None = None,
                 output: Output | None = None) -> dict[str, str | bytes]:
    """{file name: content} for the lesson page of ``net``: Markdown with its SVG diagram,
    a complete LaTeX document, and, as asked, a notebook and a PDF."""
    output = output or Output(templates=templates)
    lesson = build_lesson(net, seed=seed, points=2, progress=output.progress)
    t = output.templates
    if type(net).__name__ in PAGES:  # a page of its own (a tensor network: layers.*.j2)
        view_of, page = PAGES[type(net).__name__]
        view = view_of(lesson)
        files = {f"{net.name}.md": render("markdown", f"markdown/{page}.md.j2", view, t),
                 f"{net.name}.svg": render("markdown", f"svg/{page}.svg.j2", view, t),
                 f"{net.name}.tex": render("latex", f"latex/{page}.tex.j2", view, t)}
        return finish(files, net.name, lesson, output)
    view = lesson_view(lesson)
    files = {
        f"{net.name}.md": render("markdown", "markdown/lesson.md.j2", view, t),
        f"{net.name}.svg": render("markdown", "svg/network.svg.j2", view, t),
        f"{net.name}.tex": render("latex", "latex/lesson.tex.j2", view, t),
    }
    return finish(files, net.name, lesson, output)


def finish(files: dict, name: str, lesson: Lesson, output: Output) -> dict[str, str | bytes]:
    """The rendered page in the formats asked for."""
    md, tex = f"{name}.md", f"{name}.tex"
    if "ipynb" in output.formats:
        files[f"{name}.ipynb"] = notebook(lesson.derivation, files[md], lesson.values)
    if output.pdf:
        assets = {k: v for k, v in files.items() if k.endswith(".png")}
        files[f"{name}.pdf"] = flavour.pdf(files[tex], name, assets)
    if output.math == "fences":
        files[md] = flavour.fence_math(files[md])
    if "tex" not in output.formats:
        files.pop(tex)
    if "md" not in output.formats:
        files.pop(md)
        files.pop(f"{name}.svg")
    return files


def deep_files(net, options, seed: int = 0, templates: str | None = None,
               output: Output | None = None) -> dict[str, str | bytes]:
    """The deep-network lesson: the lesson page of the chain ``net`` followed by why its
    gradients vanish or explode and how skip connections help, with the sampled numbers
    of ``vanishing.study`` and their plots (PNG and SVG, beside the pages).
    ``options``: ``vanishing.Options``, the chain's shape and the weight scale."""
    from . import plots, vanishing
    from .render.deep_view import deep_view

    output = output or Output(templates=templates)
    templates = output.templates
    lesson = build_lesson(net, seed=seed, points=2, progress=output.progress)
    view = lesson_view(lesson)
    st = vanishing.study(options, seed=seed)
    view["deep"] = deep_view(st, vanishing.lesson_chains(options), vanishing.check(st), net.name)
    files = {
        f"{net.name}.md": render("markdown", "markdown/deep.md.j2", view, templates),
        f"{net.name}.svg": render("markdown", "svg/network.svg.j2", view, templates),
        f"{net.name}.tex": render("latex", "latex/deep.tex.j2", view, templates),
    }
    files.update(plots.plot_files(st, net.name))
    return finish(files, net.name, lesson, output)


def resnet_files(net, seed: int = 0, output: Output | None = None) -> dict[str, str | bytes]:
    """The ResNet lesson: the layers page of ``net`` (residual blocks) followed by its
    plain twin, the block's Jacobian, the gradient norm per block of deeper stacks with
    its plots (PNG and SVG, beside the pages) and ResNet-50's stage shapes."""
    from .resnet import resnet_lesson
    from .resnet.plots import plot_files
    from .render.resnet_view import resnet_view

    output = output or Output()
    t = output.templates
    lesson = build_lesson(net, seed=seed, points=2, progress=output.progress)
    rl = resnet_lesson(lesson, seed=seed, progress=output.progress)
    view = resnet_view(rl)
    files = {f"{net.name}.md": render("markdown", "markdown/resnet.md.j2", view, t),
             f"{net.name}.svg": render("markdown", "svg/layers.svg.j2", view, t),
             f"{net.name}.tex": render("latex", "latex/resnet.tex.j2", view, t)}
    files.update(plot_files(rl.studies, net.name))
    return finish(files, net.name, lesson, output)
