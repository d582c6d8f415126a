"""Clustering and verification metrics for face grouping (pure numpy).

Clustering scores compare a predicted grouping with the true identities of the
*scored* items only: the caller passes the faces that carry a ground-truth label
and leaves the rest out.

Singleton rule: a predicted label of ``None`` or ``-1`` means "not grouped". Each
such item is its own one-item cluster, distinct from every other ungrouped item.
True labels are taken literally (every distinct value is one identity).

Everything is computed from contingency counts (how many items share a given
``(predicted, true)`` pair), so the cost is O(n log n) and 100k items take a few
milliseconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "Scores",
    "bcubed",
    "best_threshold",
    "far_frr",
    "pairwise",
    "verification_accuracy",
]

LabelsLike = Sequence[Hashable] | npt.NDArray[np.generic]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Scores:
    """Precision, recall and their harmonic mean (F1)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class _Contingency:
    pair_pred: IntArray  # predicted-cluster index of each non-empty cell
    pair_true: IntArray  # true-identity index of each non-empty cell
    pair_count: IntArray  # items in each non-empty cell
    pred_size: IntArray  # items per predicted cluster
    true_size: IntArray  # items per true identity


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total <= 0.0 else 2.0 * precision * recall / total


def _encode(labels: LabelsLike, *, singletons: bool) -> IntArray:
    """Map labels to dense integer codes.

    With ``singletons`` set, every ``None`` / ``-1`` label gets a fresh code of
    its own, so each such item forms a one-item cluster.
    """
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
        if labels.dtype.kind in "biuf":
            return _encode_numeric(labels, singletons=singletons)
        items: list[Hashable] = labels.tolist()
    else:
        items = list(labels)
    # Object / string / mixed labels: one pass with a dict.
    n = len(items)
    table: dict[Hashable, int] = {}
    out = np.empty(n, dtype=np.int64)
    fresh = n  # codes >= n are reserved for singletons, so they never collide
    for i, lab in enumerate(items):
        if singletons and (lab is None or _is_minus_one(lab)):
            out[i] = fresh
            fresh += 1
        else:
            code = table.get(lab)
            if code is None:
                code = len(table)
                table[lab] = code
            out[i] = code
    return out


def _encode_numeric(arr: npt.NDArray[np.generic], *, singletons: bool) -> IntArray:
    _, inverse = np.unique(arr, return_inverse=True)
    codes = inverse.reshape(-1).astype(np.int64)
    if singletons:
        alone = np.asarray(arr == -1)
        if arr.dtype.kind == "f":
            alone |= np.isnan(arr)
        k = int(alone.sum())
        if k:
            codes[alone] = int(codes.max(initial=-1)) + 1 + np.arange(k, dtype=np.int64)
    return codes


def _is_minus_one(label: Hashable) -> bool:
    # bool is an int subclass, but True/False are real labels, not "-1".
    if isinstance(label, bool):
        return False
    if isinstance(label, int | float | np.integer | np.floating):
        return bool(label == -1)
    return False


def _contingency(pred: LabelsLike, truth: LabelsLike) -> _Contingency:
    """Count items per (predicted cluster, true identity) pair."""
    p = _encode(pred, singletons=True)
    t = _encode(truth, singletons=False)
    if p.shape[0] != t.shape[0]:
        raise ValueError(f"pred has {p.shape[0]} items but truth has {t.shape[0]}")
    if p.shape[0] == 0:
        raise ValueError("no items to score")
    _, p_dense = np.unique(p, return_inverse=True)
    _, t_dense = np.unique(t, return_inverse=True)
    p_dense = p_dense.reshape(-1).astype(np.int64, copy=False)
    t_dense = t_dense.reshape(-1).astype(np.int64, copy=False)
    n_true = int(t_dense.max()) + 1
    keys, counts = np.unique(p_dense * n_true + t_dense, return_counts=True)
    return _Contingency(
        pair_pred=keys // n_true,
        pair_true=keys % n_true,
        pair_count=counts.astype(np.int64),
        pred_size=np.bincount(p_dense).astype(np.int64),
        true_size=np.bincount(t_dense).astype(np.int64),
    )


def bcubed(pred: LabelsLike, truth: LabelsLike) -> Scores:
    """BCubed precision, recall and F1 over the given items.

    For each item, precision is the share of its predicted cluster that has its
    true identity, and recall is the share of its true identity that landed in its
    predicted cluster; both are averaged over all items. ``None`` / ``-1`` in
    ``pred`` make an item a singleton (see the module docstring).

    Args:
        pred: predicted cluster id per item.
        truth: true identity per item (same length as ``pred``).

    Returns:
        The averaged :class:`Scores`.

    Raises:
        ValueError: if the lengths differ or there are no items.
    """
    c = _contingency(pred, truth)
    n = float(c.pred_size.sum())
    # Every item in cell (k, l) has precision n_kl / n_k and recall n_kl / n_l,
    # so the per-item sums collapse to sums of n_kl^2 over the cells.
    sq = c.pair_count.astype(np.float64) ** 2
    precision = float(np.sum(sq / c.pred_size[c.pair_pred]) / n)
    recall = float(np.sum(sq / c.true_size[c.pair_true]) / n)
    return Scores(precision, recall, _f1(precision, recall))


