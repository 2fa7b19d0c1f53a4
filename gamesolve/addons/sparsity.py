"""L0-gated layers: hard-concrete stochastic gates (Louizos, Welling & Kingma 2018).

A gate ``z in [0, 1]`` multiplies each weight (unstructured) or each output
unit / channel (structured). During training it is sampled from the
hard-concrete distribution

    u ~ U(0, 1),  s = sigmoid((log u - log(1 - u) + log_alpha) / beta),
    z = min(1, max(0, s (zeta - gamma) + gamma)),

with ``beta = 2/3, gamma = -0.1, zeta = 1.1``; at test time it is the
deterministic ``z = min(1, max(0, sigmoid(log_alpha) (zeta - gamma) + gamma))``.
The expected L0 norm has the closed form

    E[||z||_0] = sum_j P(z_j > 0) = sum_j sigmoid(log_alpha_j - beta log(-gamma / zeta)),

which is differentiable in ``log_alpha`` and is what a density constraint
(``expected_density(model) - target <= 0``, Gallego-Posada et al. 2022)
controls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import InvalidParameterError, ShapeError
from ..constraints import Constraint

__all__ = ["BETA", "GAMMA", "ZETA", "L0Linear", "L0Conv2d", "expected_density", "deterministic_density",
           "hard_concrete_sample", "prob_nonzero", "deterministic_gate", "gated_layers", "layer_densities",
           "density_constraint", "check_density"]

BETA, GAMMA, ZETA = 2.0 / 3.0, -0.1, 1.1


def prob_nonzero(log_alpha: Tensor) -> Tensor:
    """``P(z > 0) = sigmoid(log_alpha - beta log(-gamma / zeta))`` per gate."""
    return torch.sigmoid(log_alpha - BETA * math.log(-GAMMA / ZETA))


def hard_concrete_sample(log_alpha: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """One reparameterised sample of the gates (differentiable in ``log_alpha``)."""
    eps = torch.finfo(log_alpha.dtype).eps
    u = torch.rand(log_alpha.shape, generator=generator, dtype=log_alpha.dtype, device=log_alpha.device)
    u = u.clamp(eps, 1 - eps)
    s = torch.sigmoid((torch.log(u) - torch.log1p(-u) + log_alpha) / BETA)
    return (s * (ZETA - GAMMA) + GAMMA).clamp(0.0, 1.0)


def deterministic_gate(log_alpha: Tensor) -> Tensor:
    """The test-time gate ``clip(sigmoid(log_alpha) (zeta - gamma) + gamma, 0, 1)``."""
    return (torch.sigmoid(log_alpha) * (ZETA - GAMMA) + GAMMA).clamp(0.0, 1.0)


def _log_alpha_init(droprate: float) -> float:
    if not 0.0 < droprate < 1.0:
        raise InvalidParameterError(f"droprate must be in (0, 1), got {droprate}")
    return math.log(1.0 - droprate) - math.log(droprate)


class _L0Gated(nn.Module):
    """Shared gate logic: ``log_alpha`` of shape ``gate_shape``; each gate covers
    ``weights_per_gate`` weights (1 unstructured, fan-in (+ bias) structured)."""

    weight: Tensor
    bias: Tensor | None

    def _init_gates(self, gate_shape: tuple[int, ...], droprate: float, generator: torch.Generator | None,
                    device: torch.device | str | None, dtype: torch.dtype | None) -> None:
        mean = _log_alpha_init(droprate)
        init = torch.empty(gate_shape, device=device, dtype=dtype)
        with torch.no_grad():
            init.normal_(mean, 1e-2, generator=generator)
        self.log_alpha = nn.Parameter(init)
        self.generator = generator

    @property
    def weights_per_gate(self) -> int:
        return self.weight.numel() // self.log_alpha.numel()

    def sample_gates(self, generator: torch.Generator | None = None) -> Tensor:
        """Hard-concrete gates: a sample in training mode, the deterministic gate in eval mode."""
        if self.training:
            return hard_concrete_sample(self.log_alpha, generator if generator is not None else self.generator)
        return deterministic_gate(self.log_alpha)

    def expected_density(self) -> Tensor:
        """Expected fraction of non-zero gated weights, ``mean_j P(z_j > 0)`` (differentiable)."""
        return prob_nonzero(self.log_alpha).mean()

    def deterministic_density(self) -> Tensor:
        """Fraction of weights whose deterministic (test-time) gate is non-zero."""
        return (deterministic_gate(self.log_alpha) > 0).to(self.log_alpha.dtype).mean()

    def gated_weight(self, gates: Tensor | None = None) -> Tensor:
        """The weight with gates applied (``gates`` defaults to :meth:`sample_gates`)."""
        z = self.sample_gates() if gates is None else gates
        if z.shape == self.weight.shape:
            return self.weight * z
        return self.weight * z.reshape(-1, *([1] * (self.weight.dim() - 1)))

    def _gated_bias(self, z: Tensor) -> Tensor | None:
        if self.bias is None or z.shape == self.weight.shape:
            return self.bias
        return self.bias * z


class L0Linear(_L0Gated):
    """A linear layer with hard-concrete gates, per weight (``structured=False``)
    or per output unit (``structured=True``, gating the unit's row and bias).
    ``generator`` draws the gates' initial ``log_alpha`` and their samples; the
    weights get ``nn.Linear``'s initialisation from torch's global generator
    (seed it with ``torch.manual_seed`` for a reproducible layer)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, structured: bool = False,
                 droprate: float = 0.5, generator: torch.Generator | None = None,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None):
        super().__init__()
        layer = nn.Linear(in_features, out_features, bias=bias, device=device, dtype=dtype)
        self.weight, self.bias = layer.weight, layer.bias
        self.structured = structured
        self._init_gates((out_features,) if structured else (out_features, in_features), droprate, generator,
                         device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.weight.shape[1]:
            raise ShapeError(f"L0Linear expects inputs with {self.weight.shape[1]} features, got shape "
                             f"{tuple(x.shape)}")
        z = self.sample_gates()
        return F.linear(x, self.gated_weight(z), self._gated_bias(z))


class L0Conv2d(_L0Gated):
    """A 2-D convolution with hard-concrete gates, per weight or per output channel
    (``structured=True``). ``generator`` draws the gates, as for :class:`L0Linear`;
    the weights get ``nn.Conv2d``'s initialisation from torch's global generator."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], stride: int = 1,
                 padding: int = 0, bias: bool = True, *, structured: bool = False, droprate: float = 0.5,
                 generator: torch.Generator | None = None, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None):
        super().__init__()
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias,
                         device=device, dtype=dtype)
        self.weight, self.bias = conv.weight, conv.bias
        self.stride, self.padding = conv.stride, conv.padding
        self.structured = structured
        self._init_gates((out_channels,) if structured else tuple(conv.weight.shape), droprate, generator,
                         device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        z = self.sample_gates()
        return F.conv2d(x, self.gated_weight(z), self._gated_bias(z), self.stride, self.padding)


def gated_layers(model: nn.Module) -> dict[str, _L0Gated]:
    """The L0-gated layers of ``model`` by qualified name, in module order."""
    layers = {name or type(m).__name__: m for name, m in model.named_modules() if isinstance(m, _L0Gated)}
    if not layers:
        raise InvalidParameterError(f"{type(model).__name__} has no L0-gated layers (L0Linear / L0Conv2d)")
    return layers


def _gated_layers(model: nn.Module) -> list[_L0Gated]:
    return list(gated_layers(model).values())


def expected_density(model: nn.Module) -> Tensor:
    """Expected fraction of non-zero gated weights over all L0 layers of ``model``:
    ``sum_l n_l E[||z_l||_0] / sum_l (#weights of l)``, with ``n_l`` weights per gate."""
    layers = _gated_layers(model)
    active = sum(prob_nonzero(m.log_alpha).sum() * m.weights_per_gate for m in layers)
    return active / sum(m.weight.numel() for m in layers)


def deterministic_density(model: nn.Module) -> Tensor:
    """Fraction of gated weights kept by the deterministic test-time gates."""
    layers = _gated_layers(model)
    kept = sum((deterministic_gate(m.log_alpha) > 0).sum() * m.weights_per_gate for m in layers)
    return kept / sum(m.weight.numel() for m in layers)



def layer_densities(model: nn.Module, *, deterministic: bool = False) -> Tensor:
    """Per gated layer (in the order of :func:`gated_layers`), the expected
    density ``mean_j P(z_j > 0)`` (differentiable) or, with ``deterministic``,
    the fraction of weights the test-time gates keep."""
    fn = _L0Gated.deterministic_density if deterministic else _L0Gated.expected_density
    return torch.stack([fn(m) for m in _gated_layers(model)])


def check_density(target: float, what: str = "target density") -> float:
    """``target`` as a float in [0, 1], else :class:`InvalidParameterError`."""
    try:
        value = float(target)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"the {what} must be a number in [0, 1], got {target!r}") from None
    if not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"the {what} must lie in [0, 1] (a fraction of weights kept), got {target!r}; "
                                    "e.g. 0.3 keeps 30% of the gated weights")
    return value


