"""Experiments that train models: the generation-reconstruction trade-off sweep, the toy, and the Text lab."""

from textae.experiments.tradeoff import SWEEP_GRIDS, language_model, sweep, train_run

__all__ = ["SWEEP_GRIDS", "language_model", "sweep", "train_run"]
