"""``lstmcast train``: fit a model on a CSV/Parquet file or a shipped dataset and save it."""

from pathlib import Path
from typing import Optional

import typer

from lstmcast.cli.app import app, console, user_errors
from lstmcast.cli.options import DATA_KEYS, forecaster_kwargs, read_config, to_toml, with_model_options
from lstmcast.cli.output import emit_json, print_evaluation
from lstmcast.cli.params import Config, DataFile, Dataset, Features, Json, Quiet, Target, Time
from lstmcast.errors import ConfigError


def data_source(data: Path | None, dataset: str | None, config: dict):
    """The data argument, --dataset, or data= from the config file (in that order)."""
    if data is not None:
        return data
    if dataset is not None:
        from lstmcast import datasets

        return datasets.load(dataset)
    if "data" in config:
        return Path(config["data"])
    raise ConfigError("no data: pass a CSV or Parquet file, --dataset NAME, or data= in --config.")


def column_options(config: dict, target, time, features) -> dict:
    features = features if features is not None else config.get("features")
    if isinstance(features, str) and features != "all":
        features = [f.strip() for f in features.split(",") if f.strip()]
    return {
        "target": target if target is not None else config.get("target"),
        "time": time if time is not None else config.get("time"),
        "features": features,
    }


@app.command()
@with_model_options
def train(
    data: DataFile = None,
    dataset: Dataset = None,
    target: Target = None,
    time: Time = None,
    features: Features = None,
    config: Config = None,
    out: Path = typer.Option(Path("lstmcast-model"), "--out", "-o", help="Folder to save the model in."),
    plot: Optional[Path] = typer.Option(None, help="Write actual vs predictions (PNG or SVG)."),  # noqa: UP045
    quiet: Quiet = False,
    as_json: Json = False,
    model_options: dict = None,
) -> None:
    """Train an LSTM/GRU forecaster and save it (weights + JSON) to a folder."""
    with user_errors():
        from lstmcast.forecaster import Forecaster
        from lstmcast.train.progress import epoch_printer

        cfg = read_config(config)
        source = data_source(data, dataset, cfg)
        columns = column_options(cfg, target, time, features)
        if isinstance(columns["target"], str) and "," in columns["target"]:
            columns["target"] = [t.strip() for t in columns["target"].split(",")]
        model = Forecaster(**forecaster_kwargs(cfg, model_options))
        con = console(quiet or as_json)
        model.fit(source, **columns, on_epoch_end=None if (quiet or as_json) else epoch_printer(1, con))
        model.save(out)
        recorded = {k: v for k, v in columns.items() if v is not None}
        if isinstance(source, Path):
            recorded["data"] = str(source)
        params = {k: v for k, v in model.get_params().items() if k != "verbose"}
        (out / "config.toml").write_text(
            "# lstmcast train --config this file reproduces the model\n"
            + to_toml({k: recorded[k] for k in DATA_KEYS if k in recorded})
            + to_toml(params)
        )
        evaluation = model.evaluate(warn=False) if model.split_.n_test else None
        if plot is not None:
            from lstmcast.plot import plot_in_sample

            plot_in_sample(model.actual(), model.predict_in_sample(), plot)
        if as_json:
            emit_json(
                {
                    "model": str(out),
                    "params": model.n_params_,
                    "history": model.history_.to_dict(),
                    "evaluation": evaluation.to_dict() if evaluation else None,
                    "plot": str(plot) if plot else None,
                }
            )
            return
        h = model.history_
        if model.series_.filled:
            con.print(
                f"[yellow]Filled[/yellow] (fill={model.fill!r}): "
                + ", ".join(f"{n} {what}" for what, n in model.series_.filled.items())
            )
        con.print(model.summary(), highlight=False)
        con.print(
            f"Trained {h.epochs} epochs in {sum(h.seconds):.2f}s, final loss {h.loss[-1]:.4g}"
            + (f", best epoch {h.best_epoch}" if h.val_loss else "")
        )
        if evaluation is not None:
            print_evaluation(con, evaluation, f"Test part: {evaluation.n_windows} forecasts, original scale")
        con.print(f"Model saved to {out} (config: {out / 'config.toml'})")
        if plot is not None:
            con.print(f"Plot written to {plot}")
