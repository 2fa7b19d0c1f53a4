"""gamesolve: define two-player games, compare equilibrium solvers on them,
and analyse saddle-point convergence numerically.

    import gamesolve as gs
    x = gs.Player("x", torch.randn(3))
    y = gs.Player("y", torch.ones(3) / 3, domain=gs.Simplex())
    game = gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y)
    result = gs.solve(game, gs.OGDA(game, lr=0.05), steps=2000, tol=1e-8)
"""

import importlib
from typing import Any

from .addons.restarts import DualRestart
from .analysis.metrics import (distance_to_equilibrium, duality_gap, exploitability, gradient_norm, kkt_residuals,
                               nash_conv, natural_residual)
from .analysis.samples import (energy_distance, frechet_distance, mmd, mode_coverage, precision_recall,
                               sliced_wasserstein)
from .analysis.trajectory import Trajectory
from .comparison import compare
from .callbacks import CSVLogger, SaveCheckpoints, SaveSamples, StepSizeSchedule, TensorBoardLogger
from .core import Evaluation, Game, GeneralSumGame, ZeroSumGame
from .data import GaussianMixture, grid_of_gaussians, ring_of_gaussians
from .domains import Box, Domain, Masked, NonNegative, Reals, Simplex
from .errors import (DegenerateGameError, DomainError, DTypeError, GameError, IncompatibleSolverError,
                     InvalidParameterError, MissingDependencyError, NfgParseError, NonFiniteError, ShapeError,
                     UnknownNameError)
from .exact import Equilibrium, certify, exact_equilibrium
from .finite import MatrixGame
from .matrix_batch import MatrixGameBatch
from .gan import R1, R2, GANGame, GANLoss, GradientPenalty
from .io import from_nashpy, read_nfg, to_nashpy, write_nfg
from .constraints import Constraint, ConstrainedProblem, ConstraintValue
from .lagrangian import LagrangianGame
from .mixed import MixedExtension
from .players import Player
from .protocol import IterativeSolver, OneShotSolver, Solution, Solver, SolverWrapper
from .runs import Result, SolveState
from .solve import solve
from .solvers import (CGD, GDA, OGDA, PI, SGA, BatchedFictitiousPlay, BatchedOptimisticMWU, BatchedRegretMatchingPlus,
                      ConsensusOptimization, DoubleOracle, Extragradient, FictitiousPlay, GradientOracle,
                      GradientSolver, Hedge, Lookahead, NuPI, ParallelNashMemory, RegretMatching, Replicator,
                      get_solver_spec, make_solver, register_solver, solver_names)

__version__ = "0.1.0"

# Imported on first use (``gs.spectral``): the Jacobian's linear operators need scipy.sparse.linalg, which
# would add about a third of a second to every start-up.
_LAZY_MODULES = {"spectral": ".analysis.spectral"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(_LAZY_MODULES[name], __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES))


__all__ = [
    # games
    "Player", "Domain", "Reals", "NonNegative", "Simplex", "Box", "Masked", "Game", "ZeroSumGame", "GeneralSumGame",
    "Evaluation", "MatrixGame", "MatrixGameBatch", "Constraint", "ConstraintValue", "ConstrainedProblem",
    "LagrangianGame", "DualRestart", "MixedExtension", "GANGame", "GANLoss", "R1", "R2", "GradientPenalty",
    # data
    "GaussianMixture", "ring_of_gaussians", "grid_of_gaussians",
    # solving
    "solve", "compare", "Result", "SolveState", "Solver", "SolverWrapper", "IterativeSolver", "OneShotSolver", "Solution",
    "make_solver", "register_solver", "GradientSolver", "solver_names", "get_solver_spec",
    "GDA", "OGDA", "Extragradient", "ConsensusOptimization", "SGA", "CGD", "Lookahead", "NuPI", "PI",
    "exact_equilibrium", "certify", "Equilibrium", "FictitiousPlay", "RegretMatching", "Hedge", "Replicator",
    "BatchedFictitiousPlay", "BatchedRegretMatchingPlus", "BatchedOptimisticMWU",
    "ParallelNashMemory", "DoubleOracle", "GradientOracle",
    # analysis
    "Trajectory", "gradient_norm", "natural_residual", "distance_to_equilibrium", "duality_gap", "exploitability",
    "nash_conv", "kkt_residuals", "spectral",
    "mode_coverage", "mmd", "sliced_wasserstein", "energy_distance", "precision_recall", "frechet_distance",
    # callbacks of gs.solve
    "CSVLogger", "TensorBoardLogger", "SaveCheckpoints", "SaveSamples", "StepSizeSchedule",
    # interop
    "read_nfg", "write_nfg", "from_nashpy", "to_nashpy",
    # errors
    "GameError", "ShapeError", "DTypeError", "DomainError", "NonFiniteError", "InvalidParameterError",
    "IncompatibleSolverError", "DegenerateGameError", "UnknownNameError", "NfgParseError",
    "MissingDependencyError",
]
