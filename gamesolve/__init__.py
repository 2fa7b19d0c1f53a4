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
# finite games
from .analysis.metrics import exploitability, nash_conv
from .errors import NfgParseError
from .finite import MatrixGame, MatrixGameBatch, exact_equilibrium
from .io import from_nashpy, read_nfg, to_nashpy, write_nfg
from .solvers import (BatchedFictitiousPlay, BatchedOptimisticMWU, BatchedRegretMatchingPlus, FictitiousPlay, Hedge,
                      RegretMatching, Replicator)

__version__ = "0.1.0"

__all__ = [
    "Player", "Domain", "Reals", "NonNegative", "Simplex", "Box", "Game", "ZeroSumGame", "GeneralSumGame",
    "Evaluation",
    "GDA", "OGDA", "Extragradient", "solve", "Result", "SolveState", "Trajectory",
    "make_solver", "solver_names", "get_solver_spec",
    "gradient_norm", "natural_residual", "distance_to_equilibrium", "duality_gap",
    "GameError", "ShapeError", "DomainError", "NonFiniteError", "InvalidParameterError",
    "IncompatibleSolverError", "DegenerateGameError", "UnknownNameError",
]

__all__ += [
    "MatrixGame", "MatrixGameBatch", "exact_equilibrium", "read_nfg", "write_nfg", "from_nashpy", "to_nashpy",
    "exploitability", "nash_conv", "NfgParseError", "FictitiousPlay", "RegretMatching", "Hedge", "Replicator",
    "BatchedFictitiousPlay", "BatchedRegretMatchingPlus", "BatchedOptimisticMWU",
]
