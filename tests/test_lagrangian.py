"""LagrangianGame: losses and gradients against their definitions, proxies, augmented terms,
indexed multipliers, bad input, checkpoints."""

import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

import gamesolve as gs
from gamesolve_zoo import bilinear, oscillating_toy, svm_iris
from tests._markdown import python_blocks

D = torch.float64


def _x(values=(0.3, -0.2)):
    return gs.Player("x", torch.tensor(values, dtype=D))


def _grads(game):
    ev = game.evaluate()
    return ev.losses, ev.grads[0], ev.grads[1]


def test_losses_and_gradients_follow_the_definition():
    """primal: f + <lambda, g - t> + mu (h - s); dual: -(<lambda, g - t> + mu (h - s)); dual grad = -violation."""
    A = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, 1.0]], dtype=D)
    t = torch.tensor([0.1, 0.2, -0.3], dtype=D)
    problem = gs.ConstrainedProblem(
        lambda x: (x ** 4).sum(),
        [gs.Constraint("ineq", lambda x: A @ x, "<=", t, shape=3),
         gs.Constraint("eq", lambda x: x[0] * x[1], "==", 0.5)], _x())
    lam0, mu0 = torch.tensor([0.5, 0.0, 2.0], dtype=D), -1.5
    game = gs.LagrangianGame(problem, multipliers={"ineq": lam0, "eq": mu0})
    x = game.players[0].params[0].detach()
    (lp, ld), gx, gy = _grads(game)
    g, h = A @ x - t, x[0] * x[1] - 0.5
    assert torch.allclose(lp, (x ** 4).sum() + lam0 @ g + mu0 * h)
    assert torch.allclose(ld, -(lam0 @ g + mu0 * h))
    grad_h = torch.stack([x[1], x[0]])
    assert torch.allclose(gx[0], 4 * x ** 3 + A.T @ lam0 + mu0 * grad_h)
    assert torch.allclose(gy[0], -g) and torch.allclose(gy[1], -h)
    assert isinstance(game.players[1].domains[0], gs.NonNegative) and isinstance(game.players[1].domains[1], gs.Reals)
    # the generic autograd path of Game.evaluate agrees (losses() is differentiable in lambda)
    generic = gs.Game.evaluate(game)
    assert all(torch.allclose(a, b) for a, b in zip(generic.grads[1], gy))
    assert torch.allclose(generic.grads[0][0], gx[0])


def test_equality_multiplier_goes_negative_inequality_multiplier_stays_nonnegative():
    problem = gs.ConstrainedProblem(lambda x: (x ** 2).sum(),
                                    [gs.Constraint("le", lambda x: x[0] + 1.0, "<=", 0.0),   # active: lambda* = 2... > 0
                                     gs.Constraint("ge-slack", lambda x: x[1] - 5.0, "<="),   # inactive
                                     gs.Constraint("eq", lambda x: x[1], "==", 1.0)], _x())
    game = gs.LagrangianGame(problem)
    gs.solve(game, gs.GDA(game, lr=0.1), steps=3000, progress=False)
    lam = game.multipliers()
    assert abs(float(lam["le"]) - 2.0) < 1e-8 and float(lam["ge-slack"]) == 0.0
    assert abs(float(lam["eq"]) + 2.0) < 1e-8      # 2 x1 + mu = 0 at x1 = 1


def test_proxy_drives_the_primal_and_the_true_value_drives_the_multiplier():
    """A step-function rate (no gradient) as the true value, a sigmoid surrogate as proxy."""
    data = torch.linspace(-2, 2, 9, dtype=D)
    true_rate = lambda x: (data + x[0] > 0).to(D).mean()                        # noqa: E731
    proxy_rate = lambda x: torch.sigmoid(4 * (data + x[0])).mean()              # noqa: E731
    problem = gs.ConstrainedProblem(lambda x: (x[0] - 1.0) ** 2 + x[1] ** 2,
                                    [gs.Constraint("rate", true_rate, "<=", 0.3, proxy=proxy_rate)], _x())
    game = gs.LagrangianGame(problem, multipliers={"rate": 0.7})
    (lp, _), gx, gy = _grads(game)
    x = game.players[0].params[0].detach().clone().requires_grad_(True)
    ref = (x[0] - 1.0) ** 2 + x[1] ** 2 + 0.7 * (proxy_rate(x) - 0.3)
    assert torch.allclose(gx[0], torch.autograd.grad(ref, x)[0])
    assert torch.allclose(lp, ref.detach())
    assert torch.allclose(gy[0], -(true_rate(x.detach()) - 0.3))
    # the same through ConstraintValue returned by the constraint itself
    both = gs.Constraint("rate", lambda x: gs.ConstraintValue(true_rate(x), proxy=proxy_rate(x)), "<=", 0.3)
    game2 = gs.LagrangianGame(gs.ConstrainedProblem(problem.objective, [both], _x()), multipliers={"rate": 0.7})
    (_, gx2, gy2) = _grads(game2)
    assert torch.allclose(gx2[0], gx[0]) and torch.allclose(gy2[0], gy[0])


