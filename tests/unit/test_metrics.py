"""Tests for faceorganizer.core.evaluate.metrics."""

from __future__ import annotations

import time

import numpy as np
import pytest

from faceorganizer.core.evaluate.metrics import (
    Scores,
    bcubed,
    best_threshold,
    far_frr,
    pairwise,
    verification_accuracy,
)


def approx(scores: Scores, precision: float, recall: float, f1: float) -> None:
    assert scores.precision == pytest.approx(precision)
    assert scores.recall == pytest.approx(recall)
    assert scores.f1 == pytest.approx(f1)


def same(a: Scores, b: Scores) -> None:
    approx(a, b.precision, b.recall, b.f1)


def naive_bcubed(pred: list[object], truth: list[object]) -> tuple[float, float]:
    """Per-item BCubed, O(n^2), with the singleton rule applied by hand."""
    n = len(pred)
    keys = [("solo", i) if p is None or p == -1 else ("c", p) for i, p in enumerate(pred)]
    prec = rec = 0.0
    for i in range(n):
        same_cluster = [j for j in range(n) if keys[j] == keys[i]]
        same_class = [j for j in range(n) if truth[j] == truth[i]]
        both = [j for j in same_cluster if truth[j] == truth[i]]
        prec += len(both) / len(same_cluster)
        rec += len(both) / len(same_class)
    return prec / n, rec / n


def naive_pairwise(pred: list[object], truth: list[object]) -> tuple[float, float]:
    n = len(pred)
    keys = [("solo", i) if p is None or p == -1 else ("c", p) for i, p in enumerate(pred)]
    tp = fp = fn = 0
    for i in range(n):
        for j in range(i + 1, n):
            same_pred = keys[i] == keys[j]
            same_true = truth[i] == truth[j]
            tp += same_pred and same_true
            fp += same_pred and not same_true
            fn += same_true and not same_pred
    precision = 1.0 if tp + fp == 0 else tp / (tp + fp)
    recall = 1.0 if tp + fn == 0 else tp / (tp + fn)
    return precision, recall


# --------------------------------------------------------------------------- BCubed


def test_perfect_clustering_scores_one() -> None:
    truth = ["a", "a", "b", "b", "b", "c"]
    pred = [7, 7, 3, 3, 3, 9]  # different names, same partition
    approx(bcubed(pred, truth), 1.0, 1.0, 1.0)
    approx(pairwise(pred, truth), 1.0, 1.0, 1.0)


def test_everything_in_one_cluster() -> None:
    truth = ["a", "a", "b", "c"]
    pred = [0, 0, 0, 0]
    # precision per item: a: 2/4 (x2), b: 1/4, c: 1/4 -> 1.5 / 4
    approx(bcubed(pred, truth), 0.375, 1.0, 2 * 0.375 / 1.375)
    # 6 predicted pairs, 1 true pair, 1 of them shared
    approx(pairwise(pred, truth), 1 / 6, 1.0, 2 / 7)


def test_all_singletons() -> None:
    truth = ["a", "a", "b", "b"]
    approx(bcubed([-1, -1, -1, -1], truth), 1.0, 0.5, 2 / 3)
    approx(bcubed([None, None, None, None], truth), 1.0, 0.5, 2 / 3)
    # nothing predicted together: precision 1 by convention, no true pair found
    approx(pairwise([-1, -1, -1, -1], truth), 1.0, 0.0, 0.0)


def test_known_small_case_exact_numbers() -> None:
    pred = [0, 0, 0, 1, 1]
    truth = ["a", "a", "b", "b", "b"]
    # cells: (0,a)=2, (0,b)=1, (1,b)=2; cluster sizes 3, 2; class sizes a=2, b=3
    # precision = (2*2/3 + 1*1/3 + 2*2/2) / 5 = 11/15
    # recall    = (2*2/2 + 1*1/3 + 2*2/3) / 5 = 11/15
    approx(bcubed(pred, truth), 11 / 15, 11 / 15, 11 / 15)
    # TP = C(2,2)+C(2,2) = 2; predicted pairs = C(3,2)+C(2,2) = 4; true pairs = 1+3 = 4
    approx(pairwise(pred, truth), 0.5, 0.5, 0.5)


