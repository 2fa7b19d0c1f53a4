"""GANGame: loss families, penalties, solvers unchanged, reproducibility, bad input."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gamesolve as gs
from gamesolve.game_registry import make_game
from gamesolve.runs import read_checkpoint

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def mlp(i, w, o, dtype=torch.float64):
    return nn.Sequential(nn.Linear(i, w), nn.Tanh(), nn.Linear(w, o)).to(dtype)


def small_game(loss="non-saturating", regularizer=None, seed=0, dtype=torch.float64, data=None, **kw):
    torch.manual_seed(seed)
    G, D = mlp(3, 16, 2, dtype), mlp(2, 16, 1, dtype)
    data = gs.ring_of_gaussians(std=0.05, dtype=dtype) if data is None else data
    return gs.GANGame(G, D, data, loss=loss, latent=3, batch_size=32, regularizer=regularizer, seed=seed, **kw)


# --------------------------------------------------------------------------
# Dirac-GAN: GANGame with 1-D networks is the zoo's analytic game
# --------------------------------------------------------------------------


class PointGenerator(nn.Module):
    """G_theta(z) = theta for every z."""

    def __init__(self, theta):
        super().__init__()
        self.theta = nn.Parameter(torch.tensor(float(theta), dtype=torch.float64))

    def forward(self, z):
        return self.theta.expand(z.shape[0], 1)


class LinearCritic(nn.Module):
    """D_psi(x) = -psi x: Mescheder et al.'s sign convention (fake samples score high)."""

    def __init__(self, psi):
        super().__init__()
        self.psi = nn.Parameter(torch.tensor(float(psi), dtype=torch.float64))

    def forward(self, x):
        return -self.psi * x


SOLVERS = {
    "gda": lambda g: gs.GDA(g, lr=0.1),
    "alternating-gda": lambda g: gs.GDA(g, lr=0.1, alternating=True, steps_per_player=(1, 2), order=(1, 0)),
    "ogda": lambda g: gs.OGDA(g, lr=0.1),
    "extragradient": lambda g: gs.Extragradient(g, lr=0.3),
    "extra-adam": lambda g: gs.Extragradient(g, optimizers=lambda p: torch.optim.Adam(p, 0.05, betas=(0.5, 0.9))),
}


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("loss, family", [("standard", "minimax"), ("non-saturating", "non-saturating"),
                                          ("wgan", "wgan")])
@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_dirac_gan_from_networks_reproduces_the_analytic_zoo_game(loss, family, gamma, solver):
    zoo = make_game("dirac-gan", loss=loss, gamma=gamma)
    gan = gs.GANGame(PointGenerator(1.0), LinearCritic(1.0), torch.zeros(8, 1, dtype=torch.float64), loss=family,
                     latent=1, batch_size=4, regularizer=gs.R1(gamma) if gamma else None)
    assert gan.zero_sum == zoo.zero_sum
    runs = [gs.solve(g, SOLVERS[solver](g), steps=150, record_strategies=True, progress=False, metrics=[])
            for g in (zoo, gan)]
    a, b = runs[0].trajectory, runs[1].trajectory
    assert a.points.shape == b.points.shape == (150, 2)
    assert abs(a.points - b.points).max() <= 1e-10
    for key in ("loss_generator", "loss_discriminator", "grad_norm"):
        assert abs(a[key] - b[key]).max() <= 1e-10
    assert abs(a.points[-1] - a.points[0]).max() > 1e-3   # the run moved


# --------------------------------------------------------------------------
# loss families and penalties against their definitions
# --------------------------------------------------------------------------


def reference_losses(family, dr, df):
    bce = F.binary_cross_entropy_with_logits
    one, zero = torch.ones_like(dr), torch.zeros_like(dr)
    if family == "minimax":
        v = -(bce(dr, one) + bce(df, zero))       # E log D(x) + E log(1 - D(G(z)))
        return v, -v
    if family == "non-saturating":
        return bce(df, one), bce(dr, one) + bce(df, zero)
    if family == "wgan":
        return dr.mean() - df.mean(), df.mean() - dr.mean()
    if family == "hinge":
        return -df.mean(), torch.clamp(1 - dr, min=0).mean() + torch.clamp(1 + df, min=0).mean()
    if family == "least-squares":
        return 0.5 * ((df - 1) ** 2).mean(), 0.5 * ((dr - 1) ** 2).mean() + 0.5 * (df ** 2).mean()
    raise AssertionError(family)


