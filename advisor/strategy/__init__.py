"""Adaptation strategy: learning curves from cached features and frozen-vs-fine-tune advice.

``advisor.strategy.advise(ranking, data)`` is a separate call from ``advisor.rank`` so the
ranking stays cheap; docs/strategy.md.
"""

from advisor.strategy.advice import StrategyAdvice, advise, advise_from, curves_for
from advisor.strategy.estimate import LABELS, STRATEGIES, StrategyEstimate
from advisor.strategy.learning_curve import LearningCurve, fit_power_law, learning_curve

__all__ = [
    "LABELS",
    "STRATEGIES",
    "LearningCurve",
    "StrategyAdvice",
    "StrategyEstimate",
    "advise",
    "advise_from",
    "curves_for",
    "fit_power_law",
    "learning_curve",
]
