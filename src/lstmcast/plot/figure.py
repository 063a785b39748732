"""The figure every plot draws on, and how it is finished: returned, or written atomically to PNG or SVG.

Figures are ``matplotlib.figure.Figure`` objects drawn without pyplot (:class:`Figure` shows
itself in Jupyter), so plotting never touches matplotlib's backend or pyplot's figure list.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure as _MatplotlibFigure

from lstmcast.errors import ConfigError

FORMATS = (".png", ".svg")


MAX_PANELS = 12  # panels of one figure at most: the targets of plot_fans, the series of plot_series or plot_backtest


class Figure(_MatplotlibFigure):
    """A matplotlib Figure that shows itself in Jupyter and IPython as its PNG.

    Without pyplot nothing registers matplotlib's display hook, so a plain Figure would show as
    ``<Figure size 1100x450 with 1 Axes>``; this one carries its own (``_repr_png_``). It is an
    ordinary ``matplotlib.figure.Figure`` otherwise (``savefig``, ``axes``...).
    """

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        return buffer.getvalue()


def save(fig, path) -> Path:
    """Write ``fig`` atomically (a temporary sibling, then a rename; a link at ``path`` is replaced, not followed)."""
    from lstmcast.io.files import write_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"plot path {str(path)!r} must end in .png or .svg.")
    fig.tight_layout()
    return write_file(path, lambda tmp: fig.savefig(tmp, dpi=110, format=suffix[1:]))


def finish(fig: Figure, path) -> Figure | Path:
    """The Figure (no path), or the path it was written to."""
    if path is None:
        fig.tight_layout()
        return fig
    return save(fig, path)


def new_axes(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()
