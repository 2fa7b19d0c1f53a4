"""Compression with a rate constraint: L0onie (Ramirez & Gallego-Posada 2022, "L0onie: Compressing
COINs with L0-constraints").

COIN (Dupont et al. 2021) stores an image as the weights of a SIREN
(Sitzmann et al. 2020) overfitted to it, ``f(coordinates) = colours`` with
layers ``h_l = sin(omega_0 (W_l h_{l-1} + b_l))`` and a linear output. L0onie
trains a wider SIREN whose hidden units carry hard-concrete gates and
constrains the *expected* rate instead of searching for an architecture:

    min_theta  E_z ||f_theta,z(X) - Y||^2 / n   s.t.   E[bits(z)] / #pixels - target <= 0.

Units whose gate is zero output ``sin(0) = 0`` and are removed, so the
stored model is a dense SIREN with ``a_l`` units in hidden layer ``l``
(``a_0`` inputs, ``a_{L+1}`` outputs) and

    bits = b * sum_{l=1}^{L+1} (a_{l-1} a_l + a_l)

(weights and biases at ``b`` bits each, 16 as in COIN's half precision; the
deterministic gate values fold into the stored weights). The gates of
different layers are independent, so with ``E[a_l] = sum_j P(z_lj > 0)`` the
expected bits are the same sum with every ``a_l`` replaced by ``E[a_l]``:
closed form and differentiable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import InvalidParameterError, ShapeError
from ..constraints import Constraint
from .sparsity import L0Linear, deterministic_gate, prob_nonzero

__all__ = ["L0Siren", "expected_bits", "stored_bits", "bits_per_pixel", "rate_constraint", "psnr",
           "image_coordinates", "sample_image"]


class L0Siren(nn.Module):
    """A SIREN ``in_features -> hidden... -> out_features`` with structured L0 gates
    on every hidden unit (:class:`~gamesolve.addons.sparsity.L0Linear`, ``structured=True``)
    and an ungated linear output layer. Initialisation of Sitzmann et al. (2020):
    first layer ``U(-1/n, 1/n)``, others ``U(-sqrt(6/n)/omega_0, sqrt(6/n)/omega_0)``."""

    def __init__(self, in_features: int = 2, hidden: Sequence[int] = (64, 64, 64), out_features: int = 3, *,
                 omega0: float = 30.0, droprate: float = 0.05, seed: int = 0,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None):
        super().__init__()
        hidden = list(hidden)
        if not hidden or any(not isinstance(h, int) or h < 1 for h in hidden):
            raise InvalidParameterError(f"L0Siren needs one or more positive hidden widths, got {hidden!r}")
        self.omega0 = float(omega0)
        gen = torch.Generator(device=device or "cpu").manual_seed(int(seed))
        sizes = [in_features, *hidden]
        self.hidden = nn.ModuleList(L0Linear(a, b, structured=True, droprate=droprate, generator=gen, device=device,
                                             dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(hidden[-1], out_features, device=device, dtype=dtype)
        with torch.no_grad():
            for k, layer in enumerate([*self.hidden, self.out]):
                n = layer.weight.shape[1]
                bound = 1.0 / n if k == 0 else math.sqrt(6.0 / n) / self.omega0
                layer.weight.uniform_(-bound, bound, generator=gen)
                layer.bias.uniform_(-bound, bound, generator=gen)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.hidden:
            x = torch.sin(self.omega0 * layer(x))
        return self.out(x)

    @property
    def widths(self) -> list[int]:
        return [self.hidden[0].weight.shape[1], *(m.weight.shape[0] for m in self.hidden), self.out.weight.shape[0]]


def _bits(active: Sequence[Tensor | float], bits: int) -> Tensor:
    total = sum(a * b + b for a, b in zip(active[:-1], active[1:]))
    return bits * total  # type: ignore[return-value]


def expected_bits(model: L0Siren, bits: int = 16) -> Tensor:
    """``b * sum_l (E[a_{l-1}] E[a_l] + E[a_l])`` with ``E[a_l] = sum_j P(z_lj > 0)`` (differentiable)."""
    w = model.widths
    active = [float(w[0]), *(prob_nonzero(m.log_alpha).sum() for m in model.hidden), float(w[-1])]
    return _bits(active, bits)


def stored_bits(model: L0Siren, bits: int = 16) -> int:
    """Bits of the pruned network with the deterministic test-time gates (units with gate 0 removed)."""
    w = model.widths
    active = [w[0], *(int((deterministic_gate(m.log_alpha.detach()) > 0).sum()) for m in model.hidden), w[-1]]
    return int(_bits(active, bits))


def bits_per_pixel(model: L0Siren, pixels: int, bits: int = 16, *, deterministic: bool = False) -> Tensor:
    """Expected (or, with ``deterministic``, achieved) bits per pixel."""
    if deterministic:
        return torch.tensor(stored_bits(model, bits) / pixels, dtype=torch.float64)
    return expected_bits(model, bits) / pixels


def rate_constraint(model: L0Siren, pixels: int, target_bpp: float, bits: int = 16,
                    name: str = "bpp") -> Constraint:
    """``E[bits] / pixels - target_bpp <= 0``; the batch of a stochastic problem is ignored."""
    if not (isinstance(target_bpp, (int, float)) and math.isfinite(target_bpp) and target_bpp > 0):
        raise InvalidParameterError(f"the target rate must be a positive number of bits per pixel, got {target_bpp!r}")
    if not isinstance(pixels, int) or pixels < 1:
        raise InvalidParameterError(f"pixels must be a positive int, got {pixels!r}")
    return Constraint(name, lambda *_: bits_per_pixel(model, pixels, bits), "<=", float(target_bpp))


def psnr(x: Tensor, y: Tensor, peak: float = 1.0) -> float:
    """``10 log10(peak^2 / mean((x - y)^2))`` in dB."""
    if x.shape != y.shape:
        raise ShapeError(f"psnr needs two images of the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    mse = float(((x.detach().double() - y.detach().double()) ** 2).mean())
    return math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)


def image_coordinates(height: int, width: int, *, device: torch.device | str | None = None,
                      dtype: torch.dtype = torch.float32) -> Tensor:
    """Pixel centres as ``(height * width, 2)`` coordinates in ``[-1, 1]^2``, row-major."""
    ys = torch.linspace(-1, 1, height, device=device, dtype=dtype)
    xs = torch.linspace(-1, 1, width, device=device, dtype=dtype)
    return torch.stack(torch.meshgrid(ys, xs, indexing="ij"), -1).reshape(-1, 2)


def sample_image(name: str = "china.jpg", height: int = 64, *, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float32) -> Tensor:
    """One of scikit-learn's sample images (``"china.jpg"`` or ``"flower.jpg"``, shipped
    with the package) as a ``(height, width, 3)`` tensor in ``[0, 1]``, downsampled
    by area averaging to ``height`` rows (aspect ratio kept)."""
    from sklearn.datasets import load_sample_image

    image = torch.from_numpy(np.array(load_sample_image(name), dtype=np.float64)) / 255.0
    h, w = image.shape[:2]
    if not isinstance(height, int) or not 1 <= height <= h:
        raise InvalidParameterError(f"height must be an int in [1, {h}], got {height!r}")
    width = max(1, round(w * height / h))
    small = torch.nn.functional.interpolate(image.permute(2, 0, 1)[None], size=(height, width), mode="area")[0]
    return small.permute(1, 2, 0).to(device=device, dtype=dtype).contiguous()
