"""L0onie (Ramirez & Gallego-Posada 2022): compress one of scikit-learn's sample images into the
weights of a SIREN with gated hidden units, under a rate constraint

    min_theta E_z ||f_theta,z(X) - Y||^2 / n   s.t.   E[bits] / #pixels - target_bpp <= 0

(see :mod:`gamesolve.addons.compression` for the bit count). The image is
downsampled to ``height`` rows so that CPU runs take seconds; the full-batch
problem has one multiplier. ``game.model`` is the :class:`L0Siren`,
``game.coords`` / ``game.colours`` the pixels, ``game.shape`` the image shape;
measure with :func:`gamesolve.addons.compression.psnr` and
``bits_per_pixel(model, pixels, deterministic=True)`` after ``model.eval()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.addons.compression import L0Siren, image_coordinates, rate_constraint, sample_image
from gamesolve.game_registry import GameSpec

from ._sparse import gated_solver

SPEC = GameSpec(
    name="l0onie",
    family="lagrangian",
    summary="SIREN with L0-gated units fitted to sklearn's china.jpg under a bits-per-pixel constraint",
    params={"image": "china.jpg", "height": 32, "target_bpp": 4.0, "hidden": (48, 48), "seed": 0},
    equilibrium="unknown; the rate constraint is active at the solution",
    solver_params={"nupi": {"lr": (1e-3, 1e-5)}, "gradient": {"lr": (1e-3, 1e-5)}},
    steps=3000,
)


def solver(game: gs.LagrangianGame, lr: float = 5e-4, gate_lr: float = 0.01, dual_lr: float = 1e-5,
           kp: float = 0.0) -> gs.GDA:
    """Adam on the SIREN weights (``lr``) and gates (``gate_lr``), nuPI on the multiplier; pair it
    with :class:`~gamesolve.DualRestart`. The multiplier is in MSE per bit-per-pixel, hence the
    small dual step."""
    return gated_solver(game, lr=lr, gate_lr=gate_lr, dual_lr=dual_lr, kp=kp)


def make(image: str = "china.jpg", height: int = 32, target_bpp: float = 4.0, hidden: Sequence[int] = (48, 48),
         seed: int = 0, device: str | None = None) -> gs.LagrangianGame:
    picture = sample_image(image, height, device=device)
    h, w, _ = picture.shape
    coords, colours = image_coordinates(h, w, device=device), picture.reshape(-1, 3)
    model = L0Siren(2, hidden, 3, seed=seed, device=device)
    constraint = rate_constraint(model, h * w, target_bpp)
    problem = gs.ConstrainedProblem(lambda m: ((m(coords) - colours) ** 2).mean(), [constraint], model)
    game = gs.LagrangianGame(problem, name="l0onie")
    game.model, game.coords, game.colours, game.shape, game.target_bpp = model, coords, colours, (h, w), target_bpp
    return game
