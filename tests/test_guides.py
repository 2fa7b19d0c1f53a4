"""The how-to guides are single files that run: each guide's python blocks, executed in order."""

import pytest

from gamesolve.solvers import registry
from tests._markdown import python_blocks


def _run(doc: str) -> dict:
    namespace: dict = {"__name__": "guide"}
    for block in python_blocks(doc):
        exec(compile(block, doc, "exec"), namespace)
    return namespace


def test_adding_a_game_family():
    ns = _run("docs/adding-a-game-family.md")
    assert ns["ours"].converged and ns["ours"].steps < 500
    assert ns["game"].capabilities == {"gradients", "potential"}
    # x = (1, 1/2) with Hessian 2 I; y = (0, 1) is a vertex of its simplex, a face with no tangent directions
    assert ns["spectrum"].real.tolist() == [2.0, 2.0]
    assert ns["game"].strategies()[1].tolist() == [0.0, 1.0]
    assert "potential-descent needs potential, but ZeroSumGame offers" in ns["refusal"]


def test_adding_a_solver(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))    # the guide registers a solver
    ns = _run("docs/adding-a-solver.md")
    assert ns["result"].converged and ns["result"].solver == "momentum-gda"
    assert 0 < ns["rho"] < 1
    (low, high), = ns["stable"]
    assert low < 0.1 < high
    assert ns["rho"] == pytest.approx(ns["gs"].spectral.spectral_radius(ns["game"], "momentum-gda", lr=0.1,
                                                                        beta=-0.1))
