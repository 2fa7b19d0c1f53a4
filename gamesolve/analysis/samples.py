"""Sample-based evaluation of generative models, with no pretrained weights.

Every function takes two samples (tensors or arrays of shape ``(n, ...)``;
images are flattened) and returns plain Python numbers, computed in float64
on the samples' device in chunks of bounded memory.

- :func:`mode_coverage`: modes covered and the fraction of high-quality
  samples for a known Gaussian mixture (VEEGAN, Srivastava et al. 2017; PacGAN,
  Lin et al. 2018).
- :func:`mmd`: unbiased squared maximum mean discrepancy with an RBF kernel
  (Gretton et al. 2012).
- :func:`sliced_wasserstein`, :func:`energy_distance` (Szekely & Rizzo 2013),
  :func:`precision_recall` (Kynkaanniemi et al. 2019).
- :func:`frechet_distance` between Gaussians fitted to features, and
  :func:`digits_frechet_distance` in the feature space of a small digits
  classifier trained once and cached under the user's cache directory.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import InvalidParameterError, ShapeError

__all__ = ["mode_coverage", "mmd", "median_bandwidth", "sliced_wasserstein", "energy_distance", "precision_recall",
           "frechet_distance", "digits_frechet_distance", "digits_classifier", "cache_dir"]

_CHUNK = 2048


def _as_2d(x: Any, name: str = "samples", device: torch.device | None = None) -> Tensor:
    t = x.detach() if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))
    if device is not None:
        t = t.to(device)
    if t.dim() == 1:
        t = t.unsqueeze(1)
    if t.dim() < 2 or t.shape[0] < 1:
        raise ShapeError(f"{name} must be an array of samples (n, ...), got shape {tuple(t.shape)}")
    return t.reshape(t.shape[0], -1).to(torch.float64)


def _pair(x: Any, y: Any, min_n: int = 1) -> tuple[Tensor, Tensor]:
    a = _as_2d(x, "x")
    b = _as_2d(y, "y", device=a.device)
    if a.shape[1] != b.shape[1]:
        raise ShapeError(f"the two samples have dimensions {a.shape[1]} and {b.shape[1]}; they must match")
    if a.shape[0] < min_n or b.shape[0] < min_n:
        raise ShapeError(f"need at least {min_n} samples on each side, got {a.shape[0]} and {b.shape[0]}")
    return a, b


def _identity(d: Tensor) -> Tensor:
    return d


def _reduce_pairs(a: Tensor, b: Tensor, fn: Callable[[Tensor], Tensor]) -> float:
    """``sum_{i,j} fn(||a_i - b_j||)`` in chunks."""
    total = torch.zeros((), dtype=torch.float64, device=a.device)
    for i in range(0, a.shape[0], _CHUNK):
        total += fn(torch.cdist(a[i:i + _CHUNK], b)).sum()
    return float(total)


# --------------------------------------------------------------------------
# modes of a Gaussian mixture
# --------------------------------------------------------------------------


def mode_coverage(samples: Any, centers: Any, std: float, *, threshold: float = 3.0,
                  min_count: int | None = None) -> dict[str, Any]:
    """Modes covered and sample quality against a Gaussian mixture with ``centers`` and ``std``.

    A sample is *high quality* if its nearest center lies within
    ``threshold * std`` (3 std, VEEGAN/PacGAN); ``counts[k]`` is the number of
    high-quality samples whose nearest center is ``k``. A mode is *covered*
    when ``counts[k] >= min_count``; by default ``min_count`` is one fifth of
    the count a perfect sampler expects, ``ceil(0.2 n / K)`` (PacGAN's rule:
    20 of 2500 samples on the 25-mode grid); ``min_count=1`` is VEEGAN's.

    Returns ``modes`` (int), ``high_quality`` (fraction in [0, 1]),
    ``counts`` (per mode), ``min_count`` and ``kl``, the KL divergence
    ``sum_k q_k log(K q_k)`` of the high-quality samples' mode histogram ``q``
    from the uniform one (PacGAN's reverse KL; ``inf`` if no sample is high
    quality). PacGAN evaluates 2500 samples.
    """
    x = _as_2d(samples)
    c = _as_2d(centers, "centers", device=x.device)
    if x.shape[1] != c.shape[1]:
        raise ShapeError(f"mode_coverage: samples have dimension {x.shape[1]}, centers {c.shape[1]}")
    if not (std > 0 and threshold > 0):
        raise InvalidParameterError(f"mode_coverage: std and threshold must be positive, got {std}, {threshold}")
    n, k = x.shape[0], c.shape[0]
    nearest = torch.empty(n, dtype=torch.long, device=x.device)
    dist = torch.empty(n, dtype=torch.float64, device=x.device)
    for i in range(0, n, _CHUNK):
        d, j = torch.cdist(x[i:i + _CHUNK], c).min(dim=1)
        dist[i:i + _CHUNK], nearest[i:i + _CHUNK] = d, j
    good = dist <= threshold * std
    counts = torch.bincount(nearest[good], minlength=k).cpu().numpy()
    need = math.ceil(0.2 * n / k) if min_count is None else int(min_count)
    total = int(counts.sum())
    if total:
        q = counts[counts > 0] / total
        kl = float(np.sum(q * np.log(k * q)))
    else:
        kl = math.inf
    return {"modes": int((counts >= max(need, 1)).sum()), "high_quality": float(good.double().mean()),
            "counts": counts, "min_count": max(need, 1), "kl": kl}


# --------------------------------------------------------------------------
# two-sample distances
# --------------------------------------------------------------------------


def median_bandwidth(x: Any, y: Any, *, max_points: int = 1000, seed: int = 0) -> float:
    """The median heuristic: the median of ``||z_i - z_j||`` (i < j) over the
    pooled sample (a seeded subsample of ``max_points`` if larger)."""
    a, b = _pair(x, y)
    z = torch.cat([a, b])
    if z.shape[0] > max_points:
        g = torch.Generator().manual_seed(int(seed))
        z = z[torch.randperm(z.shape[0], generator=g)[:max_points].to(z.device)]
    d = torch.pdist(z)
    med = float(d.median()) if d.numel() else 0.0
    return med if med > 0 else 1.0


def mmd(x: Any, y: Any, *, bandwidth: float | None = None) -> float:
    """Unbiased squared MMD with the RBF kernel ``k(a, b) = exp(-||a - b||^2 / (2 s^2))``
    (Gretton et al. 2012, eq. 3):

        MMD_u^2 = sum_{i != j} k(x_i, x_j) / (m (m-1)) + sum_{i != j} k(y_i, y_j) / (n (n-1))
                  - 2 sum_{i,j} k(x_i, y_j) / (m n),

    with ``s`` the median heuristic (:func:`median_bandwidth`) unless
    ``bandwidth`` is given. Unbiased, so it can be slightly negative.
    """
    a, b = _pair(x, y, min_n=2)
    s = median_bandwidth(a, b) if bandwidth is None else float(bandwidth)
    if not s > 0:
        raise InvalidParameterError(f"mmd: bandwidth must be positive, got {bandwidth!r}")

    def k(d: Tensor) -> Tensor:
        return torch.exp(-d.square() / (2 * s * s))

    m, n = a.shape[0], b.shape[0]
    kxx = (_reduce_pairs(a, a, k) - m) / (m * (m - 1))   # the diagonal holds k(x, x) = 1
    kyy = (_reduce_pairs(b, b, k) - n) / (n * (n - 1))
    kxy = _reduce_pairs(a, b, k) / (m * n)
    return kxx + kyy - 2 * kxy


def _quantile_distance(u: Tensor, v: Tensor, p: float) -> Tensor:
    """``int_0^1 |F_u^{-1}(t) - F_v^{-1}(t)|^p dt`` for each column of the
    (already sorted) empirical samples ``u`` (m, P) and ``v`` (n, P), exactly."""
    m, n = u.shape[0], v.shape[0]
    levels = torch.cat([torch.arange(1, m + 1, device=u.device, dtype=torch.float64) / m,
                        torch.arange(1, n + 1, device=u.device, dtype=torch.float64) / n]).sort().values
    widths = torch.diff(levels, prepend=levels.new_zeros(1))
    mid = levels - widths / 2
    iu = (mid * m).floor().long().clamp(0, m - 1)
    iv = (mid * n).floor().long().clamp(0, n - 1)
    return (widths.unsqueeze(1) * (u[iu] - v[iv]).abs().pow(p)).sum(0)


def sliced_wasserstein(x: Any, y: Any, *, projections: int = 256, p: float = 2.0, seed: int = 0) -> float:
    """Sliced Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015)

        SW_p(x, y) = ( E_{theta ~ U(S^{d-1})} W_p^p(<theta, x>, <theta, y>) )^{1/p},

    the expectation estimated with ``projections`` seeded random directions and
    each 1-D ``W_p`` computed exactly from the sorted projections (samples of
    different sizes allowed). In one dimension it is ``W_p`` itself.
    """
    a, b = _pair(x, y)
    if projections < 1 or not p >= 1:
        raise InvalidParameterError(f"sliced_wasserstein: need projections >= 1 and p >= 1, got {projections}, {p}")
    g = torch.Generator().manual_seed(int(seed))
    theta = torch.randn(a.shape[1], projections, generator=g, dtype=torch.float64).to(a.device)
    theta /= theta.norm(dim=0, keepdim=True)
    w = _quantile_distance((a @ theta).sort(0).values, (b @ theta).sort(0).values, p)
    return float(w.mean()) ** (1.0 / p)


def energy_distance(x: Any, y: Any) -> float:
    """Energy distance (Szekely & Rizzo 2013) with V-statistics, as in
    :func:`scipy.stats.energy_distance` for 1-D samples:

        D(x, y) = ( 2 E||X - Y|| - E||X - X'|| - E||Y - Y'|| )^{1/2}.
    """
    a, b = _pair(x, y)
    m, n = a.shape[0], b.shape[0]
    e = 2 * _reduce_pairs(a, b, _identity) / (m * n) - _reduce_pairs(a, a, _identity) / m ** 2 \
        - _reduce_pairs(b, b, _identity) / n ** 2
    return math.sqrt(max(e, 0.0))


def _knn_radii(a: Tensor, k: int) -> Tensor:
    """Distance of each row of ``a`` to its k-th nearest other row."""
    if a.shape[0] <= k:
        raise ShapeError(f"precision_recall: need more than k={k} samples on each side, got {a.shape[0]}")
    out = []
    for i in range(0, a.shape[0], _CHUNK):
        out.append(torch.cdist(a[i:i + _CHUNK], a).topk(k + 1, dim=1, largest=False).values[:, k])
    return torch.cat(out)


def _inside_any(points: Tensor, centers: Tensor, radii: Tensor) -> Tensor:
    inside = []
    for i in range(0, points.shape[0], _CHUNK):
        inside.append((torch.cdist(points[i:i + _CHUNK], centers) <= radii.unsqueeze(0)).any(dim=1))
    return torch.cat(inside)


def precision_recall(real: Any, fake: Any, *, k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019). Each sample
    gets a ball reaching its ``k``-th nearest neighbour in its own set;

        precision = fraction of fake samples inside some ball of a real sample,
        recall    = fraction of real samples inside some ball of a fake sample.
    """
    r, f = _pair(real, fake)
    if k < 1:
        raise InvalidParameterError(f"precision_recall: k must be >= 1, got {k}")
    precision = _inside_any(f, r, _knn_radii(r, k)).double().mean()
    recall = _inside_any(r, f, _knn_radii(f, k)).double().mean()
    return {"precision": float(precision), "recall": float(recall)}


