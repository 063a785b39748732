"""Ctrl-C inside a compiled epoch, as tests simulate it (shared by the test files that need it)."""

from lstmcast.train import trainer


def stop_before_first_epoch(monkeypatch, after=0) -> list:
    """Ctrl-C inside the epoch program, after ``after`` epochs ran; returns the list of epoch calls, one entry each."""
    real = trainer.training_programs
    calls: list = []

    class Interrupting:
        def __init__(self, programs):
            self._programs = programs

        def __getattr__(self, name):
            return getattr(self._programs, name)

        def epoch(self, *args):
            calls.append(1)
            if len(calls) > after:
                raise KeyboardInterrupt
            return self._programs.epoch(*args)

    monkeypatch.setattr(trainer, "training_programs", lambda *a, **k: Interrupting(real(*a, **k)))
    return calls