@pytest.mark.parametrize("family", list(gs.gan.GAN_LOSSES))
def test_loss_families_match_their_definitions_and_gradients(family):
    game = small_game(family)
    batch = game.draw()
    G, D = game.networks()
    dr, df = D(batch.real).squeeze(1), D(G(batch.latent)).squeeze(1)
    lg, ld = reference_losses(family, dr, df)
    ev = game.evaluate(batch=batch)
    assert torch.allclose(ev.losses[0], lg.detach(), atol=1e-12) and torch.allclose(ev.losses[1], ld.detach(),
                                                                                     atol=1e-12)
    gg = torch.autograd.grad(lg, list(G.parameters()), retain_graph=True)
    gd = torch.autograd.grad(ld, list(D.parameters()))
    for got, want in zip(ev.grads[0] + ev.grads[1], list(gg) + list(gd)):
        assert torch.allclose(got, want, atol=1e-12)
    # one player's gradient alone is the same block
    for i, want in ((0, gg), (1, gd)):
        alone = game.evaluate((i,), batch=batch).grads[i]
        assert all(torch.allclose(a, w, atol=1e-12) for a, w in zip(alone, want))
    assert game.zero_sum == (family in ("minimax", "wgan"))


def linear_critic_game(regularizer, loss="wgan"):
    torch.manual_seed(0)
    G = nn.Linear(2, 2).double()
    D = nn.Linear(2, 1).double()
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[0.3, -1.2]]))
    return gs.GANGame(G, D, torch.randn(64, 2, dtype=torch.float64), loss=loss, latent=2, batch_size=16,
                      regularizer=regularizer), D


@pytest.mark.parametrize("reg, expected", [
    (gs.R1(4.0), lambda w: 0.5 * 4.0 * (w ** 2).sum()),
    (gs.R2(4.0), lambda w: 0.5 * 4.0 * (w ** 2).sum()),
    (gs.GradientPenalty(10.0), lambda w: 10.0 * (w.norm() - 1) ** 2),
])
def test_gradient_penalties_of_a_linear_critic_have_their_closed_form(reg, expected):
    """For D(x) = <w, x> + b, grad_x D = w everywhere: R1 = R2 = gamma/2 ||w||^2, GP = lambda (||w|| - 1)^2."""
    plain, _ = linear_critic_game(None)
    game, D = linear_critic_game(reg)
    batch = game.draw()
    penalty = game.evaluate(batch=batch).losses[1] - plain.evaluate(batch=batch).losses[1]
    w = D.weight.detach()
    assert torch.allclose(penalty, expected(w), atol=1e-12)
    # and its gradient w.r.t. w enters the discriminator's gradient
    g_pen = game.evaluate((1,), batch=batch).grads[1][0] - plain.evaluate((1,), batch=batch).grads[1][0]
    want = torch.func.grad(expected)(w)
    assert torch.allclose(g_pen, want, atol=1e-12)


def test_r1_keeps_minimax_and_wgan_zero_sum_but_r2_and_gp_do_not():
    assert small_game("wgan", "r1").zero_sum and small_game("minimax", gs.R1(1.0)).zero_sum
    assert not small_game("wgan", "r2").zero_sum and not small_game("wgan", "wgan-gp").zero_sum
    assert not small_game("hinge", None).zero_sum


def test_generator_gradient_ignores_the_penalty():
    """The penalty belongs to the discriminator's loss only (R2 depends on G, yet G's gradient is unchanged)."""
    plain, reg = small_game("hinge"), small_game("hinge", gs.R2(10.0))
    batch = plain.draw()
    g0, g1 = plain.evaluate((0,), batch=batch).grads[0], reg.evaluate((0,), batch=batch).grads[0]
    assert all(torch.equal(a, b) for a, b in zip(g0, g1))


# --------------------------------------------------------------------------
# solvers unchanged: alternating with k discriminator steps, extra-Adam
# --------------------------------------------------------------------------


def test_alternating_gda_with_k_critic_steps_is_the_hand_written_loop():
    k, lr, steps = 3, 0.05, 6
    game, twin = small_game("wgan", "wgan-gp"), small_game("wgan", "wgan-gp")
    solver = gs.GDA(game, lr=lr, alternating=True, steps_per_player=(1, k), order=(1, 0))
    for _ in range(steps):
        solver.step()
    G, D = twin.networks()
    for _ in range(steps):
        for _ in range(k):   # k critic steps, each on a fresh batch
            _, ld = twin.losses(twin.draw())
            grads = torch.autograd.grad(ld, list(D.parameters()))
            with torch.no_grad():
                for p, g in zip(D.parameters(), grads):
                    p -= lr * g
        lg, _ = twin.losses(twin.draw())
        grads = torch.autograd.grad(lg, list(G.parameters()))
        with torch.no_grad():
            for p, g in zip(G.parameters(), grads):
                p -= lr * g
    for a, b in zip(game.parameters(), twin.parameters()):
        assert torch.allclose(a, b, atol=1e-12, rtol=0)