def _augmented_term(lam, g, c, kind):
    """Powell-Hestenes-Rockafellar, Nocedal & Wright (17.65) for '<=', (17.36) for '=='."""
    if kind == "==":
        return lam * g + c / 2 * g * g
    return ((max(lam + c * g, 0.0)) ** 2 - lam ** 2) / (2 * c)


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(0, 5), g=st.floats(-3, 3), c=st.floats(0, 10), kind=st.sampled_from(["<=", "=="]))
@example(lam=0.0, g=-1.0, c=2.225073858507e-311, kind="<=")   # a subnormal penalty: 1/c overflows
def test_augmented_lagrangian_is_phr_and_finite_at_zero_penalty(lam, g, c, kind):
    x = gs.Player("x", torch.tensor([g], dtype=D))
    problem = gs.ConstrainedProblem(lambda x: 0 * x.sum(), [gs.Constraint("c", lambda x: x[0], kind)], x)
    game = gs.LagrangianGame(problem, "augmented", penalty=c, multipliers={"c": lam})
    (lp, _), gx, gy = _grads(game)
    assert math.isfinite(float(lp)) and bool(torch.isfinite(gx[0]).all())
    if c > 1e-3:   # below, the reference formula itself loses digits to cancellation
        assert abs(float(lp) - _augmented_term(lam, g, c, kind)) <= 1e-9 * max(1.0, abs(float(lp)))
    # both branches lie within c g^2 / 2 of the Lagrangian term lambda g: c -> 0 is the Lagrangian
    assert abs(float(lp) - lam * g) <= c * g * g / 2 + 1e-12
    dpsi = max(lam + c * g, 0.0) if kind == "<=" else lam + c * g
    assert abs(float(gx[0][0]) - dpsi) <= 1e-9 * max(1.0, abs(dpsi))
    assert float(gy[0]) == -g


def test_zero_penalty_augmented_run_equals_the_lagrangian_run_without_nan():
    def run(**kw):
        game = oscillating_toy.make()
        game = gs.LagrangianGame(game.problem, **kw)
        res = gs.solve(game, gs.GDA(game, lr=(0.05, 0.5)), steps=300, progress=False)
        assert res.error is None
        return [p.detach() for p in game.parameters()]
    for a, b in zip(run(formulation="augmented", penalty=0.0), run()):
        assert torch.equal(a, b) and bool(torch.isfinite(a).all())


def test_method_of_multipliers_with_alternating_gda_reaches_the_kkt_point():
    """Primal steps then lambda <- max(lambda + c g, 0): the augmented Lagrangian method."""
    game = gs.LagrangianGame(oscillating_toy.make().problem, "augmented", penalty=2.0)
    gs.solve(game, gs.GDA(game, lr=(0.1, 2.0), alternating=True, steps_per_player=(20, 1)), steps=200,
             progress=False)
    assert max(gs.kkt_residuals(game).values()) < 1e-10
    assert abs(float(game.multipliers()["x1+x2>=1"]) - 1.0) < 1e-10


def _indexed_problem(n=6, batch=3):
    data = torch.linspace(-1, 1, n, dtype=D)

    def sample(gen):
        return torch.randperm(n, generator=gen)[:batch]

    def fn(x, idx):
        return gs.ConstraintValue(data[idx] * x[0] - 0.1, indices=idx)

    return gs.ConstrainedProblem(lambda x, idx: (x ** 2).sum(), [gs.Constraint("c", fn, "<=", shape=n, indexed=True)],
                                 _x((1.0, 0.5)), sample=sample), data


def test_indexed_constraint_gives_a_sparse_dual_gradient_on_the_observed_entries():
    problem, data = _indexed_problem()
    game = gs.LagrangianGame(problem, multipliers={"c": torch.arange(6, dtype=D)}, seed=3)
    idx = problem.sample(torch.Generator().manual_seed(3))
    (lp, ld), gx, gy = _grads(game)
    assert gy[0].is_sparse
    dense = gy[0].to_dense()
    want = torch.zeros(6, dtype=D)
    want[idx] = -(data[idx] * 1.0 - 0.1)
    assert torch.equal(dense, want)
    lam = torch.arange(6, dtype=D)[idx]
    assert torch.allclose(gx[0], torch.tensor([2.0 + lam @ data[idx], 1.0], dtype=D))
    assert torch.allclose(ld, -(lam @ (data[idx] - 0.1)))


