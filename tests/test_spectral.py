"""The game Jacobian, spectra, fixed points and solver stability against theory."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import gamesolve as gs
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import linear_rate
from gamesolve.game_registry import make_game
from gamesolve_zoo import bilinear, dirac_gan, matching_pennies_continuous, minimax_quadratic, quadratic

S = [0.5, 1.0, 2.0]   # singular values of the bilinear coupling


def _nonlinear_game(n, zero_sum, seed=0, dtype=torch.float64):
    """x, y in R^n with smooth, non-quadratic losses (a Hessian that changes with the point)."""
    gen = torch.Generator().manual_seed(seed)
    W1, V1, W2, V2 = (torch.randn(n, n, generator=gen, dtype=dtype) / math.sqrt(n) for _ in range(4))
    x = gs.Player("x", torch.randn(n, generator=gen, dtype=dtype))
    y = gs.Player("y", torch.randn(n, generator=gen, dtype=dtype))

    def f(x, y):
        return torch.log(torch.cosh(W1 @ x + V1 @ y)).sum() + 0.1 * (x ** 3).sum() - 0.2 * (y @ y)

    if zero_sum:
        return gs.ZeroSumGame(f, x, y)
    return gs.GeneralSumGame(f, lambda x, y: torch.nn.functional.softplus(W2 @ y - V2 @ x).sum() + 0.1 * y @ x, x, y)


def _field_at(game, params, z):
    """F at z, differentiable in z: evaluates the game's rule on tensors that depend on z."""
    parts = torch.split(z, [p.numel() for p in params])
    xs = [t.view_as(p) for t, p in zip(parts, params)]
    k = len(game.players[0].params)
    x, y = xs[0] if k == 1 else xs[:k], xs[k] if len(xs) - k == 1 else xs[k:]
    lx, ly = (game.f(x, y), -game.f(x, y)) if game.zero_sum else (game.loss_x(x, y), game.loss_y(x, y))
    gx = torch.autograd.grad(lx, x, create_graph=True)[0]
    gy = torch.autograd.grad(ly, y, create_graph=True)[0]
    return torch.cat([gx.reshape(-1), gy.reshape(-1)])


# --------------------------------------------------------------------------
# the operator
# --------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5), zero_sum=st.booleans(),
       method=st.sampled_from(["auto", "general"]))
def test_jacobian_products_are_the_autograd_jacobian_and_adjoint(seed, n, zero_sum, method):
    game = _nonlinear_game(n, zero_sum, seed)
    reference = torch.autograd.functional.jacobian(
        lambda z: _field_at(game, game.parameters(), z),
        torch.cat([p.detach() for p in game.parameters()])).numpy()
    H = sp.jacobian(game, method=method)
    assert np.allclose(H.dense(), reference, atol=1e-12, rtol=1e-12)
    rng = np.random.default_rng(seed)
    v, w = rng.standard_normal(2 * n), rng.standard_normal(2 * n)
    assert np.allclose(H @ v, reference @ v, atol=1e-12)
    assert np.allclose(H.T @ w, reference.T @ w, atol=1e-12)
    assert abs(w @ (H @ v) - (H.T @ w) @ v) < 1e-10 * (1 + np.abs(reference).sum())


def test_products_are_counted_and_a_moved_point_is_refused():
    game = _nonlinear_game(3, zero_sum=False)
    H = sp.jacobian(game)
    assert H.method == "general" and H.products == 0
    H.matvec(np.ones(6))
    H.rmatvec(np.ones(6))
    H.matmat(np.ones((6, 2)))
    assert (H.n_jvp, H.n_vjp, H.products) == (3, 1, 4)
    gs.GDA(game, lr=0.1).step()
    with pytest.raises(gs.GameError, match="changed"):
        H.matvec(np.ones(6))
    with pytest.raises(gs.InvalidParameterError, match="zero-sum"):
        sp.jacobian(game, method="symmetric")


def test_jacobian_leaves_the_random_stream_alone():
    from tests.test_solve import NoisyGame
    game = NoisyGame()
    before = game.generator.get_state()
    sp.eigenvalues(game)
    sp.classify_fixed_point(game)
    assert torch.equal(game.generator.get_state(), before)


