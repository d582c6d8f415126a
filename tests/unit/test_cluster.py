"""Face clustering: average linkage over a kNN graph, hdbscan, cannot-link, quality gate."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

from faceorganizer.core.people import hdbscan_groups as hdb
from faceorganizer.core.people import knn
from faceorganizer.core.people.cluster import (
    ClusterParams,
    assign_to_clusters,
    cluster_faces,
    knn_graph,
)

DIM = 128
Method = Literal["agglomerative", "hdbscan"]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _people(
    n_people: int, per: int, noise: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Faces around random identity centres; noise 0.5 gives same-person distance ~0.2."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((n_people, DIM)))
    truth = np.repeat(np.arange(n_people), per)
    jitter = rng.standard_normal((truth.size, DIM)) * noise / np.sqrt(DIM)
    return _unit(centres[truth] + jitter), truth


def _near(v: np.ndarray, dist: float, seed: int) -> np.ndarray:
    """A unit vector at exactly cosine distance ``dist`` from unit vector v."""
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(DIM)
    r -= (r @ v) * v
    r /= np.linalg.norm(r)
    cos = 1.0 - dist
    return (cos * v + np.sqrt(1.0 - cos * cos) * r).astype(np.float32)


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labelings are equal up to renaming (-1 compared as is)."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = set(zip(a[a >= 0].tolist(), b[b >= 0].tolist(), strict=True))
    return len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs})


def _bcubed_f(pred: np.ndarray, truth: np.ndarray) -> float:
    pred = pred.copy()
    lone = pred < 0
    pred[lone] = -1 - np.arange(lone.sum())
    same_p = pred[:, None] == pred[None, :]
    same_t = truth[:, None] == truth[None, :]
    both = (same_p & same_t).sum(axis=1)
    precision = float(np.mean(both / same_p.sum(axis=1)))
    recall = float(np.mean(both / same_t.sum(axis=1)))
    return 2 * precision * recall / (precision + recall)


# --- knn_graph ---------------------------------------------------------------------------------


def _brute_knn(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    d = 1.0 - x.astype(np.float64) @ x.T.astype(np.float64)
    np.fill_diagonal(d, np.inf)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(d, idx, axis=1)


def test_knn_graph_matches_brute_force() -> None:
    x, _ = _people(30, 10, noise=0.8)
    idx, dist = knn_graph(x, 7)
    ref_idx, ref_dist = _brute_knn(x, 7)
    assert idx.shape == dist.shape == (300, 7)
    assert idx.dtype == np.int64
    assert not (idx == np.arange(300)[:, None]).any()
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    assert np.mean([set(a) == set(b) for a, b in zip(idx, ref_idx, strict=True)]) > 0.99
    assert np.all(np.diff(dist, axis=1) >= -1e-6)


def test_knn_graph_numpy_block_path_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocked matmul + sampled-threshold top-k is exact."""
    monkeypatch.setattr(knn, "_BLOCK_BYTES", 4 * 3000 * 100)  # force many small blocks
    x, _ = _people(300, 10, noise=0.9, seed=3)
    idx, dist = knn_graph(x, 12)
    _, ref_dist = _brute_knn(x, 12)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)


def test_knn_graph_approximate_path_has_high_recall(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knn, "_DENSE_MAX", 10)
    monkeypatch.setattr(knn, "_BRUTE_RATIO", 1.0)
    x, _ = _people(400, 10, noise=0.6, seed=4)
    idx, dist = knn_graph(x, 5)
    ref_idx, _ = _brute_knn(x, 5)
    assert idx.shape == (4000, 5)
    assert not (idx == np.arange(4000)[:, None]).any()
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(idx, ref_idx, strict=True)])
    assert recall > 0.9


def test_knn_graph_duplicates_and_tiny_inputs() -> None:
    v = _people(1, 1)[0]
    x = np.repeat(v, 4, axis=0)
    idx, dist = knn_graph(x, 10)  # k capped at n - 1
    assert idx.shape == (4, 3)
    assert not (idx == np.arange(4)[:, None]).any()
    np.testing.assert_allclose(dist, 0.0, atol=1e-5)
    idx, dist = knn_graph(v, 5)
    assert idx.shape == (1, 0)