@pytest.mark.parametrize("dual", [lambda p: gs.NuPI(p, 0.5, kp=3.0, nu=0.5, init="sgd"),
                                  lambda p: torch.optim.SparseAdam(p, lr=0.5)],
                         ids=["nupi", "sparse-adam"])
@pytest.mark.parametrize("solver", ["gda", "ogda", "extragradient"])
def test_unobserved_multipliers_never_move(dual, solver):
    """GDA moves only the entries its batch observed; OGDA also those of the previous batch (its
    memory -g_{t-1}); extragradient those of its two batches (extrapolation and update)."""
    problem, _ = _indexed_problem(n=8, batch=2)
    game = gs.LagrangianGame(problem, seed=0)
    cls = {"gda": gs.GDA, "ogda": gs.OGDA, "extragradient": gs.Extragradient}[solver]
    s = cls(game, optimizers=(lambda p: torch.optim.SGD(p, lr=0.1), dual))
    gen = torch.Generator().manual_seed(0)
    previous = torch.zeros(8, dtype=torch.bool)
    for _ in range(30):
        before = game.players[1].params[0].detach().clone()
        seen = torch.zeros(8, dtype=torch.bool)
        seen[problem.sample(gen)] = True
        moves = seen.clone()
        if solver == "extragradient":
            moves[problem.sample(gen)] = True
        elif solver == "ogda":
            moves |= previous
        previous = seen
        s.step()
        after = game.players[1].params[0].detach()
        assert torch.equal(after[~moves], before[~moves])
    assert (game.players[1].params[0].detach() != 0).any()


def test_stochastic_runs_are_reproducible_and_metrics_do_not_consume_the_batch_stream():
    def run(metrics):
        game = svm_iris.make(batch_size=10, seed=1)
        s = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=0.01), lambda p: gs.NuPI(p, 0.1, kp=10.0)))
        gs.solve(game, s, steps=50, seed=5, metrics=metrics, progress=False)
        return [p.detach().clone() for p in game.parameters()]
    a, b, c = run([]), run([]), run(["kkt", "distance"])
    assert all(torch.equal(u, v) and torch.equal(u, w) for u, v, w in zip(a, b, c))


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def _game(*constraints, objective=lambda x: (x ** 2).sum(), **kw):
    return gs.LagrangianGame(gs.ConstrainedProblem(objective, list(constraints), _x()), **kw)


def test_non_scalar_value_of_a_scalar_constraint_names_it():
    with pytest.raises(gs.ShapeError, match=r"constraint 'norm' returned a value of shape \(2,\).*declared a scalar"):
        _game(gs.Constraint("norm", lambda x: x ** 2, "<=", 1.0))
    with pytest.raises(gs.ShapeError, match=r"constraint 'v'.*shape \(2,\).*declared of shape \(3,\)"):
        _game(gs.Constraint("v", lambda x: x, "<=", shape=3))


def test_nan_in_a_constraint_names_it_at_construction_and_during_a_run():
    with pytest.raises(gs.NonFiniteError, match="constraint 'bad': its value is not finite"):
        _game(gs.Constraint("ok", lambda x: x.sum()), gs.Constraint("bad", lambda x: x.sum() * float("nan")))
    # finite at the start, NaN once x[0] drops below -0.5: the run keeps the last finite iterate
    game = _game(gs.Constraint("log", lambda x: torch.log(x[0] + 0.5) * 0 + x[0], "<=", -1.0))
    res = gs.solve(game, gs.GDA(game, lr=0.5), steps=200, on_nonfinite="report", progress=False)
    assert res.error is not None and "constraint 'log'" in str(res.error)
    assert all(bool(torch.isfinite(p).all()) for p in game.parameters())


def test_a_nan_proxy_hidden_by_the_augmented_terms_branch_is_still_named():
    """With lambda + rho g~ < 0 the augmented term takes its branch -lambda^2 / (2 rho), which a NaN proxy
    does not reach; evaluate checks the proxies themselves."""
    game = _game(gs.Constraint("c", lambda x: x[0], "<=", -1.0, proxy=lambda x: torch.log(x[0] + 0.5) * 0 + x[0]),
                 formulation="augmented", penalty=1.0)
    res = gs.solve(game, gs.GDA(game, lr=0.5), steps=200, on_nonfinite="report", progress=False)
    assert res.error is not None and "constraint 'c': its proxy is not finite" in str(res.error)
    assert all(bool(torch.isfinite(p).all()) for p in game.parameters())


