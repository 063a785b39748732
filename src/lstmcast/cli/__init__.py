"""The ``lstmcast`` command line: thin commands over the public API."""

import lstmcast.cli.tune  # noqa: F401  (lstmcast tune; Optuna is imported only when it runs)
from lstmcast.cli import (  # noqa: E402,F401  (each command module registers itself on ``app``)
    backtest,
    datasets,
    demo,
    evaluate,
    explain,
    export,
    import_keras,
    plot,
    predict,
    serve,
    summary,
    train,
)
from lstmcast.cli.app import app, main

__all__ = ["app", "main"]
