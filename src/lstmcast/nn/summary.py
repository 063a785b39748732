"""A layer table like Keras's ``model.summary()``, for any network that lists its layers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerRow:
    name: str  # "lstm", "lstm_1", "bidirectional", "dense"
    kind: str  # "LSTM", "GRU", "Bidirectional(LSTM)", "Dense"
    output_shape: tuple  # (None, ...) like Keras
    params: int


def numbered(base: str, i: int) -> str:
    """Keras's layer names: ``lstm``, ``lstm_1``, ..."""
    return base if i == 0 else f"{base}_{i}"


def layer_rows(spec) -> list[LayerRow]:
    return spec.layer_rows()


def total_params(spec) -> int:
    return spec.count()


def format_summary(spec) -> str:
    """Plain-text summary, laid out like Keras's (the first column widens for long layer names)."""
    rows = spec.layer_rows()
    total = sum(r.params for r in rows)
    labels = [f"{r.name} ({r.kind})" for r in rows]
    name_w = max(28, max(len(label) for label in labels) + 2)
    width = name_w + 24 + 13
    out = ["_" * width, f"{'Layer (type)':<{name_w}}{'Output Shape':<24}{'Param #':>13}", "=" * width]
    for label, r in zip(labels, rows):
        out.append(f"{label:<{name_w}}{str(r.output_shape):<24}{r.params:>13,}")
    out += [
        "=" * width,
        f"Total params: {total:,} ({total * 4 / 1024:.2f} KB)",
        f"Trainable params: {total:,}",
        "_" * width,
    ]
    return "\n".join(out)


class Summary(str):
    """A model's layer table: a ``str`` (``print`` it, compare it) that shows as the table itself.

    ``repr`` is the table rather than a quoted string, and Jupyter shows it as a preformatted
    block (``_repr_html_``). :meth:`lstmcast.Forecaster.summary` prints it as Keras does; in
    IPython and Jupyter the cell's echo of the returned table is then skipped, so it shows once.
    """

    _printed_in: int | None = None  # the IPython cell that printed it

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(str(self))}</pre>"

    def _ipython_display_(self) -> None:
        shell = _ipython()
        if shell is not None and self._printed_in == shell.execution_count:
            return  # summary() printed it in this cell already
        from IPython.display import display

        display({"text/plain": str(self), "text/html": self._repr_html_()}, raw=True)

    def printed(self, print_fn) -> Summary:
        """Print through ``print_fn`` (``None``: not at all) and remember the IPython cell that did."""
        if print_fn is not None:
            print_fn(str(self))
            shell = _ipython()
            self._printed_in = shell.execution_count if shell is not None else None
        return self


def _ipython():
    import sys

    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
