"""Sample metrics against their definitions, closed forms and scipy; the data sets."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gamesolve as gs
from gamesolve.analysis import samples as S
from gamesolve.data import digits, high_dimensional_mixture

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64)


def sample_1d(n_min=2, n_max=40):
    return arrays(np.float64, st.integers(n_min, n_max), elements=finite)


# --------------------------------------------------------------------------
# mode coverage
# --------------------------------------------------------------------------


def test_true_mixture_covers_every_mode_and_single_mode_covers_one():
    ring = gs.ring_of_gaussians()
    x = ring.sample(2500, torch.Generator().manual_seed(0))
    c = gs.mode_coverage(x, ring.centers, ring.std)
    assert c["modes"] == 8 and c["counts"].sum() == round(c["high_quality"] * 2500)
    # P(||N(0, s^2 I_2)|| <= 3 s) = 1 - exp(-9/2) for the 2-D Gaussian
    assert abs(c["high_quality"] - (1 - math.exp(-4.5))) < 0.006
    assert c["kl"] < 0.01
    one = ring.centers[3] + ring.std * torch.randn(2500, 2, generator=torch.Generator().manual_seed(1))
    c1 = gs.mode_coverage(one, ring.centers, ring.std)
    assert c1["modes"] == 1 and c1["counts"][3] == c1["counts"].sum() and abs(c1["kl"] - math.log(8)) < 1e-12


def test_grid_and_high_dimensional_mixtures():
    grid = gs.grid_of_gaussians()
    assert grid.modes == 25 and set(grid.centers[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    x = grid(2500, torch.Generator().manual_seed(0))
    assert gs.mode_coverage(x, grid.centers, grid.std)["modes"] == 25
    hd = high_dimensional_mixture(modes=10, dim=64, std=0.05)
    assert torch.allclose(hd.centers.norm(dim=1), torch.ones(10))
    y = hd(2000, torch.Generator().manual_seed(0))
    c = gs.mode_coverage(y, hd.centers, hd.std)
    # in 64 dimensions a Gaussian sample is within 3 std of its mean with probability P(chi2_64 <= 9) ~ 0
    assert c["modes"] == 0 and c["high_quality"] == 0.0
    c = gs.mode_coverage(y, hd.centers, hd.std, threshold=math.sqrt(scipy.stats.chi2.ppf(0.99, 64)))
    assert c["modes"] == 10 and c["high_quality"] > 0.97


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 60), st.just(2)), elements=finite),
       arrays(np.float64, st.tuples(st.integers(1, 6), st.just(2)), elements=finite),
       st.floats(0.01, 3.0), st.integers(1, 5))
def test_mode_coverage_is_its_definition(x, centers, std, min_count):
    c = gs.mode_coverage(x, centers, std, min_count=min_count)
    d = np.linalg.norm(x[:, None, :] - centers[None, :, :], axis=2)
    good = d.min(1) <= 3 * std
    assert c["high_quality"] == pytest.approx(good.mean())
    counts = np.bincount(d.argmin(1)[good], minlength=len(centers))
    if not np.isclose(np.sort(d, axis=1)[:, :2], np.sort(d, axis=1)[:, 1:2]).all(1).any():   # no ties
        assert (c["counts"] == counts).all()
    assert c["modes"] == int((c["counts"] >= min_count).sum()) <= len(centers)


# --------------------------------------------------------------------------
# two-sample distances
# --------------------------------------------------------------------------


def test_mmd_of_shifted_gaussians_matches_the_closed_form():
    """X ~ N(0, I), Y ~ N(mu, I) in R^d, RBF bandwidth s: MMD^2 = 2 c (1 - exp(-|mu|^2 / (2 (s^2 + 2)))),
    c = (s^2 / (s^2 + 2))^(d/2)."""
    g = torch.Generator().manual_seed(0)
    d, s, mu = 3, 1.5, torch.tensor([1.0, 0.5, 0.0], dtype=torch.float64)
    x = torch.randn(2000, d, generator=g, dtype=torch.float64)
    y = torch.randn(2000, d, generator=g, dtype=torch.float64) + mu
    c = (s * s / (s * s + 2)) ** (d / 2)
    exact = 2 * c * (1 - math.exp(-float(mu @ mu) / (2 * (s * s + 2))))
    assert abs(gs.mmd(x, y, bandwidth=s) - exact) < 0.2 * exact    # sampling error: <= 14% over 20 seeds
    assert abs(gs.mmd(x, x)) < 2 / 2000 + 1e-12          # a sample against itself: -2/m <= MMD_u^2 <= 0
    assert abs(gs.mmd(x, torch.randn(2000, d, generator=g, dtype=torch.float64))) < 0.1 * exact


@settings(max_examples=20, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 3)), elements=finite),
       st.floats(-5, 5), st.floats(0.1, 5))
def test_mmd_is_symmetric_and_translation_invariant(x, shift, bandwidth):
    y = x[::-1] * 0.5 + 1.0
    assert gs.mmd(x, y, bandwidth=bandwidth) == pytest.approx(gs.mmd(y, x, bandwidth=bandwidth), abs=1e-12)
    assert gs.mmd(x + shift, y + shift, bandwidth=bandwidth) == pytest.approx(gs.mmd(x, y, bandwidth=bandwidth),
                                                                              abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(sample_1d(1), sample_1d(1))
def test_one_dimensional_distances_match_scipy(u, v):
    assert gs.sliced_wasserstein(u, v, p=1, projections=3) == pytest.approx(
        scipy.stats.wasserstein_distance(u, v), rel=1e-9, abs=1e-9)
    assert gs.energy_distance(u, v) == pytest.approx(scipy.stats.energy_distance(u, v), rel=1e-6, abs=1e-6)


def test_sliced_wasserstein_of_a_translate():
    """SW_2(x, x + mu)^2 = E_theta <theta, mu>^2 = |mu|^2 / d for uniform directions."""
    x = torch.randn(500, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mu = torch.tensor([1.0, -2.0, 0.5, 0.0], dtype=torch.float64)
    assert gs.sliced_wasserstein(x, x + mu, projections=4000) == pytest.approx(float(mu.norm()) / 2, rel=0.03)
    assert gs.sliced_wasserstein(x, x) == 0.0


def test_precision_and_recall_see_mode_collapse():
    ring = gs.ring_of_gaussians()
    g = torch.Generator().manual_seed(0)
    real, fake = ring(2000, g), ring(2000, g)
    pr = gs.precision_recall(real, fake)
    assert pr["precision"] > 0.9 and pr["recall"] > 0.9
    collapsed = ring.centers[0] + ring.std * torch.randn(2000, 2, generator=g)
    pr = gs.precision_recall(real, collapsed)
    assert pr["precision"] > 0.9 and abs(pr["recall"] - 1 / 8) < 0.05
    assert gs.precision_recall(real, real) == {"precision": 1.0, "recall": 1.0}


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 30), st.integers(1, 4)), elements=st.floats(-5, 5)),
       arrays(np.float64, 4, elements=st.floats(-5, 5)))
def test_frechet_distance_of_a_translate_is_the_squared_shift(x, mu):
    mu = mu[:x.shape[1]]
    assert gs.frechet_distance(x, x + mu) == pytest.approx(float(mu @ mu), abs=1e-6 * (1 + np.abs(x).max() ** 2))


def test_frechet_distance_of_one_dimensional_gaussians():
    """In 1-D: d^2 = (m1 - m2)^2 + (s1 - s2)^2 with the samples' moments."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 2, 300), rng.normal(-1, 0.5, 200)
    expected = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2
    assert gs.frechet_distance(a, b) == pytest.approx(expected, rel=1e-10)


