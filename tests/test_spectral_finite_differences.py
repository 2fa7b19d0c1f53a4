"""Every zoo family's game Jacobian against central finite differences of its simultaneous gradient.

``gs.spectral.jacobian(game)`` differentiates ``F`` by double backprop; here ``F`` itself is evaluated at
``theta +- h q`` for each column ``q`` of the basis the Jacobian acts on (the identity, or the tangent basis
``Q`` of the domains' face: simplices, multipliers at 0, pruned weights), and

    Q^T (F(theta + h q_j) - F(theta - h q_j)) / (2 h) = (Q^T H Q)_{:, j} + O(h^2)

is compared with ``jacobian(game).dense()`` to 1e-6 relative to its largest entry, in float64. Stochastic
games are evaluated on common random numbers: the game's random stream is restored before every evaluation,
as the Jacobian restores it, so every evaluation sees the same batch.
"""

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.addons.pruning import apply_masks, one_shot_masks
from gamesolve.analysis import spectral as sp
from gamesolve.game_registry import available_games, make_game

RELATIVE = 1e-6
STEP = 1e-5      # central differences: truncation ~ STEP^2 |F'''|, rounding ~ eps |F| / STEP, both << 1e-6


def field_at(game, point):
    """``F`` at the flat ``point`` (float64 numpy), with the game's strategies and random stream left as they were."""
    params = game.parameters()
    start = game.snapshot()
    state = game.generator.get_state() if game.generator is not None else None
    try:
        pieces = torch.split(torch.as_tensor(point), [p.numel() for p in params])
        game.restore([t.view_as(p).to(p.dtype) for t, p in zip(pieces, params)])
        gx, gy = game.simultaneous_gradient()
        return np.concatenate([(g.to_dense() if g.is_sparse else g).detach().reshape(-1).double().numpy()
                               for g in gx + gy])
    finally:
        game.restore(start)
        if state is not None:
            game.generator.set_state(state)


def finite_difference_jacobian(game, basis):
    """``Q^T dF Q`` by central differences along the columns of ``basis`` (``Q``, or ``None`` for the identity)."""
    theta = np.concatenate([p.detach().reshape(-1).double().numpy() for p in game.parameters()])
    Q = np.eye(theta.size) if basis is None else basis.expand(np.eye(basis.dim))
    columns = [(field_at(game, theta + STEP * q) - field_at(game, theta - STEP * q)) / (2 * STEP) for q in Q.T]
    return Q.T @ np.column_stack(columns)


def relative_error(game):
    jac = sp.jacobian(game)
    H = jac.dense()
    fd = finite_difference_jacobian(game, jac.basis)
    return np.abs(H - fd).max() / np.abs(fd).max(), H.shape[0]


# -- the points: each game at its start, with multipliers moved off 0 so that the coupling is in the tangent space


def _interior(game):
    """Multipliers (``NonNegative`` entries) moved to 0.5 above where they start, so none is fixed at 0."""
    with torch.no_grad():
        for player in game.players:
            for p, domain in zip(player.params, player.domains):
                if isinstance(domain, gs.NonNegative):
                    p.add_(0.5)
    return game


def _float64_gan(game):
    """A zoo mixture GAN rebuilt in float64 around the same networks, data and batch size."""
    return gs.GANGame(game.generator_net, game.discriminator_net, game.mixture, loss=game.loss,
                      latent=game.generator_net[0].in_features, batch_size=game.batch_size,
                      regularizer=game.regularizer, dtype=torch.float64, seed=0, name=game.name)


TINY_GAN = {"width": 4, "depth": 1, "batch_size": 8}