def test_unknown_kind_and_other_bad_constraints():
    with pytest.raises(gs.InvalidParameterError, match="constraint 'c': unknown kind '<'"):
        gs.Constraint("c", lambda x: x, "<")
    with pytest.raises(gs.InvalidParameterError, match="constraint 'c': unknown kind '>='.*-g <= -t"):
        gs.Constraint("c", lambda x: x, ">=")
    with pytest.raises(gs.InvalidParameterError, match="unique.*'c'"):
        _game(gs.Constraint("c", lambda x: x.sum()), gs.Constraint("c", lambda x: x.sum()))
    with pytest.raises(gs.ShapeError, match="constraint 'c': evaluating it failed"):
        _game(gs.Constraint("c", lambda x: x @ torch.ones(3, dtype=D)))
    with pytest.raises(gs.ShapeError, match="constraint 'c': proxy of shape"):
        _game(gs.Constraint("c", lambda x: x.sum(), proxy=lambda x: x))
    with pytest.raises(gs.ShapeError, match="constraint 'c' is indexed"):
        _game(gs.Constraint("c", lambda x: x, shape=5, indexed=True))
    with pytest.raises(gs.ShapeError, match=r"constraint 'c': indices must lie in \[0, 5\)"):
        _game(gs.Constraint("c", lambda x: gs.ConstraintValue(x, indices=torch.tensor([0, 7])), shape=5, indexed=True))
    with pytest.raises(gs.InvalidParameterError, match="constraint 'c': an indexed constraint needs shape=N"):
        gs.Constraint("c", lambda x: x, indexed=True)
    with pytest.raises(gs.ShapeError, match="constraint 'c': target of shape"):
        gs.Constraint("c", lambda x: x, target=torch.zeros(3), shape=2)


def test_bad_game_parameters():
    c = gs.Constraint("c", lambda x: x.sum())
    with pytest.raises(gs.InvalidParameterError, match="penalty only applies"):
        _game(c, penalty=1.0)
    with pytest.raises(gs.InvalidParameterError, match="constraint 'c': penalty must be finite and >= 0"):
        _game(c, formulation="augmented", penalty=-1.0)
    with pytest.raises(gs.InvalidParameterError, match="unknown formulation 'penalty'"):
        _game(c, formulation="penalty")
    with pytest.raises(gs.DomainError, match="constraint 'c': the multiplier of an inequality must be >= 0"):
        _game(c, multipliers={"c": -1.0})
    with pytest.raises(gs.InvalidParameterError, match="unknown constraints"):
        _game(c, multipliers={"d": 1.0})
    with pytest.raises(gs.ShapeError, match="objective must be a scalar"):
        _game(c, objective=lambda x: x)
    with pytest.raises(gs.InvalidParameterError, match="at least one Constraint"):
        gs.ConstrainedProblem(lambda x: x.sum(), [], _x())


# --------------------------------------------------------------------------
# neural primal players, checkpoints
# --------------------------------------------------------------------------


def test_norm_constrained_linear_model_reaches_a_kkt_point():
    """min ||X w - y||^2 / n s.t. ||w||^2 <= 0.5 on an nn.Linear (float32): KKT residuals small."""
    gen = torch.Generator().manual_seed(0)
    X, w_true = torch.randn(64, 3, generator=gen), torch.tensor([[1.0, -2.0, 0.5]])
    y = X @ w_true.T
    model = nn.Linear(3, 1, bias=False)
    problem = gs.ConstrainedProblem(lambda m: ((m(X) - y) ** 2).mean(),
                                    [gs.Constraint("norm", lambda m: (m.weight ** 2).sum(), "<=", 0.5)],
                                    gs.Player("model", model))
    game = gs.LagrangianGame(problem)
    assert game.players[1].dtype == torch.float32
    s = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=0.05), lambda p: gs.NuPI(p, 0.5, kp=2.0)))
    gs.solve(game, s, steps=1500, progress=False)
    kkt = gs.kkt_residuals(game)
    assert max(kkt.values()) < 1e-4, kkt
    assert abs(float((model.weight.detach() ** 2).sum()) - 0.5) < 1e-4 and float(game.multipliers()["norm"]) > 0.1


