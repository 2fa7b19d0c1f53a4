"""Shared pieces of the zoo's sparse-network games (``l0onie``, ``sparse-mlp-digits``, ``disparate-impact``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import gamesolve as gs
from gamesolve.addons.pruning import prunable


def gated_solver(game: gs.LagrangianGame, *, lr: float, gate_lr: float, dual_lr: float, kp: float) -> gs.GDA:
    """GDA with one Adam on the network, in two parameter groups: the weights (step ``lr``) and the
    hard-concrete gates' ``log_alpha`` (step ``gate_lr``); nuPI on the multipliers (step ``dual_lr``,
    proportional gain ``kp``, ``init="zeros"``)."""
    named = list(game.players[0].module.named_parameters())
    gates = [p for name, p in named if name.endswith("log_alpha")]
    weights = [p for name, p in named if not name.endswith("log_alpha")]
    return gs.GDA(game, optimizers=(
        lambda p: torch.optim.Adam([{"params": weights}, {"params": gates, "lr": gate_lr}], lr=lr),
        lambda p: gs.NuPI(p, lr=dual_lr, kp=kp, init="zeros")))


def fit_classifier(model: nn.Module, X: Tensor, y: Tensor, steps: int, *, lr: float = 1e-3, batch_size: int = 512,
                   seed: int = 0, masks: list[Tensor] | None = None) -> nn.Module:
    """Plain minibatch Adam on the cross-entropy (no constraint, minibatches drawn from ``seed``); with
    ``masks`` the prunable weights (see :func:`gamesolve.addons.pruning.prunable`) stay masked."""
    params = list(model.parameters())
    weights = [params[k] for k in prunable(gs.Player("m", model))] if masks is not None else []
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(int(seed))
    for _ in range(steps):
        idx = torch.randint(X.shape[0], (batch_size,), generator=gen)
        loss = F.cross_entropy(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for w, m in zip(weights, masks or []):
                w.mul_(m)
    return model
