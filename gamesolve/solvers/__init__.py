"""Solvers. Importing this package registers every solver by name
(gradient solvers first: the registry's order is the order of listings)."""

from .gradient import GDA, OGDA, Extragradient, GradientSolver  # noqa: I001
from .second_order import CGD, SGA, ConsensusOptimization
from .lookahead import Lookahead
from .nupi import PI, NuPI
from .lp import LinearProgram
from .enumeration import SupportEnumeration, VertexEnumeration, degeneracy_witness
from .lemke_howson import LemkeHowson
from .correlated import CorrelatedEquilibrium
from .dynamics import FictitiousPlay, Hedge, RegretMatching, Replicator
from .batched import BatchedFictitiousPlay, BatchedOptimisticMWU, BatchedRegretMatchingPlus
from .best_response import GradientOracle, exact_best_response
from .oracle import DoubleOracle, ParallelNashMemory
from .registry import SolverSpec, get_solver_spec, make_solver, register_solver, solver_names

__all__ = ["GDA", "OGDA", "Extragradient", "GradientSolver", "ConsensusOptimization", "SGA", "CGD", "Lookahead",
           "NuPI", "PI", "SolverSpec", "get_solver_spec", "make_solver", "register_solver", "solver_names",
           "LinearProgram", "SupportEnumeration", "VertexEnumeration", "LemkeHowson", "CorrelatedEquilibrium",
           "degeneracy_witness", "FictitiousPlay", "RegretMatching", "Hedge", "Replicator",
           "BatchedFictitiousPlay", "BatchedRegretMatchingPlus", "BatchedOptimisticMWU",
           "ParallelNashMemory", "DoubleOracle", "GradientOracle", "exact_best_response"]