def test_extragradient_with_adam_is_extra_adam():
    """gs.Extragradient(optimizers=Adam) on a GANGame == Gidel et al.'s extra-Adam written by hand."""
    game, twin = small_game(), small_game()
    adam = lambda p: torch.optim.Adam(p, 1e-2, betas=(0.5, 0.9))  # noqa: E731
    solver = gs.Extragradient(game, optimizers=adam)
    for _ in range(5):
        solver.step()
    params = [list(net.parameters()) for net in twin.networks()]
    opts = [adam(p) for p in params]

    def grads(lg, ld):
        return [torch.autograd.grad(lg, params[0], retain_graph=True), torch.autograd.grad(ld, params[1])]

    def adam_step(g):
        for i in (0, 1):
            for p, gi in zip(params[i], g[i]):
                p.grad = gi
            opts[i].step()

    for _ in range(5):
        start = [p.detach().clone() for p in twin.parameters()]
        adam_step(grads(*twin.losses(twin.draw())))     # extrapolation
        mid = grads(*twin.losses(twin.draw()))
        with torch.no_grad():
            for p, s in zip(twin.parameters(), start):
                p.copy_(s)
        adam_step(mid)                                  # update from the start with the mid-point gradient
    for a, b in zip(game.parameters(), twin.parameters()):
        assert torch.allclose(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", ["gda", "alternating-gda", "ogda", "extragradient", "past-extragradient"])
def test_every_registered_gradient_solver_trains_a_gan_by_name(name):
    game = small_game("hinge", "r1", dtype=torch.float32)
    assert game.dtype == torch.float32
    before = game.snapshot()
    result = gs.solve(game, name, steps=5, lr=1e-2, progress=False)
    assert result.steps == 5 and result.error is None
    assert "loss_generator" in result.trajectory and "loss_discriminator" in result.trajectory
    assert any(not torch.equal(a, b) for a, b in zip(before, game.snapshot()))


@pytest.mark.parametrize("device", DEVICES)
def test_game_lives_on_the_requested_device(device):
    game = small_game(device=device, dtype=torch.float32)
    assert all(p.device.type == device for p in game.parameters()) and game.generator.device.type == device
    batch = game.draw()
    assert batch.real.device.type == device and batch.latent.device.type == device
    gs.solve(game, gs.OGDA(game, lr=1e-3), steps=2, progress=False)
    assert game.sample(5).device.type == device


def test_weight_clipping_through_a_box_domain():
    """WGAN's weight clipping is a Box domain: initial weights are projected into it, every step keeps them there."""
    game = small_game("wgan", discriminator_domain=gs.Box(-0.01, 0.01))
    d_params = game.players[1].params
    assert all(float(p.detach().abs().max()) <= 0.01 for p in d_params)
    assert any(float(p.detach().abs().max()) == 0.01 for p in d_params)   # the random init was clipped
    gs.solve(game, gs.GDA(game, lr=0.5), steps=3, progress=False)
    assert all(float(p.detach().abs().max()) <= 0.01 for p in d_params)


def test_per_tensor_generator_domains():
    """One domain per tensor, e.g. a weight held non-negative next to a free bias."""
    game = small_game(generator_domain=[gs.NonNegative(), gs.Reals(), gs.NonNegative(), gs.Reals()])
    weights = game.players[0].params[0::2]
    assert all(float(w.detach().min()) >= 0 for w in weights)
    gs.solve(game, gs.GDA(game, lr=0.5), steps=3, progress=False)
    assert all(float(w.detach().min()) >= 0 for w in weights)
    with pytest.raises(gs.DomainError, match="one Domain per strategy tensor"):
        small_game(generator_domain=[gs.Reals()])


# --------------------------------------------------------------------------
# randomness, checkpoints, common random numbers
# --------------------------------------------------------------------------


def adam_eg(game):
    return gs.Extragradient(game, optimizers=lambda p: torch.optim.Adam(p, 1e-2, betas=(0.5, 0.9)))


def test_same_seed_same_trajectory_and_the_seed_matters():
    runs = []
    for seed in (3, 3, 4):
        game = small_game("non-saturating", "r1")
        runs.append(gs.solve(game, adam_eg(game), steps=8, seed=seed, progress=False, record_strategies=True))
    assert (runs[0].trajectory.points == runs[1].trajectory.points).all()
    assert not (runs[0].trajectory.points[-1] == runs[2].trajectory.points[-1]).all()


def test_checkpoint_resume_is_exact(tmp_path):
    """10 + 10 steps through a checkpoint (Adam state, the batch stream) == 20 steps straight."""
    straight = small_game("hinge", "wgan-gp")
    full = gs.solve(straight, adam_eg(straight), steps=20, seed=1, progress=False, record_strategies=True)
    first = small_game("hinge", "wgan-gp")
    gs.solve(first, adam_eg(first), steps=10, seed=1, progress=False, checkpoint=tmp_path / "run.ckpt")
    resumed = small_game("hinge", "wgan-gp", seed=7)            # a different stream until the checkpoint loads
    rest = gs.solve(resumed, adam_eg(resumed), steps=20, progress=False, resume_from=tmp_path / "run.ckpt",
                    record_strategies=True)
    assert rest.steps == 20
    assert all(torch.equal(a, b) for a, b in zip(straight.parameters(), resumed.parameters()))
    assert (full.trajectory["loss_generator"] == rest.trajectory["loss_generator"]).all()


def test_checkpoint_holds_buffers_and_the_stream():
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    game = gs.GANGame(G, mlp(2, 8, 1, torch.float32), gs.ring_of_gaussians(), latent=3, batch_size=16)
    state = game.state_dict()
    batch = game.draw()
    game.evaluate()                                   # BatchNorm running stats move in train mode
    moved = G[1].running_mean.clone()
    game.load_state_dict(state)
    assert not torch.equal(moved, G[1].running_mean)
    assert torch.equal(game.draw().latent, batch.latent)


def test_losses_at_snapshots_on_common_random_numbers():
    game = small_game("minimax")
    snap0 = game.players[0].strategy()
    gs.solve(game, gs.GDA(game, lr=0.1), steps=3, progress=False)
    batch = game.draw()
    current = game.losses_at(batch=batch)
    ev = game.evaluate(batch=batch)
    assert torch.allclose(current[0], ev.losses[0]) and torch.allclose(current[1], ev.losses[1])
    before = [p.clone() for p in game.parameters()]
    state = game.generator.get_state()
    old_g = game.losses_at(generator=snap0, batch=batch)       # the old generator against today's discriminator
    assert not torch.allclose(old_g[0], current[0])
    assert all(torch.equal(a, b) for a, b in zip(before, game.parameters()))
    assert torch.equal(state, game.generator.get_state())
    # a snapshot equal to the current weights gives the current losses; a module works as well
    same = game.losses_at(generator=game.players[0].strategy(), discriminator=game.players[1].strategy(), batch=batch)
    assert torch.allclose(same[0], current[0], atol=1e-14)
    other = game.losses_at(discriminator=game.networks()[1], batch=batch)
    assert torch.allclose(other[1], current[1], atol=1e-14)
    # with grad=True the losses carry graphs to the snapshot tensors
    snap = [t.clone().requires_grad_(True) for t in snap0]
    lg, _ = game.losses_at(generator=snap, batch=batch, grad=True)
    assert torch.autograd.grad(lg, snap)[0].abs().sum() > 0
    # the default batch is fixed: the same numbers every call
    assert torch.equal(game.losses_at()[0], game.losses_at()[0])


def test_sample_is_seeded_and_leaves_the_stream_alone():
    game = small_game()
    state = game.generator.get_state()
    a, b, c = game.sample(100, seed=1), game.sample(100, seed=1), game.sample(100, seed=2)
    assert a.shape == (100, 2) and torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(state, game.generator.get_state())


def test_data_as_tensor_dataset_and_sampler():
    mixture = gs.ring_of_gaussians(dtype=torch.float64)
    points = mixture.sample(500, torch.Generator().manual_seed(0))
    for data in (points, points.numpy(), torch.utils.data.TensorDataset(points), ListDataset(points), mixture):
        game = small_game(data=data)
        real = game.draw().real
        assert real.shape == (32, 2) and real.dtype == torch.float64
    full = gs.GANGame(mlp(3, 4, 2), mlp(2, 4, 1), points, latent=torch.randn(10, 3, dtype=torch.float64),
                      batch_size=None)
    b1, b2 = full.draw(), full.draw()
    assert torch.equal(b1.real, points) and torch.equal(b1.latent, b2.latent) and b1.latent.shape == (10, 3)


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], 0           # (sample, label) items


