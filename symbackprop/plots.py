"""The deep page's plots, drawn with matplotlib (Agg, no display) from ``vanishing``'s
data and saved as PNG and SVG bytes that do not change from run to run: no dates or
version strings in the metadata, a fixed SVG id salt, glyphs as paths.

``gradient_series`` and ``training_series`` are the data each plot draws (what the
tests compare with the page's tables); the figures draw exactly those, nothing else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS as REGISTRY
from .vanishing import ACTIVATIONS, Study

COLORS = {a: REGISTRY[a].color for a in ACTIVATIONS}
DPI = 110
# Everything that could make two saves of one figure differ, pinned.
RC = {
    "svg.hashsalt": "symbackprop",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "path.simplify": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


@dataclass(frozen=True)
class Series:
    """One line of a plot: ``y`` against ``x`` in panel ``panel``."""

    panel: int
    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    color: str
    style: str = "-"
    marker: str = ""


def gradient_series(st: Study, scale: float | None = None) -> list[Series]:
    """Mean ||dL/dW^{[l]}|| per layer at one weight scale (the study's own by default):
    panel 0 the plain chains, panel 1 the chains with skip connections, one line per
    activation."""
    scale = st.options.scale if scale is None else scale
    out = []
    for panel, residual in enumerate((False, True)):
        for act in ACTIVATIONS:
            p = st.at(act, scale, residual)
            out.append(Series(panel, act, tuple(float(l) for l in st.layers),
                              tuple(float(v) for v in p.mean), COLORS[act], marker="o"))
    return out


def training_series(st: Study) -> list[Series]:
    """Panel 0: the loss before each gradient-descent step (and after the last); panel 1:
    the distance the first-layer weights have travelled, from step 1 on."""
    out = []
    for residual, run in sorted(st.training.items()):
        name = "with skip connections" if residual else "plain"
        label = f"{name} (learning rate {run.lr:g})"
        color, style = ("#ff7f0e", "--") if residual else ("#1f77b4", "-")
        steps = tuple(float(i) for i in range(len(run.losses)))
        out.append(Series(0, label, steps, tuple(float(v) for v in run.losses), color, style))
        out.append(Series(1, label, steps[1:], tuple(float(v) for v in run.first[1:]), color,
                          style))
    return out


def _figure(panels: int, width: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, 3.6), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, panels, sharey=False)
    return fig, list(np.atleast_1d(axes))


def _log_axis(ax):
    """A log y axis with a few labelled decades: exploding gradients span hundreds of
    decades, and a label on each would take matplotlib seconds to lay out."""
    from matplotlib.ticker import LogLocator, NullFormatter, NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())


def _draw(ax, s: Series):
    y = np.array(s.y, dtype=float)
    y[~(y > 0)] = np.nan  # a log axis cannot show 0: a gap in the line instead
    ax.plot(s.x, y, s.style, color=s.color, label=s.label, marker=s.marker or None,
            markersize=3.5)


def gradients_figure(series: list[Series], depth: int, scale: float, trials: int):
    import matplotlib

    with matplotlib.rc_context(RC):
        fig, axes = _figure(2, 9.0)
        for s in series:
            _draw(axes[s.panel], s)
        ys = [v for s in series for v in s.y if v > 0 and np.isfinite(v)]
        lo, hi = (min(ys), max(ys)) if ys else (1e-3, 1)
        for ax, title in zip(axes, ("plain chain", "with skip connections")):
            _log_axis(ax)
            ax.set_ylim(lo / 3, hi * 3)
            ax.set_xticks(range(1, depth + 2))
            ax.set_xlabel(f"layer $l$ (layer {depth + 1} is the output)")
            ax.set_title(title)
        axes[0].set_ylabel(r"$\Vert dL / dW^{[l]} \Vert$, mean over the draws")
        axes[0].legend(loc="best", fontsize=9)
        fig.suptitle(f"Gradient size per layer, {depth} hidden layers, weight scale {scale:g} "
                     f"({trials} weight draws)", fontsize=11)
    return fig


def training_figure(series: list[Series], steps: int):
    import matplotlib

    with matplotlib.rc_context(RC):
        fig, axes = _figure(2, 9.0)
        for s in series:
            _draw(axes[s.panel], s)
        for ax in axes:
            _log_axis(ax)
            ax.set_xlabel("gradient-descent step")
            ax.set_xlim(0, steps)
        axes[0].set_title("loss $L$")
        axes[1].set_title("how far the first layer's weights have moved")
        axes[0].legend(loc="best", fontsize=9)
    return fig


def save(fig, stem: str) -> dict[str, bytes]:
    """``stem.png`` and ``stem.svg`` as bytes, the same bytes on every run."""
    import matplotlib

    out = {}
    with matplotlib.rc_context(RC):
        for fmt, meta in (("png", {"Software": None}),
                          ("svg", {"Date": None, "Creator": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
            out[f"{stem}.{fmt}"] = buf.getvalue()
    return out


def plot_files(st: Study, stem: str) -> dict[str, bytes]:
    """The deep page's plots: ``stem_gradients`` and ``stem_training`` (.png, .svg)."""
    o = st.options
    files = save(gradients_figure(gradient_series(st), o.depth, o.scale, st.draws.trials),
                 f"{stem}_gradients")
    files.update(save(training_figure(training_series(st), len(st.training[False].losses) - 1),
                      f"{stem}_training"))
    return files
