"""The game Jacobian, its spectrum, fixed points and the stability of solvers.

One namespace (``gs.spectral``) for three modules of one concept each:

- :mod:`gamesolve.jacobian`: ``H = dF/dtheta``, the derivative of the
  simultaneous gradient, matrix-free, on the tangent space of the domains;
- :mod:`gamesolve.analysis.spectra`: its eigenvalues, the Helmholtz split and
  the classification of fixed points;
- :mod:`gamesolve.analysis.stability`: each solver's update linearised at a
  fixed point (stated once in the solver's class), its spectral radius and
  the step sizes for which it contracts.
"""

from ..jacobian import DENSE_LIMIT, GameJacobian, TangentBasis, as_jacobian, jacobian, vector_field
from .spectra import (FixedPoint, HelmholtzSplit, classify_fixed_point, eigenvalues, helmholtz_decomposition,
                      sort_eigenvalues)
from .stability import (MARGIN, linearisation, linearised_solvers, spectral_radius, stability_grid, stable_ratios,
                        stable_step_sizes, step_residual, update_operator)

__all__ = [
    "DENSE_LIMIT", "GameJacobian", "TangentBasis", "jacobian", "as_jacobian", "vector_field",
    "HelmholtzSplit", "helmholtz_decomposition", "eigenvalues", "sort_eigenvalues", "FixedPoint",
    "classify_fixed_point",
    "MARGIN", "linearisation", "linearised_solvers", "step_residual", "update_operator", "spectral_radius",
    "stable_step_sizes", "stable_ratios", "stability_grid",
]
