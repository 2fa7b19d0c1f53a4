"""gamesolve: define two-player games, compare equilibrium solvers on them,
and analyse saddle-point convergence numerically.

    import gamesolve as gs
    x = gs.Player("x", torch.randn(3))
    y = gs.Player("y", torch.ones(3) / 3, domain=gs.Simplex())
    game = gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y)
    result = gs.solve(game, gs.OGDA(game, lr=0.05), steps=2000, tol=1e-8)
"""

from .analysis import spectral
from .analysis.metrics import distance_to_equilibrium, duality_gap, gradient_norm, natural_residual
from .analysis.trajectory import Trajectory
from .core import (Box, Domain, Evaluation, Game, GeneralSumGame, Masked, NonNegative, Player, Reals, Simplex,
                   ZeroSumGame)
from .errors import (DegenerateGameError, DomainError, GameError, IncompatibleSolverError, InvalidParameterError,
                     NonFiniteError, ShapeError, UnknownNameError)
from .mixed import MixedExtension
from .solve import Result, SolveState, solve
from .solvers import GDA, OGDA, Extragradient, get_solver_spec, make_solver, solver_names
from .solvers import CGD, SGA, ConsensusOptimization, Lookahead
from .solvers.oracle import GradientOracle

__version__ = "0.1.0"

__all__ = [
    "Player", "Domain", "Reals", "NonNegative", "Simplex", "Box", "Masked", "Game", "ZeroSumGame", "GeneralSumGame",
    "Evaluation",
    "MixedExtension", "GradientOracle",
    "GDA", "OGDA", "Extragradient", "solve", "Result", "SolveState", "Trajectory",
    "make_solver", "solver_names", "get_solver_spec",
    "ConsensusOptimization", "SGA", "CGD", "Lookahead", "spectral",
    "gradient_norm", "natural_residual", "distance_to_equilibrium", "duality_gap",
    "GameError", "ShapeError", "DomainError", "NonFiniteError", "InvalidParameterError",
    "IncompatibleSolverError", "DegenerateGameError", "UnknownNameError",
]