def test_helmholtz_split():
    game = _nonlinear_game(4, zero_sum=False, seed=3)
    split = sp.helmholtz_decomposition(game)
    H = split.jacobian.dense()
    Sd = split.symmetric.matmat(np.eye(8))
    Ad = split.antisymmetric.matmat(np.eye(8))
    assert np.allclose(Sd, Sd.T, atol=1e-12) and np.allclose(Ad, -Ad.T, atol=1e-12)
    assert np.allclose(Sd + Ad, H, atol=1e-12)
    xi = split.jacobian.field_vector()
    assert split.ratio == pytest.approx(np.linalg.norm(Ad @ xi) / np.linalg.norm(Sd @ xi), rel=1e-12)
    assert sp.helmholtz_decomposition(bilinear.make(dim=3)).ratio == math.inf          # pure rotation
    potential = gs.GeneralSumGame(lambda x, y: (x - y) @ (x - y), lambda x, y: (x - y) @ (x - y),
                                  gs.Player("x", [1.0, 2.0]), gs.Player("y", [0.0, 1.0]))
    assert sp.helmholtz_decomposition(potential).ratio == 0.0                           # H symmetric


# --------------------------------------------------------------------------
# must show: closed forms
# --------------------------------------------------------------------------


def _at_equilibrium(game):
    game.set_strategies(game.equilibrium)
    return game


def _alternating_closed_form(eta, s):
    tr = 2 - (eta * s) ** 2            # trace of [[1, -eta s], [eta s, 1 - eta^2 s^2]], determinant 1
    return max(abs(tr + np.sqrt(complex(tr * tr - 4))) / 2, abs(tr - np.sqrt(complex(tr * tr - 4))) / 2)


def _ogda_closed_form(eta, s):
    mu = 1j * eta * s                   # eigenvalues +-i s of H; roots of l^2 - (1 - 2 mu) l - mu
    roots = np.roots([1, -(1 - 2 * mu), -mu])
    return float(np.abs(roots).max())


CLOSED_FORMS = {
    "gda": lambda eta: max(math.sqrt(1 + eta ** 2 * s ** 2) for s in S),
    "extragradient": lambda eta: max(math.sqrt(1 - eta ** 2 * s ** 2 + eta ** 4 * s ** 4) for s in S),
    "ogda": lambda eta: max(max(_ogda_closed_form(eta, s), _ogda_closed_form(eta, -s)) for s in S),
    "alternating-gda": lambda eta: max(_alternating_closed_form(eta, s) for s in S),
}


@pytest.mark.parametrize("solver", list(CLOSED_FORMS))
@pytest.mark.parametrize("eta", [0.05, 0.2])
def test_bilinear_spectral_radii_equal_closed_forms(solver, eta):
    game = _at_equilibrium(bilinear.make(dim=3, singular_values=S))
    rho = sp.spectral_radius(game, solver, lr=eta)
    assert abs(rho - CLOSED_FORMS[solver](eta)) < 1e-10


def test_alternating_gda_radius_beyond_eta_s_2_equals_closed_form():
    game = _at_equilibrium(bilinear.make(dim=3, singular_values=S))
    rho = sp.spectral_radius(game, "alternating-gda", lr=1.2)
    assert rho > 3 and abs(rho - CLOSED_FORMS["alternating-gda"](1.2)) < 1e-10


@pytest.mark.parametrize("solver, eta, window", [
    ("gda", 0.2, (50, 200)), ("extragradient", 0.2, (1000, 3000)), ("ogda", 0.2, (1000, 3000)),
    ("alternating-gda", 1.2, (20, 60)),
])
def test_bilinear_predicted_rates_match_measured_rates(solver, eta, window):
    """The fitted per-step rate of ||z_t|| matches rho: |log(measured) / log(rho) - 1| < 2%."""
    rho = sp.spectral_radius(_at_equilibrium(bilinear.make(dim=3, singular_values=S)), solver, lr=eta)
    game = bilinear.make(dim=3, singular_values=S)
    d = gs.solve(game, solver, lr=eta, steps=window[1], progress=False, divergence=None).trajectory["distance"]
    measured = linear_rate(d, start=window[0])
    assert abs(math.log(measured.rate) / math.log(rho) - 1) < 0.02
    assert measured.low <= measured.rate <= measured.high


