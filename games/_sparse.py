"""Shared pieces of the zoo's games with L0-gated networks (``l0onie``, ``sparse-mlp-digits``)."""

from __future__ import annotations

import torch

import gamesolve as gs


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
