"""The few tiny configurations that test files share, so that they share compiled programs too.

A compiled program is keyed by what shapes it: the window, the units, the batch size, the ensemble
size and the horizon (with the data's columns and the window-count bucket). Epochs, seeds, the
learning rate and verbosity are values, so a file may change those freely; a file that changes a
shape compiles programs of its own, and a cold suite is mostly compiling (DESIGN.md).

    from tiny import NET
    Forecaster(**{**NET, "epochs": 2}).fit(...)

Files whose assertions name their own shapes (the exact numbers of a refusal, a season's horizon)
keep configurations of their own.
"""

# the smallest network: the contract tests (fitted, saved, served, refused, combined) need no more
NET = dict(window=6, units=4, batch_size=16, ensemble=1, horizon=3, epochs=1, seed=0, verbose=0)
