"""Hard-concrete L0 gates (Louizos et al. 2018)."""

import math

import pytest
import torch

from gamesolve import InvalidParameterError
from gamesolve.addons.sparsity import (GAMMA, ZETA, L0Conv2d, L0Linear, deterministic_density, deterministic_gate,
                                       expected_density, hard_concrete_sample, prob_nonzero)


@pytest.mark.parametrize("mean", [-2.0, 0.0, 1.5])
def test_expected_l0_matches_monte_carlo(mean):
    gen = torch.Generator().manual_seed(0)
    log_alpha = mean + 0.5 * torch.randn(200, generator=gen, dtype=torch.float64)
    samples = torch.stack([hard_concrete_sample(log_alpha, gen) for _ in range(4000)])
    mc = (samples > 0).double().mean(0).sum()
    closed = prob_nonzero(log_alpha).sum()
    assert abs(float(mc / closed) - 1) < 0.01


def test_gate_range_and_deterministic_gate():
    log_alpha = torch.linspace(-10, 10, 101, dtype=torch.float64)
    z = hard_concrete_sample(log_alpha, torch.Generator().manual_seed(1))
    assert float(z.min()) >= 0 and float(z.max()) <= 1
    d = deterministic_gate(log_alpha)
    assert float(d[0]) == 0.0 and float(d[-1]) == 1.0
    # sigmoid(log_alpha) (zeta - gamma) + gamma > 0  <=>  log_alpha > logit(-gamma / (zeta - gamma))
    threshold = torch.logit(torch.tensor(-GAMMA / (ZETA - GAMMA), dtype=torch.float64))
    assert torch.equal(d > 0, log_alpha > threshold)


def test_droprate_initialisation_sets_the_expected_density():
    layer = L0Linear(50, 40, droprate=0.3, generator=torch.Generator().manual_seed(0))
    # log_alpha = log(0.7 / 0.3): sigmoid(log_alpha) = 0.7 is the mean of the *concrete* gate before stretching
    assert torch.allclose(torch.sigmoid(layer.log_alpha).mean(), torch.tensor(0.7), atol=1e-2)
    # P(z > 0) = sigmoid(log(0.7 / 0.3) - (2/3) log(0.1 / 1.1)) = 0.920 (log_alpha jitter std 0.01)
    expected = torch.sigmoid(torch.tensor(math.log(0.7 / 0.3) + (2 / 3) * math.log(11.0)))
    assert abs(float(layer.expected_density().detach()) - float(expected)) < 1e-3


@pytest.mark.parametrize("structured", [False, True])
def test_linear_and_conv_layers_gate_and_count(structured):
    gen = torch.Generator().manual_seed(0)
    lin = L0Linear(6, 4, structured=structured, generator=gen)
    conv = L0Conv2d(3, 5, 3, padding=1, structured=structured, generator=gen)
    model = torch.nn.Sequential(conv, torch.nn.Flatten(), torch.nn.Linear(5 * 4 * 4, 6), lin)
    out = model(torch.randn(2, 3, 4, 4))
    assert out.shape == (2, 4)
    assert lin.log_alpha.shape == ((4,) if structured else (4, 6))
    with torch.no_grad():      # close every gate of the first two output units/rows of lin
        lin.log_alpha[:2] = -20.0
    lin.eval()
    w = lin.gated_weight()
    assert float(w[:2].detach().abs().sum()) == 0.0 and float(w[2:].detach().abs().sum()) > 0
    # model-wise density weighs layers by their number of weights
    total = lin.weight.numel() + conv.weight.numel()
    expected = (lin.expected_density() * lin.weight.numel() + conv.expected_density() * conv.weight.numel()) / total
    assert torch.allclose(expected_density(model), expected)
    assert abs(float(deterministic_density(lin)) - 0.5) < 1e-12


def test_bad_droprate():
    with pytest.raises(InvalidParameterError, match="droprate"):
        L0Linear(2, 2, droprate=1.0)
    with pytest.raises(InvalidParameterError, match="no L0-gated layers"):
        expected_density(torch.nn.Linear(2, 2))
