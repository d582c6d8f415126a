"""The face index: exact equals brute force, the graph's recall, updates, ranking people."""

from __future__ import annotations

import numpy as np
import pytest

from faceorganizer.core.search.compare import (
    DIFFERENT,
    DIFFERENT_THRESHOLD,
    POSSIBLY,
    SAME,
    SAME_THRESHOLD,
    probability,
    verdict,
)
from faceorganizer.core.search.find import rank_people
from faceorganizer.core.search.index import FaceIndex


def unit(rng: np.random.Generator, n: int, dim: int = 128) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def clustered(n: int, seed: int = 0, dim: int = 128) -> np.ndarray:
    """Faces of n/20 people: centre + noise, two faces of a person at cosine ≈ 0.6."""
    rng = np.random.default_rng(seed)
    centres = unit(rng, max(1, n // 20), dim)
    v = centres[rng.integers(0, len(centres), n)]
    v = v + rng.standard_normal(v.shape).astype(np.float32) * np.float32(0.072)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def brute(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    sims = q @ vecs.T
    return np.sort(sims, axis=1)[:, ::-1][:, :k]


def test_exact_equals_brute_force() -> None:
    rng = np.random.default_rng(1)
    vecs = unit(rng, 3000)
    ids = rng.permutation(np.arange(10, 10 + 3000)).astype(np.int64)
    q = unit(rng, 37)
    index = FaceIndex(ids, vecs)
    assert not index.approximate
    got_ids, got_sims = index.search(q, 10)
    want = q @ vecs.T
    order = np.argsort(-want, axis=1, kind="stable")[:, :10]
    np.testing.assert_allclose(got_sims, np.take_along_axis(want, order, 1), rtol=0, atol=1e-5)
    assert np.array_equal(got_ids, ids[order])
    assert np.all(np.diff(got_sims, axis=1) <= 0)


def test_exact_batches_and_short_libraries() -> None:
    rng = np.random.default_rng(2)
    vecs = unit(rng, 5)
    index = FaceIndex(np.arange(5), vecs)
    ids, sims = index.search(unit(rng, 3), 8)
    assert ids.shape == (3, 8) and np.all(ids[:, 5:] == -1) and np.all(np.isinf(sims[:, 5:]))
    assert sorted(ids[0, :5].tolist()) == [0, 1, 2, 3, 4]
    empty = FaceIndex(np.zeros(0, np.int64), np.zeros((0, 0), np.float32))
    ids, sims = empty.search(unit(rng, 2), 3)
    assert ids.shape == (2, 3) and np.all(ids == -1)


def test_exact_blocks_of_queries_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import faceorganizer.core.search.index as mod

    rng = np.random.default_rng(3)
    vecs, q = unit(rng, 2000), unit(rng, 50)
    whole = FaceIndex(np.arange(2000), vecs).search(q, 5)
    monkeypatch.setattr(mod, "QUERY_BLOCK_BYTES", 4 * 2000 * 7)  # 7 queries a block
    blocked = FaceIndex(np.arange(2000), vecs).search(q, 5)
    assert np.array_equal(whole[0], blocked[0])


def test_approximate_recall_at_10_on_clustered_50k() -> None:
    vecs = clustered(50_000)
    ids = np.arange(1, 50_001, dtype=np.int64) * 3
    rng = np.random.default_rng(9)
    base = vecs[rng.integers(0, len(vecs), 200)]
    q = base + rng.standard_normal(base.shape).astype(np.float32) * np.float32(0.05)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = FaceIndex(ids, vecs, approximate=False).search(q, 10)[0]
    approx = FaceIndex(ids, vecs, approximate=True, threads=2)
    assert approx.approximate and len(approx) == 50_000
    found, sims = approx.search(q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact, strict=True)])
    assert recall >= 0.99, recall
    assert np.all(np.diff(sims, axis=1) <= 1e-6)


@pytest.mark.parametrize("approximate", [False, True])
def test_update_adds_replaces_and_removes(approximate: bool) -> None:
    rng = np.random.default_rng(4)
    vecs = unit(rng, 500)
    ids = np.arange(500, dtype=np.int64)
    index = FaceIndex(ids, vecs, approximate=approximate)
    # removal: a face's own vector no longer finds it
    index.update(removed_ids=[7, 8, 99_999])
    assert len(index) == 498 and 7 not in index and 9 in index
    top, _ = index.search(vecs[[7, 8]], 5)
    assert 7 not in top and 8 not in top
    # addition (beyond the first capacity) and replacement of a kept id
    new = unit(rng, 300)
    new_ids = np.arange(1000, 1300, dtype=np.int64)
    index.update(new_ids, new)
    replaced = unit(rng, 1)
    index.update([9], replaced)
    assert len(index) == 798
    top, sims = index.search(np.vstack([new[:3], replaced]), 1)
    assert top[:, 0].tolist() == [1000, 1001, 1002, 9]
    assert sims[:, 0] == pytest.approx(1.0, abs=1e-4)
    # a removed id can come back
    index.update([7], vecs[7:8])
    assert index.search(vecs[7:8], 1)[0][0, 0] == 7
    np.testing.assert_allclose(index.vectors_of([1001]), new[1:2], atol=1e-6)


def test_auto_mode_switches_to_the_graph_past_the_limit() -> None:
    rng = np.random.default_rng(5)
    index = FaceIndex(np.arange(100), unit(rng, 100), exact_limit=150)
    assert not index.approximate
    index.update(np.arange(100, 200), unit(rng, 100))
    assert index.approximate and len(index) == 200
    assert FaceIndex(np.arange(100), unit(rng, 100), exact_limit=50).approximate


def test_bad_input_is_refused() -> None:
    rng = np.random.default_rng(6)
    with pytest.raises(ValueError):
        FaceIndex([1, 1], unit(rng, 2))
    with pytest.raises(ValueError):
        FaceIndex([1, 2, 3], unit(rng, 2))
    with pytest.raises(ValueError):
        FaceIndex([1, 2], unit(rng, 2)).search(unit(rng, 1, dim=64), 1)


def test_one_very_close_face_beats_many_medium_faces() -> None:
    person_of = {1: 10, 2: 20, 3: 20, 4: 20, 5: 20, 6: 20, 7: 30}
    ids = [1, 2, 3, 4, 5, 6, 7, 8]  # 8 is unsorted
    sims = [0.92, 0.55, 0.54, 0.53, 0.52, 0.51, 0.40, 0.99]
    ranked = rank_people(ids, sims, person_of)
    assert [r[0] for r in ranked] == [10, 20, 30]
    assert ranked[0][1] == pytest.approx(0.92) and ranked[0][2] == 1
    assert ranked[1][1] == pytest.approx((0.55 + 0.54 + 0.53) / 3) and ranked[1][2] == 3
    assert ranked[1][3] == 2


def test_best_faces_not_an_average_over_all() -> None:
    # person 1: three great faces and many poor ones; person 2: uniformly fair faces
    person_of = {i: 1 for i in range(20)} | {i: 2 for i in range(20, 30)}
    sims = [0.8, 0.79, 0.78] + [0.1] * 17 + [0.5] * 10
    ranked = rank_people(list(range(30)), sims, person_of)
    assert ranked[0][0] == 1 and ranked[0][1] == pytest.approx(0.79)


def test_verdicts_and_probability_are_monotone() -> None:
    assert DIFFERENT_THRESHOLD < SAME_THRESHOLD
    assert verdict(SAME_THRESHOLD) == SAME
    assert verdict(SAME_THRESHOLD - 1e-6) == POSSIBLY
    assert verdict(DIFFERENT_THRESHOLD) == POSSIBLY
    assert verdict(DIFFERENT_THRESHOLD - 1e-6) == DIFFERENT
    ps = [probability(s) for s in np.linspace(-1, 1, 41)]
    assert all(a <= b for a, b in zip(ps, ps[1:], strict=False))
    assert ps[0] < 0.01 and ps[-1] > 0.99
    assert probability(DIFFERENT_THRESHOLD) < 0.5 < probability(SAME_THRESHOLD)
