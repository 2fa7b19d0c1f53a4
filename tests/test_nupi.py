"""NuPI: the update rule against its definition, the identities of Sohrabi et al. (2024), sparse = dense."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve_zoo import oscillating_toy

STEPS = 50


def _errors(seed, steps=STEPS, shape=(4,)):
    return torch.randn((steps, *shape), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _run(optimizer_factory, errors, theta0=None):
    """Feed the error sequence as .grad; return the parameter after every step."""
    p = torch.zeros(errors.shape[1:], dtype=torch.float64) if theta0 is None else theta0.clone()
    p.requires_grad_(True)
    opt = optimizer_factory([p])
    out = []
    for e in errors:
        p.grad = e.clone()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out)


def _definition(errors, lr, kp, ki, nu, init, maximize=False):
    """The rule written out: xi_t = nu xi_{t-1} + (1 - nu) e_t; theta -/+= lr (ki e_t + kp (xi_t - xi_{t-1}))."""
    e = errors.numpy()
    theta = np.zeros(e.shape[1:])
    xi_prev = np.zeros_like(theta) if init == "zeros" else e[0].copy()
    sign = 1.0 if maximize else -1.0
    out = []
    for et in e:
        xi = nu * xi_prev + (1 - nu) * et
        theta = theta + sign * lr * (ki * et + kp * (xi - xi_prev))
        xi_prev = xi
        out.append(theta.copy())
    return np.stack(out)


gains = st.floats(-5, 5, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), lr=st.floats(1e-3, 1.0), kp=gains, ki=gains, nu=st.floats(-0.95, 0.95),
       init=st.sampled_from(["zeros", "sgd"]), maximize=st.booleans())
def test_nupi_follows_its_definition(seed, lr, kp, ki, nu, init, maximize):
    errors = _errors(seed)
    got = _run(lambda p: gs.NuPI(p, lr, kp=kp, ki=ki, nu=nu, init=init, maximize=maximize), errors)
    want = _definition(errors, lr, kp, ki, nu, init, maximize)
    assert np.abs(got.numpy() - want).max() <= 1e-9 * max(1.0, np.abs(want).max())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), lr=st.floats(1e-3, 1.0), ki=st.floats(0.1, 3), nu=st.floats(-0.95, 0.95),
       init=st.sampled_from(["zeros", "sgd"]))
def test_kp_zero_is_gradient_ascent_for_any_nu(seed, lr, ki, nu, init):
    errors = _errors(seed)
    got = _run(lambda p: gs.NuPI(p, lr, kp=0.0, ki=ki, nu=nu, init=init, maximize=True), errors)
    ascent = torch.cumsum(lr * ki * errors, dim=0)
    assert (got - ascent).abs().max() <= 1e-6


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), alpha=st.floats(1e-3, 0.5), beta=st.floats(1e-3, 0.5), lr=st.floats(0.01, 1.0))
def test_nu_zero_is_the_optimistic_gradient_method(seed, alpha, beta, lr):
    """theta_{t+1} = theta_t - alpha e_t - beta (e_t - e_{t-1}) with lr ki = alpha, lr kp = beta;
    e_{-1} = e_0 for init="sgd" (Popov's first step is plain GD) and e_{-1} = 0 for init="zeros"."""
    errors = _errors(seed)
    for init, e_prev in (("sgd", errors[0]), ("zeros", torch.zeros_like(errors[0]))):
        got = _run(lambda p: gs.NuPI(p, lr, kp=beta / lr, ki=alpha / lr, nu=0.0, init=init), errors)
        theta, prev = torch.zeros_like(errors[0]), e_prev
        for t, e in enumerate(errors):
            theta = theta - alpha * e - beta * (e - prev)
            prev = e
            assert (got[t] - theta).abs().max() <= 1e-6


def test_kp_equals_ki_is_ogda_with_step_lr():
    errors = _errors(3)
    got = _run(lambda p: gs.NuPI(p, 0.1, kp=1.0, ki=1.0, init="sgd"), errors)
    theta, prev = torch.zeros(4, dtype=torch.float64), errors[0]
    for t, e in enumerate(errors):
        theta, prev = theta - 0.1 * (2 * e - prev), e
        assert (got[t] - theta).abs().max() <= 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), alpha=st.floats(1e-3, 0.5), beta=st.floats(0.0, 0.95), lr=st.floats(0.01, 1.0),
       nesterov=st.booleans())