def test_alternating_gda_is_marginal_on_a_bilinear_game_and_measured_so():
    game = bilinear.make(dim=3, singular_values=S)
    assert abs(sp.spectral_radius(_at_equilibrium(bilinear.make(dim=3, singular_values=S)), "alternating-gda",
                                  lr=0.2) - 1) < 1e-12
    d = gs.solve(game, "alternating-gda", lr=0.2, steps=4000, progress=False).trajectory["distance"]
    assert abs(linear_rate(d).rate - 1) < 1e-4


@pytest.mark.parametrize("loss, fp", [("standard", 0.5), ("wgan", 1.0)])
@pytest.mark.parametrize("gamma", [0.0, 0.3, 3.0])
def test_dirac_gan_eigenvalues_equal_closed_form(loss, fp, gamma):
    """Mescheder et al. 2018 state the eigenvalues of the Jacobian of the gradient vector field
    v = -F: -gamma/2 +- sqrt(gamma^2/4 - f'(0)^2); ours are of H = dF/dtheta = -dv/dtheta."""
    game = dirac_gan.make(loss=loss, gamma=gamma, theta0=0.0, psi0=0.0)
    ours = sp.eigenvalues(game)
    root = np.sqrt(complex(gamma ** 2 / 4 - fp ** 2))
    expected = np.array([-gamma / 2 + root, -gamma / 2 - root])
    assert np.abs(np.sort_complex(-ours) - np.sort_complex(expected)).max() < 1e-10


def test_local_minimax_point_that_is_not_local_nash():
    a, b, c = (-1.0, 0.5), (2.0, 1.0), (0.5, 2.0)
    game = _at_equilibrium(minimax_quadratic.make(a=a, b=b, c=c))
    fp = sp.classify_fixed_point(game)
    assert fp.kind == "local-minimax" and fp.local_minimax and not fp.local_nash
    assert np.allclose(fp.eig_x, sorted(a), atol=1e-10)
    assert np.allclose(fp.eig_y, sorted(c), atol=1e-10)
    assert np.allclose(fp.eig_schur, sorted(ai + bi ** 2 / ci for ai, bi, ci in zip(a, b, c)), atol=1e-10)
    assert not fp.stable   # plain gradient play: an eigenvalue of H with negative real part


def test_gamma_gda_is_stable_exactly_above_the_critical_ratio():
    """gamma-GDA (eta_x = eta / gamma, eta_y = eta): stable iff gamma > max(-a_i / c_i) = 2 as eta -> 0."""
    game = _at_equilibrium(minimax_quadratic.make())
    critical = minimax_quadratic.critical_ratio((-1.0, 0.5), (0.5, 2.0))
    assert critical == 2.0
    (lo, hi), = sp.stable_ratios(game, "gda", lr=1e-4, bounds=(0.1, 100.0))
    assert abs(lo / critical - 1) < 1e-3 and hi == 100.0
    eta = 0.05
    for gamma, stable in ((1.0, False), (1.8, False), (4.0, True), (20.0, True)):
        rho = sp.spectral_radius(game, "gda", lr=(eta / gamma, eta))
        assert (rho < 1) == stable
        run = minimax_quadratic.make()
        d = gs.solve(run, "gda", lr=(eta / gamma, eta), steps=1500, progress=False).trajectory["distance"]
        assert (d[-1] < d[0]) == stable
        assert abs(math.log(linear_rate(d, start=500).rate) / math.log(rho) - 1) < 0.02


# --------------------------------------------------------------------------
# must show: matrix-free against dense
# --------------------------------------------------------------------------


