"""One global model trained on series sharded over processes: each process reads only its share.

In a ``jax.distributed`` run (:func:`lstmcast.runtime.distributed` first in every process), every
process calls ``fit_sharded(Forecaster(...), folder, id="unique_id")`` (or
``Forecaster(...).fit(folder, id=..., shards="process")``) on the same folder: a Parquet dataset
partitioned by id, or a list of Parquet files. Process ``p`` reads only its files
(:mod:`lstmcast.data.shards`), plans its own windows and fits its own per-series scalers. What
must be global is agreed with JAX collectives (:mod:`lstmcast.train.agree`):

* the frequency (every shard must infer the same one);
* the settings left at ``"auto"`` (window, season, log, difference, normalize): chosen, as for one
  process, on up to 64 series spread over the global series order (shard 0's series, then shard
  1's...), whose training rows are gathered to every process; ``log`` also needs every series'
  training values positive (a flag from each shard);
* the steps per epoch (the shard with the most windows sets them; the others pad with weight-0
  windows) and ``epochs="auto"``;
* each step's real windows over every shard, which divide the loss (:mod:`lstmcast.train.sharded`).

Every process ends with the same parameters; its fitted model holds its own series (``panel_``),
so ``predict()`` forecasts those. ``model.shard_`` records what the process read. In one process,
``shards=P`` runs the same global batches over ``P`` shards read one after the other: the reference
a distributed run of ``P`` processes matches within float tolerance.

A validation part is scored over every shard after each epoch (each shard its own windows, the sums
gathered), so early stopping (``patience=``) stops every process at the same epoch; the refit on the
training and validation windows follows, as in one process.

``static=`` columns are encoded as in one process with what every shard agrees on: each numeric
column's mean and standard deviation over every series (sums gathered, two passes), and each
categorical column's categories (the union of the shards').

Series shorter than a window are left-padded with a mask column as in one process; whether any
series of any shard needs it is agreed, so every shard's table has the same columns.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np

from lstmcast.errors import ConfigError, DataError, TooShortError

SHARDS_BY_PROCESS = "process"
CHUNK_SERIES = 10_000  # series whose scalers are fitted at a time (their working memory: ~90 MB for 200 points)


def fit_sharded(
    model,
    source,
    *,
    id=None,
    target=None,
    time=None,
    features=None,
    future=None,
    static=None,
    shards: int | str | None = None,
    on_epoch_end=None,
):
    """Fit ``model`` (a Forecaster) on this process's share of ``source``; every process calls it at once.

    source: a folder holding a Parquet dataset partitioned by id (hive ``id=<value>/`` folders) or a
    list of Parquet files; a series lives in one file. shards: in one process only, the number of
    shards to simulate (the reference of a run of that many processes); leave it out in a
    distributed run (or say ``"process"``). Returns ``model``.
    """
    from lstmcast.data import calendar_features
    from lstmcast.data.panel_load import load_panel
    from lstmcast.data.panel_transforms import MIN_HISTORY, pad_left, with_mask
    from lstmcast.data.panel_windows import train_ends
    from lstmcast.data.shards import load_share
    from lstmcast.data.sources import reading
    from lstmcast.data.statics import with_statics
    from lstmcast.fitting import (
        ONE_SERIES_STATE,
        init_members,
        loss_space,
        network_spec,
        reporter,
        set_fitted,
        train_config,
    )
    from lstmcast.global_model import _check_positive, _refuse_unforecastable, _warn_short
    from lstmcast.resources import check_training
    from lstmcast.strategies import get_strategy
    from lstmcast.train.agree import Group
    from lstmcast.train.config import TrainConfig
    from lstmcast.train.losses import check_settings, check_targets, get_loss
    from lstmcast.train.sharded import local_batch, train_sharded

    cfg = model._checked()
    _refuse_unsharded(cfg)
    group = Group(None if shards == SHARDS_BY_PROCESS else shards)
    strategy = get_strategy(cfg["strategy"])
    started = perf_counter()

    def load(frame):
        panel = load_panel(
            frame, id=id, target=target, time=time, features=features, future=future, static=static,
            freq=cfg["freq"], fill=cfg["fill"], **reading(cfg),
        )  # fmt: skip
        return calendar_features.add_to_panel(panel) if cfg["calendar"] else panel

    loaded = [load_share(source, s, group.total, load) for s in group.mine]
    panels, reads = [p for p, _ in loaded], [r for _, r in loaded]
    del loaded
    load_seconds = perf_counter() - started
    strategy.check_roles(many_series=True, features=panels[0].features, future=panels[0].future)
    freqs = group.gather_text([str(p.freq) for p in panels])
    if len(set(freqs)) > 1:
        raise DataError(
            f"the shards' frequencies differ ({sorted(set(freqs))}): pass freq= so every process reads the same one."
        )
    k = panels[0].n_targets
    loss = get_loss(cfg["loss"], quantiles=cfg["quantiles"])
    check_settings(loss, {key: v for key, v in cfg.items() if not (key == "scaler" and v == "minmax")})
    parts = [train_ends(p.lengths, cfg["test"], cfg["validation"]) for p in panels]
    ends, fit_ends = [e for e, _ in parts], [f for _, f in parts]
    del parts
    for p, e in zip(panels, ends):
        for a in range(0, p.n_series, CHUNK_SERIES):  # a chunk's training rows at a time (a copy of them)
            sub = slice(p.offsets()[a], p.offsets()[min(a + CHUNK_SERIES, p.n_series)])
            local = p.offsets()[a : a + CHUNK_SERIES + 1] - p.offsets()[a]
            check_targets(loss, p.stacked()[sub][_rows_before(local, e[a : a + CHUNK_SERIES]), :k], p.targets)
    cfg, choices = agree_settings(group, cfg, panels, ends, loss, k)
    check_settings(loss, cfg)
    if cfg["log"]:
        for p, e in zip(panels, ends):
            _check_positive(p.stacked(), p.offsets(), e, p, k)
    steps = strategy.model_horizon(cfg["horizon"])
    window, lag = cfg["window"], cfg["difference"]
    # series with no whole training window that padding lets train: then every series of every shard is padded
    padded = (
        group.total_sum(
            [np.sum((e < window + lag + steps) & (p.lengths >= lag + MIN_HISTORY)) for p, e in zip(panels, ends)]
        )
        > 0
    )
    pad = max(window - MIN_HISTORY, 0) if padded else 0
    first_row = lag + (MIN_HISTORY if padded else window)  # a window's first target row, as fit_panel
    planned = [
        plan_windows(p.offsets(), e, f, pad, first_row, window, steps) for p, e, f in zip(panels, ends, fit_ends)
    ]
    starts, val_starts = [a for a, _ in planned], [b for _, b in planned]
    del planned
    if group.total_sum([len(s) for s in starts]) == 0:
        longest = int(np.concatenate(group.gather([np.asarray([p.lengths.max()]) for p in panels])).max())
        raise TooShortError(
            f"no series holds a training window: window={window} + horizon={steps}"
            + (f" + difference={lag}" if lag else "")
            + f" rows are needed (a series shorter than the window: {lag + MIN_HISTORY + steps}), the longest "
            f"series has {longest}; use a shorter window or horizon."
        )
    for p, e in zip(panels, ends):
        _refuse_unforecastable(p, lag)
        _warn_short(p, e, lag, steps, window)
    fitted = [scaled(p, e, cfg, k) for p, e in zip(panels, ends)]
    statics = agree_statics(group, panels)  # None without static=
    transforms, values = [f[0] for f in fitted], [with_statics(f[1], p, statics) for f, p in zip(fitted, panels)]
    del fitted
    tables = values
    if padded:  # the mask column after the static ones, then every series left-padded (as fit_panel)
        at = len(panels[0].columns) + (statics.width if statics else 0) - len(panels[0].future)
        tables = [
            pad_left(with_mask(v, p.offsets(), lag, at), p.offsets(), pad, lag, at)[0] for v, p in zip(values, panels)
        ]
    n_inputs = len(panels[0].columns) + (statics.width if statics else 0) + int(padded)
    spec = network_spec(
        cfg, loss, steps, n_inputs, k, len(panels[0].future), statics=statics, static_at=k + len(panels[0].features)
    )
    check_training(spec, local_batch(cfg["batch_size"], group.total) * len(group.mine), cfg["ensemble"])
    initial, key = init_members(spec, cfg["seed"], cfg["ensemble"], cfg["init"])
    callback = on_epoch_end if on_epoch_end is not None else reporter(cfg["verbose"], loss_space(cfg, loss.name))
    if on_epoch_end is None and group.mine[0] != 0:  # one progress report per run: process 0's (same losses)
        callback = None
    train_cfg = train_config(cfg)
    try:
        params, history, plan = train_sharded(
            initial, spec, loss, train_cfg, group, tables, starts, key, callback, val_starts
        )
        if train_cfg.patience is not None and history.val_loss and history.best_epoch:
            # early stopping chose the epochs on the newest rows; the final model learns from them too (fitting.refit)
            final_cfg = TrainConfig(**{**train_cfg.to_dict(), "epochs": history.best_epoch, "patience": None})
            everything = [np.concatenate([t, v]) for t, v in zip(starts, val_starts)]
            params, _, _ = train_sharded(initial, spec, loss, final_cfg, group, tables, everything, key)
            history.refit_epochs = history.best_epoch
    finally:
        if getattr(callback, "progress", None) is not None:
            callback.progress.stop()
    from lstmcast.auto import Choice

    if cfg["epochs"] == "auto":
        cfg["epochs"] = plan["epochs"]
        choices["epochs"] = Choice(plan["epochs"], f"about 500 optimizer steps ({plan['steps']} per epoch)")
    else:
        choices["epochs"] = Choice(cfg["epochs"], "set by you")
    if len(panels) > 1:  # one process holding every shard: its model forecasts every series
        from lstmcast.data.panel_merge import merge_panels

        panel = merge_panels(list(panels))
        end = train_ends(panel.lengths, cfg["test"], cfg["validation"])[0]
        transform, _ = scaled(panel, end, cfg, k)
        fit_end = train_ends(panel.lengths, cfg["test"], cfg["validation"])[1]
        train_starts, val_local = plan_windows(panel.offsets(), end, fit_end, pad, first_row, window, steps)
    else:
        panel, end, transform, train_starts, val_local = panels[0], ends[0], transforms[0], starts[0], val_starts[0]
    shard = {
        "shards": group.total,
        "held": list(group.mine),
        "files": [f for r in reads for f in r.files],
        "series": [str(i) for p in panels for i in p.ids],
        "rows": int(sum(r.rows for r in reads)),
        "load_seconds": load_seconds,
        "windows": int(sum(len(s) for s in starts)),
        "batch_per_shard": plan["batch"],
        "steps_per_epoch": plan["steps"],
    }
    set_fitted(
        model, cfg, spec, loss, params, history, choices, stale=ONE_SERIES_STATE,
        panel_=panel, transforms_=transform, ends_=end, starts_={"train": train_starts, "validation": val_local},
        values_=with_statics(scaled(panel, end, cfg, k)[1], panel, statics) if len(panels) > 1 else values[0],
        statics_=statics, shard_=shard,
    )  # fmt: skip
    return model


def _refuse_unsharded(cfg: dict) -> None:
    """ConfigError for the settings a sharded fit does not support yet."""
    if cfg["devices"] != 1:
        raise ConfigError(
            f"devices={cfg['devices']!r}: a sharded fit trains on each process's first device; leave devices at 1 "
            "and start one process per device."
        )


def plan_windows(offsets, ends, fit_ends, pad: int, first_row: int, window: int, steps: int):
    """(training, validation) window starts of one shard's table, each series left-padded by ``pad`` rows."""
    from lstmcast.data.panel_windows import window_starts

    table_offsets = offsets + pad * np.arange(len(offsets))  # (S + 1,) of the padded table
    first = np.full_like(ends, first_row)
    train, validation = [], []
    for a in range(0, max(len(ends), 1), CHUNK_SERIES):  # int64 temporaries of a chunk, int32 results
        b = a + CHUNK_SERIES
        cut = table_offsets[a : b + 1]
        train.append(window_starts(cut, pad + first[a:b], pad + ends[a:b], window, steps))
        validation.append(
            window_starts(cut, pad + np.maximum(ends[a:b], first[a:b]), pad + fit_ends[a:b], window, steps)
        )
    return np.concatenate(train), np.concatenate(validation)


