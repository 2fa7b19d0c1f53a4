"""A gradient solver written in one class outside the library (the guide docs/adding-a-solver.md),
with nothing edited in the library: it is registered, solved by name, compared, checkpointed and
spectrally analysed like the built-in ones."""

import math

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.analysis.trajectory import linear_rate
from gamesolve.comparison import compare
from gamesolve.solvers import registry
from gamesolve_zoo import quadratic
from tests._markdown import python_blocks


GUIDE = "docs/adding-a-solver.md"


@pytest.fixture
def momentum_gda(monkeypatch):
    """The guide's solver, written and registered there (docs/adding-a-solver.md), for one test
    only: the registry is restored afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    namespace: dict = {"__name__": "guide"}
    exec(compile(python_blocks(GUIDE)[0], GUIDE, "exec"), namespace)
    assert registry.get_solver_spec("momentum-gda").factory is namespace["MomentumGDA"]
    return "momentum-gda"


def test_a_new_solver_is_solvable_by_name_and_compared(momentum_gda, tmp_path):
    result = gs.solve(quadratic.make(), momentum_gda, lr=0.1, beta=-0.1, steps=2000, tol=1e-10)
    assert result.converged and result.solver == "momentum-gda"
    rows = compare(["quadratic", "bilinear"], [momentum_gda, "gda"], out=tmp_path)
    assert {(r.game, r.solver) for r in rows} >= {("quadratic", "momentum-gda"), ("bilinear", "momentum-gda")}
    assert "momentum-gda" in (tmp_path / "report.md").read_text()


def test_a_new_solver_resumes_exactly_from_a_checkpoint(momentum_gda, tmp_path):
    full = gs.solve(quadratic.make(), momentum_gda, lr=0.1, steps=40, progress=False)
    gs.solve(quadratic.make(), momentum_gda, lr=0.1, steps=20, checkpoint=tmp_path / "m.ckpt", progress=False)
    resumed = gs.solve(quadratic.make(), momentum_gda, lr=0.1, steps=40, resume_from=tmp_path / "m.ckpt",
                       progress=False)
    assert all(torch.equal(a, b) for a, b in zip(full.strategies, resumed.strategies))


@pytest.mark.parametrize("beta", [-0.3, 0.0, 0.4])
def test_a_new_solver_is_analysed_from_its_linear_update(momentum_gda, beta):
    eta = 0.1
    game = quadratic.make()
    game.set_strategies(game.equilibrium)
    assert momentum_gda in gs.spectral.linearised_solvers(game)
    rho = gs.spectral.spectral_radius(game, momentum_gda, lr=eta, beta=beta)
    if beta == 0.0:    # no momentum: GDA's operator, I - eta H
        assert rho == pytest.approx(gs.spectral.spectral_radius(game, "gda", lr=eta), rel=1e-12)
    # the measured contraction of a real run matches the prediction
    run = quadratic.make()
    d = gs.solve(run, momentum_gda, lr=eta, beta=beta, steps=300, progress=False).trajectory["distance"]
    measured = linear_rate(d[d > 1e-13], start=100).rate
    assert abs(math.log(measured) / math.log(rho) - 1) < 0.02, (measured, rho)
    assert np.isfinite(gs.spectral.stable_step_sizes(game, momentum_gda, beta=beta)[0][1])