@pytest.mark.parametrize("zero_sum", [False, True])
def test_matrix_free_spectrum_agrees_with_dense_on_200_parameters(zero_sum):
    game = _nonlinear_game(100, zero_sum, seed=1)
    H = sp.jacobian(game)
    dense = sp.eigenvalues(H.dense())
    for which in ("LM", "LR", "SR"):
        op = sp.jacobian(game)
        values = sp.eigenvalues(op, k=6, which=which)
        reference = sp.sort_eigenvalues(dense, which)[:6]
        assert np.abs(values - reference).max() < 1e-8 * np.abs(dense).max()
        assert op.products == op.n_jvp > 0 and op.n_vjp == 0
    rho_dense = sp.spectral_radius(game, "ogda", lr=0.05, dense=True)
    rho_free = sp.spectral_radius(game, "ogda", lr=0.05, dense=False)
    assert abs(rho_dense - rho_free) < 1e-8


def _mlp_gan(seed=0, width=24, dtype=torch.float32):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1))
    data, z = torch.randn(64, 2) + 2.0, torch.randn(64, 4)
    bce = nn.functional.softplus

    def value(G, D):   # the GAN value: E log sigmoid(D(x)) + E log(1 - sigmoid(D(G(z))))
        return -bce(-D(data)).mean() - bce(D(G(z))).mean()

    return gs.ZeroSumGame(value, gs.Player("G", G, dtype=dtype), gs.Player("D", D, dtype=dtype), name="mlp-gan")


def test_mlp_gan_top_eigenvalues_matrix_free_match_dense():
    game = _mlp_gan()
    n = sum(p.numel for p in game.players)
    assert 1000 < n < 1200
    op = sp.jacobian(game)
    top = sp.eigenvalues(op, k=6, tol=1e-6)
    dense = sp.eigenvalues(sp.jacobian(game).dense())[:6]
    assert op.products < 20 * n // 6   # far fewer products than the n a dense matrix needs
    assert np.abs(np.abs(top) - np.abs(dense)).max() < 1e-4 * np.abs(dense[0])
    assert np.abs(np.sort_complex(top) - np.sort_complex(dense)).max() < 1e-4 * np.abs(dense[0])


# --------------------------------------------------------------------------
# constrained domains: the tangent space
# --------------------------------------------------------------------------


def test_matching_pennies_tangent_spectrum_and_projected_rates():
    game = _at_equilibrium(matching_pennies_continuous.make())
    tangent = sp.eigenvalues(game)                    # default: tangent space, as the players are on simplices
    full = sp.eigenvalues(game, tangent=False)
    assert np.allclose(tangent.real, 0, atol=1e-12) and np.allclose(np.sort(tangent.imag), [-2, 2], atol=1e-12)
    assert np.allclose(full.real, 0, atol=1e-12) and np.allclose(np.sort(full.imag), [-2, 0, 0, 2], atol=1e-12)
    fp = sp.classify_fixed_point(game)
    assert fp.kind == "inconclusive" and fp.tangent and np.allclose(fp.eig_x, 0) and not fp.stable
    # the projected iterates converge at the tangent prediction; the full Jacobian predicts rate 1
    for solver in ("extragradient", "ogda"):
        rho = sp.spectral_radius(game, solver, lr=0.1)
        assert rho < 0.99 and sp.spectral_radius(game, solver, lr=0.1, tangent=False) >= 1 - 1e-12
        run = matching_pennies_continuous.make()
        d = gs.solve(run, solver, lr=0.1, steps=600, progress=False).trajectory["distance"]
        assert abs(math.log(linear_rate(d, start=100, stop=500).rate) / math.log(rho) - 1) < 0.02


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(2, 5), rows=st.integers(1, 3))
def test_tangent_basis_is_orthonormal_and_keeps_the_face(seed, width, rows):
    rng = np.random.default_rng(seed)
    p = rng.random((rows, width)) * (rng.random((rows, width)) < 0.7)   # some coordinates at 0
    p[:, 0] += 0.1
    p /= p.sum(axis=1, keepdims=True)
    m = rng.random(3) * (rng.random(3) < 0.5)
    game = gs.GeneralSumGame(lambda x, y: (x ** 2).sum() * y.sum(), lambda x, y: (x.sum() - y).pow(2).sum(),
                             gs.Player("x", p, domain=gs.Simplex()), gs.Player("y", m, domain=gs.NonNegative()))
    basis = sp.TangentBasis(game)
    Q = basis.expand(np.eye(basis.dim))
    assert np.allclose(Q.T @ Q, np.eye(basis.dim), atol=1e-12)
    assert np.allclose(basis.reduce(Q), np.eye(basis.dim), atol=1e-12)
    zx = Q[:p.size].reshape(rows, width, basis.dim)
    assert np.allclose(zx.sum(axis=1), 0, atol=1e-12)                  # each simplex row keeps its sum
    fixed = np.concatenate([(p == 0).reshape(-1), m == 0])
    assert np.all(Q[fixed] == 0)                                       # coordinates on a bound stay there
    free_rows = ((p > 0).sum(axis=1) - 1).sum()
    assert basis.dims == (int(free_rows), int((m > 0).sum()))


