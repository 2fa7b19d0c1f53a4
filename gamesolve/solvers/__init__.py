"""Solvers. Importing this package registers every solver by name."""

from .gradient import GDA, OGDA, Extragradient, GradientSolver
from .jacobian import CGD, SGA, ConsensusOptimization, Lookahead
from .registry import SolverSpec, get_solver_spec, make_solver, register_solver, solver_names

__all__ = ["GDA", "OGDA", "Extragradient", "GradientSolver", "SolverSpec", "get_solver_spec", "make_solver",
           "register_solver", "solver_names"]
__all__ += ["ConsensusOptimization", "SGA", "CGD", "Lookahead"]