def test_shape_errors():
    with pytest.raises(gs.ShapeError, match="dimensions 2 and 3"):
        gs.mmd(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(gs.ShapeError, match="dimension 3, centers 2"):
        gs.mode_coverage(np.zeros((5, 3)), np.zeros((2, 2)), 0.1)


# --------------------------------------------------------------------------
# digits: the data and the cached classifier
# --------------------------------------------------------------------------


def test_digits_classifier_is_trained_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMESOLVE_CACHE", str(tmp_path / "cache"))
    assert S.cache_dir() == tmp_path / "cache"
    model = S.digits_classifier()
    path = tmp_path / "cache" / S._CLASSIFIER_FILE
    assert path.exists() and model.accuracy > 0.93
    stamp = path.stat().st_mtime_ns
    again = S.digits_classifier()                       # loaded, not retrained
    assert path.stat().st_mtime_ns == stamp
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    data = digits()
    assert data.images.shape == (1797, 64) and float(data.images.min()) == -1.0 and float(data.images.max()) == 1.0
    real, other = data.images[:900], data.images[900:]
    noise = torch.rand(900, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    zeros = data.images[data.labels == 0]
    fd_real = S.digits_frechet_distance(real, other, classifier=again)
    assert fd_real < S.digits_frechet_distance(zeros, other, classifier=again)
    assert fd_real < S.digits_frechet_distance(noise, other, classifier=again) / 10


def test_cache_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("GAMESOLVE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if S.sys.platform.startswith("linux"):
        assert S.cache_dir() == tmp_path / "gamesolve"
    assert "site-packages" not in str(S.cache_dir()) and S.cache_dir().parent != __import__("pathlib").Path(
        S.__file__).parents[1]
