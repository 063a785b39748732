"""``lstmcast import-keras``: a Keras 3 ``.keras`` model saved as an lstmcast model folder."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.options import with_role_options
from lstmcast.cli.output import emit_json
from lstmcast.cli.params import Dataset, Json, Quiet

Numbers = Optional[str]  # noqa: UP045  (comma-separated numbers, one per input column)


@app.command("import-keras")
@with_role_options("target", "time", "features")
def import_keras(
    keras_file: Path = typer.Argument(..., metavar="MODEL.keras", help="A Keras 3 .keras file (Sequential LSTM/GRU)."),
    out: Path = typer.Argument(..., metavar="OUT_DIR", help="Folder to save the lstmcast model in."),
    data: Optional[Path] = typer.Option(None, help="History to forecast from (CSV or Parquet)."),  # noqa: UP045
    dataset: Dataset = None,
    scaler: str = typer.Option("minmax", help="How the Keras model's data was scaled: minmax, standard or none."),
    data_min: Numbers = typer.Option(None, help="minmax: each input column's minimum, comma-separated."),
    data_max: Numbers = typer.Option(None, help="minmax: each input column's maximum, comma-separated."),
    feature_range: str = typer.Option("0,1", help="minmax: the range it scaled to."),
    mean: Numbers = typer.Option(None, help="standard: each input column's mean, comma-separated."),
    std: Numbers = typer.Option(None, help="standard: each input column's standard deviation, comma-separated."),
    strategy: str = typer.Option("direct", help="direct (the Dense head's steps) or recursive (one step, fed back)."),
    horizon: Optional[int] = typer.Option(None, help="recursive: steps to forecast (default 1)."),  # noqa: UP045
    window: Optional[int] = typer.Option(None, help="Window length, for a model that accepts any."),  # noqa: UP045
    freq: Optional[str] = typer.Option(None, help="pandas frequency of the data, when it cannot be inferred."),  # noqa: UP045
    force: bool = typer.Option(False, "--force", help="Replace an OUT_DIR that is not an lstmcast model."),
    quiet: Quiet = False,
    as_json: Json = False,
    columns: dict = None,
) -> None:
    """Read a Keras 3 .keras model (no Keras or TensorFlow needed, no code from the file run) and save it."""
    with user_errors(as_json=as_json, quiet=quiet):
        from lstmcast.cli.train import data_source
        from lstmcast.errors import OverwriteError
        from lstmcast.io.saving import check_save_path, save
        from lstmcast.keras import from_keras

        source = data_source(data, dataset, {})
        for given in (keras_file, source):  # never save over an input
            if isinstance(given, Path) and out.exists() and given.exists() and out.resolve() == given.resolve():
                raise OverwriteError(f"refusing to save the model to {str(out)!r}: it is an input of this command.")
        check_save_path(out, force, inputs=[keras_file, source if isinstance(source, Path) else None])  # first
        model = from_keras(
            keras_file,
            source,
            target=_names(columns["target"]),
            time=columns["time"],
            features=_names(columns["features"]),
            scaler=None if scaler.strip().lower() == "none" else scaler,
            data_min=_numbers("--data-min", data_min),
            data_max=_numbers("--data-max", data_max),
            feature_range=_numbers("--feature-range", feature_range),
            mean=_numbers("--mean", mean),
            std=_numbers("--std", std),
            strategy=strategy,
            horizon=horizon,
            window=window,
            freq=freq,
        )
        save(model.to_state(), out, overwrite=force, replace_model=True)
        if as_json:
            emit_json(
                {
                    "model": str(out),
                    "params": model.n_params_,
                    "choices": {k: c.to_dict() for k, c in model.choices_.items()},
                    "columns": model.columns_(),
                }
            )
            return
        con = console(quiet)
        con.print("Imported: " + "; ".join(f"{k}={c.value!r} ({c.reason})" for k, c in model.choices_.items()))
        con.print(model.summary(print_fn=None), highlight=False)
        con.print(f"Model saved to {out}; forecast with: lstmcast predict {out}", highlight=False)


def _names(text: str | None):
    if text is None:
        return None
    from lstmcast.configfile import split_names

    names = split_names(text)  # "a\\,b" is the one column "a,b"
    return names[0] if len(names) == 1 else names


def _numbers(option: str, text: str | None):
    if text is None:
        return None
    from lstmcast.errors import ConfigError

    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{option} {text!r} must be comma-separated numbers, e.g. 0,12.5.") from None