POINTS = {   # zoo name -> how to build it small, in float64, at a point with every coordinate free
    "bilinear": lambda: make_game("bilinear", dim=3),
    "quadratic": lambda: make_game("quadratic", dim=3),
    "dirac-gan": lambda: make_game("dirac-gan", gamma=0.3),
    "local-minimax-quadratic": lambda: make_game("local-minimax-quadratic"),
    "matching-pennies-continuous": lambda: make_game("matching-pennies-continuous"),
    "constrained-quadratic": lambda: _interior(make_game("constrained-quadratic")),
    "oscillating-toy": lambda: _interior(make_game("oscillating-toy")),
    "svm-iris": lambda: _interior(make_game("svm-iris")),
    "battle-of-the-sexes": lambda: make_game("battle-of-the-sexes"),
    "chicken": lambda: make_game("chicken"),
    "matching-pennies": lambda: make_game("matching-pennies"),
    "prisoners-dilemma": lambda: make_game("prisoners-dilemma"),
    "rock-paper-scissors": lambda: make_game("rock-paper-scissors"),
    "shapley": lambda: make_game("shapley"),
    "random-zero-sum": lambda: make_game("random-zero-sum"),
    "random-general-sum": lambda: make_game("random-general-sum", rows=3, cols=5),
    "planted-zero-sum": lambda: make_game("planted-zero-sum", rows=12, cols=9, support=3),
    "von-stengel-75": lambda: make_game("von-stengel-75"),
    "ring-gan": lambda: _float64_gan(make_game("ring-gan", **TINY_GAN)),
    "grid-gan": lambda: _float64_gan(make_game("grid-gan", **TINY_GAN)),
    "mixture-gan": lambda: _float64_gan(make_game("mixture-gan", modes=3, dim=4, latent_dim=2, **TINY_GAN)),
    "overparam-gan": lambda: make_game("overparam-gan", width=4, data_dim=2, latent_dim=2, latent_samples=8,
                                       data_samples=8, activation="tanh"),
}

EXCUSED = {   # zoo name -> why it has no finite-difference check here
    "gang-mog": "a MixedExtension offers pools, not gradients: it has no Jacobian (checked below)",
    "digits-gan": "64-dimensional samples: even 1 hidden unit gives ~200 parameters, ~10 s of differences; "
                  "the mixture GANs exercise the same GANGame",
    "sparse-mlp-digits": "float32 L0 network built inside make() (no dtype parameter): float32 differences "
                         "cannot resolve 1e-6",
    "l0onie": "float32 L0 SIREN built inside make() (no dtype parameter)",
    "disparate-impact": "float32 pruned MLP trained inside make() (no dtype parameter); the Masked case is "
                        "checked on a pruned float64 GAN below",
}


def test_every_zoo_game_is_checked_or_excused():
    assert set(POINTS) | set(EXCUSED) == set(available_games())
    assert not set(POINTS) & set(EXCUSED)


@pytest.mark.parametrize("name", sorted(POINTS))
def test_jacobian_equals_central_differences_of_the_field(name):
    error, n = relative_error(POINTS[name]())
    assert n > 0 and error < RELATIVE, (name, error)


@pytest.mark.parametrize("name, params", [("constrained-quadratic", {}), ("rock-paper-scissors", {}),
                                          ("svm-iris", {"batch_size": 10})])
def test_at_known_equilibria_and_with_indexed_multipliers(name, params):
    """At the planted KKT point one multiplier is 0 (fixed on the tangent space); svm-iris with a batch has
    indexed multipliers (a sparse dual gradient) and a random batch, the same for every evaluation."""
    game = make_game(name, **params)
    if name == "svm-iris":
        _interior(game)
    else:
        game.set_strategies([torch.as_tensor(s) for s in game.equilibrium])
    error, n = relative_error(game)
    assert n > 0 and error < RELATIVE, (name, error)


def test_masked_domains_differentiate_along_the_free_weights():
    """A float64 ring GAN with half of each network's weights pruned: the tangent space is the unpruned ones."""
    game = POINTS["ring-gan"]()
    for i, masks in one_shot_masks(game, 0.5).items():
        apply_masks(game.players[i], masks)
    jac = sp.jacobian(game)
    free = sum(int(d.mask.sum()) if isinstance(d, gs.Masked) else p.numel()
               for player in game.players for p, d in zip(player.params, player.domains))
    assert jac.shape[0] == free < sum(p.numel for p in game.players)
    error, _ = relative_error(game)
    assert error < RELATIVE


def test_a_game_without_gradients_has_no_jacobian():
    game = make_game("gang-mog", width=4, depth=1, batch_size=8)
    with pytest.raises(gs.IncompatibleSolverError, match="needs gradients"):
        sp.jacobian(game)