def test_singleton_rule_none_and_minus_one_are_each_distinct() -> None:
    truth = ["x", "x", "y", "y"]
    expected = bcubed([5, 6, 0, 0], truth)  # two separate one-item clusters
    same(bcubed([None, None, 0, 0], truth), expected)
    same(bcubed([-1, -1, 0, 0], truth), expected)
    same(bcubed(np.array([-1, -1, 0, 0]), truth), expected)
    same(bcubed(["solo", None, "g", "g"], truth), expected)
    same(bcubed([None, -1, "g", "g"], truth), expected)
    approx(expected, 1.0, 0.75, 2 * 0.75 / 1.75)
    same(pairwise([None, -1, 0, 0], truth), pairwise([5, 6, 0, 0], truth))


def test_minus_one_in_truth_is_an_ordinary_label() -> None:
    # Only pred gets the singleton rule; truth labels are taken literally.
    approx(bcubed([0, 0], [-1, -1]), 1.0, 1.0, 1.0)


def test_bool_labels_are_not_minus_one() -> None:
    approx(bcubed([True, True, False], ["a", "a", "b"]), 1.0, 1.0, 1.0)


def test_any_hashable_labels() -> None:
    pred = [(1, "a"), (1, "a"), (2, "b"), None]
    truth = [("p", 1), ("p", 1), ("q", 2), ("q", 2)]
    same(bcubed(pred, truth), bcubed([0, 0, 1, -1], [0, 0, 1, 1]))
    same(pairwise(tuple(pred), truth), pairwise([0, 0, 1, -1], [0, 0, 1, 1]))


def test_numpy_and_list_inputs_agree() -> None:
    rng = np.random.default_rng(3)
    pred = rng.integers(-1, 5, size=60)
    truth = rng.integers(0, 4, size=60)
    same(bcubed(pred, truth), bcubed(pred.tolist(), [str(t) for t in truth]))
    same(pairwise(pred, truth), pairwise(pred.tolist(), truth.tolist()))
    same(bcubed(pred.astype(np.float64), truth), bcubed(pred, truth))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_naive_definitions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    pred: list[object] = [int(v) for v in rng.integers(-1, 6, size=n)]
    pred[0] = None
    truth: list[object] = [f"id{v}" for v in rng.integers(0, 5, size=n)]
    p, r = naive_bcubed(pred, truth)
    approx(bcubed(pred, truth), p, r, 2 * p * r / (p + r))
    p, r = naive_pairwise(pred, truth)
    got = pairwise(pred, truth)
    assert got.precision == pytest.approx(p)
    assert got.recall == pytest.approx(r)


def test_pairwise_edge_cases() -> None:
    # No true pairs and no predicted pairs: both conventions give 1.0.
    approx(pairwise([0, 1, 2], ["a", "b", "c"]), 1.0, 1.0, 1.0)
    # No true pairs but a predicted pair: recall 1 by convention, precision 0.
    approx(pairwise([0, 0, 1], ["a", "b", "c"]), 0.0, 1.0, 0.0)
    # A single item has no pairs at all.
    approx(pairwise([3], ["a"]), 1.0, 1.0, 1.0)
    approx(bcubed([3], ["a"]), 1.0, 1.0, 1.0)


def test_length_mismatch_and_empty_raise() -> None:
    with pytest.raises(ValueError):
        bcubed([0, 1], ["a"])
    with pytest.raises(ValueError):
        pairwise([], [])
    with pytest.raises(ValueError):
        bcubed(np.zeros((2, 2)), ["a", "b"])


