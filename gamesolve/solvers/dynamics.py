"""Learning dynamics for bimatrix games (:class:`~gamesolve.finite.MatrixGame`).

Each solver is a small object: ``step()`` plays one round and returns the
``exploitability`` (NashConv / 2, see :meth:`MatrixGame.exploitability`) of
the strategies it reports *at the start of the step*, so that row ``t`` of a
trajectory describes the iterate before step ``t``, as for the gradient
solvers; ``strategies()`` are the reported strategies (the time average for
no-regret methods, whose averages converge to equilibrium in zero-sum games
while their iterates cycle); ``state_dict()`` / ``load_state_dict()`` resume a
run exactly. After every step the game's players hold the reported
strategies, so metrics such as ``gs.solve(..., metrics=["exploitability"])``
measure them.

Updates are written for the row player; the column player's is the same
with ``B^T`` and ``x`` in place of ``A`` and ``y``. ``u_t = A y_t`` is the
row player's payoff vector against the current column strategy.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import torch

from ..errors import InvalidParameterError, NonFiniteError
from ..finite import MatrixGame
from ..protocol import Solver
from .registry import register_solver

AVERAGING = ("uniform", "linear", "quadratic")    # weights t^0, t^1, t^2

__all__ = ["LearningDynamics", "FictitiousPlay", "RegretMatching", "Hedge", "Replicator"]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


class LearningDynamics(Solver):
    """Shared machinery: the payoff matrices, the step protocol and state."""

    requires = frozenset({"payoffs"})
    residual_key = "exploitability"
    _state: tuple[str, ...] = ()

    def __init__(self, game: MatrixGame):
        self.bind(game)
        self.A, self.BT = game.A, game.B.T
        self.iteration = 0
        self.x0, self.y0 = game.current_strategies()

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        """The reported mixed strategies ``(x, y)``."""
        raise NotImplementedError

    def _update(self) -> None:
        raise NotImplementedError

    def step(self) -> dict[str, float]:
        x, y = self.strategies()
        exploitability = self.game.exploitability(x, y)
        if not math.isfinite(exploitability):
            raise NonFiniteError(f"{type(self).__name__}: non-finite strategies at iteration {self.iteration}",
                                 step=self.iteration)
        self._update()
        self.iteration += 1
        self._publish()
        return {"exploitability": exploitability}

    def _publish(self) -> None:
        x, y = self.strategies()
        for player, s in zip(self.game.players, (x, y)):
            with torch.no_grad():
                player.params[0].copy_(torch.from_numpy(s))

    def state_dict(self) -> dict[str, Any]:
        """Iteration count and every array of the solver's memory (copies)."""
        return {"iteration": self.iteration, **{k: np.copy(getattr(self, k)) for k in self._state}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.iteration = int(state["iteration"])
        for k in self._state:
            setattr(self, k, np.copy(state[k]))
        self._publish()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game.name})"


class FictitiousPlay(LearningDynamics):
    """Fictitious play (Brown 1951; Robinson 1951): each player best-responds
    to the empirical average of the other's past play,

        x_bar_{t+1} = (t x_bar_t + e_{BR(y_bar_t)}) / (t + 1),   BR(y) = argmax_i (A y)_i,

    starting from the game's strategies as a first observation; ties go to the
    lowest index. ``alternating=True`` lets the column player respond to the
    row player's updated average. Reports the averages; in zero-sum games
    their exploitability tends to 0 (Robinson 1951), in Shapley's game it
    does not.
    """

    _state = ("counts_x", "counts_y")

    def __init__(self, game: MatrixGame, alternating: bool = False):
        super().__init__(game)
        self.alternating = bool(alternating)
        self.counts_x, self.counts_y = self.x0.copy(), self.y0.copy()

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        return self.counts_x / self.counts_x.sum(), self.counts_y / self.counts_y.sum()

    def _update(self) -> None:
        x, y = self.strategies()
        self.counts_x[int(np.argmax(self.A @ y))] += 1.0
        if self.alternating:
            x = self.counts_x / self.counts_x.sum()
        self.counts_y[int(np.argmax(self.BT @ x))] += 1.0


