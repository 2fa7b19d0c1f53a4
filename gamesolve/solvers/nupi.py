"""nuPI: a PI controller on the gradient, as a ``torch.optim.Optimizer`` for Lagrange multipliers.

Sohrabi, Ramirez, Zhang, Lacoste-Julien & Gallego-Posada (ICML 2024), "On PI
controllers for updating Lagrange multipliers in constrained optimization".
With the error ``e_t`` the gradient in ``.grad``,

    xi_t        = nu xi_{t-1} + (1 - nu) e_t
    theta_{t+1} = theta_t -/+ lr (ki e_t + kp (xi_t - xi_{t-1}))

(``-`` by default, ``+`` with ``maximize=True``, as in every torch optimizer).
``xi`` is an exponential moving average of the error; ``kp`` damps the
oscillations that plain gradient ascent on multipliers shows, ``ki = 1,
kp = 0`` *is* gradient descent/ascent with step ``lr``.

Initialisation of ``xi_{-1}`` (per entry, the first time the entry receives an
error):

- ``init="zeros"``: ``xi_{-1} = 0``; the first step is ``lr (ki + kp (1 - nu)) e_0``.
- ``init="sgd"``: ``xi_{-1} = e_0``; the first step is plain SGD, ``lr ki e_0``.

Sparse gradients (``torch.sparse_coo`` in ``.grad``, e.g. indexed multipliers of
which a minibatch observes a few) update only the observed entries, parameter
and ``xi`` alike; an entry's first observation follows the initialisation
above. A dense gradient observes every entry. So a sparse run equals, entry by
entry, the dense run on the errors that entry received.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import InvalidParameterError
from .gradient import GDA
from .linear import LinearRule, uniform
from .registry import register_solver

__all__ = ["NuPI", "PI", "NuPIGDA", "LinearPI"]

INITS = ("zeros", "sgd")


def _check(name: str, value: Any, *, positive: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"NuPI: {name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or (positive and value <= 0):
        need = "positive and finite" if positive else "finite"
        raise InvalidParameterError(f"NuPI: {name} must be {need}, got {value!r}")
    return value


class NuPI(torch.optim.Optimizer):
    """nuPI(lr, kp, ki, nu): ``theta <- theta -/+ lr (ki e_t + kp (xi_t - xi_{t-1}))``,
    ``xi_t = nu xi_{t-1} + (1 - nu) e_t``, ``e_t`` = ``.grad`` (module docstring).

    Special cases (checked in ``tests/test_nupi.py``):

    - ``kp = 0``: gradient descent (ascent) with step ``lr ki``, for any ``nu``;
    - ``nu = 0, kp = ki = 1``, ``init="sgd"``: the optimistic gradient method
      ``theta - lr (2 e_t - e_{t-1})`` (Popov 1980), with ``e_{-1} = e_0``;
    - ``nu = beta, lr ki = alpha / (1 - beta), lr kp = -alpha beta / (1 - beta)^2``,
      ``init="zeros"``: heavy-ball SGD with step ``alpha`` and momentum ``beta``
      (``torch.optim.SGD(momentum=beta)``); ``lr kp = -alpha beta^2 / (1 - beta)^2``
      gives Nesterov momentum (``nesterov=True``).

    ``maximize`` follows torch: ``False`` descends the gradient in ``.grad``.
    gamesolve's solvers put the gradient of each player's *own loss* in
    ``.grad``, and a :class:`~gamesolve.LagrangianGame` gives the multipliers
    the loss ``-<lambda, g(x)>``, whose gradient is minus the constraint
    violation; so keep ``maximize=False`` there. Use ``maximize=True`` only in
    a loop of your own that stores the violation ``g(x)`` itself in ``.grad``
    (Cooper's convention).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float, kp: float = 0.0,
                 ki: float = 1.0, nu: float = 0.0, init: str = "zeros", *, maximize: bool = False):
        lr = _check("lr", lr, positive=True)
        kp, ki, nu = _check("kp", kp), _check("ki", ki), _check("nu", nu)
        if not -1.0 < nu < 1.0:
            raise InvalidParameterError(
                f"NuPI: nu is the EMA coefficient of the error and must lie in (-1, 1), got {nu!r}; "
                "nu = 0 is the PI controller")
        if init not in INITS:
            raise InvalidParameterError(f"NuPI: init must be one of {', '.join(map(repr, INITS))}, got {init!r}")
        super().__init__(params, {"lr": lr, "kp": kp, "ki": ki, "nu": nu, "init": init, "maximize": bool(maximize)})

    def step(self, closure: Any = None) -> Any:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.set_grad_enabled(False):   # as @torch.no_grad(), at half its cost per step
            for group in self.param_groups:
                sign = 1.0 if group["maximize"] else -1.0
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.is_sparse:
                        self._sparse_step(p, group, sign)
                    else:
                        self._dense_step(p, group, sign)
        return loss

    def _dense_step(self, p: Tensor, group: dict[str, Any], sign: float) -> None:
        e, state, lr = p.grad, self.state[p], group["lr"]
        xi = state.get("xi")
        if xi is None:                       # first observation of every entry
            state["xi"] = xi = e.clone() if group["init"] == "sgd" else torch.zeros_like(p)
        elif "seen" in state:                # sparse steps observed only some entries so far
            if group["init"] == "sgd":
                xi.copy_(torch.where(state["seen"], xi, e))
            del state["seen"]
        # xi_t - xi_{t-1} = (1 - nu)(e_t - xi_{t-1}), so the update is a combination of e_t and xi_{t-1}
        a, kp = 1.0 - group["nu"], group["kp"]
        p.add_(e, alpha=sign * lr * (group["ki"] + kp * a))
        p.add_(xi, alpha=-sign * lr * kp * a)
        xi.lerp_(e, a)

    def _sparse_step(self, p: Tensor, group: dict[str, Any], sign: float) -> None:
        e = p.grad.coalesce()
        if e._nnz() == 0:
            return
        index = e.indices()
        idx = tuple(index)
        values = e.values()
        state, lr = self.state[p], group["lr"]
        xi = state.get("xi")
        if xi is None:
            state["xi"] = xi = torch.zeros_like(p)
            state["seen"] = torch.zeros(p.shape, dtype=torch.bool, device=p.device)
        previous = xi[idx]
        if group["init"] == "sgd" and "seen" in state:
            previous = torch.where(state["seen"][idx], previous, values)
        if "seen" in state:
            state["seen"][idx] = True
        delta = torch.sub(values, previous).mul_(1.0 - group["nu"])
        xi[idx] = previous + delta
        update = values * group["ki"] + delta * group["kp"]
        p.index_put_(idx, update * (sign * lr), accumulate=True)

    def linearised(self) -> LinearRule:
        """The PI law as a rule linear in the error (see :class:`LinearPI`), for the
        stability analysis; one set of hyper-parameters across the param groups."""
        group = uniform(self.param_groups, ("lr", "kp", "ki", "nu", "maximize"), "NuPI")
        return LinearPI(group["lr"], group["kp"], group["ki"], group["nu"], 1.0 if group["maximize"] else -1.0)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for state in self.state.values():   # torch may cast buffers; the observation mask stays boolean
            if "seen" in state:
                state["seen"] = state["seen"].bool()


