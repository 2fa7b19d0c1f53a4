"""Iterative solvers for a batch of bimatrix games at once, in torch.

A :class:`~gamesolve.matrix_batch.MatrixGameBatch` holds ``batch`` games of one
shape ``(m, n)``; the solvers here run the same learning dynamics as
:mod:`gamesolve.solvers.dynamics` on all of them simultaneously, on whatever
device the payoffs live (CPU or GPU). Internally the batch is the *last*
dimension (payoffs stored ``(m, n, batch)``), which turns every reduction
over the tiny strategy dimensions into vectorised sums over contiguous
memory.

``step()`` returns, every ``check_every`` steps (and on step 0), the largest
and the mean ``exploitability`` over the batch of the strategies reported at
the start of the step (``gs.solve(..., tol=...)`` stops once the largest is
below ``tol``); ``exploitability()`` gives it per game, ``strategies()`` the
reported strategies with shapes ``(batch, m)`` and ``(batch, n)``, and for
zero-sum batches ``values()`` the midpoint of ``min_j (x^T A)_j <= v <=
max_i (A y)_i``, within the exploitability of the true value.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import InvalidParameterError, NonFiniteError
from ..matrix_batch import MatrixGameBatch
from ..protocol import Solver
from .registry import register_solver

AVERAGING = ("uniform", "linear", "quadratic")    # weights t^0, t^1, t^2

__all__ = ["BatchedSolver", "BatchedFictitiousPlay", "BatchedRegretMatchingPlus", "BatchedOptimisticMWU"]


class BatchedSolver(Solver):
    """Shared machinery of the batched solvers (see the module docstring).

    With ``tol`` set, a game whose exploitability is at most ``tol`` at a
    check is *frozen*: its strategies are kept and it leaves the working
    batch, so a step costs less as games converge (the slowest games no
    longer drag the whole batch along).
    """

    requires = frozenset({"batched-payoffs"})
    residual_key = "exploitability"
    _state: tuple[str, ...] = ()

    def __init__(self, games: MatrixGameBatch, tol: float | None = None, check_every: int = 10):
        self.bind(games)
        if not (isinstance(check_every, int) and check_every >= 1):
            raise InvalidParameterError(f"{type(self).__name__}: check_every must be a positive int, "
                                        f"got {check_every!r}")
        if tol is not None and not tol > 0:
            raise InvalidParameterError(f"{type(self).__name__}: tol must be positive or None, got {tol!r}")
        self.games = games
        self.tol = tol
        self.check_every = check_every
        self._A = games.A.permute(1, 2, 0).contiguous()     # (m, n, batch): the batch is the last dimension
        self._B = games.B.permute(1, 2, 0).contiguous()
        b, m, n = games.shape
        like = dict(dtype=self._A.dtype, device=self._A.device)
        self.iteration = 0
        self.active = torch.arange(b, device=self._A.device)
        self.A, self.B = self._A, self._B
        self.final_x, self.final_y = torch.zeros(m, b, **like), torch.zeros(n, b, **like)
        self.final_e = torch.full((b,), math.nan, **like)
        self.m, self.n = m, n

    # -- payoffs of the active games, batch-last --------------------------------
    def _row_payoffs(self, y: Tensor) -> Tensor:
        """``A y`` per game: ``(m, active)``."""
        return (self.A * y.unsqueeze(0)).sum(1)

    def _column_payoffs(self, x: Tensor) -> Tensor:
        """``B^T x`` per game: ``(n, active)``."""
        return (self.B * x.unsqueeze(1)).sum(0)

    def _current(self) -> tuple[Tensor, Tensor]:
        """The reported strategies of the active games, batch-last."""
        raise NotImplementedError

    def _update(self) -> None:
        raise NotImplementedError

    def _active_exploitability(self) -> Tensor:
        x, y = self._current()
        ay, bx = self._row_payoffs(y), self._column_payoffs(x)
        regret = (ay.amax(0) - (x * ay).sum(0)).clamp_min(0) + (bx.amax(0) - (y * bx).sum(0)).clamp_min(0)
        return 0.5 * regret

    def _freeze(self, e: Tensor) -> None:
        """Keep the strategies of the games at or below ``tol`` and drop them from the working batch."""
        done = e <= self.tol
        if not bool(done.any()):
            return
        x, y = self._current()
        games = self.active[done]
        self.final_x[:, games], self.final_y[:, games], self.final_e[games] = x[:, done], y[:, done], e[done]
        keep = torch.nonzero(~done).squeeze(1)
        self.active = self.active[keep]
        self.A, self.B = self.A.index_select(-1, keep), self.B.index_select(-1, keep)
        for k in self._state:
            setattr(self, k, getattr(self, k).index_select(-1, keep))

    # -- protocol --------------------------------------------------------------
    def exploitability(self) -> Tensor:
        """``NashConv / 2`` of the reported strategies, per game: shape ``(batch,)``."""
        out = self.final_e.clone()
        if len(self.active):
            out[self.active] = self._active_exploitability()
        return out

    def strategies(self) -> tuple[Tensor, Tensor]:
        """The reported strategies, shapes ``(batch, m)`` and ``(batch, n)``."""
        x, y = self.final_x.clone(), self.final_y.clone()
        if len(self.active):
            x[:, self.active], y[:, self.active] = self._current()
        return x.T.contiguous(), y.T.contiguous()

    def values(self) -> Tensor:
        """Zero-sum batches: the midpoint of the value bracket
        ``[min_j (x^T A)_j, max_i (A y)_i]`` per game (error <= exploitability)."""
        lower, upper = self.games.value_bounds(*self.strategies())
        return 0.5 * (lower + upper)

    def step(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if self.iteration % self.check_every == 0:
            e = self._active_exploitability() if len(self.active) else self.final_e[:0]
            everything = self.final_e.clone()
            everything[self.active] = e
            worst, mean = torch.stack([everything.max(), everything.mean()]).tolist()
            if not math.isfinite(worst):
                raise NonFiniteError(f"{type(self).__name__}: non-finite strategies at iteration {self.iteration}",
                                     step=self.iteration)
            metrics = {"exploitability": worst, "mean_exploitability": mean, "active": float(len(self.active))}
            if self.tol is not None:
                self._freeze(e)
        if len(self.active):
            self._update()
        self.iteration += 1
        return metrics

    def state_dict(self) -> dict[str, Any]:
        return {"iteration": self.iteration, "active": self.active.clone(), "final_x": self.final_x.clone(),
                "final_y": self.final_y.clone(), "final_e": self.final_e.clone(),
                **{k: getattr(self, k).clone() for k in self._state}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        device = self._A.device
        self.iteration = int(state["iteration"])
        self.active = state["active"].clone().to(device)
        self.final_x, self.final_y, self.final_e = (state[k].clone().to(device) for k in ("final_x", "final_y",
                                                                                             "final_e"))
        self.A, self.B = self._A.index_select(-1, self.active), self._B.index_select(-1, self.active)
        for k in self._state:
            setattr(self, k, state[k].clone().to(device))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.games!r})"


def _uniform(size: int, like: Tensor) -> Tensor:
    return torch.full((size, like.shape[-1]), 1.0 / size, dtype=like.dtype, device=like.device)


def _first_argmax(u: Tensor) -> Tensor:
    """One-hot of the lowest-index maximum along dim 0 (``argmax`` over a short
    leading dimension is slow in torch; comparisons and a cumsum are not)."""
    best = u >= u.amax(0, keepdim=True)
    return (best & (best.cumsum(0) == 1)).to(u.dtype)


class BatchedFictitiousPlay(BatchedSolver):
    """Simultaneous fictitious play (Brown 1951) on every game of the batch:
    ``x_bar_{t+1} = (t x_bar_t + e_{BR(y_bar_t)}) / (t + 1)`` from uniform
    averages, ties to the lowest index."""

    _state = ("counts_x", "counts_y")

    def __init__(self, games: MatrixGameBatch, tol: float | None = None, check_every: int = 10):
        super().__init__(games, tol, check_every)
        self.counts_x, self.counts_y = _uniform(self.m, self.A), _uniform(self.n, self.A)

    def _current(self) -> tuple[Tensor, Tensor]:
        total = float(self.iteration + 1)
        return self.counts_x / total, self.counts_y / total

    def _update(self) -> None:
        x, y = self._current()
        self.counts_x += _first_argmax(self._row_payoffs(y))
        self.counts_y += _first_argmax(self._column_payoffs(x))


def _weight_total(t: int, power: int) -> float:
    """``sum_{s=1}^{t} s^power`` for power 0, 1, 2."""
    return float((t, t * (t + 1) / 2, t * (t + 1) * (2 * t + 1) / 6)[power])


class BatchedRegretMatchingPlus(BatchedSolver):
    """Regret matching+ (Tammelin 2014) with alternating updates on every game
    of the batch, predictive by default (Farina, Kroer & Sandholm 2021):

        r_t = u_t - <x_t, u_t> 1,   R_{t+1} = max(R_t + r_t, 0),   x_{t+1} = [R_{t+1} + r_t]^+ / 1^T[...]^+

    (uniform when the bracket is all zero; ``predictive=False`` drops the
    ``+ r_t`` hint), the column player responding to ``x_{t+1}``. Reports
    ``sum_t w_t x_t / sum_t w_t`` with ``w_t = t^2`` (``averaging="quadratic"``,
    the default with prediction) or ``t`` (``"linear"``, the default without).
    Per game it follows :class:`~gamesolve.solvers.dynamics.RegretMatching`
    with the same options exactly.
    """

    _state = ("regret_x", "regret_y", "x", "y", "sum_x", "sum_y")

    def __init__(self, games: MatrixGameBatch, predictive: bool = True, averaging: str | None = None,
                 tol: float | None = None, check_every: int = 10):
        super().__init__(games, tol, check_every)
        self.predictive = bool(predictive)
        averaging = averaging or ("quadratic" if self.predictive else "linear")
        if averaging not in AVERAGING:
            raise InvalidParameterError(f"BatchedRegretMatchingPlus: averaging must be one of "
                                        f"{', '.join(AVERAGING)}, got {averaging!r}")
        self.averaging, self.power = averaging, AVERAGING.index(averaging)
        self.x, self.y = _uniform(self.m, self.A), _uniform(self.n, self.A)
        self.regret_x, self.regret_y = torch.zeros_like(self.x), torch.zeros_like(self.y)
        self.sum_x, self.sum_y = torch.zeros_like(self.x), torch.zeros_like(self.y)

    def _current(self) -> tuple[Tensor, Tensor]:
        if self.iteration == 0:
            return self.x, self.y
        weight = _weight_total(self.iteration, self.power)
        return self.sum_x / weight, self.sum_y / weight

    @staticmethod
    def _match(regret: Tensor) -> Tensor:
        positive = regret.clamp_min(0)
        total = positive.sum(0, keepdim=True)
        return torch.where(total > 0, positive / total.clamp_min(torch.finfo(regret.dtype).tiny), 1.0 / len(regret))

    def _regret_step(self, regret: Tensor, strategy: Tensor, payoffs: Tensor) -> tuple[Tensor, Tensor]:
        instant = payoffs - (strategy * payoffs).sum(0, keepdim=True)
        regret = (regret + instant).clamp_min_(0)
        return regret, self._match(regret + instant if self.predictive else regret)

    def _update(self) -> None:
        w = float((self.iteration + 1) ** self.power)
        self.sum_x.add_(self.x, alpha=w)
        self.sum_y.add_(self.y, alpha=w)
        self.regret_x, self.x = self._regret_step(self.regret_x, self.x, self._row_payoffs(self.y))
        self.regret_y, self.y = self._regret_step(self.regret_y, self.y, self._column_payoffs(self.x))


class BatchedOptimisticMWU(BatchedSolver):
    """Optimistic multiplicative weights (Rakhlin & Sridharan 2013; Daskalakis &
    Panageas 2019) on every game of the batch,
    ``x_{t+1} ∝ exp(lr (sum_{s<=t} u_s + u_t))`` from uniform. Reports the
    average iterate (``O(1/T)`` exploitability in zero-sum games, Syrgkanis
    et al. 2015); ``average=False`` reports the last iterate, which converges
    too in games with a unique equilibrium but slowly when payoff gaps are
    small. ``lr`` defaults to ``2 /`` the largest payoff range in the batch."""

    _state = ("logits_x", "logits_y", "x", "y", "sum_x", "sum_y")

    def __init__(self, games: MatrixGameBatch, lr: float | None = None, average: bool = True,
                 tol: float | None = None, check_every: int = 10):
        super().__init__(games, tol, check_every)
        spread = max(float(games.A.amax() - games.A.amin()), float(games.B.amax() - games.B.amin()), 1e-12)
        self.lr = 2.0 / spread if lr is None else float(lr)
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise InvalidParameterError(f"BatchedOptimisticMWU: lr must be positive and finite, got {lr!r}")
        self.average = bool(average)
        self.x, self.y = _uniform(self.m, self.A), _uniform(self.n, self.A)
        self.logits_x, self.logits_y = torch.zeros_like(self.x), torch.zeros_like(self.y)
        self.sum_x, self.sum_y = torch.zeros_like(self.x), torch.zeros_like(self.y)

    def _current(self) -> tuple[Tensor, Tensor]:
        if self.average and self.iteration > 0:
            return self.sum_x / self.iteration, self.sum_y / self.iteration
        return self.x, self.y

    def _update(self) -> None:
        self.sum_x.add_(self.x)
        self.sum_y.add_(self.y)
        u, v = self._row_payoffs(self.y), self._column_payoffs(self.x)
        self.logits_x.add_(u, alpha=self.lr)
        self.logits_y.add_(v, alpha=self.lr)
        self.x = torch.softmax(self.logits_x + self.lr * u, dim=0)
        self.y = torch.softmax(self.logits_y + self.lr * v, dim=0)


register_solver("batched-fictitious-play", BatchedFictitiousPlay, summary="fictitious play on a batch of games",
                family="batched")
register_solver("batched-regret-matching+", BatchedRegretMatchingPlus,
                summary="(predictive) regret matching+ on a batch of games, alternating", family="batched")
register_solver("batched-optimistic-mwu", BatchedOptimisticMWU,
                summary="optimistic multiplicative weights on a batch of games, last iterate", family="batched")