@pytest.mark.parametrize("stochastic", [False, True])
def test_checkpoint_of_a_lagrangian_run_resumes_exactly(tmp_path, stochastic):
    """Primal (Adam), multipliers and nuPI state (xi, observation mask) resume bit for bit."""
    def fresh():
        game = svm_iris.make(batch_size=10 if stochastic else None)
        solver = gs.GDA(game, optimizers=(lambda p: torch.optim.Adam(p, lr=0.01),
                                          lambda p: gs.NuPI(p, 0.1, kp=10.0, nu=0.3, init="sgd")))
        return game, solver

    game, solver = fresh()
    gs.solve(game, solver, steps=60, seed=2, progress=False)
    full = [p.detach().clone() for p in game.parameters()]
    full_state = solver.rules[1].state_dict()

    game, solver = fresh()
    ckpt = tmp_path / "run.ckpt"
    gs.solve(game, solver, steps=25, seed=2, checkpoint=ckpt, progress=False)
    game, solver = fresh()
    res = gs.solve(game, solver, steps=60, resume_from=ckpt, progress=False)
    assert res.steps == 60
    for a, b in zip(full, game.parameters()):
        assert torch.equal(a, b)
    resumed = solver.rules[1].state_dict()["state"][0]
    for key, value in full_state["state"][0].items():
        assert torch.equal(resumed[key], value), key


def test_penalty_is_part_of_the_game_state():
    game = gs.LagrangianGame(oscillating_toy.make().problem, "augmented", penalty=1.0)
    state = game.state_dict()
    game.penalty["x1+x2>=1"] = 7.0
    game.load_state_dict(state)
    assert game.penalty == {"x1+x2>=1": 1.0}


def test_kkt_residuals_are_zero_at_the_solution_and_match_hand_values_elsewhere():
    game = oscillating_toy.make()
    game.set_strategies(game.equilibrium)
    assert max(gs.kkt_residuals(game).values()) < 1e-15
    game.set_strategies((torch.tensor([0.2, 0.3], dtype=D), torch.tensor(0.5, dtype=D)))
    r = gs.kkt_residuals(game)
    g = 1 - 0.5
    assert r["stationarity"] == pytest.approx(np.linalg.norm([0.4 - 0.5, 0.6 - 0.5]))
    assert r["primal_feasibility"] == pytest.approx(g)
    assert r["complementary_slackness"] == pytest.approx(0.5 * g)
    assert r["dual_feasibility"] == 0.0
    with pytest.raises(gs.IncompatibleSolverError):
        gs.kkt_residuals(bilinear.make())


def test_constraint_without_fn_needs_an_overridden_evaluate():
    with pytest.raises(gs.GameError, match="constraint 'c' has no fn"):
        _game(gs.Constraint("c", kind="=="))


def test_the_guide_snippets_run(capsys):
    """docs/constrained.md: every python block runs; the first reaches lambda* = 1, the second a small gap."""
    blocks = python_blocks("docs/constrained.md")
    assert len(blocks) == 2
    first: dict = {}
    exec(compile(blocks[0], "constrained.md[0]", "exec"), first)
    assert abs(float(first["game"].multipliers()["sum"]) - 1.0) < 1e-8
    second: dict = {}
    exec(compile(blocks[1], "constrained.md[1]", "exec"), second)
    gap = float(second["game"].violations(batch=torch.arange(512))["parity"])
    unconstrained = float(second["y"][second["group"] == 1].mean() - second["y"][second["group"] == 0].mean())
    assert abs(gap) < 0.05 < abs(unconstrained)


def test_indexed_targets_are_gathered_and_a_nan_names_the_multiplier_index():
    targets = torch.arange(5, dtype=D) / 10
    idx = torch.tensor([4, 1])

    def fn(x):
        return gs.ConstraintValue(x[0] * torch.ones(2, dtype=D), indices=idx)

    game = _game(gs.Constraint("c", fn, "<=", targets, shape=5, indexed=True))
    g = game.evaluate().grads[1][0].to_dense()
    x0 = float(game.players[0].params[0][0].detach())
    assert torch.allclose(g[idx], -(x0 - targets[idx])) and (g[[0, 2, 3]] == 0).all()

    def bad(x):
        return gs.ConstraintValue(torch.stack([x[0], x[0] * float("nan")]), indices=idx)

    with pytest.raises(gs.NonFiniteError, match=r"constraint 'c': its value is not finite at entries \[1\]"):
        _game(gs.Constraint("c", bad, "<=", shape=5, indexed=True))