@dataclass(frozen=True)
class LinearPI:
    """nuPI as a linear rule on the error ``e = d`` (the direction a solver
    gives the multipliers), with state ``xi_{t-1}``:

        xi_t = nu xi_{t-1} + (1 - nu) e_t,   u_t = sign lr (ki e_t + kp (xi_t - xi_{t-1})),

    ``sign = -1`` (``+1`` with ``maximize``). ``init`` shapes only the first
    step, so the linearisation about a fixed point does not depend on it.
    Around a fixed point GDA with this rule on the multipliers moves the
    deviations ``(z, xi)`` linearly (Sohrabi et al. 2024)."""

    lr: float
    kp: float
    ki: float
    nu: float
    sign: float

    def state_size(self, n: int) -> int:
        return n

    def propose(self, d: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xi = self.nu * state + (1 - self.nu) * d
        return self.sign * self.lr * (self.ki * d + self.kp * (xi - state)), xi


def PI(params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float, kp: float = 0.0, ki: float = 1.0,
       init: str = "zeros", *, maximize: bool = False) -> NuPI:
    """The PI controller in velocity form, ``theta <- theta -/+ lr (ki e_t + kp (e_t - e_{t-1}))``:
    :class:`NuPI` with ``nu = 0``."""
    return NuPI(params, lr, kp=kp, ki=ki, nu=0.0, init=init, maximize=maximize)


class NuPIGDA(GDA):
    """GDA with plain gradient steps ``lr[0]`` on player 1 and a :class:`NuPI`
    controller with step ``lr[1]`` on player 2, the multipliers of a game that
    offers ``"multipliers"`` (Sohrabi et al. 2024); ``gda_params``
    (``alternating``, ``order``) go to GDA."""

    requires = frozenset({"gradients", "multipliers"})

    def __init__(self, game: Any, lr: Any = (0.01, 0.01), kp: float = 0.0, ki: float = 1.0, nu: float = 0.0,
                 init: str = "zeros", **gda_params: Any):
        lr_x, lr_y = (lr, lr) if not isinstance(lr, (list, tuple)) else lr
        lr_x = _check("lr", lr_x, positive=True)
        super().__init__(game, optimizers=(lambda p: torch.optim.SGD(p, lr=lr_x),
                                           lambda p: NuPI(p, lr_y, kp=kp, ki=ki, nu=nu, init=init)), **gda_params)


register_solver("nupi", NuPIGDA, family="gradient",
                summary="GDA with a nuPI controller on the multipliers (Sohrabi et al. 2024)")
