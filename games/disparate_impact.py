"""Disparate impact of pruning (Hashemizadeh et al. 2023, "Balancing Act") on a synthetic tabular
data set with ``groups`` protected groups.

**The data** (:func:`grouped_data`, seeded, nothing downloaded). Group ``g``
has a share ``p_g`` proportional to ``decay^g`` (imbalanced: with 20 groups
and ``decay = 0.9`` the smallest is 7% the size of the largest), a centre
``mu_g ~ N(0, 2^2 I_d)`` and its own labelling rule:

    x = mu_g + z,   z ~ N(0, I_d),   y = 1[(w + v_g) . z + 0.2 n > 0],   n ~ N(0, 1),

with ``w`` a shared unit vector and ``v_g ~ N(0, I_d / d)`` the group's
deviation from it. The protected attribute is not a feature, but the centres
make it recoverable, as in real tabular data.

**The game.** A dense MLP ``d -> 64 -> 64 -> 2`` is trained on the training
split (Adam), then pruned to ``sparsity`` by one global magnitude threshold
(:func:`gamesolve.addons.pruning.magnitude_masks`; the masks become
:class:`~gamesolve.Masked` domains of the primal player, so every solver
keeps the pruned weights at zero). The Lagrangian game fine-tunes the sparse
network under ``psi_g <= eps`` for every group (:mod:`gamesolve.addons.fairness`),
``G`` indexed multipliers. ``game.dense`` is the dense network, ``game.data``
the train/test splits (the test split is ``n_test`` fresh samples from the same
distribution), ``game.impact`` the constraint's dense reference.
"""

from __future__ import annotations

import copy
import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

import gamesolve as gs
from gamesolve.addons.fairness import DisparateImpact, DisparateImpactProblem
from gamesolve.addons.pruning import apply_masks, player_masks
from gamesolve.game_registry import GameSpec

from ._sparse import fit_classifier

SPEC = GameSpec(
    name="disparate-impact",
    family="lagrangian",
    summary="fine-tune a magnitude-pruned MLP under per-group accuracy-gap constraints (tens of protected groups)",
    params={"groups": 20, "sparsity": 0.9, "eps": 0.02, "n_train": 200000, "n_test": 100000, "batch_size": 2048,
            "dense_steps": 2000, "seed": 0},
    equilibrium="unknown; a feasible point has every group's accuracy gap within eps of the overall gap",
    solver_params={"nupi": {"lr": (0.05, 0.1), "kp": 1.0}, "gradient": {"lr": (0.05, 0.1)}},
    steps=3000,
)


class GroupedData(NamedTuple):
    X: Tensor
    y: Tensor
    groups: Tensor


class Splits(NamedTuple):
    train: GroupedData
    test: GroupedData


def grouped_data(n: int, groups: int = 20, features: int = 10, decay: float = 0.9, seed: int = 0,
                 sample_seed: int = 1) -> GroupedData:
    """``n`` samples of the distribution in the module docstring; ``seed`` fixes the
    distribution (centres, rules), ``sample_seed`` the draw."""
    if not isinstance(groups, int) or groups < 2 or not isinstance(features, int) or features < 1:
        raise gs.InvalidParameterError(f"grouped_data: need groups >= 2 and features >= 1, got {groups}, {features}")
    if not 0 < decay <= 1:
        raise gs.InvalidParameterError(f"grouped_data: decay must lie in (0, 1], got {decay!r}")
    g = torch.Generator().manual_seed(int(seed))
    mu = 2.0 * torch.randn(groups, features, generator=g)
    w = torch.randn(features, generator=g)
    w = w / w.norm()
    v = torch.randn(groups, features, generator=g) / math.sqrt(features)
    share = decay ** torch.arange(groups, dtype=torch.float64)
    g = torch.Generator().manual_seed(int(sample_seed))
    grp = torch.multinomial(share / share.sum(), n, replacement=True, generator=g)
    z = torch.randn(n, features, generator=g)
    score = ((w + v[grp]) * z).sum(1) + 0.2 * torch.randn(n, generator=g)
    return GroupedData(mu[grp] + z, (score > 0).long(), grp)


def mlp(features: int, width: int = 64, seed: int = 0) -> nn.Sequential:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return nn.Sequential(nn.Linear(features, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                             nn.Linear(width, 2))


def solver(game: gs.LagrangianGame, lr: float = 1e-3, dual_lr: float = 0.1, kp: float = 1.0) -> gs.GDA:
    """Adam on the sparse network, nuPI on the group multipliers (sparse updates)."""
    return gs.GDA(game, optimizers=(lambda p: torch.optim.Adam(p, lr=lr), lambda p: gs.NuPI(p, lr=dual_lr, kp=kp)))


def train(model: nn.Module, data: GroupedData, steps: int, lr: float = 1e-3, batch_size: int = 512, seed: int = 0,
          masks: list[Tensor] | None = None) -> nn.Module:
    """Plain minibatch Adam on the cross-entropy (no constraint); with ``masks`` the
    prunable weights (see :func:`gamesolve.addons.pruning.prunable`) stay masked."""
    return fit_classifier(model, data.X, data.y, steps, lr=lr, batch_size=batch_size, seed=seed, masks=masks)


@torch.no_grad()
def logits(model: nn.Module, X: Tensor) -> Tensor:
    return model(X)


def make(groups: int = 20, sparsity: float = 0.9, eps: float = 0.02, n_train: int = 200000, n_test: int = 100000,
         batch_size: int = 2048, dense_steps: int = 2000, seed: int = 0) -> gs.LagrangianGame:
    """Train the dense model, prune it, and return the constrained fine-tuning game.

    ``game.masks`` are the pruning masks, ``game.pruned`` a copy of the pruned
    network before fine-tuning (the starting point of the unconstrained baseline)."""
    if not 0 <= sparsity < 1:
        raise gs.InvalidParameterError(f"disparate-impact: sparsity must lie in [0, 1), got {sparsity!r}")
    train_data = grouped_data(n_train, groups, seed=seed, sample_seed=1000 + seed)
    test_data = grouped_data(n_test, groups, seed=seed, sample_seed=2000 + seed)
    dense = train(mlp(train_data.X.shape[1], seed=seed), train_data, dense_steps, seed=seed)
    sparse = copy.deepcopy(dense)
    impact = DisparateImpact(logits(dense, train_data.X), train_data.y, train_data.groups, groups, eps)
    problem = DisparateImpactProblem(sparse, *train_data, impact, batch_size=batch_size)
    player = problem.primal
    masks = player_masks(player, sparsity)
    apply_masks(player, masks)
    game = gs.LagrangianGame(problem, seed=seed, name="disparate-impact")
    game.dense, game.data, game.impact, game.masks = dense, Splits(train_data, test_data), impact, masks
    game.pruned = copy.deepcopy(sparse)
    return game
