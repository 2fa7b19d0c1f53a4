"""Hard-margin linear SVM on scikit-learn's iris data, setosa (y = -1) vs versicolor (y = +1):

    min_{w, b} 1/2 ||w||^2  s.t.  1 - y_i (w^T x_i + b) <= 0,  i = 1..100,

on standardised features, one multiplier per sample. The multipliers at the
solution are the dual coefficients ``alpha_i`` of the hard-margin SVM, taken
from ``sklearn.svm.SVC(kernel="linear", C=1e10)`` (as in Sohrabi et al. 2024);
only the support vectors have ``lambda*_i > 0``.

With ``batch_size = b`` set, each evaluation draws a minibatch of samples
without replacement and the constraint is *indexed*: 100 multipliers of which
a batch observes ``b``, updated through sparse gradients. The objective is
then scaled by ``b / n`` (by the batch's share), so that the batch Lagrangian is an unbiased estimate
of ``(b / n) L`` and the saddle point stays ``(w*, b*, lambda*)``.
"""

from __future__ import annotations

import numpy as np
import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="svm-iris",
    family="lagrangian",
    summary="hard-margin linear SVM, iris setosa vs versicolor; 100 inequality constraints",
    params={"batch_size": None, "seed": 0},
    equilibrium="(w*, b*) and lambda* = alpha* from sklearn's SVC(kernel='linear', C=1e10)",
    solver_params={"gradient": {"lr": (0.01, 0.1)}, "nupi": {"lr": (0.01, 0.1), "kp": 10.0}},
    steps=5000,
    tol=1e-9,
)


def data() -> tuple[np.ndarray, np.ndarray]:
    """Standardised features (100 x 4) and labels in {-1, +1} of setosa vs versicolor."""
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    keep = y < 2
    return StandardScaler().fit_transform(X[keep]), np.where(y[keep] == 0, -1.0, 1.0)


def reference(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """``(w*, b*, lambda*)`` from SVC with a huge C (hard margin)."""
    from sklearn.svm import SVC

    svc = SVC(kernel="linear", C=1e10, tol=1e-12).fit(X, y)
    lam = np.zeros(len(y))
    lam[svc.support_] = np.abs(svc.dual_coef_[0])
    return svc.coef_[0].copy(), float(svc.intercept_[0]), lam


def make(batch_size: int | None = None, seed: int = 0) -> gs.LagrangianGame:
    """``(w, b)`` start at 0, the multipliers at 0; float64."""
    X_np, y_np = data()
    n = len(y_np)
    if batch_size is not None and not 1 <= batch_size <= n:
        raise gs.InvalidParameterError(f"svm-iris: batch_size must be in [1, {n}] or None, got {batch_size}")
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)
    model = gs.Player("w,b", [torch.zeros(X.shape[1], dtype=torch.float64), torch.zeros((), dtype=torch.float64)])

    if batch_size is None:
        margin = gs.Constraint("margin", lambda wb: 1 - y * (X @ wb[0] + wb[1]), "<=", shape=n)
        problem = gs.ConstrainedProblem(lambda wb: 0.5 * wb[0] @ wb[0], [margin], model)
    else:
        def objective(wb: list[torch.Tensor], idx: torch.Tensor) -> torch.Tensor:
            return len(idx) / n * 0.5 * wb[0] @ wb[0]

        def sample(gen: torch.Generator) -> torch.Tensor:
            return torch.randperm(n, generator=gen)[:batch_size]

        def margins(wb: list[torch.Tensor], idx: torch.Tensor) -> gs.ConstraintValue:
            return gs.ConstraintValue(1 - y[idx] * (X[idx] @ wb[0] + wb[1]), indices=idx)

        problem = gs.ConstrainedProblem(objective, [gs.Constraint("margin", margins, "<=", shape=n, indexed=True)],
                                        model, sample=sample)
    game = gs.LagrangianGame(problem, seed=seed, name="svm-iris")
    w, b, lam = reference(X_np, y_np)
    game.X, game.y = X, y
    game.equilibrium = ([torch.from_numpy(w), torch.tensor(b, dtype=torch.float64)], torch.from_numpy(lam))
    return game