def agree_statics(group, panels):
    """The StaticEncoding of every shard's series together (``StaticEncoding.fit`` over the union), or None."""
    from lstmcast.data.statics import StaticEncoding

    if panels[0].static is None:
        return None
    categorical = tuple(panels[0].static_categorical)
    numeric = tuple(c for c in panels[0].static.columns if c not in categorical)
    values = [p.static[list(numeric)].to_numpy(np.float64).reshape(len(p.static), -1) for p in panels]
    sums = np.sum(group.gather([np.concatenate([[len(v)], v.sum(axis=0)]) for v in values]), axis=0)
    mean = sums[1:] / max(sums[0], 1)
    squares = np.sum(group.gather([((v - mean) ** 2).sum(axis=0) for v in values]), axis=0)
    std = np.sqrt(squares / max(sums[0], 1))  # population, as numpy's std
    categories = []
    for c in categorical:
        every = group.gather_text(["\x1f".join(sorted(set(p.static[c]))) for p in panels])
        categories.append(tuple(sorted({v for text in every for v in text.split("\x1f") if text})))
    return StaticEncoding(
        numeric,
        tuple(float(m) for m in mean),
        tuple(float(v) if v > 0 else 1.0 for v in std),
        categorical,
        tuple(categories),
    )


def _rows_before(offsets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(rows,) bool: each row lies in its series' first ``ends`` rows (the training part); one byte a row.

    >>> _rows_before(np.array([0, 3, 5]), np.array([2, 0])).tolist()
    [True, True, False, False, False]
    """
    edge = np.zeros(int(offsets[-1]) + 1, np.int8)  # +1 where a training part starts, -1 where it ends
    np.add.at(edge, offsets[:-1], 1)
    np.add.at(edge, offsets[:-1] + ends, -1)
    return np.cumsum(edge[:-1], dtype=np.int8) > 0


def scaled(panel, ends: np.ndarray, cfg: dict, k: int):
    """(PanelTransforms, (rows, columns) float32 model space) of ``panel``, fitted ``CHUNK_SERIES`` series at a
    time: each series' scaler is its own, so the result is the one-call result, with a chunk's working memory."""
    from lstmcast.data.panel_transforms import PanelTransforms, fit_transforms

    stacked, offsets = panel.stacked(), panel.offsets()
    table = np.empty((len(stacked), stacked.shape[1]), np.float32)
    parts = []
    for a in range(0, panel.n_series, CHUNK_SERIES):
        b = min(a + CHUNK_SERIES, panel.n_series)
        rows, local = slice(offsets[a], offsets[b]), offsets[a : b + 1] - offsets[a]
        part = fit_transforms(stacked[rows], local, ends[a:b], cfg, k)
        table[rows] = part.to_model_space(stacked[rows], local)
        parts.append(part)
    first = parts[0]
    offset, scale = (np.concatenate([getattr(p, name) for p in parts]) for name in ("offset", "scale"))
    return PanelTransforms(first.target, first.kind, first.feature_range, offset, scale, first.n_targets), table


def agree_settings(group, cfg: dict, panels, ends, loss, k: int):
    """The "auto" settings every shard agrees on: those one process chooses on the same global sample.

    The sample is the one :func:`lstmcast.global_model.resolve_panel` draws from the global series
    order (shard after shard); each shard sends its sampled series' training rows to every process.
    """
    from lstmcast.auto import Choice
    from lstmcast.global_model import SAMPLE_SERIES, resolve_panel

    sizes = np.concatenate(group.gather([np.asarray([p.n_series], np.int64) for p in panels]))  # (P,)
    first = np.concatenate([[0], np.cumsum(sizes)])
    total = int(first[-1])
    picks = np.unique(np.linspace(0, total - 1, min(SAMPLE_SERIES, total)).round().astype(int))
    lengths, rows, positive = [], [], []
    for shard, panel, end in zip(group.mine, panels, ends):
        local = picks[(picks >= first[shard]) & (picks < first[shard + 1])] - first[shard]
        stacked, offsets = panel.stacked(), panel.offsets()
        lengths.append(end[local].astype(np.int64))
        rows.append(
            np.concatenate([stacked[offsets[i] : offsets[i] + end[i], :k] for i in local])
            if len(local)
            else np.zeros((0, k))
        )
        positive.append(float(np.all((stacked[:, :k] > 0) | ~_rows_before(offsets, end)[:, None])))
    every_length = np.concatenate(group.gather(lengths))
    sample = np.concatenate(group.gather([np.asarray(r, np.float64) for r in rows]))  # (rows, k)
    offsets = np.concatenate([[0], np.cumsum(every_length)])
    out, choices = resolve_panel(dict(cfg), sample, offsets, every_length, panels[0].freq, loss, k)
    every_positive = group.total_sum(positive) == group.total
    if cfg["log"] == "auto" and out["log"] and not every_positive:  # the sample was positive, another series not
        out["log"] = False
        choices["log"] = Choice(False, choices["log"].reason + ", but some series hold values <= 0")
    return out, choices
