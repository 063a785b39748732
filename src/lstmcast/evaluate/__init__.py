"""Metrics, baselines and scoring on the original scale."""

from lstmcast.evaluate.report import Evaluation, ModelDoesNotBeatBaselineWarning, score, seasonal_period

__all__ = ["Evaluation", "ModelDoesNotBeatBaselineWarning", "score", "seasonal_period"]