class RegretMatching(LearningDynamics):
    """Regret matching (Hart & Mas-Colell 2000), regret matching+ (Tammelin
    2014) and predictive regret matching+ (Farina, Kroer & Sandholm 2021):

        r_t = u_t - <x_t, u_t> 1,     R_{t+1} = R_t + r_t   (RM+: max(R_t + r_t, 0)),
        x_{t+1} = [R_{t+1}]^+ / 1^T [R_{t+1}]^+      (predictive: [R_{t+1} + r_t]^+),

    uniform when the bracket is all zero. Reports the average of the played
    strategies weighted by ``t^0`` (``averaging="uniform"``), ``t``
    (``"linear"``, as in CFR+) or ``t^2`` (``"quadratic"``); in a zero-sum game
    its exploitability is ``O(1/sqrt(T))``. ``alternating=True`` updates the
    column player against the row player's new strategy (Burch et al. 2019).
    """

    _state = ("regret_x", "regret_y", "x", "y", "sum_x", "sum_y", "weight")

    def __init__(self, game: MatrixGame, plus: bool = False, alternating: bool = False,
                 averaging: str = "uniform", predictive: bool = False):
        super().__init__(game)
        if averaging not in AVERAGING:
            raise InvalidParameterError(f"RegretMatching: averaging must be one of {', '.join(AVERAGING)}, "
                                        f"got {averaging!r}")
        self.plus, self.alternating, self.predictive = bool(plus), bool(alternating), bool(predictive)
        self.averaging, self.power = averaging, AVERAGING.index(averaging)
        self.regret_x, self.regret_y = np.zeros_like(self.x0), np.zeros_like(self.y0)
        self.x, self.y = self.x0.copy(), self.y0.copy()
        self.sum_x, self.sum_y = np.zeros_like(self.x0), np.zeros_like(self.y0)
        self.weight = np.zeros(())

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        if self.weight == 0:
            return self.x.copy(), self.y.copy()
        return self.sum_x / self.weight, self.sum_y / self.weight

    def _regret_step(self, regret: np.ndarray, strategy: np.ndarray,
                     payoffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        instant = payoffs - strategy @ payoffs
        regret = regret + instant
        if self.plus:
            regret = np.maximum(regret, 0.0)
        positive = np.maximum(regret + instant if self.predictive else regret, 0.0)
        total = positive.sum()
        return regret, (positive / total if total > 0 else np.full_like(positive, 1.0 / positive.size))

    def _update(self) -> None:
        w = float(self.iteration + 1) ** self.power
        self.sum_x = self.sum_x + w * self.x
        self.sum_y = self.sum_y + w * self.y
        self.weight = self.weight + w
        x_old = self.x
        self.regret_x, self.x = self._regret_step(self.regret_x, self.x, self.A @ self.y)
        opponent = self.x if self.alternating else x_old
        self.regret_y, self.y = self._regret_step(self.regret_y, self.y, self.BT @ opponent)


class Hedge(LearningDynamics):
    """Hedge / multiplicative weights (Freund & Schapire 1997, 1999) and its
    optimistic variant (Rakhlin & Sridharan 2013; Daskalakis & Panageas 2019):

        x_{t+1} ∝ x_0 exp(lr sum_{s<=t} u_s)                     (hedge)
        x_{t+1} ∝ x_0 exp(lr (sum_{s<=t} u_s + u_t))            (optimistic MWU)

    Hedge reports the average strategy (exploitability ``O(1/sqrt(T))`` for a
    tuned ``lr``); optimistic MWU reports its last iterate, which converges in
    zero-sum games with a unique equilibrium (Daskalakis & Panageas 2019).
    ``average`` overrides what is reported. ``lr`` defaults to
    ``0.5 / (payoff range)``.
    """

    _state = ("logits_x", "logits_y", "x", "y", "sum_x", "sum_y", "weight")

    def __init__(self, game: MatrixGame, lr: float | None = None, optimistic: bool = False,
                 average: bool | None = None):
        super().__init__(game)
        spread = max(float(np.ptp(game.A)), float(np.ptp(game.B)), 1e-12)
        self.lr = 0.5 / spread if lr is None else float(lr)
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise InvalidParameterError(f"Hedge: lr must be positive and finite, got {lr!r}")
        self.optimistic = bool(optimistic)
        self.average = (not self.optimistic) if average is None else bool(average)
        with np.errstate(divide="ignore"):
            self.logits_x, self.logits_y = np.log(self.x0), np.log(self.y0)
        self.x, self.y = self.x0.copy(), self.y0.copy()
        self.sum_x, self.sum_y = np.zeros_like(self.x0), np.zeros_like(self.y0)
        self.weight = np.zeros(())

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        if self.average and self.weight > 0:
            return self.sum_x / self.weight, self.sum_y / self.weight
        return self.x.copy(), self.y.copy()

    def _update(self) -> None:
        self.sum_x, self.sum_y, self.weight = self.sum_x + self.x, self.sum_y + self.y, self.weight + 1.0
        ux, uy = self.A @ self.y, self.BT @ self.x
        self.logits_x = self.logits_x + self.lr * ux
        self.logits_y = self.logits_y + self.lr * uy
        hint_x, hint_y = (self.lr * ux, self.lr * uy) if self.optimistic else (0.0, 0.0)
        self.x, self.y = _softmax(self.logits_x + hint_x), _softmax(self.logits_y + hint_y)


class Replicator(LearningDynamics):
    """Two-population replicator dynamics (Taylor & Jonker 1978),

        dx_i/dt = x_i ((A y)_i - x^T A y),      dy_j/dt = y_j ((B^T x)_j - x^T B y),

    integrated by classical Runge-Kutta (RK4) with step ``dt`` in the
    logit coordinates ``z`` with ``x = softmax(z)``, where the flow is
    ``dz/dt = A y`` and the iterates stay in the simplex. Reports the
    current state (``average=True``: its time average, which converges to the
    equilibrium in zero-sum games with an interior one while the state cycles;
    Hofbauer & Sigmund 1998).
    """

    _state = ("z_x", "z_y", "sum_x", "sum_y", "weight")

    def __init__(self, game: MatrixGame, dt: float = 0.05, average: bool = False):
        super().__init__(game)
        if not (dt > 0 and math.isfinite(dt)):
            raise InvalidParameterError(f"Replicator: dt must be positive and finite, got {dt!r}")
        self.dt, self.average = float(dt), bool(average)
        if (self.x0 <= 0).any() or (self.y0 <= 0).any():
            raise InvalidParameterError("Replicator: the starting strategies must be interior (all entries > 0); "
                                        "strategies at 0 stay at 0 under the replicator dynamics")
        self.z_x, self.z_y = np.log(self.x0), np.log(self.y0)
        self.sum_x, self.sum_y = np.zeros_like(self.x0), np.zeros_like(self.y0)
        self.weight = np.zeros(())

    def _field(self, zx: np.ndarray, zy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.A @ _softmax(zy), self.BT @ _softmax(zx)

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        if self.average and self.weight > 0:
            return self.sum_x / self.weight, self.sum_y / self.weight
        return _softmax(self.z_x), _softmax(self.z_y)

    def _update(self) -> None:
        h = self.dt
        self.sum_x = self.sum_x + _softmax(self.z_x)
        self.sum_y = self.sum_y + _softmax(self.z_y)
        self.weight = self.weight + 1.0
        k1 = self._field(self.z_x, self.z_y)
        k2 = self._field(self.z_x + h / 2 * k1[0], self.z_y + h / 2 * k1[1])
        k3 = self._field(self.z_x + h / 2 * k2[0], self.z_y + h / 2 * k2[1])
        k4 = self._field(self.z_x + h * k3[0], self.z_y + h * k3[1])
        self.z_x = self.z_x + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        self.z_y = self.z_y + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])


register_solver("fictitious-play", FictitiousPlay, summary="fictitious play (Brown 1951), average strategies",
                family="finite")
register_solver("regret-matching", RegretMatching, summary="regret matching (Hart & Mas-Colell 2000), average",
                family="finite")
register_solver("regret-matching+", partial(RegretMatching, plus=True, alternating=True, averaging="linear"),
                summary="regret matching+ (Tammelin 2014), alternating, linear averaging", family="finite")
register_solver("predictive-regret-matching+",
                partial(RegretMatching, plus=True, alternating=True, averaging="quadratic", predictive=True),
                summary="predictive regret matching+ (Farina et al. 2021), alternating, quadratic averaging",
                family="finite")
register_solver("hedge", Hedge, summary="hedge / multiplicative weights (Freund & Schapire 1997), average",
                family="finite")
register_solver("optimistic-mwu", partial(Hedge, optimistic=True),
                summary="optimistic multiplicative weights (Daskalakis & Panageas 2019), last iterate",
                family="finite")
register_solver("replicator", Replicator, summary="replicator dynamics (Taylor & Jonker 1978), RK4",
                family="finite")