def frechet_distance(x: Any, y: Any) -> float:
    """Frechet distance between Gaussians fitted to two feature samples
    (Dowson & Landau 1982; the FID of Heusel et al. 2017 in Inception features):

        d^2 = ||mu_x - mu_y||^2 + Tr(S_x + S_y - 2 (S_x^{1/2} S_y S_x^{1/2})^{1/2}),

    with unbiased covariances; the trace term is computed from the
    eigenvalues of the symmetric ``S_x^{1/2} S_y S_x^{1/2}``.
    """
    a, b = _pair(x, y, min_n=2)
    a, b = a.cpu().numpy(), b.cpu().numpy()
    mu = a.mean(0) - b.mean(0)
    sa, sb = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(sa)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root @ sb @ root), 0, None)).sum()
    return float(mu @ mu + np.trace(sa) + np.trace(sb) - 2 * cross)


# --------------------------------------------------------------------------
# a small digits classifier, trained once and cached
# --------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where gamesolve caches things: ``$GAMESOLVE_CACHE``, else the platform's
    user cache directory (``$XDG_CACHE_HOME/gamesolve`` or
    ``~/.cache/gamesolve`` on Linux, ``~/Library/Caches/gamesolve`` on macOS,
    ``%LOCALAPPDATA%/gamesolve/Cache`` on Windows); never inside the package."""
    if os.environ.get("GAMESOLVE_CACHE"):
        return Path(os.environ["GAMESOLVE_CACHE"]).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "gamesolve" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "gamesolve"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gamesolve"


class DigitsClassifier(nn.Module):
    """An MLP ``64 -> 128 -> 64 -> 10`` on digits scaled to [-1, 1];
    :meth:`features` are the 64 penultimate activations."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x.reshape(x.shape[0], -1))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


