"""gamesolve: define two-player games, compare equilibrium solvers on them,
and analyse saddle-point convergence numerically.

    import gamesolve as gs
    x = gs.Player("x", torch.randn(3))
    y = gs.Player("y", torch.ones(3) / 3, domain=gs.Simplex())
    game = gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y)
    result = gs.solve(game, gs.OGDA(game, lr=0.05), steps=2000, tol=1e-8)
"""

from .analysis.metrics import distance_to_equilibrium, duality_gap, gradient_norm, natural_residual
from .analysis.trajectory import Trajectory
from .core import (Box, Domain, Evaluation, Game, GeneralSumGame, NonNegative, Player, Reals, Simplex,
                   ZeroSumGame)
from .errors import (DegenerateGameError, DomainError, GameError, IncompatibleSolverError, InvalidParameterError,
                     NonFiniteError, ShapeError, UnknownNameError)
from .solve import Result, SolveState, solve
from .solvers import GDA, OGDA, Extragradient, get_solver_spec, make_solver, solver_names

# GANs (issue 5)
from .analysis.samples import (energy_distance, frechet_distance, mmd, mode_coverage, precision_recall,
                               sliced_wasserstein)
from .callbacks import CSVLogger, SaveCheckpoints, SaveSamples, TensorBoardLogger
from .data import GaussianMixture, grid_of_gaussians, ring_of_gaussians
from .errors import MissingDependencyError
from .gan import GANGame, GANLoss, GradientPenalty, R1, R2

__version__ = "0.1.0"

__all__ = [
    "Player", "Domain", "Reals", "NonNegative", "Simplex", "Box", "Game", "ZeroSumGame", "GeneralSumGame",
    "Evaluation",
    "GDA", "OGDA", "Extragradient", "solve", "Result", "SolveState", "Trajectory",
    "make_solver", "solver_names", "get_solver_spec",
    "gradient_norm", "natural_residual", "distance_to_equilibrium", "duality_gap",
    "GameError", "ShapeError", "DomainError", "NonFiniteError", "InvalidParameterError",
    "IncompatibleSolverError", "DegenerateGameError", "UnknownNameError",
    # GANs (issue 5)
    "GANGame", "GANLoss", "R1", "R2", "GradientPenalty", "MissingDependencyError",
    "GaussianMixture", "ring_of_gaussians", "grid_of_gaussians",
    "mode_coverage", "mmd", "sliced_wasserstein", "energy_distance", "precision_recall", "frechet_distance",
    "CSVLogger", "TensorBoardLogger", "SaveCheckpoints", "SaveSamples",
]