# --------------------------------------------------------------------------
# update operators and step-size ranges
# --------------------------------------------------------------------------


def _quadratic_game(H, nx):
    """The general-sum quadratic game whose Jacobian is ``H`` (its diagonal blocks symmetric):
    loss_x = x^T H_xx x / 2 + x^T H_xy y, loss_y = y^T H_yy y / 2 + y^T H_yx x."""
    Ht = torch.as_tensor(H)
    A, B, C, D = Ht[:nx, :nx], Ht[:nx, nx:], Ht[nx:, :nx], Ht[nx:, nx:]
    return gs.GeneralSumGame(lambda x, y: x @ A @ x / 2 + x @ B @ y, lambda x, y: y @ D @ y / 2 + y @ C @ x,
                             gs.Player("x", torch.zeros(nx, dtype=torch.float64)),
                             gs.Player("y", torch.zeros(H.shape[0] - nx, dtype=torch.float64)))


def _explicit_updates(H, nx, eta_x, eta_y):
    """Each solver's T written out by hand (L = diag(eta_x I, eta_y I), M = L H), on its state vector:
    OGDA's (z, u_prev) with u = -M z, past extragradient's (z, H z_half), lookahead's k = 3-step cycle."""
    n = H.shape[0]
    L = np.diag([eta_x] * nx + [eta_y] * (n - nx))
    M, I, Z = L @ H, np.eye(n), np.zeros((n, n))
    Px, Py = np.diag([1.0] * nx + [0.0] * (n - nx)), np.diag([0.0] * nx + [1.0] * (n - nx))
    B, C = H[:nx, nx:], H[nx:, :nx]
    Dx = np.linalg.solve(np.eye(nx) - eta_x * eta_y * B @ C, H[:nx] - eta_y * B @ H[nx:])
    cgd = np.vstack([Dx, H[nx:] - eta_x * C @ Dx])
    return {
        "gda": (I - M, {}),
        "alternating-gda": ((I - Py @ M) @ (I - Px @ M), {}),
        "ogda": (np.block([[I - 2 * M, -I], [-M, Z]]), {}),
        "extragradient": (I - M + M @ M, {}),
        "past-extragradient": (np.block([[I - M, M @ L], [H, -H @ L]]), {}),
        "consensus": (I - L @ (H + 0.7 * H.T @ H), {"gamma": 0.7}),
        "sga": (I - L @ (H + 0.6 * (H.T - H) @ H), {"lam": 1.2}),
        "cgd": (I - L @ cgd, {}),
        "lookahead": (0.4 * I + 0.6 * np.linalg.matrix_power(I - M, 3), {"k": 3, "alpha": 0.6}),
    }


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), nx=st.integers(1, 3), ny=st.integers(1, 3), eta_x=st.floats(0.01, 1.0),
       eta_y=st.floats(0.01, 1.0))
