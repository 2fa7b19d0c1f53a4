"""Projections onto domains: property tests of the definition of a Euclidean projection."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gamesolve as gs

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
vectors = st.integers(1, 12).flatmap(lambda n: arrays(np.float64, n, elements=finite))


def _variational_check(p, t, feasible):
    """p = P(t) iff <t - p, q - p> <= 0 for every feasible q (closest-point characterisation)."""
    return max(float(torch.dot(t - p, q - p)) for q in feasible)


@settings(max_examples=200, deadline=None)
@given(vectors, st.floats(0.1, 10.0))
def test_simplex_projection_is_the_closest_point(v, radius):
    dom = gs.Simplex(radius)
    t = torch.as_tensor(v)
    p = dom.project(t)
    # lands in the domain
    assert float(p.min()) >= 0
    scale = max(1.0, float(t.abs().max()))
    assert abs(float(p.sum()) - radius) <= 1e-12 * scale * t.numel()
    # idempotent
    assert torch.allclose(dom.project(p), p, atol=1e-10)
    # closest point: variational inequality against the vertices (which span the simplex) and random points
    n = t.numel()
    vertices = [radius * torch.eye(n, dtype=torch.float64)[i] for i in range(n)]
    torch.manual_seed(0)
    dirichlet = torch.distributions.Dirichlet(torch.ones(n, dtype=torch.float64))
    random_pts = [radius * dirichlet.sample() for _ in range(5)] if n > 1 else []
    assert _variational_check(p, t, vertices + random_pts) <= 1e-9 * scale * scale


@settings(max_examples=200, deadline=None)
@given(vectors, st.floats(-5, 0), st.floats(0, 5))
def test_box_projection_is_the_closest_point(v, lo, hi):
    dom = gs.Box(lo, hi)
    t = torch.as_tensor(v)
    p = dom.project(t)
    assert float(p.min()) >= lo and float(p.max()) <= hi
    assert torch.equal(dom.project(p), p)
    corners = [torch.where(torch.rand(t.shape, generator=torch.Generator().manual_seed(k), dtype=torch.float64) > 0.5,
                           torch.full_like(t, hi), torch.full_like(t, lo)) for k in range(8)]
    assert _variational_check(p, t, corners) <= 1e-9 * max(1.0, float(t.abs().max())) ** 2


@settings(max_examples=100, deadline=None)
@given(vectors)
def test_nonnegative_projection(v):
    t = torch.as_tensor(v)
    p = gs.NonNegative().project(t)
    assert float(p.min()) >= 0 and torch.equal(gs.NonNegative().project(p), p)
    assert torch.equal(p, torch.clamp(t, min=0))


def test_simplex_projection_matches_cvxpy():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(1)
    for n in (2, 5, 17):
        t = rng.normal(size=n) * 3
        z = cp.Variable(n)
        cp.Problem(cp.Minimize(cp.sum_squares(z - t)), [z >= 0, cp.sum(z) == 1]).solve()
        p = gs.Simplex().project(torch.as_tensor(t)).numpy()
        assert np.abs(p - z.value).max() < 1e-6


def test_simplex_projection_rowwise_and_lmo():
    t = torch.tensor([[0.2, 0.9, -1.0], [5.0, 5.0, 5.0]], dtype=torch.float64)
    p = gs.Simplex().project(t)
    assert torch.allclose(p.sum(-1), torch.ones(2, dtype=torch.float64))
    assert torch.allclose(p[1], torch.full((3,), 1 / 3, dtype=torch.float64))
    g = torch.tensor([0.3, -2.0, 1.0])
    assert torch.equal(gs.Simplex().lmo(g), torch.tensor([0.0, 1.0, 0.0]))
    assert torch.equal(gs.Box(-1.0, 2.0).lmo(g), torch.tensor([-1.0, 2.0, -1.0]))
    with pytest.raises(gs.DomainError):
        gs.Reals().lmo(g)


def test_bad_domains():
    with pytest.raises(gs.DomainError):
        gs.Box(1.0, -1.0)
    with pytest.raises(gs.DomainError):
        gs.Simplex(0.0)
    with pytest.raises(gs.DomainError, match="outside"):
        gs.Player("y", [0.7, 0.7], domain=gs.Simplex())
    with pytest.raises(gs.DomainError, match="one Domain per"):
        gs.Player("y", [torch.zeros(2), torch.zeros(2)], domain=[gs.NonNegative()])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=finite),
                                                      arrays(np.float64, n, elements=finite))))
def test_residual_is_t_minus_the_projection_of_the_gradient_step(pair):
    """``Domain.residual(t, g) = t - P(t - g)`` for every domain, whatever shortcut it takes
    (the orthant's is ``min(t, g)``, exact where the formula rounds ``t - (t - g)``), sparse
    gradients included."""
    t, g = (torch.as_tensor(a) for a in pair)
    rounding = 4 * torch.finfo(t.dtype).eps * float(torch.maximum(t.abs(), g.abs()).max())
    for dom in (gs.Reals(), gs.NonNegative(), gs.Box(-1.0, 2.0), gs.Simplex(1.0)):
        expected = t - dom.project(t - g)
        for grad in (g, g.to_sparse()):
            assert float((dom.residual(t, grad) - expected).abs().max()) <= rounding, dom