def test_heavy_ball_and_nesterov_momentum_are_nupi(seed, alpha, beta, lr, nesterov):
    """SGD(alpha, momentum beta) = nuPI(nu = beta, lr ki = alpha / (1 - beta),
    lr kp = -alpha beta / (1 - beta)^2), Nesterov with lr kp = -alpha beta^2 / (1 - beta)^2; init zeros."""
    errors = _errors(seed)
    sgd = _run(lambda p: torch.optim.SGD(p, lr=alpha, momentum=beta, nesterov=nesterov and beta > 0), errors)
    kp = -alpha * (beta ** 2 if nesterov and beta > 0 else beta) / (1 - beta) ** 2
    nupi = _run(lambda p: gs.NuPI(p, lr, kp=kp / lr, ki=alpha / (1 - beta) / lr, nu=beta, init="zeros"), errors)
    assert (sgd - nupi).abs().max() <= 1e-6


def test_first_steps_of_both_initialisations():
    e0, e1 = torch.tensor([1.0, -2.0], dtype=torch.float64), torch.tensor([0.5, 3.0], dtype=torch.float64)
    lr, kp, ki, nu = 0.1, 2.0, 0.5, 0.3
    zeros = _run(lambda p: gs.NuPI(p, lr, kp=kp, ki=ki, nu=nu, init="zeros"), torch.stack([e0, e1]))
    assert torch.allclose(zeros[0], -lr * (ki + kp * (1 - nu)) * e0, atol=1e-15)
    sgd = _run(lambda p: gs.NuPI(p, lr, kp=kp, ki=ki, nu=nu, init="sgd"), torch.stack([e0, e1]))
    assert torch.allclose(sgd[0], -lr * ki * e0, atol=1e-15)                           # plain SGD, xi_0 = e_0
    step1 = -lr * (ki * e1 + kp * (1 - nu) * (e1 - e0))
    assert torch.allclose(sgd[1] - sgd[0], step1, atol=1e-15)


def _sparse(indices, values, n):
    return torch.sparse_coo_tensor(torch.as_tensor(indices).unsqueeze(0), values, (n,), check_invariants=True)


@pytest.mark.parametrize("init", ["zeros", "sgd"])
def test_sparse_gradient_observing_everything_equals_dense(init):
    errors = _errors(5, shape=(6,))
    dense = _run(lambda p: gs.NuPI(p, 0.2, kp=3.0, ki=1.0, nu=0.4, init=init), errors)
    p = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    opt = gs.NuPI([p], 0.2, kp=3.0, ki=1.0, nu=0.4, init=init)
    for t, e in enumerate(errors):
        perm = torch.randperm(6, generator=torch.Generator().manual_seed(t))   # order must not matter
        p.grad = _sparse(perm, e[perm], 6)
        opt.step()
        assert torch.allclose(p.detach(), dense[t], atol=1e-14)


@pytest.mark.parametrize("init", ["zeros", "sgd"])
def test_sparse_updates_each_entry_as_a_dense_run_on_the_errors_it_received(init):
    """Entry j's trajectory is the scalar dense nuPI run on the sub-sequence of errors j observed."""
    n, gen = 5, torch.Generator().manual_seed(0)
    errors = _errors(7, shape=(n,))
    masks = torch.rand((STEPS, n), generator=gen) < 0.4
    p = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    opt = gs.NuPI([p], 0.3, kp=4.0, ki=0.7, nu=0.2, init=init)
    history = []
    for e, m in zip(errors, masks):
        idx = m.nonzero().flatten()
        p.grad = _sparse(idx, e[idx], n)
        opt.step()
        history.append(p.detach().clone())
    history = torch.stack(history)
    for j in range(n):
        seen = masks[:, j]
        if not seen.any():
            assert (history[:, j] == 0).all()
            continue
        solo = _run(lambda q: gs.NuPI(q, 0.3, kp=4.0, ki=0.7, nu=0.2, init=init), errors[seen, j:j + 1])
        assert torch.allclose(history[seen, j], solo[:, 0], atol=1e-14)
        # between observations the entry does not move
        moved = torch.diff(history[:, j], prepend=torch.zeros(1, dtype=torch.float64)) != 0
        assert not (moved & ~seen).any()


def test_sparse_duplicate_indices_are_summed_and_dense_after_sparse_keeps_the_initialisation():
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = gs.NuPI([p], 1.0, kp=1.0, ki=1.0, init="sgd")
    p.grad = _sparse([0, 0], torch.tensor([1.0, 2.0], dtype=torch.float64), 3)
    opt.step()
    assert p.detach().tolist() == [-3.0, 0.0, 0.0]          # first observation of entry 0: SGD on e = 3
    p.grad = torch.tensor([3.0, 5.0, 7.0], dtype=torch.float64)
    opt.step()
    # entry 0: ki e + kp (e - xi_0) = 3 + 0; entries 1, 2 first seen now: plain SGD
    assert p.detach().tolist() == [-6.0, -5.0, -7.0]


