"""Analysis of games and runs: metrics, trajectories, spectra, plots."""

from .metrics import METRICS, distance_to_equilibrium, duality_gap, gradient_norm, natural_residual
from .trajectory import Trajectory

__all__ = ["METRICS", "distance_to_equilibrium", "duality_gap", "gradient_norm", "natural_residual", "Trajectory"]