def test_scores_are_frozen() -> None:
    s = Scores(1.0, 0.5, 2 / 3)
    with pytest.raises(AttributeError):
        s.precision = 0.0  # type: ignore[misc]


def test_large_inputs_are_fast() -> None:
    rng = np.random.default_rng(0)
    n = 100_000
    truth = rng.integers(0, 2_000, size=n)
    pred = np.where(rng.random(n) < 0.9, truth, rng.integers(-1, 3_000, size=n))
    start = time.perf_counter()
    b = bcubed(pred, truth)
    p = pairwise(pred, truth)
    assert time.perf_counter() - start < 5.0
    assert 0.5 < b.f1 < 1.0
    assert 0.0 < p.f1 < 1.0


# --------------------------------------------------------------------------- verification


SIMS = np.array([0.9, 0.8, 0.3, 0.2, 0.6])
SAME = np.array([True, True, False, False, False])


def test_verification_accuracy() -> None:
    assert verification_accuracy(SIMS, SAME, 0.5) == pytest.approx(0.8)
    assert verification_accuracy(SIMS, SAME, 0.7) == pytest.approx(1.0)
    # ">=" : a pair exactly at the threshold counts as "same"
    assert verification_accuracy(SIMS, SAME, 0.8) == pytest.approx(1.0)
    assert verification_accuracy(SIMS, SAME.astype(int), 0.85) == pytest.approx(0.8)


def test_best_threshold_picks_a_midpoint() -> None:
    threshold, accuracy = best_threshold(SIMS, SAME)
    assert threshold == pytest.approx(0.7)
    assert accuracy == pytest.approx(1.0)


def test_best_threshold_extremes_and_ties() -> None:
    t, acc = best_threshold(np.array([0.4, 0.5]), np.array([True, True]))
    assert (t, acc) == (pytest.approx(0.4), pytest.approx(1.0))
    t, acc = best_threshold(np.array([0.4, 0.5]), np.array([False, False]))
    assert t > 0.5 and acc == pytest.approx(1.0)
    assert verification_accuracy(np.array([0.4, 0.5]), np.array([False, False]), t) == 1.0
    # Candidates 0.1 and just above 0.2 both reach 0.5; the lower one wins.
    t, acc = best_threshold(np.array([0.1, 0.2]), np.array([True, False]))
    assert (t, acc) == (pytest.approx(0.1), pytest.approx(0.5))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_threshold_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    same = rng.random(200) < 0.4
    sims = np.round(np.where(same, rng.normal(0.6, 0.15, 200), rng.normal(0.3, 0.15, 200)), 2)
    t, acc = best_threshold(sims, same)
    values = np.unique(sims)
    candidates = [values[0], *((values[:-1] + values[1:]) / 2), np.nextafter(values[-1], 2.0)]
    brute = max(verification_accuracy(sims, same, c) for c in candidates)
    assert acc == pytest.approx(brute)
    assert verification_accuracy(sims, same, t) == pytest.approx(acc)


def test_far_frr() -> None:
    fmr, fnmr = far_frr(SIMS, SAME, 0.5)
    assert fmr == pytest.approx(1 / 3)
    assert fnmr == pytest.approx(0.0)
    fmr, fnmr = far_frr(SIMS, SAME, 0.85)
    assert fmr == pytest.approx(0.0)
    assert fnmr == pytest.approx(0.5)
    # an empty group reports 0.0
    assert far_frr(np.array([0.9]), np.array([True]), 0.95) == (0.0, 1.0)


def test_verification_input_checks() -> None:
    with pytest.raises(ValueError):
        verification_accuracy(np.array([0.1, 0.2]), np.array([True]), 0.5)
    with pytest.raises(ValueError):
        best_threshold(np.array([]), np.array([], dtype=bool))
    with pytest.raises(ValueError):
        far_frr(np.array([np.nan]), np.array([True]), 0.5)