def test_every_solvers_update_operator_is_its_update_written_out(seed, nx, ny, eta_x, eta_y):
    """For every solver that states a linearised update, update_operator is T written by hand from the papers'
    update rules, and spectral_radius (from the eigenvalues of L H where T is a function of them) is rho(T)."""
    rng = np.random.default_rng(seed)
    n = nx + ny
    H = rng.standard_normal((n, n))
    H[:nx, :nx] = H[:nx, :nx] + H[:nx, :nx].T
    H[nx:, nx:] = H[nx:, nx:] + H[nx:, nx:].T
    game = _quadratic_game(H, nx)
    assert np.allclose(sp.jacobian(game).dense(), H, atol=1e-12)
    explicit = _explicit_updates(H, nx, eta_x, eta_y)
    assert set(explicit) == set(sp.linearised_solvers(game))    # nupi needs multipliers: its own test
    for solver, (T, params) in explicit.items():
        op = sp.update_operator(game, solver, lr=(eta_x, eta_y), **params)
        assert np.abs(op.matmat(np.eye(op.shape[0])) - T).max() < 1e-10 * max(1.0, np.abs(T).max()), solver
        steps = sp.linearisation(game, solver, lr=(eta_x, eta_y), **params).steps
        rho = np.abs(np.linalg.eigvals(T)).max() ** (1 / steps)
        # eigenvalues of a near-defective T are accurate to ~sqrt(eps) only
        assert abs(sp.spectral_radius(game, solver, lr=(eta_x, eta_y), **params) - rho) < 1e-6 * max(1.0, rho)


def test_nupi_update_operator_is_the_pi_controller_on_the_multipliers():
    """GDA with a step eta on x and nuPI(lr, kp, ki, nu) on lambda; state (x, lambda, xi): with the error
    e = (H z)_lambda, xi' = nu xi + (1 - nu) e and lambda' = lambda - lr (ki e + kp (xi' - xi))."""
    game = _at_equilibrium(make_game("constrained-quadratic", active=3))   # every multiplier positive
    H = sp.jacobian(game).dense()
    eta, lr, kp, ki, nu = 0.1, 0.2, 1.5, 0.8, 0.3
    Ex, Ey = np.eye(8)[:5], np.eye(8)[5:]
    T = np.block([[Ex - eta * Ex @ H, np.zeros((5, 3))],
                  [Ey - lr * (ki + kp * (1 - nu)) * Ey @ H, lr * kp * (1 - nu) * np.eye(3)],
                  [(1 - nu) * Ey @ H, nu * np.eye(3)]])
    op = sp.update_operator(game, "nupi", lr=(eta, lr), kp=kp, ki=ki, nu=nu)
    assert np.abs(op.matmat(np.eye(11)) - T).max() < 1e-12
    rho = sp.spectral_radius(game, "nupi", lr=(eta, lr), kp=kp, ki=ki, nu=nu)
    assert rho == pytest.approx(np.abs(np.linalg.eigvals(T)).max(), abs=1e-12)
    # kp = 0: gradient steps lr * ki on the multipliers; xi only adds the eigenvalue nu < rho
    assert sp.spectral_radius(game, "nupi", lr=(eta, lr), kp=0.0, ki=ki, nu=nu) == pytest.approx(
        sp.spectral_radius(game, "gda", lr=(eta, lr * ki)), abs=1e-12)


def test_stable_step_sizes_match_closed_forms():
    game = _at_equilibrium(bilinear.make(dim=3, singular_values=S))
    assert sp.stable_step_sizes(game, "gda") == []                         # rotation: GDA never contracts
    assert sp.stable_step_sizes(game, "alternating-gda", num=100) == []     # marginal (rho = 1) for eta s < 2
    (lo, hi), = sp.stable_step_sizes(game, "extragradient")
    assert lo == 1e-4 and abs(hi - 1 / max(S)) < 1e-10                       # eta^2 s^2 < 1
    (lo, hi), = sp.stable_step_sizes(game, "ogda")
    assert sp.spectral_radius(game, "ogda", lr=0.999 * hi) < 1 < sp.spectral_radius(game, "ogda", lr=1.001 * hi)
    quad = _at_equilibrium(quadratic.make(dim=3, mu_x=1.0, mu_y=0.5))
    nu = np.linalg.eigvals(sp.jacobian(quad).dense())
    (lo, hi), = sp.stable_step_sizes(quad, "gda")
    assert abs(hi - min(2 * nu.real / np.abs(nu) ** 2)) < 1e-10              # |1 - eta nu| < 1


