"""The ResNet page's plots, drawn like the deep page's (``symbackprop.plots``: Agg, pinned
settings, PNG and SVG bytes that do not change from run to run).

``signal_series`` and ``scale_series`` are the data each plot draws (what the tests compare
with the page's tables); the figures draw exactly those.
"""

from __future__ import annotations

from fractions import Fraction

from .. import plots
from .study import SETTINGS, Study

# one look per setting: color for the skips, dashes for batch norm
LOOK = {"plain": ("#1f77b4", "-"), "plain_bn": ("#1f77b4", "--"),
        "residual": ("#ff7f0e", "-"), "residual_bn": ("#ff7f0e", "--")}
LABEL = {"plain": "plain", "plain_bn": "plain + batch norm", "residual": "residual",
         "residual_bn": "residual + batch norm"}


def _series(studies: tuple[Study, ...], field: str) -> list[plots.Series]:
    out = []
    for panel, st in enumerate(studies):
        for key, _, _ in SETTINGS:
            s = st.at(key)
            values = getattr(s, field)
            color, style = LOOK[key]
            out.append(plots.Series(panel, LABEL[key],
                                    tuple(float(b) for b in range(1, len(values) + 1)),
                                    tuple(float(v) for v in values), color, style, "o"))
    return out


def signal_series(studies) -> list[plots.Series]:
    """||dL/dx_b|| per block b, one panel per weight scale, one line per setting."""
    return _series(studies, "signal")


def scale_series(studies) -> list[plots.Series]:
    """The RMS of block b's output, one panel per weight scale, one line per setting."""
    return _series(studies, "scale")


def figure(series, studies, ylabel: str, title: str):
    import matplotlib

    with matplotlib.rc_context(plots.RC):
        fig, axes = plots._figure(len(studies), 9.0)
        for s in series:
            plots._draw(axes[s.panel], s)
        ys = [v for s in series for v in s.y if v > 0]
        lo, hi = min(ys), max(ys)
        depth = studies[0].options.depth
        for ax, st in zip(axes, studies):
            plots._log_axis(ax)
            ax.set_ylim(lo / 3, hi * 3)
            ax.set_xticks(range(1, depth + 1))
            ax.set_xlabel("block $b$ (block 1 is the nearest the input)")
            gain = Fraction(st.options.gain).limit_denominator(10)
            ax.set_title(f"weights ~ N(0, {gain} / fan_in)")
        axes[0].set_ylabel(ylabel)
        axes[0].legend(loc="best", fontsize=8)
        o = studies[0].options
        fig.suptitle(f"{title}, {depth} blocks of {o.channels} channels, {o.size} × {o.size}, "
                     f"batch {o.batch} ({o.draws} weight draws)", fontsize=10)
    return fig


def plot_files(studies, stem: str) -> dict[str, bytes]:
    """``stem_gradients`` and ``stem_scale`` (.png, .svg)."""
    files = plots.save(figure(signal_series(studies), studies,
                              r"$\Vert dL / dx_b \Vert$, geometric mean",
                              "Gradient at each block's input"), f"{stem}_gradients")
    files.update(plots.save(figure(scale_series(studies), studies,
                                   "RMS of block $b$'s output, geometric mean",
                                   "Forward scale"), f"{stem}_scale"))
    return files