def test_latent_dimension_is_inferred_from_the_first_linear_layer():
    game = gs.GANGame(mlp(5, 4, 2), mlp(2, 4, 1), torch.randn(10, 2, dtype=torch.float64), batch_size=4)
    assert game.draw().latent.shape == (4, 5)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def test_data_of_the_wrong_dimension_is_a_shape_error():
    with pytest.raises(gs.ShapeError, match=r"generator makes samples of shape \(3,\) but the data samples have "
                                            r"shape \(2,\)"):
        gs.GANGame(mlp(3, 8, 3), mlp(2, 8, 1), torch.randn(20, 2, dtype=torch.float64), latent=3)


def test_a_discriminator_without_one_score_per_sample_is_a_shape_error():
    with pytest.raises(gs.ShapeError, match=r"discriminator returned \(8, 2\) for a batch of 8 samples; it must "
                                            r"return one score per sample"):
        gs.GANGame(mlp(3, 8, 2), mlp(2, 8, 2), torch.randn(20, 2, dtype=torch.float64), latent=3)


@pytest.mark.parametrize("kwargs, error, needle", [
    ({"latent": 4}, gs.ShapeError, "generator failed on latent codes of shape (8, 4)"),
    ({"loss": "vanilla"}, gs.InvalidParameterError, "unknown loss 'vanilla'"),
    ({"regularizer": "r3"}, gs.InvalidParameterError, "unknown regularizer 'r3'"),
    ({"batch_size": 0}, gs.InvalidParameterError, "batch_size must be a positive int"),
    ({"distributed": True}, gs.GameError, "needs an initialised process group"),
])
def test_bad_arguments_are_clear_errors(kwargs, error, needle):
    args = {"latent": 3, **kwargs}
    with pytest.raises(error, match=None) as info:
        gs.GANGame(mlp(3, 8, 2), mlp(2, 8, 1), torch.randn(20, 2, dtype=torch.float64), **args)
    assert needle in str(info.value)