def test_update_operator_is_matrix_free_and_agrees_with_the_dense_radius():
    game = _at_equilibrium(minimax_quadratic.make())
    for solver in sp.linearised_solvers(game):
        op = sp.update_operator(game, solver, lr=(0.02, 0.05))
        rho = np.abs(np.linalg.eigvals(op.matmat(np.eye(op.shape[0])))).max()
        rho **= 1 / sp.linearisation(game, solver, lr=(0.02, 0.05)).steps
        assert abs(rho - sp.spectral_radius(game, solver, lr=(0.02, 0.05))) < 1e-12, solver
    grid = sp.stability_grid(game, "gda", np.array([0.01, 0.02]), np.array([0.05, 0.1, 0.2]))
    assert grid.shape == (3, 2)
    assert grid[0, 1] == pytest.approx(sp.spectral_radius(game, "gda", lr=(0.02, 0.05)), abs=1e-14)


def test_bad_arguments_are_clear_errors():
    game = bilinear.make()
    with pytest.raises(gs.UnknownNameError, match="unknown solver 'adam'"):
        sp.spectral_radius(game, "adam")
    with pytest.raises(gs.InvalidParameterError, match="step size for player 'x' must be positive"):
        sp.spectral_radius(game, "gda", lr=-1.0)
    with pytest.raises(gs.InvalidParameterError, match="'ogda' has no parameter 'order'|order"):
        sp.spectral_radius(game, "ogda", order=(1, 0))
    adam = lambda p: torch.optim.Adam(p, lr=1e-2)  # noqa: E731
    with pytest.raises(gs.IncompatibleSolverError, match="player 'x'.s Adam has no linearised update rule"):
        sp.spectral_radius(game, "gda", lr=None, optimizers=adam)
    momentum = lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)  # noqa: E731
    with pytest.raises(gs.IncompatibleSolverError, match="SGD has no linearised update rule"):
        sp.spectral_radius(game, "ogda", lr=None, optimizers=momentum)
    with pytest.raises(gs.IncompatibleSolverError, match="nupi needs multipliers"):
        sp.spectral_radius(game, "nupi")
    with pytest.raises(gs.InvalidParameterError, match="eps=0"):
        sp.spectral_radius(game, "sga", eps=0.0)
    matrix = make_game("matching-pennies")
    with pytest.raises(gs.InvalidParameterError, match=r"'fictitious-play' \(finite family\) states no linearised"):
        sp.spectral_radius(matrix, "fictitious-play")
    with pytest.raises(gs.InvalidParameterError, match="which"):
        sp.eigenvalues(game, k=1, which="XX")
    with pytest.raises(gs.InvalidParameterError, match="Game or a GameJacobian"):
        sp.classify_fixed_point("bilinear")
    game.capabilities = frozenset({"payoffs"})
    with pytest.raises(gs.IncompatibleSolverError, match="needs gradients"):
        sp.jacobian(game)


def test_matrix_free_classification_matches_closed_forms_on_200_parameters():
    """100 pairs (a_i, b_i, c_i): eigenvalues a of H_xx, c of H_yy, a + b^2 / c of the Schur complement."""
    rng = np.random.default_rng(0)
    c = rng.uniform(0.5, 2.0, 100)
    b = rng.uniform(1.5, 2.0, 100)
    a = np.linspace(-1.0, 1.0, 100)
    game = _at_equilibrium(minimax_quadratic.make(a=a, b=b, c=c))
    free = sp.classify_fixed_point(game, dense=False, k=3)
    dense = sp.classify_fixed_point(game, dense=True)
    assert free.kind == dense.kind == "local-minimax" and not free.dense and free.products > 0
    assert np.allclose(free.eig_x, np.sort(a)[:3], atol=1e-7)
    assert np.allclose(free.eig_y, np.sort(c)[:3], atol=1e-7)
    assert np.allclose(free.eig_schur, np.sort(a + b ** 2 / c)[:3], atol=1e-6)
    assert np.allclose(dense.eig_schur, np.sort(a + b ** 2 / c), atol=1e-10)
    assert free.stable == dense.stable
    assert abs(free.eig_jacobian[0].real - dense.eig_jacobian[0].real) < 1e-7


