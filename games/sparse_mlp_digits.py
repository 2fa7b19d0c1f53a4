"""Controlled sparsity (Gallego-Posada, Ramirez, Erraqabi, Bengio & Lacoste-Julien 2022) on scikit-learn's digits:

    min_{w, log_alpha} E_z[ CE(f(X; w * z), y) ]  s.t.  E[||z||_0] / #weights - target <= 0,

an MLP ``64 -> hidden -> ... -> 10`` whose every linear layer is an
:class:`~gamesolve.addons.sparsity.L0Linear` with hard-concrete gates ``z``. The
constraint is model-wise (one multiplier) or, with ``per_layer=True``, one
per layer (``target`` then a density shared by all layers or one per layer).
The primal player is the network (weights, biases and gate parameters),
the dual player the multiplier(s); each evaluation draws a minibatch of the
training split from the game's generator.

``game.split`` holds the standardised train/test split (75/25, stratified,
seeded) and :func:`accuracy` evaluates the network with its deterministic
test-time gates; ``deterministic_density(game.model)`` is the density the
trained model actually has. No download: the digits ship with scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import gamesolve as gs
from gamesolve.addons.sparsity import L0Linear, check_density, density_constraint
from gamesolve.game_registry import GameSpec

from ._sparse import gated_solver

SPEC = GameSpec(
    name="sparse-mlp-digits",
    family="lagrangian",
    summary="L0-gated MLP on sklearn digits with an expected-density constraint (controlled sparsity)",
    params={"target": 0.3, "per_layer": False, "hidden": (100, 100), "batch_size": 256, "droprate": 0.1, "seed": 0},
    equilibrium="unknown; at the solution the expected density meets the target and the test-time density is close",
    solver_params={"nupi": {"lr": (0.1, 0.05), "kp": 5.0}, "gradient": {"lr": (0.1, 0.05)}},
    steps=3000,
)


class Split(NamedTuple):
    """Standardised features and labels of a stratified train/test split."""

    X_train: Tensor
    y_train: Tensor
    X_test: Tensor
    y_test: Tensor


def digits_split(seed: int = 0, test_size: float = 0.25, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None) -> Split:
    """scikit-learn's 1797 digits (64 features), standardised on the training split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_tr)

    def t(a, kind=dtype):
        return torch.as_tensor(a, dtype=kind, device=device)
    return Split(t(scaler.transform(X_tr)), t(y_tr, torch.long), t(scaler.transform(X_te)), t(y_te, torch.long))


def l0_mlp(sizes: Sequence[int], *, droprate: float = 0.5, structured: bool = False, seed: int = 0,
           device: torch.device | str | None = None) -> nn.Sequential:
    """``L0Linear`` layers of ``sizes`` (e.g. ``(64, 100, 100, 10)``) with ReLUs between them; the
    weights are drawn on the CPU from ``seed``, the gates' noise from a generator on ``device``."""
    gen = torch.Generator().manual_seed(int(seed))
    layers: list[nn.Module] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(L0Linear(a, b, structured=structured, droprate=droprate, generator=gen))
            if k < len(sizes) - 2:
                layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device)
    if device is not None and torch.device(device).type != "cpu":
        noise = torch.Generator(device=device).manual_seed(int(seed))
        for layer in model:
            if isinstance(layer, L0Linear):
                layer.generator = noise
    return model


@torch.no_grad()
def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    """Accuracy with the deterministic test-time gates (the model is put back in its mode)."""
    mode = model.training
    model.eval()
    try:
        return float((model(X).argmax(1) == y).float().mean())
    finally:
        model.train(mode)


def solver(game: gs.LagrangianGame, lr: float = 1e-3, gate_lr: float = 0.05, dual_lr: float = 0.02,
           kp: float = 5.0) -> gs.GDA:
    """The recipe that meets the targets: Adam on the weights (``lr``) and on the gates'
    ``log_alpha`` (``gate_lr``), nuPI on the multipliers; pair it with
    :class:`~gamesolve.addons.restarts.DualRestart` (see ``examples/controlled_sparsity.py``)."""
    return gated_solver(game, lr=lr, gate_lr=gate_lr, dual_lr=dual_lr, kp=kp)


def make(target: float | Sequence[float] | Mapping[str, float] = 0.3, per_layer: bool = False,
         hidden: Sequence[int] = (100, 100), batch_size: int = 256, droprate: float = 0.1, seed: int = 0,
         device: str | None = None) -> gs.LagrangianGame:
    """``game.model`` is the L0 MLP, ``game.split`` the data, ``game.target`` the target(s)."""
    if not per_layer:
        check_density(target)   # a clear error before anything is built
    split = digits_split(seed, device=device)
    n = split.X_train.shape[0]
    if not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise gs.InvalidParameterError(f"sparse-mlp-digits: batch_size must be an int in [1, {n}], got {batch_size!r}")
    model = l0_mlp((split.X_train.shape[1], *hidden, 10), droprate=droprate, seed=seed, device=device)

    def sample(gen: torch.Generator) -> Tensor:
        return torch.randint(n, (batch_size,), generator=gen, device=gen.device).to(split.X_train.device)

    def objective(net: nn.Module, idx: Tensor) -> Tensor:
        return F.cross_entropy(net(split.X_train[idx]), split.y_train[idx])

    problem = gs.ConstrainedProblem(objective, [density_constraint(model, target, per_layer=per_layer)], model,
                                    sample=sample)
    game = gs.LagrangianGame(problem, seed=seed, name="sparse-mlp-digits")
    game.model, game.split, game.target = model, split, target
    return game