def test_full_batch_needs_stored_data_and_codes():
    with pytest.raises(gs.InvalidParameterError, match="full batch"):
        gs.GANGame(mlp(3, 8, 2), mlp(2, 8, 1), gs.ring_of_gaussians(), latent=3, batch_size=None)
    with pytest.raises(gs.InvalidParameterError, match="latent codes as a tensor"):
        gs.GANGame(mlp(3, 8, 2), mlp(2, 8, 1), torch.randn(20, 2, dtype=torch.float64), latent=3, batch_size=None)
    with pytest.raises(gs.GameError, match="must be a torch.nn.Module"):
        gs.GANGame(lambda z: z, mlp(2, 8, 1), torch.randn(20, 2), latent=3)


class PoisonedData:
    """A sampler whose data turn to NaN from call ``after`` on."""

    def __init__(self, after):
        self.calls, self.after = 0, after
        self.mixture = gs.ring_of_gaussians(std=0.05, dtype=torch.float64)

    def __call__(self, n, generator):
        self.calls += 1
        x = self.mixture(n, generator)
        return x * math.nan if self.calls > self.after else x


def test_nan_mid_run_stops_and_keeps_the_last_finite_checkpoint(tmp_path):
    data = PoisonedData(after=6)
    game = small_game(data=data)   # validation draws its probe from the sampler too: call 1
    solver = adam_eg(game)
    ckpt = tmp_path / "gan.ckpt"
    with pytest.raises(gs.NonFiniteError, match="non-finite loss") as info:
        gs.solve(game, solver, steps=50, progress=False, checkpoint=ckpt, checkpoint_every=1)
    result = info.value.result
    assert 0 < result.steps < 50 and result.reason == "non-finite values"
    assert all(bool(torch.isfinite(p).all()) for p in game.parameters())
    saved = read_checkpoint(ckpt)
    assert saved["step"] == result.steps
    flat_saved = [t for player in saved["game"]["strategies"] for t in player]
    assert all(torch.equal(a, b) for a, b in zip(flat_saved, game.parameters()))
    # the finite losses of every completed step are kept
    assert len(result.trajectory) == result.steps and math.isfinite(result.trajectory.last("loss_generator"))