def test_maximize_on_g_equals_minimize_on_minus_g():
    errors = _errors(11)
    up = _run(lambda p: gs.NuPI(p, 0.1, kp=2.0, ki=1.0, nu=0.5, maximize=True), errors)
    down = _run(lambda p: gs.NuPI(p, 0.1, kp=2.0, ki=1.0, nu=0.5), -errors)
    assert torch.equal(up, down)


def test_pi_is_nupi_with_nu_zero():
    errors = _errors(2)
    assert torch.equal(_run(lambda p: gs.PI(p, 0.1, kp=2.0, init="sgd"), errors),
                       _run(lambda p: gs.NuPI(p, 0.1, kp=2.0, nu=0.0, init="sgd"), errors))


@pytest.mark.parametrize("sparse", [False, True])
def test_state_dict_resumes_exactly(sparse):
    errors = _errors(4, shape=(5,))
    masks = torch.rand((STEPS, 5), generator=torch.Generator().manual_seed(1)) < 0.5

    def grad(t):
        if not sparse:
            return errors[t].clone()
        idx = masks[t].nonzero().flatten()
        return _sparse(idx, errors[t][idx], 5)

    def fresh():
        p = torch.zeros(5, dtype=torch.float64, requires_grad=True)
        return p, gs.NuPI([p], 0.2, kp=3.0, nu=0.3, init="sgd")

    p, opt = fresh()
    for t in range(STEPS):
        p.grad = grad(t)
        opt.step()
    full = p.detach().clone()
    p, opt = fresh()
    for t in range(20):
        p.grad = grad(t)
        opt.step()
    saved, saved_p = opt.state_dict(), p.detach().clone()
    q, opt2 = fresh()
    with torch.no_grad():
        q.copy_(saved_p)
    opt2.load_state_dict(saved)
    for t in range(20, STEPS):
        q.grad = grad(t)
        opt2.step()
    assert torch.equal(q.detach(), full)


@pytest.mark.parametrize("kwargs, needle", [
    ({"nu": 1.0}, "nu"), ({"nu": -1.0}, "nu"), ({"nu": 1.5}, "nu"), ({"lr": 0.0}, "lr"), ({"lr": -1}, "lr"),
    ({"init": "ones"}, "init"), ({"kp": float("nan")}, "kp"),
])
def test_bad_parameters(kwargs, needle):
    params = {"lr": 0.1, **kwargs}
    with pytest.raises(gs.InvalidParameterError, match=needle):
        gs.NuPI([torch.zeros(1, requires_grad=True)], **params)


def test_nupi_as_the_multiplier_update_of_a_lagrangian_game_is_projected_pi_ascent():
    """Through GDA, the dual player's .grad is minus the violation and maximize=False:
    lambda_{t+1} = max(0, lambda_t + lr (ki g_t + kp (xi_t - xi_{t-1}))), xi an EMA of g."""
    lr_x, lr, kp, ki, nu = 0.05, 0.5, 3.0, 1.0, 0.2
    game = oscillating_toy.make()
    solver = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=lr_x),
                                      lambda p: gs.NuPI(p, lr, kp=kp, ki=ki, nu=nu)))
    x, lam, xi_prev = np.zeros(2), 0.0, 0.0
    for _ in range(200):
        solver.step()
        g = 1 - x.sum()
        x = x - lr_x * (2 * x - lam)       # grad of |x|^2 + lam (1 - x1 - x2)
        xi = nu * xi_prev + (1 - nu) * g
        lam = max(0.0, lam + lr * (ki * g + kp * (xi - xi_prev)))
        xi_prev = xi
        assert abs(float(game.players[1].params[0].detach()) - lam) < 1e-12
    assert np.abs(game.players[0].params[0].detach().numpy() - x).max() < 1e-12


def test_nupi_solver_by_name_equals_gda_with_optimizers():
    g1, g2 = oscillating_toy.make(), oscillating_toy.make()
    gs.solve(g1, "nupi", lr=(0.05, 0.5), kp=5.0, nu=0.1, steps=100, progress=False)
    gs.solve(g2, gs.GDA(g2, optimizers=(lambda p: torch.optim.SGD(p, lr=0.05),
                                        lambda p: gs.NuPI(p, 0.5, kp=5.0, nu=0.1))), steps=100, progress=False)
    for a, b in zip(g1.parameters(), g2.parameters()):
        assert torch.equal(a, b)
    from gamesolve_zoo import bilinear
    with pytest.raises(gs.IncompatibleSolverError, match="multipliers"):
        gs.solve(bilinear.make(), "nupi", steps=1)
