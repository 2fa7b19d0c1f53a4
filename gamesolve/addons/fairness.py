"""Disparate impact of pruning as per-group constraints (Hashemizadeh, Ramirez, Sukumaran, Farnadi,
Lacoste-Julien & Gallego-Posada 2023, "Balancing Act: Constraining Disparate Impact in Sparse Models").

A sparse model ``theta`` obtained from a dense model ``theta_d`` loses accuracy
unevenly across protected groups ``g = 0..G-1``. With ``A_g`` the accuracy on
group ``g`` and ``A`` the overall accuracy, the accuracy gaps are

    Delta_g(theta) = A_g(theta_d) - A_g(theta),      Delta(theta) = A(theta_d) - A(theta),

and the disparate impact is bounded by one constraint per group,

    psi_g(theta) = Delta_g(theta) - Delta(theta) <= eps,      g = 0..G-1.

Accuracies are step functions, so the multipliers follow the *true* ``psi_g``
while the primal player descends the Lagrangian built on the differentiable
*proxy* (cross-entropy ``L_g`` in place of accuracy, the sign flipped since a
larger loss means a lower accuracy):

    psi~_g(theta) = (L_g(theta) - L_g(theta_d)) - (L(theta) - L(theta_d)).

On a minibatch only the groups present are measured, so the constraint is
*indexed*: ``G`` multipliers of which each batch updates those of its groups
(a sparse dual gradient; see :class:`~gamesolve.ConstraintValue`). The dense
reference ``A_g(theta_d), L_g(theta_d), A(theta_d), L(theta_d)`` is computed
once on the training data.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import InvalidParameterError, ShapeError, UnknownNameError
from ..constraints import ConstrainedProblem, Constraint, ConstraintValue

__all__ = ["group_accuracy", "disparities", "DisparateImpact", "DisparateImpactProblem"]


def _check_groups(labels: Tensor, groups: Tensor, logits: Tensor, num_groups: int) -> None:
    n = logits.shape[0]
    if logits.dim() != 2 or labels.shape != (n,) or groups.shape != (n,):
        raise ShapeError(f"need logits (n, classes), labels (n,) and groups (n,); got {tuple(logits.shape)}, "
                         f"{tuple(labels.shape)}, {tuple(groups.shape)}")
    if groups.numel() and (int(groups.min()) < 0 or int(groups.max()) >= num_groups):
        raise UnknownNameError(f"group ids must lie in [0, {num_groups}), got ids from {int(groups.min())} to "
                               f"{int(groups.max())}; number the groups 0..{num_groups - 1}")


def group_accuracy(logits: Tensor, labels: Tensor, groups: Tensor, num_groups: int) -> Tensor:
    """``A_g = mean_{i in g} 1[argmax logits_i = y_i]`` per group (NaN for a group with no sample)."""
    _check_groups(labels, groups, logits, num_groups)
    correct = (logits.detach().argmax(1) == labels).to(torch.float64)
    counts = torch.bincount(groups, minlength=num_groups).to(torch.float64)
    hits = torch.zeros(num_groups, dtype=torch.float64, device=logits.device).index_add_(0, groups, correct)
    return hits / counts


def disparities(logits: Tensor, dense_logits: Tensor, labels: Tensor, groups: Tensor, num_groups: int) -> Tensor:
    """``psi_g = (A_g(dense) - A_g(sparse)) - (A(dense) - A(sparse))`` for every group, both
    models evaluated on the same samples (e.g. held-out data)."""
    gap = group_accuracy(dense_logits, labels, groups, num_groups) - group_accuracy(logits, labels, groups,
                                                                                      num_groups)
    overall = ((dense_logits.argmax(1) == labels).double().mean() - (logits.argmax(1) == labels).double().mean())
    return gap - overall


class DisparateImpact:
    """The per-group constraint ``psi_g <= eps`` with the dense reference measured on
    ``(dense_logits, labels, groups)`` (the training data).

    :meth:`constraint` is the indexed :class:`~gamesolve.Constraint` (``G``
    multipliers, target ``eps``); :meth:`value` turns a batch's logits into its
    :class:`~gamesolve.ConstraintValue` (true accuracy-gap values, cross-entropy
    proxy, indices of the groups present). A group with no sample in the
    reference data has no reference accuracy: meeting it later raises
    :class:`~gamesolve.UnknownNameError`.
    """

    def __init__(self, dense_logits: Tensor, labels: Tensor, groups: Tensor, num_groups: int, eps: float = 0.0,
                 name: str = "disparate-impact"):
        if not isinstance(num_groups, int) or num_groups < 1:
            raise InvalidParameterError(f"num_groups must be a positive int, got {num_groups!r}")
        if not (isinstance(eps, (int, float)) and 0 <= eps < 1):
            raise InvalidParameterError(f"eps is a tolerance on accuracy gaps and must lie in [0, 1), got {eps!r}")
        _check_groups(labels, groups, dense_logits, num_groups)
        self.num_groups, self.eps, self.name = num_groups, float(eps), name
        dense_logits = dense_logits.detach()
        self.counts = torch.bincount(groups, minlength=num_groups)
        self.dense_accuracy = group_accuracy(dense_logits, labels, groups, num_groups)
        losses = F.cross_entropy(dense_logits, labels, reduction="none").to(torch.float64)
        self.dense_loss = torch.zeros(num_groups, dtype=torch.float64, device=losses.device).index_add_(
            0, groups, losses) / self.counts
        self.overall_accuracy = (dense_logits.argmax(1) == labels).double().mean()
        self.overall_loss = losses.mean()

    def constraint(self) -> Constraint:
        """``Constraint(name, kind="<=", target=eps, shape=G, indexed=True)``, valued by :meth:`value`."""
        return Constraint(self.name, None, "<=", self.eps, shape=self.num_groups, indexed=True)

    def value(self, logits: Tensor, labels: Tensor, groups: Tensor) -> ConstraintValue:
        """``psi_g`` (accuracy gaps) and ``psi~_g`` (cross-entropy gaps) of the groups in the batch."""
        _check_groups(labels, groups, logits, self.num_groups)
        present = torch.unique(groups)
        unseen = present[self.counts[present] == 0]
        if unseen.numel():
            raise UnknownNameError(f"group(s) {unseen.tolist()} never appear in the reference data, so their dense "
                                   "accuracy is unknown; give the reference at least one sample of every group")
        inverse = torch.searchsorted(present, groups)
        k = present.numel()
        count = torch.zeros(k, dtype=torch.float64, device=logits.device).index_add_(
            0, inverse, torch.ones_like(groups, dtype=torch.float64))
        correct = (logits.detach().argmax(1) == labels).to(torch.float64)
        acc = torch.zeros_like(count).index_add_(0, inverse, correct) / count
        losses = F.cross_entropy(logits, labels, reduction="none")
        loss = torch.zeros(k, dtype=losses.dtype, device=losses.device).index_add_(0, inverse, losses) / count.to(
            losses.dtype)
        true = (self.dense_accuracy[present] - acc) - (self.overall_accuracy - correct.mean())
        proxy = (loss - self.dense_loss[present].to(loss.dtype)) - (losses.mean() - self.overall_loss.to(loss.dtype))
        return ConstraintValue(true.to(losses.dtype), proxy, present)


class DisparateImpactProblem(ConstrainedProblem):
    """``min_theta CE(model; batch)`` s.t. ``psi_g <= eps`` for the groups in the batch, one
    forward pass per evaluation; batches of ``batch_size`` are drawn uniformly
    (with replacement) from ``(X, y, groups)``."""

    def __init__(self, model: nn.Module, X: Tensor, y: Tensor, groups: Tensor, impact: DisparateImpact,
                 batch_size: int = 256):
        n = X.shape[0]
        if y.shape != (n,) or groups.shape != (n,):
            raise ShapeError(f"X {tuple(X.shape)}, y {tuple(y.shape)} and groups {tuple(groups.shape)} must have "
                             "one row per sample")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= n:
            raise InvalidParameterError(f"batch_size must be an int in [1, {n}], got {batch_size!r}")
        self.X, self.y, self.groups, self.impact = X, y, groups, impact
        super().__init__(None, [impact.constraint()], model, sample=self._sample)
        self.batch_size = batch_size

    def _sample(self, gen: torch.Generator) -> Tensor:
        return torch.randint(self.X.shape[0], (self.batch_size,), generator=gen, device=gen.device).to(self.X.device)

    def evaluate(self, batch: Any = None) -> tuple[Tensor, dict[str, Any]]:
        idx = batch
        logits = self.primal.value(self.X[idx])
        objective = F.cross_entropy(logits, self.y[idx])
        return objective, {self.impact.name: self.impact.value(logits, self.y[idx], self.groups[idx])}
