import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.data.windows import window_starts
from lstmcast.errors import ConfigError
from lstmcast.nn import NetworkSpec, apply, init_params
from lstmcast.train.config import TrainConfig
from lstmcast.train.losses import get_loss
from lstmcast.train.optimizers import schedule_values, set_hyperparams
from lstmcast.train.programs import epoch_arrays, training_programs
from lstmcast.train.trainer import train

SPEC = NetworkSpec(units=(8,), window=5)
SERIES = np.sin(np.linspace(0, 20, 120)).astype(np.float32)[:, None] * 0.5 + 0.5  # (time, 1)
STARTS = window_starts(5, 1, 0, 120)


def fit(cfg, seed=0, val=None, **kw):
    params = init_params(jax.random.key(seed), SPEC)
    return train(params, SPEC, get_loss(cfg.loss), cfg, SERIES, STARTS, jax.random.key(seed + 1), val_starts=val, **kw)


def one_epoch(cfg, starts, params):
    """One compiled epoch from step 0, as the trainer runs it."""
    prog = training_programs(SPEC, get_loss(cfg.loss), cfg, len(starts))
    opt_state = set_hyperparams(prog.init_optimizer(params), cfg.hyperparams())
    hp = schedule_values(cfg.learning_rate, cfg.schedule == "cosine", 1)
    return prog.epoch(params, opt_state, jax.random.key(1), *epoch_arrays(SERIES, starts, SPEC), jnp.int32(0), hp)


def test_training_lowers_the_loss():
    _, h = fit(TrainConfig(epochs=8, batch_size=4))
    assert h.loss[-1] < 0.5 * h.loss[0]


def test_same_seed_same_bits_and_other_seed_differs():
    a, _ = fit(TrainConfig(epochs=3, batch_size=4), seed=5)
    b, _ = fit(TrainConfig(epochs=3, batch_size=4), seed=5)
    c, _ = fit(TrainConfig(epochs=3, batch_size=4), seed=6)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert not all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(c)))


def test_partial_last_batch_contributes_exactly_its_share():
    """5 windows at batch size 2, no shuffle: steps of 2, 2 and 1 windows, each averaged over its own windows."""
    import optax

    cfg = TrainConfig(
        epochs=1, batch_size=2, shuffle=False, optimizer="sgd", momentum=0.0, learning_rate=0.1, loss="mse"
    )
    starts = STARTS[:5]
    params = init_params(jax.random.key(0), SPEC)
    got, _, loss = one_epoch(cfg, starts, params)

    ref, losses = params, []
    for batch in ([0, 1], [2, 3], [4]):
        s = starts[batch]
        x = SERIES[s[:, None] + np.arange(5)]
        y = SERIES[s[:, None] + 5 + np.arange(1)]

        def mean_loss(p, x=x, y=y):
            return jnp.mean(get_loss("mse").per_window(apply(p, SPEC, x), y))

        value, g = jax.value_and_grad(mean_loss)(ref)
        losses.append(float(value) * len(batch))
        ref = optax.apply_updates(ref, jax.tree.map(lambda t: -0.1 * t, g))
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7)
    assert float(loss) == pytest.approx(sum(losses) / 5, rel=1e-5)


def test_early_stopping_restores_the_best_epoch():
    val = window_starts(5, 1, 100, 120)
    cfg = TrainConfig(epochs=60, batch_size=8, learning_rate=0.05, patience=3, restore_best=True)
    params, h = fit(cfg, val=val)
    assert h.stopped_early and h.epochs < 60
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1
    from lstmcast.train.programs import window_loss

    assert window_loss(params, SPEC, get_loss(cfg.loss), SERIES, val) == pytest.approx(min(h.val_loss), rel=1e-6)


@pytest.mark.parametrize("opt", ["adam", "adamw", "sgd", "rmsprop"])
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_every_optimizer_and_loss_trains(opt, loss):
    _, h = fit(TrainConfig(epochs=2, batch_size=16, optimizer=opt, loss=loss, learning_rate=0.01, clipnorm=1.0))
    assert np.isfinite(h.loss).all()


def test_plateau_schedule_lowers_the_learning_rate():
    _, h = fit(TrainConfig(epochs=12, batch_size=64, schedule="plateau", plateau_patience=1, learning_rate=0.5))
    assert min(h.learning_rate) < 0.5


def test_keyboard_interrupt_keeps_best_weights():
    def stop(epoch, epochs, logs):
        if epoch == 3:
            raise KeyboardInterrupt

    _, h = fit(TrainConfig(epochs=10, batch_size=8), on_epoch_end=stop)
    assert h.interrupted and h.epochs == 3 and h.best_epoch is not None


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"batch_size": 0}, "batch_size=0 must be a positive integer."),
        (
            {"optimizer": "adagrad"},
            "optimizer='adagrad' is not supported: use one of 'adam', 'adamw', 'sgd', 'rmsprop'.",
        ),
        ({"learning_rate": -1.0}, "learning_rate=-1.0 must be a finite number > 0."),
        ({"learning_rate": float("inf")}, "learning_rate=inf must be a finite number > 0."),
        ({"epochs": 2.5}, "epochs=2.5 must be 'auto' (chosen from the data) or a positive integer."),
        ({"momentum": 1.0}, "momentum=1.0 must be a finite number in [0, 1)."),
    ],
)
def test_config_errors(kw, msg):
    with pytest.raises(ConfigError) as e:
        TrainConfig(**kw)
    assert str(e.value) == msg


def test_steps_per_epoch_trains_on_that_many_batches_only():
    """Unshuffled, 3 steps of 4 windows over all windows == a full epoch over the first 12 windows."""
    params = init_params(jax.random.key(0), SPEC)
    a, _, la = one_epoch(TrainConfig(epochs=1, batch_size=4, steps_per_epoch=3, shuffle=False), STARTS, params)
    b, _, lb = one_epoch(TrainConfig(epochs=1, batch_size=4, shuffle=False), STARTS[:12], params)
    assert float(la) == float(lb)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    with pytest.raises(ConfigError, match="steps_per_epoch=0 must be a positive integer"):
        TrainConfig(steps_per_epoch=0)


def test_window_counts_in_one_bucket_share_one_compiled_epoch():
    """Compile once per shape class: 100 and 120 windows (bucket 128) reuse the program; lr is a value, not a key."""
    a = training_programs(SPEC, get_loss("mse"), TrainConfig(learning_rate=0.1, epochs=3), 100)
    b = training_programs(SPEC, get_loss("mse"), TrainConfig(learning_rate=0.01, epochs=9, patience=2), 120)
    assert a is b
    assert training_programs(SPEC, get_loss("mse"), TrainConfig(), 200) is not a  # bucket 256


def test_cosine_schedule_decays_to_zero_over_all_steps():
    _, h = fit(TrainConfig(epochs=4, batch_size=64, schedule="cosine", learning_rate=0.1))
    steps = 2  # 115 windows at batch 64
    expected = [0.1 * 0.5 * (1 + np.cos(np.pi * e * steps / (4 * steps))) for e in range(4)]
    np.testing.assert_allclose(h.learning_rate, expected, rtol=1e-12)


def test_capped_epochs_over_many_windows_draw_their_windows_instead_of_shuffling_all():
    """steps_per_epoch covering under a quarter of the windows samples them: a fresh draw each epoch."""
    cfg = TrainConfig(epochs=2, batch_size=4, steps_per_epoch=2)  # 8 of 115 windows per epoch
    _, h = fit(cfg, seed=3)
    again, h2 = fit(cfg, seed=3)
    assert h.loss == h2.loss and len(h.loss) == 2 and h.loss[0] != h.loss[1]