# --- agglomerative -----------------------------------------------------------------------------


def test_separated_identities_are_recovered_exactly() -> None:
    x, truth = _people(25, 6)
    perm = np.random.default_rng(1).permutation(truth.size)
    labels = cluster_faces(x[perm])
    assert labels.dtype == np.int64
    assert _same_partition(labels, truth[perm])
    # numbered 0.. in order of each person's first face
    first = [int(labels[np.nonzero(labels == lab)[0][0]]) for lab in range(labels.max() + 1)]
    assert first == list(range(labels.max() + 1))
    assert labels[0] == 0


def test_realistic_spread_identities_score_high_bcubed() -> None:
    # noise 0.8: same-person distances ~0.3-0.5, as with SFace
    x, truth = _people(60, 8, noise=0.8, seed=2)
    rng = np.random.default_rng(5)
    strangers = _unit(rng.standard_normal((30, DIM)))
    x = np.concatenate([x, strangers])
    truth = np.concatenate([truth, 1000 + np.arange(30)])
    labels = cluster_faces(x)
    assert _bcubed_f(labels, truth) > 0.98
    assert np.all(labels[-30:] == -1)


def test_matches_exact_average_linkage() -> None:
    """With a complete graph the chain algorithm equals scipy's average linkage at threshold."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    x, _ = _people(12, 6, noise=1.1, seed=7)
    t = 0.6
    ref = fcluster(linkage(pdist(x.astype(np.float64), "cosine"), "average"), t, "distance")
    counts = np.bincount(ref)
    ref = np.where(counts[ref] >= 2, ref, -1)
    # the linkage alone: fragment absorption is a later step with its own tests
    params = ClusterParams(threshold=t, k=x.shape[0], absorb_threshold=None)
    labels = cluster_faces(x, params=params)
    assert _same_partition(labels, ref)


def test_sparse_graph_path_matches_dense_on_clear_data(monkeypatch: pytest.MonkeyPatch) -> None:
    x, truth = _people(200, 5, noise=0.7, seed=8)
    dense = cluster_faces(x)
    monkeypatch.setattr(knn, "_DENSE_MAX", 10)
    monkeypatch.setattr(knn, "_BRUTE_RATIO", 1.0)
    approx = cluster_faces(x, params=ClusterParams(k=10))
    assert _same_partition(dense, truth)
    assert _same_partition(approx, truth)
    assert np.array_equal(approx, cluster_faces(x, params=ClusterParams(k=10)))


def test_singletons_are_unsorted() -> None:
    rng = np.random.default_rng(3)
    x = _unit(rng.standard_normal((20, DIM)))  # unrelated faces, distance ~1
    assert np.all(cluster_faces(x) == -1)
    assert np.all(cluster_faces(x, params=ClusterParams(method="hdbscan")) == -1)
    assert cluster_faces(x[:1]).tolist() == [-1]
    assert cluster_faces(x[:0]).shape == (0,)


def test_pair_forms_a_person_and_threshold_is_respected() -> None:
    v = _people(1, 1)[0][0]
    x = np.stack([v, _near(v, 0.55, 1)])
    assert cluster_faces(x).tolist() == [0, 0]
    assert cluster_faces(x, params=ClusterParams(threshold=0.5)).tolist() == [-1, -1]


@pytest.mark.parametrize("method", ["agglomerative", "hdbscan"])
def test_cannot_link_even_for_identical_vectors(method: Method) -> None:
    x, truth = _people(5, 4, seed=9)
    # face 0 duplicated exactly, same photo as face 0
    x = np.concatenate([x, x[:1], x[:1]])
    truth = np.concatenate([truth, [0, 0]])
    groups = np.arange(x.shape[0])
    groups[20] = groups[0]
    groups[21] = groups[0]
    groups[5] = groups[1]  # faces 1 and 5 are different people in one photo anyway
    labels = cluster_faces(x, groups=groups, params=ClusterParams(method=method))
    for g in np.unique(groups):
        lab = labels[(groups == g) & (labels >= 0)]
        assert lab.size == np.unique(lab).size, (g, lab)
    if method == "agglomerative":
        # the rest of person 0 still forms people (one of them may pair with a duplicate)
        assert np.all(labels[1:4] >= 0)
        assert np.all(labels[4:20] >= 0)


def test_cannot_link_keeps_two_people_in_one_photo_apart() -> None:
    # Two look-alikes: every pair is close, but a and b appear together in every photo.
    v = _people(1, 1, seed=10)[0][0]
    faces = [_near(v, 0.15, s) for s in range(6)]
    x = np.stack(faces)
    groups = np.array([0, 0, 1, 1, 2, 2])
    labels = cluster_faces(x, groups=groups)
    assert labels[0] != labels[1] and labels[2] != labels[3] and labels[4] != labels[5]
    assert np.all(labels >= 0)
    assert len(set(labels.tolist())) == 2


def test_seed_mask_attaches_close_faces_and_leaves_far_ones() -> None:
    x, truth = _people(4, 5, seed=11)
    c0 = x[truth == 0].mean(axis=0)
    c0 /= np.linalg.norm(c0)
    close = _near(c0, 0.35, 1)
    far = _near(c0, 0.8, 2)
    conflict = _near(c0, 0.3, 3)
    x = np.concatenate([x, np.stack([close, far, conflict])])
    seed = np.r_[np.ones(20, bool), np.zeros(3, bool)]
    labels = cluster_faces(x, seed_mask=seed)
    assert labels[20] == labels[0] >= 0
    assert labels[21] == -1
    assert labels[22] == labels[0]
    # the gated face shares a photo with a face of person 0: it must stay out
    groups = np.arange(23)
    groups[22] = groups[0]
    labels = cluster_faces(x, seed_mask=seed, groups=groups)
    assert labels[20] == labels[0] and labels[22] == -1
    # a stricter attach threshold keeps even the close one out
    labels = cluster_faces(x, seed_mask=seed, params=ClusterParams(attach_threshold=0.2))
    assert labels[20] == -1 and labels[0] >= 0
    # gated faces never form people on their own
    assert np.all(cluster_faces(x, seed_mask=np.zeros(23, bool)) == -1)


def test_seed_mask_two_gated_faces_of_one_photo_split() -> None:
    x, truth = _people(2, 4, seed=12)
    c0 = x[:4].mean(axis=0)
    c0 /= np.linalg.norm(c0)
    x = np.concatenate([x, np.stack([_near(c0, 0.3, 4), _near(c0, 0.35, 5)])])
    seed = np.r_[np.ones(8, bool), False, False]
    groups = np.r_[np.arange(8), 99, 99]
    labels = cluster_faces(x, seed_mask=seed, groups=groups)
    assert labels[8] == labels[0]
    assert labels[9] == -1


def test_hdbscan_recovers_identities() -> None:
    x, truth = _people(20, 6, noise=0.8, seed=13)
    labels = cluster_faces(x, params=ClusterParams(method="hdbscan"))
    assert _bcubed_f(labels, truth) > 0.95


def test_hdbscan_sparse_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hdb, "_HDBSCAN_DENSE_MAX", 10)
    x, truth = _people(40, 5, noise=0.7, seed=14)
    labels = cluster_faces(x, params=ClusterParams(method="hdbscan", k=10))
    assert _bcubed_f(labels, truth) > 0.95


@pytest.mark.parametrize("method", ["agglomerative", "hdbscan"])
def test_deterministic(method: Method) -> None:
    x, _ = _people(50, 6, noise=1.0, seed=15)
    groups = np.arange(x.shape[0]) // 3
    seed = np.arange(x.shape[0]) % 7 != 0
    params = ClusterParams(method=method)
    a = cluster_faces(x, groups=groups, seed_mask=seed, params=params)
    b = cluster_faces(x.copy(), groups=groups.copy(), seed_mask=seed.copy(), params=params)
    assert np.array_equal(a, b)


def test_params_are_validated() -> None:
    with pytest.raises(ValueError):
        ClusterParams(threshold=0.0)
    with pytest.raises(ValueError):
        ClusterParams(method="kmeans")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cluster_faces(np.zeros((3, DIM), np.float32), groups=np.zeros(2))


# --- assign_to_clusters ------------------------------------------------------------------------


def test_assign_joins_close_and_leaves_far() -> None:
    ref, truth = _people(10, 5, seed=16)
    labels = truth + 100
    new, new_truth = _people(10, 5, seed=16)  # same centres, new jitter
    rng = np.random.default_rng(0)
    stranger = _unit(rng.standard_normal((3, DIM)))
    got = assign_to_clusters(np.concatenate([new, stranger]), ref, labels, threshold=0.5)
    assert got.tolist() == (new_truth + 100).tolist() + [-1, -1, -1]


def test_assign_ignores_unlabelled_refs_and_uses_top3_mean() -> None:
    v = _people(1, 1, seed=17)[0][0]
    q = v[None, :]
    # Label 1: one very close face but two far ones -> mean of top 3 is far.
    # Label 2: three faces at 0.35.
    ref = np.stack(
        [_near(v, 0.05, 1), _near(v, 0.9, 2), _near(v, 0.9, 3)]
        + [_near(v, 0.35, s) for s in (4, 5, 6)]
        + [_near(v, 0.0, 7)]
    )
    labels = np.array([1, 1, 1, 2, 2, 2, -1])
    assert assign_to_clusters(q, ref, labels, threshold=0.5).tolist() == [2]
    # fewer than 3 faces of a label: its single nearest counts
    assert assign_to_clusters(q, ref[:2], labels[:2], threshold=0.1).tolist() == [1]
    assert assign_to_clusters(q, ref[3:], labels[3:], threshold=0.3).tolist() == [-1]
    assert assign_to_clusters(q, ref[6:], labels[6:], threshold=0.9).tolist() == [-1]
    # with k=2, label 1 has one face among the nearest: its top 3 is still computed exactly
    assert assign_to_clusters(q, ref[:6], labels[:6], threshold=0.5, k=2).tolist() == [2]
    assert assign_to_clusters(q, ref[:3], labels[:3], threshold=0.5, k=1).tolist() == [-1]


def test_assign_cannot_link() -> None:
    ref, truth = _people(2, 4, seed=18)
    new = np.stack([_near(ref[0], 0.1, 1), _near(ref[0], 0.12, 2), _near(ref[4], 0.1, 3)])
    ref_groups = np.arange(8)
    # new face 2 comes from the photo of reference face 4 (person 1): not person 1
    new_groups = np.array([50, 50, 4])
    got = assign_to_clusters(
        new, ref, truth, threshold=0.5, new_groups=new_groups, ref_groups=ref_groups
    )
    assert sorted(got[:2].tolist()) == [-1, 0]  # one photo: only one of the two joins
    assert got[2] == -1


def test_assign_handles_empty_inputs() -> None:
    ref, truth = _people(2, 3)
    assert assign_to_clusters(ref[:0], ref, truth, threshold=0.5).shape == (0,)
    none = np.full(6, -1)
    assert assign_to_clusters(ref, ref, none, threshold=0.5).tolist() == [-1] * 6


def test_fragments_join_the_person_they_clearly_belong_to() -> None:
    from faceorganizer.core.people.cluster import absorb_fragments

    rng = np.random.default_rng(5)
    a, b = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 128)))
    people = [_near(a, 0.3, 100 + i) for i in range(8)] + [_near(b, 0.3, 200 + i) for i in range(8)]
    x = np.stack([*people, _near(people[0], 0.25, 300)]).astype(np.float32)
    labels = np.r_[np.zeros(8, np.int64), np.ones(8, np.int64), -1]
    out = absorb_fragments(x, labels, None, ClusterParams())
    assert out[-1] == 0  # close to some of A's faces, far from B: joins A
    # a stranger halfway between A and B does not clearly belong to either
    mid = (a + b) / np.linalg.norm(a + b)
    x2 = np.concatenate([x[:-1], mid[None].astype(np.float32)])
    assert absorb_fragments(x2, labels, None, ClusterParams())[-1] == -1
    # cannot-link: a face of a photo already in A stays out
    groups = np.arange(17)
    groups[-1] = groups[0]
    assert absorb_fragments(x, labels, groups, ClusterParams())[-1] == -1


def test_a_spread_out_person_accepts_a_farther_face_than_a_tight_one() -> None:
    """The absorption limit adapts to how far a group's own members sit from each other."""
    from faceorganizer.core.people.cluster import absorb_fragments

    rng = np.random.default_rng(7)
    a, b = (v / np.linalg.norm(v) for v in rng.normal(size=(2, DIM)))
    tight = [_near(a, 0.1, 100 + i) for i in range(10)]  # one event: members ~0.17 apart
    wide = [_near(b, 0.45, 200 + i) for i in range(10)]  # decades apart: ~0.66
    base = np.stack([*tight, *wide]).astype(np.float32)
    labels = np.r_[np.zeros(10, np.int64), np.ones(10, np.int64), -1]

    def top3_distance(face: np.ndarray, members: np.ndarray) -> float:
        return float(1.0 - np.sort(members @ face)[-3:].mean())

    to_wide, to_tight = _near(b, 0.34, 301), _near(a, 0.56, 300)
    # both candidates sit equally far (~0.575) from their group: beyond the fixed 0.55
    assert 0.56 < top3_distance(to_wide, base[10:]) < 0.59
    assert 0.56 < top3_distance(to_tight, base[:10]) < 0.59
    params = ClusterParams()
    assert absorb_fragments(np.vstack([base, to_wide]), labels, None, params)[-1] == 1
    assert absorb_fragments(np.vstack([base, to_tight]), labels, None, params)[-1] == -1
    fixed = ClusterParams(absorb_spread=None)
    assert absorb_fragments(np.vstack([base, to_wide]), labels, None, fixed)[-1] == -1
    # the cap holds however wide the group: ~0.63 stays out
    far = _near(b, 0.44, 302)
    assert top3_distance(far, base[10:]) > 0.6
    assert absorb_fragments(np.vstack([base, far]), labels, None, params)[-1] == -1