def test_arpack_non_convergence_is_reported_not_hidden():
    """quadratic with mu_x = mu_y: every eigenvalue of H has real part 1, so 'SR' is ill-posed."""
    game = _at_equilibrium(quadratic.make(dim=20))
    with pytest.raises(gs.GameError, match="ARPACK found") as info:
        sp.eigenvalues(game, k=6, which="SR", maxiter=3)
    assert isinstance(info.value.partial, np.ndarray) and len(info.value.partial) < 6
    fp = sp.classify_fixed_point(game, dense=False, maxiter=3)
    assert fp.kind == "local-nash" and fp.stable is None and "ARPACK" in fp.extras["stability"]
    assert sp.classify_fixed_point(game).stable is True


@pytest.mark.parametrize("solver, options", [
    ("gda", {}), ("extragradient", {}), ("ogda", {}), ("past-extragradient", {}),
    ("alternating-gda", {"order": (0, 1), "steps_per_player": 1}),
    ("alternating-gda", {"order": (1, 0), "steps_per_player": (2, 1)}),
    ("consensus", {"gamma": 0.5}), ("sga", {"lam": 0.8}), ("sga", {"lam": 0.8, "eps": -0.1}), ("cgd", {}),
    ("lookahead", {"k": 3, "alpha": 0.4}), ("lookahead", {"inner": "ogda", "k": 2, "alpha": 0.6}),
    ("nupi", {"kp": 1.5, "ki": 0.8, "nu": 0.3}),
])
def test_linearised_update_is_the_solvers_own_step_on_a_quadratic_game(solver, options):
    """Where F(z* + z) = H z exactly (a quadratic game; a quadratic program's Lagrangian for nupi), the solver
    object's own iterations from any state equal T applied to that state. The state stacks the memory the
    solver object holds: OGDA's last update u = -L F (the object keeps F), past extragradient's last
    gradient, nuPI's error average xi; SGA's sign rule is decided by eps near the fixed point, and far from it
    by vanishing products, so its state starts near; lookahead's T spans its k steps."""
    lr = (0.03, 0.07)
    game = _at_equilibrium(make_game("constrained-quadratic", active=3) if solver == "nupi"
                           else minimax_quadratic.make())
    center = np.concatenate([p.detach().numpy() for p in game.parameters()])
    n = center.size
    op = sp.update_operator(game, solver, lr=lr, **options)
    T = op.matmat(np.eye(op.shape[0]))
    state = np.random.default_rng(1).standard_normal(T.shape[0]) * (1e-3 if solver in ("sga", "nupi") else 1.0)
    game.restore([torch.as_tensor(t) for t in np.split(center + state[:n], [game.players[0].numel])])
    obj = gs.make_solver(solver, game, lr=lr, **options)
    inner = obj.inner if solver == "lookahead" else obj
    sizes = [game.players[0].numel, game.players[1].numel]
    if isinstance(inner, gs.OGDA):
        inner.memory = [[torch.tensor(-u / eta)] for u, eta in zip(np.split(state[n:], [sizes[0]]), lr)]
    elif isinstance(inner, gs.Extragradient) and inner.past:
        inner.memory = [[torch.tensor(g)] for g in np.split(state[n:], [sizes[0]])]
    elif solver == "nupi":     # a copy: NuPI updates its xi in place
        inner.rules[1].optimizer.state[game.players[1].params[0]]["xi"] = torch.tensor(state[n:])
    for _ in range(sp.linearisation(game, solver, lr=lr, **options).steps):
        obj.step()
    after = np.concatenate([p.detach().numpy() for p in game.parameters()]) - center
    assert np.abs(after - (T @ state)[:n]).max() < 1e-9 * np.abs(state).max()