def density_constraint(model: nn.Module, target: float | Sequence[float] | Mapping[str, float], *,
                       per_layer: bool = False, name: str = "density") -> Constraint:
    """The controlled-sparsity constraint of Gallego-Posada et al. (2022) on ``model``'s L0 layers:

        model-wise:  E[||z||_0] / #weights - target <= 0             (one multiplier),
        per layer:   E[||z_l||_0] / #weights_l - target_l <= 0     (one multiplier per gated layer).

    ``target`` is one density in [0, 1] (for ``per_layer``, shared by every
    layer), or, with ``per_layer``, one per gated layer as a sequence in the
    order of :func:`gated_layers` or a mapping from layer name. The constraint
    ignores the batch of a stochastic problem, so it fits any
    :class:`~gamesolve.ConstrainedProblem` whose primal holds ``model``.
    """
    layers = gated_layers(model)
    if not per_layer:
        if (isinstance(target, (Mapping, Sequence)) and not isinstance(target, str)) or \
                (isinstance(target, Tensor) and target.numel() != 1):
            raise InvalidParameterError(f"a model-wise density constraint takes one target density, got {target!r}; "
                                        "pass per_layer=True for one target per layer")
        return Constraint(name, lambda *_: expected_density(model), "<=", check_density(target))
    names = list(layers)
    if isinstance(target, Mapping):
        unknown = sorted(set(target) - set(names))
        missing = [n for n in names if n not in target]
        if unknown or missing:
            raise InvalidParameterError(f"per-layer density targets must name every gated layer {names}; "
                                        f"unknown {unknown}, missing {missing}")
        values = [check_density(target[n], f"target density of layer {n!r}") for n in names]
    elif (isinstance(target, Sequence) and not isinstance(target, str)) or \
            (isinstance(target, Tensor) and target.dim() > 0):
        given = list(target)
        if len(given) != len(names):
            raise InvalidParameterError(f"got {len(given)} per-layer density targets for {len(names)} gated "
                                        f"layers {names}")
        values = [check_density(t, f"target density of layer {n!r}") for n, t in zip(names, given)]
    else:
        values = [check_density(target)] * len(names)
    return Constraint(name, lambda *_: layer_densities(model), "<=", torch.tensor(values, dtype=torch.float64),
                      shape=len(names))