def test_absorption_is_stricter_where_strangers_have_more_chances() -> None:
    """Issue 18: fragments x large groups x the share of faces outside large groups is the
    number of tries strangers get; past ``absorb_trials`` the limit tightens by
    ``absorb_decade`` per tenfold more tries."""
    from faceorganizer.core.people.cluster import absorb_fragments

    rng = np.random.default_rng(11)
    a, b = (v / np.linalg.norm(v) for v in rng.normal(size=(2, DIM)))
    people = [_near(a, 0.3, 100 + i) for i in range(8)] + [_near(b, 0.3, 200 + i) for i in range(8)]
    face = _near(a, 0.42, 300)
    x = np.stack([*people, face]).astype(np.float32)
    distance = float(1.0 - np.sort(x[:8] @ face)[-3:].mean())
    assert 0.45 < distance < 0.55  # within the fixed limit of 0.55
    labels = np.r_[np.zeros(8, np.int64), np.ones(8, np.int64), -1]
    few = ClusterParams(absorb_trials=0.2)  # 1 fragment x 2 groups x 1/17: 0.12 tries
    assert absorb_fragments(x, labels, None, few)[-1] == 0
    # the same tries counted as 1,000 times what was measured safe: 0.12 stricter
    many = ClusterParams(absorb_trials=0.000_12)
    assert absorb_fragments(x, labels, None, many)[-1] == -1
    assert absorb_fragments(x, labels, None, ClusterParams(absorb_trials=None))[-1] == 0


def test_scale_params_are_validated() -> None:
    with pytest.raises(ValueError):
        ClusterParams(absorb_trials=0.0)
    with pytest.raises(ValueError):
        ClusterParams(absorb_decade=-0.1)