_CLASSIFIER_FILE = "digits-classifier-v1.pt"
_CLASSIFIER_SEED = 0


def _train_digits_classifier() -> tuple[DigitsClassifier, float]:
    """Adam on a seeded 80% split for 60 epochs; returns the model and its held-out accuracy."""
    from ..data import digits

    images, labels = digits(dtype=torch.float32)
    g = torch.Generator().manual_seed(_CLASSIFIER_SEED)
    perm = torch.randperm(images.shape[0], generator=g)
    cut = int(0.8 * len(perm))
    train, test = perm[:cut], perm[cut:]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_CLASSIFIER_SEED)
        model = DigitsClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(60):
        order = train[torch.randperm(len(train), generator=g)]
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            loss = nn.functional.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        accuracy = float((model(images[test]).argmax(1) == labels[test]).float().mean())
    return model.eval(), accuracy


def digits_classifier(*, device: torch.device | str | None = None, retrain: bool = False) -> DigitsClassifier:
    """The cached digits classifier (trained on first use, a few seconds on a
    CPU, and saved to ``cache_dir()``); its held-out accuracy is ``.accuracy``."""
    path = cache_dir() / _CLASSIFIER_FILE
    model = DigitsClassifier()
    state = None
    if path.exists() and not retrain:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state["model"])
        except Exception:   # a corrupt or foreign file: train again and overwrite it
            state = None
    if state is None:
        model, accuracy = _train_digits_classifier()
        state = {"model": model.state_dict(), "accuracy": accuracy}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)
    model.accuracy = float(state["accuracy"])  # type: ignore[assignment]
    return model.eval().to(device)


def digits_frechet_distance(samples: Any, reference: Any | None = None, *,
                            classifier: DigitsClassifier | None = None) -> float:
    """:func:`frechet_distance` between the features of ``samples`` (images
    ``(n, 64)`` or ``(n, 8, 8)`` in [-1, 1]) and of ``reference`` (default:
    all 1797 scikit-learn digits) under :func:`digits_classifier`."""
    from ..data import digits

    model = classifier or digits_classifier()
    ref = digits().images if reference is None else reference
    device = next(model.parameters()).device
    with torch.no_grad():
        fa = model.features(_as_2d(samples).to(device=device, dtype=torch.float32))
        fb = model.features(_as_2d(ref, "reference").to(device=device, dtype=torch.float32))
    return frechet_distance(fa, fb)
