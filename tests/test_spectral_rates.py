"""Each solver's linearised update against the contraction its real runs measure.

For every solver that states a linearised update, run the solver itself (plain step sizes) from a small
perturbation of the known equilibrium, along the tangent space of the domains, and fit the per-step rate of
the distance to the equilibrium over the late part of the run (least squares on its log; lookahead's slow
weights once per cycle). It must agree with ``spectral_radius`` at the equilibrium:
``|log(measured) / log(rho) - 1| < 2%``.

The games: ``bilinear`` (x^T A y, singular values 0.5 and 1) and ``constrained-quadratic`` (min ||x||^2 s.t.
A x <= b, two of three constraints active at the planted KKT point). Step sizes are chosen inside each solver's
stable range where it has one, and where the dominant eigenvalue's modulus is well separated from the next, so
that the fit sees one mode.
"""

import math

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import linear_rate
from gamesolve.game_registry import make_game
from gamesolve.solvers import registry

CASES = [   # game, game params, solver, lr, solver params
    # x^T A y has no stable step size for GDA (rho = sqrt(1 + eta^2 s^2) > 1) and alternating GDA is marginal
    # (rho = 1) while eta s < 2: both are measured diverging, alternating GDA beyond eta s = 2
    ("bilinear", {}, "gda", 0.3, {}),
    ("bilinear", {}, "alternating-gda", 2.5, {}),
    ("bilinear", {}, "ogda", 0.3, {}),
    ("bilinear", {}, "extragradient", 0.3, {}),
    ("bilinear", {}, "past-extragradient", 0.3, {}),
    ("bilinear", {}, "consensus", 0.3, {}),
    ("bilinear", {}, "sga", 0.3, {}),
    ("bilinear", {}, "cgd", 0.5, {}),
    ("bilinear", {}, "lookahead", 0.5, {}),
    ("bilinear", {}, "lookahead", 0.3, {"inner": "ogda", "k": 3}),
    ("constrained-quadratic", {}, "gda", 0.4, {}),
    ("constrained-quadratic", {}, "alternating-gda", 0.4, {}),
    ("constrained-quadratic", {}, "ogda", 0.3, {}),
    ("constrained-quadratic", {}, "extragradient", 0.4, {}),
    ("constrained-quadratic", {}, "past-extragradient", 0.3, {}),
    ("constrained-quadratic", {}, "lookahead", 0.6, {}),      # GDA alone diverges at 0.6
    ("constrained-quadratic", {}, "nupi", 0.2, {"kp": 1.0}),
    # consensus, SGA and CGD correct the field of the face (see the next test), at the planted KKT point with
    # its slack constraint and with every constraint active
    ("constrained-quadratic", {}, "consensus", 0.1, {}),
    ("constrained-quadratic", {}, "sga", 0.1, {}),
    ("constrained-quadratic", {}, "cgd", 0.1, {}),
    ("constrained-quadratic", {"active": 3}, "consensus", 0.15, {}),
    ("constrained-quadratic", {"active": 3}, "sga", 0.2, {}),
    ("constrained-quadratic", {"active": 3}, "cgd", 0.3, {}),
]


def _at_equilibrium(name, params):
    game = make_game(name, **params)
    game.set_strategies([torch.as_tensor(s) for s in game.equilibrium])
    return game


def test_the_cases_cover_every_solver_with_a_linearised_update_on_both_games():
    for name in ("bilinear", "constrained-quadratic"):
        covered = {solver for game, _, solver, _, _ in CASES if game == name}
        assert covered == set(sp.linearised_solvers(_at_equilibrium(name, {})))
    # nupi updates multipliers: the bilinear game has none
    assert "nupi" not in sp.linearised_solvers(_at_equilibrium("bilinear", {}))
    with pytest.raises(gs.IncompatibleSolverError, match="nupi needs multipliers"):
        sp.spectral_radius(_at_equilibrium("bilinear", {}), "nupi")


@pytest.mark.parametrize("solver", ["consensus", "sga", "cgd"])
def test_the_kkt_point_with_a_slack_constraint_is_a_fixed_point_of_the_jacobian_solvers(solver):
    """At the planted point the slack constraint's multiplier is 0 with F_lambda3 = -g_3(x*) > 0: projection
    holds it there. Corrected with the raw F, consensus (H^T F), SGA (A^T xi) and CGD (B F_y) would carry
    F_lambda3 into x; they correct the gradient mapping, which vanishes there, and hold the binding
    coordinate, so the point is theirs as it is GDA's."""
    assert sp.step_residual(_at_equilibrium("constrained-quadratic", {}), solver, lr=0.1) == 0.0
    assert sp.step_residual(_at_equilibrium("constrained-quadratic", {"active": 3}), solver, lr=0.1) < 1e-14
    assert sp.step_residual(_at_equilibrium("constrained-quadratic", {}), "gda", lr=0.1) == 0.0


@pytest.mark.parametrize("name, params, solver, lr, options", CASES,
                         ids=[f"{c[0]}{'-all-active' if c[1] else ''}-{c[2]}-{c[4].get('inner', '')}" for c in CASES])
def test_measured_contraction_equals_the_predicted_spectral_radius(name, params, solver, lr, options):
    game = _at_equilibrium(name, params)
    jac = sp.jacobian(game)
    rho = sp.spectral_radius(jac, solver, lr=lr, **options)
    cycle = sp.linearisation(jac, solver, lr=lr, **options).steps
    center = np.concatenate([p.detach().numpy() for p in game.parameters()])
    direction = np.random.default_rng(0).standard_normal(jac.shape[0])
    direction = direction if jac.basis is None else jac.basis.expand(direction)    # along the face's tangent space
    start = center + 1e-2 * direction / np.linalg.norm(direction)
    game.restore([torch.as_tensor(t) for t in np.split(start, [game.players[0].numel])])
    steps = math.ceil(abs(math.log(1e-10) / math.log(rho)))       # until the distance changes by 1e10
    run = gs.solve(game, solver, lr=lr, steps=steps, tol=0.0, divergence=None, progress=False, **options)
    distance = run.trajectory["distance"][::cycle]
    measured = linear_rate(distance, start=int(0.4 * len(distance))).rate ** (1 / cycle)
    assert abs(math.log(measured) / math.log(rho) - 1) < 0.02, (measured, rho)


class _TwoStepGDA(gs.GDA):
    """A solver from outside the library: two simultaneous GDA steps per iteration, ``T = (I - L H)^2``."""

    def step(self):
        metrics = super().step()
        super().step()
        return metrics

    @classmethod
    def linear_update(cls, field, state, rules):
        return rules.step(rules.step(state, field(state.z)), field(rules.step(state, field(state.z)).z))

    def linearisation(self):
        return self._linearised(self.linear_update)


@pytest.fixture
def two_step_gda():
    registry.register_solver("two-step-gda", _TwoStepGDA, summary="two GDA steps per iteration", family="gradient")
    yield "two-step-gda"
    registry._REGISTRY.pop("two-step-gda")


def test_a_solver_registered_with_a_linearised_update_is_analysable_by_name(two_step_gda):
    game = _at_equilibrium("constrained-quadratic", {})
    assert two_step_gda in sp.linearised_solvers(game)
    rho = sp.spectral_radius(game, two_step_gda, lr=0.4)
    assert rho == pytest.approx(sp.spectral_radius(game, "gda", lr=0.4) ** 2, rel=1e-12)
    two, one = sp.stable_step_sizes(game, two_step_gda), sp.stable_step_sizes(game, "gda")   # rho^2 < 1 iff rho < 1
    assert len(two) == len(one) == 1 and np.allclose(two, one, rtol=1e-9)
