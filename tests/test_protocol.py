"""The solver protocol in code: what gs.solve asks of a solver, and the defaults gs.Solver gives."""

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.solvers.registry import get_solver_spec, register_solver, solver_names

PACKAGE = Path(gs.__file__).parent


def _bilinear():
    x = gs.Player("x", torch.tensor([1.0, -0.5], dtype=torch.float64))
    y = gs.Player("y", torch.tensor([0.5, 1.0], dtype=torch.float64))
    return gs.ZeroSumGame(lambda x, y: x @ y, x, y, name="bilinear")


class HalvingSolver(gs.Solver):
    """A minimal iterative solver written against the base class: every step halves both players."""

    requires = frozenset({"gradients"})

    def __init__(self, game=None):
        self.iteration = 0
        if game is not None:
            self.bind(game)

    def step(self):
        norm = float(torch.cat([p.detach().reshape(-1) for p in self.game.parameters()]).norm())
        with torch.no_grad():
            for p in self.game.parameters():
                p.mul_(0.5)
        self.iteration += 1
        return {"residual": norm} if self.measuring else {}

    def strategies(self):
        return self.game.strategies()

    def state_dict(self):
        return {"iteration": self.iteration}

    def load_state_dict(self, state):
        self.iteration = state["iteration"]


def test_a_solver_from_the_base_class_gets_every_optional_part_and_runs():
    solver = HalvingSolver()
    assert isinstance(solver, gs.IterativeSolver) and not isinstance(solver, gs.OneShotSolver)
    assert (solver.residual_key, solver.default_steps, solver.default_tol, solver.stop_reason) == \
        ("residual", None, None, None)
    game = _bilinear()
    result = gs.solve(game, solver, tol=1e-6, log_every=3)      # bound here: built without a game
    assert solver.game is game and result.converged and result.solver == "HalvingSolver"
    assert result.steps == 22 and result.trajectory["residual"][-1] <= 2e-6
    assert list(result.trajectory.steps) == list(range(0, 22, 3))      # quiet steps between recorded ones


def test_objects_that_are_not_solvers_are_refused_with_what_they_miss():
    class NoDefaults:
        game = None

        def step(self):
            return {}

    with pytest.raises(gs.InvalidParameterError, match="derive it from gamesolve.protocol.Solver"):
        gs.solve(_bilinear(), NoDefaults(), steps=3)


def test_binding_checks_capabilities():
    class NeedsPayoffs(HalvingSolver):
        requires = frozenset({"payoffs"})

    with pytest.raises(gs.IncompatibleSolverError, match="NeedsPayoffs needs payoffs, but ZeroSumGame offers"):
        gs.solve(_bilinear(), NeedsPayoffs(), steps=3)


def test_a_wrapper_forwards_the_optional_parts_to_its_inner_solver():
    game = _bilinear()
    inner = gs.GDA(game, lr=0.1)
    wrapped = gs.Lookahead(inner, k=2)
    assert wrapped.game is game and wrapped.requires == inner.requires
    wrapped.measuring = False
    assert inner.measuring is False
    inner.stop_reason = "done"
    assert wrapped.stop_reason == "done"


def test_one_shot_solvers_return_a_solution_and_gs_solve_builds_the_result():
    bos = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    solver = gs.make_solver("vertex-enumeration", bos)
    assert isinstance(solver, gs.OneShotSolver)
    solution = solver.run()
    assert isinstance(solution, gs.Solution) and solution.certified and len(solution.equilibria) == 3
    result = gs.solve(bos, solver)
    assert result.strategies is result.equilibria[0] and result.certified and result.steps == 0
    np.testing.assert_array_equal(bos.current_strategies()[0], result.strategies[0])
    assert result.trajectory["exploitability"][0] == 0.0


def test_the_registry_reads_what_a_solver_needs_from_its_class():
    for name in solver_names():
        spec = get_solver_spec(name)
        cls = getattr(spec.factory, "func", spec.factory)
        if isinstance(cls, type):
            assert spec.requires == cls.requires, name
    with pytest.raises(TypeError, match="declares no `requires`"):
        register_solver("no-requires", lambda game: None, summary="", family="gradient")


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, resolved to ``gamesolve.*`` names (relative imports included)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(p for p in (base, node.module or "") if p)
            out.add(name)
            out.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_solve_calls_the_protocol_instead_of_probing_solvers():
    tree = ast.parse((PACKAGE / "solve.py").read_text())
    probes = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") in
              ("hasattr", "getattr") and "solver" in ast.unparse(node.args[0])]
    assert probes == [], [ast.unparse(p) for p in probes]


def test_no_solver_imports_the_loop_or_the_analysis():
    for path in sorted((PACKAGE / "solvers").glob("*.py")):
        upward = [m for m in _imports(path)
                  if m == "gamesolve.solve" or m.startswith(("gamesolve.solve.", "gamesolve.analysis"))]
        assert upward == [], (path.name, upward)


def test_every_module_of_the_library_stays_under_450_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 450}
    assert long == {}