def _pairs(counts: IntArray) -> int:
    c = counts.astype(np.int64)
    return int(np.sum(c * (c - 1) // 2))


def pairwise(pred: LabelsLike, truth: LabelsLike) -> Scores:
    """Pairwise precision, recall and F1 over all unordered item pairs.

    A pair is predicted positive when both items share a predicted cluster and
    truly positive when they share an identity. Precision is
    ``TP / predicted positive pairs`` (1.0 when nothing is grouped together) and
    recall is ``TP / true positive pairs`` (1.0 when no two items share an
    identity). ``None`` / ``-1`` in ``pred`` make an item a singleton.

    Args:
        pred: predicted cluster id per item.
        truth: true identity per item (same length as ``pred``).

    Returns:
        The pairwise :class:`Scores`.

    Raises:
        ValueError: if the lengths differ or there are no items.
    """
    c = _contingency(pred, truth)
    tp = _pairs(c.pair_count)
    pred_pos = _pairs(c.pred_size)
    true_pos = _pairs(c.true_size)
    precision = 1.0 if pred_pos == 0 else tp / pred_pos
    recall = 1.0 if true_pos == 0 else tp / true_pos
    return Scores(precision, recall, _f1(precision, recall))


def _verification_inputs(
    similarities: npt.ArrayLike, same: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    sims = np.asarray(similarities, dtype=np.float64).reshape(-1)
    same_arr = np.asarray(same).reshape(-1).astype(bool)
    if sims.shape != same_arr.shape:
        raise ValueError(f"similarities has {sims.shape[0]} pairs but same has {same_arr.shape[0]}")
    if sims.shape[0] == 0:
        raise ValueError("no pairs to score")
    if not np.all(np.isfinite(sims)):
        raise ValueError("similarities must be finite")
    return sims, same_arr


def verification_accuracy(similarities: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Share of pairs classified correctly at ``threshold``.

    A pair is declared "same person" when its similarity is ``>= threshold``.

    Args:
        similarities: one similarity score per pair.
        same: whether each pair truly shows the same person (bool or 0/1).
        threshold: decision threshold.

    Returns:
        Accuracy in [0, 1].

    Raises:
        ValueError: on a length mismatch, no pairs or non-finite similarities.
    """
    sims, same_arr = _verification_inputs(similarities, same)
    return float(np.mean((sims >= threshold) == same_arr))


def best_threshold(similarities: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """Threshold that maximises verification accuracy, and that accuracy.

    Candidates are every midpoint between consecutive distinct similarity values,
    plus the smallest value (everything "same") and the next float above the
    largest one (nothing "same"). Ties go to the lowest threshold.

    Args:
        similarities: one similarity score per pair.
        same: whether each pair truly shows the same person (bool or 0/1).

    Returns:
        ``(threshold, accuracy)``.

    Raises:
        ValueError: on a length mismatch, no pairs or non-finite similarities.
    """
    sims, same_arr = _verification_inputs(similarities, same)
    values, inverse = np.unique(sims, return_inverse=True)
    inverse = inverse.reshape(-1)
    pos_at = np.bincount(inverse, weights=same_arr.astype(np.float64), minlength=len(values))
    neg_at = np.bincount(inverse, weights=(~same_arr).astype(np.float64), minlength=len(values))
    # Candidate k predicts "same" exactly for values[k:]; k == len(values) predicts nothing.
    pos_at_or_above = np.concatenate([np.cumsum(pos_at[::-1])[::-1], [0.0]])
    neg_below = np.concatenate([[0.0], np.cumsum(neg_at)])
    correct = pos_at_or_above + neg_below
    k = int(np.argmax(correct))
    if k == 0:
        threshold = float(values[0])
    elif k == len(values):
        threshold = float(np.nextafter(values[-1], np.inf))
    else:
        threshold = float((values[k - 1] + values[k]) / 2.0)
    return threshold, float(correct[k] / sims.shape[0])


def far_frr(similarities: np.ndarray, same: np.ndarray, threshold: float) -> tuple[float, float]:
    """False match rate and false non-match rate at ``threshold``.

    The false match rate is the share of different-person pairs with similarity
    ``>= threshold``; the false non-match rate is the share of same-person pairs
    below it. A rate over an empty group (no different-person pairs, or no
    same-person pairs) is reported as 0.0.

    Args:
        similarities: one similarity score per pair.
        same: whether each pair truly shows the same person (bool or 0/1).
        threshold: decision threshold.

    Returns:
        ``(false_match_rate, false_non_match_rate)``.

    Raises:
        ValueError: on a length mismatch, no pairs or non-finite similarities.
    """
    sims, same_arr = _verification_inputs(similarities, same)
    accepted = sims >= threshold
    n_diff = int(np.sum(~same_arr))
    n_same = int(np.sum(same_arr))
    fmr = 0.0 if n_diff == 0 else float(np.sum(accepted & ~same_arr)) / n_diff
    fnmr = 0.0 if n_same == 0 else float(np.sum(~accepted & same_arr)) / n_same
    return fmr, fnmr
