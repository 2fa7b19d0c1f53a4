"""Floating-point linear algebra with rigorous error bounds (a posteriori).

For a stack of square matrices ``M~`` known to lie within ``delta``
(entrywise) of exact matrices ``M``, an approximate inverse ``X = inv(M~)``
proves ``M`` nonsingular when ``alpha = ||I - X M||_inf < 1``, and then

    ||M^{-1}||_inf <= ||X||_inf / (1 - alpha)                (Rump 1983; Higham 2002, §7)

so that the error of any computed solution ``Z~`` of ``M Z = R`` is bounded
by its residual: ``|Z - Z~| <= ||M^{-1}||_inf ||R - M Z~||_inf``. Rounding in
forming ``I - X M~`` and the residual is bounded with ``gamma_k = k u / (1 - k u)``
(``u = 2^-53``) and a safety factor of 2. A decision taken from such bounds
(a sign, a strict inequality) is exact whenever the computed value clears
its bound; everything else is left to rational arithmetic.
"""

from __future__ import annotations

import numpy as np

__all__ = ["UNIT_ROUNDOFF", "gamma", "inverse_bound", "residual_bound"]

UNIT_ROUNDOFF = 2.0**-53
SAFETY = 2.0


def gamma(k: int) -> float:
    """``gamma_k = k u / (1 - k u)``, the bound on the relative error of a ``k``-term dot product."""
    return k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF)


def _inverses(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``inv(M)`` per matrix, and which inverses exist (singular ones are NaN)."""
    try:
        return np.linalg.inv(M), np.ones(M.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        out, ok = np.full(M.shape, np.nan), np.zeros(M.shape[0], dtype=bool)
        for k in range(M.shape[0]):
            try:
                out[k], ok[k] = np.linalg.inv(M[k]), True
            except np.linalg.LinAlgError:
                pass
        return out, ok


def inverse_bound(M: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """``(X, beta)`` for a stack ``M`` of shape ``(N, n, n)``: ``X`` approximates
    each inverse and ``beta[k] >= ||M_k^{-1}||_inf`` for every exact matrix
    within ``delta`` of ``M[k]``; ``beta[k] = inf`` when nonsingularity
    cannot be shown (the matrix is singular or too ill-conditioned)."""
    N, n, _ = M.shape
    X, ok = _inverses(M)
    with np.errstate(invalid="ignore", over="ignore"):
        absX = np.abs(X)
        E = np.eye(n) - X @ M
        x_norm = absX.sum(axis=2).max(axis=1)
        alpha = (np.abs(E).sum(axis=2).max(axis=1)
                 + SAFETY * (gamma(n + 1) * (absX @ np.abs(M)).sum(axis=2).max(axis=1) + n * delta * x_norm))
        beta = np.where(ok & np.isfinite(alpha) & (alpha < 0.5), SAFETY * x_norm / (1 - alpha), np.inf)
    return X, beta


def residual_bound(M: np.ndarray, Z: np.ndarray, R: np.ndarray, delta_M: float, delta_R: np.ndarray | float
                   ) -> np.ndarray:
    """``max |R - M Z~|`` per system, plus the rounding of computing it and the
    input error (``M`` within ``delta_M``, ``R`` within ``delta_R``): a bound
    on ``||R_exact - M_exact Z~||_inf`` over every column. Shapes ``(N, n, n)``,
    ``(N, n, c)``, ``(N, n, c)``."""
    n = M.shape[1]
    with np.errstate(invalid="ignore", over="ignore"):
        MZ = M @ Z
        res = np.abs(R - MZ).max(axis=(1, 2))
        absZ = np.abs(Z)
        rounding = gamma(n + 1) * ((np.abs(M) @ absZ).max(axis=(1, 2)) + np.abs(R).max(axis=(1, 2)))
        inputs = delta_M * absZ.sum(axis=1).max(axis=1) + np.max(delta_R)
    return res + SAFETY * (rounding + inputs)
