"""Tests for faceorganizer.core.evaluate.peers (other apps' grouping rules)."""

from __future__ import annotations

import time
from collections import deque

import numpy as np
import pytest

from faceorganizer.core.evaluate import peers
from faceorganizer.core.evaluate.metrics import bcubed
from faceorganizer.core.evaluate.peers import (
    immich_cluster,
    librephotos_cluster,
    librephotos_min_cluster_size,
    photoprism_cluster,
)

RULES = [immich_cluster, photoprism_cluster, librephotos_cluster]


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def identities(
    n_ids: int, per_id: int, n_noise: int, *, dim: int = 128, spread: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around random centres (plus uniform noise), shuffled.

    ``spread`` is the expected squared norm of the offset from a centre, so two
    faces of one identity have cosine similarity around 1 / (1 + spread).
    Noise faces get truth label -1.
    """
    rng = np.random.default_rng(seed)
    centres = unit(rng.standard_normal((n_ids, dim)))
    faces = np.repeat(centres, per_id, axis=0) + rng.standard_normal(
        (n_ids * per_id, dim)
    ) * np.sqrt(spread / dim)
    noise = rng.standard_normal((n_noise, dim))
    x = unit(np.vstack([faces, noise]))
    truth = np.concatenate([np.repeat(np.arange(n_ids), per_id), np.full(n_noise, -1)])
    order = rng.permutation(len(x))
    return x[order], truth[order]


@pytest.fixture(scope="module")
def synthetic() -> tuple[np.ndarray, np.ndarray]:
    return identities(10, 20, 20)


# --------------------------------------------------------------------------- all rules


@pytest.mark.parametrize("rule", RULES)
def test_recovers_separated_identities(
    rule: object, synthetic: tuple[np.ndarray, np.ndarray]
) -> None:
    x, truth = synthetic
    labels = rule(x)  # type: ignore[operator]
    assert labels.shape == (len(x),)
    assert labels.dtype == np.int64
    scored = truth >= 0
    assert bcubed(labels[scored], truth[scored]).f1 > 0.95
    # labels are contiguous 0..k-1 plus -1
    used = np.unique(labels[labels >= 0])
    assert np.array_equal(used, np.arange(used.size))


@pytest.mark.parametrize("rule", [immich_cluster, photoprism_cluster])
def test_noise_mostly_unassigned(rule: object, synthetic: tuple[np.ndarray, np.ndarray]) -> None:
    x, truth = synthetic
    labels = rule(x)  # type: ignore[operator]
    assert np.mean(labels[truth < 0] == -1) >= 0.9


@pytest.mark.parametrize("rule", RULES)
def test_empty_and_bad_input(rule: object) -> None:
    assert rule(np.zeros((0, 8), dtype=np.float32)).shape == (0,)  # type: ignore[operator]
    with pytest.raises(ValueError):
        rule(np.zeros(8, dtype=np.float32))  # type: ignore[operator]


# --------------------------------------------------------------------------- Immich


def reference_immich(x: np.ndarray, max_distance: float, min_faces: int) -> np.ndarray:
    """Literal queue simulation of Immich's recognition jobs (O(n^2), for testing)."""
    n = len(x)
    dist = 1.0 - (x @ x.T)
    person = np.full(n, -1)
    next_person = 0
    queue: deque[tuple[int, bool]] = deque((i, False) for i in range(n))
    while queue:
        face, deferred = queue.popleft()
        order = np.argsort(dist[face], kind="stable")
        within = [int(j) for j in order if dist[face, j] <= max_distance]
        matches = within[:min_faces]  # numResults = minFaces
        if min_faces > 1 and len(matches) <= 1:
            continue
        is_core = len(matches) >= min_faces
        if not is_core and not deferred:
            queue.append((face, True))
            continue
        pid = next((int(person[j]) for j in matches if person[j] >= 0), -1)
        if pid < 0:
            with_person = [j for j in within if person[j] >= 0]  # hasPerson search
            if with_person:
                pid = int(person[with_person[0]])
        if is_core and pid < 0:
            pid = next_person
            next_person += 1
        if pid >= 0:
            person[face] = pid
    return person


def sparse_cloud(n: int, dim: int, mean_neighbours: float, seed: int) -> tuple[np.ndarray, float]:
    """Random unit vectors and a cosine radius giving about ``mean_neighbours`` per face."""
    rng = np.random.default_rng(seed)
    x = unit(rng.standard_normal((n, dim)))
    sims = np.sort((x @ x.T)[np.triu_indices(n, 1)].astype(np.float64))
    k = int(len(sims) * (1.0 - mean_neighbours / n))
    cut = (sims[k] + sims[k + 1]) / 2.0  # between two pairs, never on one
    return x, 1.0 - cut


@pytest.mark.parametrize(("seed", "min_faces"), [(0, 3), (1, 3), (2, 4), (3, 2), (4, 1)])
def test_immich_matches_queue_simulation(seed: int, min_faces: int) -> None:
    x, radius = sparse_cloud(300, 6, 3.0, seed)
    expected = reference_immich(x, radius, min_faces)
    got = immich_cluster(x, max_distance=radius, min_faces=min_faces)
    assert np.array_equal(got, expected)
    assert len(set(got.tolist())) > 10  # a non-trivial case
    if min_faces > 1:
        assert (got < 0).any()
    else:
        assert (got >= 0).all()  # every face is core


def test_immich_small_blocks_give_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    x, radius = sparse_cloud(250, 6, 4.0, 7)
    full = immich_cluster(x, max_distance=radius)
    monkeypatch.setattr(peers, "_BLOCK_ELEMENTS", 1000)  # 4 rows per block
    assert np.array_equal(immich_cluster(x, max_distance=radius), full)


def test_immich_rules_by_hand() -> None:
    e = np.eye(4, dtype=np.float32)
    near = unit(np.array([[1, 0.05, 0, 0], [1, -0.05, 0, 0], [1, 0, 0.05, 0]]))
    # Three close faces: the first is core and founds a person, the rest join it.
    assert immich_cluster(near).tolist() == [0, 0, 0]
    # Two close faces are never core with minFaces 3: deferred, nobody to join.
    assert immich_cluster(near[:2]).tolist() == [-1, -1]
    # A lone face matches only itself and is skipped.
    assert immich_cluster(np.vstack([near, e[3:]])).tolist() == [0, 0, 0, -1]
    # minFaces 1: every face is core, so a lone face gets its own person.
    assert immich_cluster(np.vstack([near, e[3:]]), min_faces=1).tolist() == [0, 0, 0, 1]


def test_immich_deferred_face_joins_later_person() -> None:
    # Face 0 sits at the edge of a group: 2 matches (itself + face 1), so it is
    # deferred, and joins the person created later by the core faces.
    base = np.array([1.0, 0.0, 0.0])
    group = unit(np.array([base + [0, 0.1, 0], base + [0, -0.1, 0], base + [0, 0, 0.1]]))
    edge = unit(np.array([[0.5, 1.0, 0.0]]))  # close to group[0] only
    x = np.vstack([edge, group])
    dist = 1 - x @ x.T
    radius = float(dist[0, 1]) + 0.01
    assert (dist[0, 2:] > radius).all()
    labels = immich_cluster(x, max_distance=radius)
    assert labels.tolist() == [0, 0, 0, 0]
    assert labels.tolist() == reference_immich(x, radius, 3).tolist()


# --------------------------------------------------------------------------- PhotoPrism


def reference_go_dbscan(x: np.ndarray, eps: float, minpts: int) -> np.ndarray:
    """DBSCAN in the visiting order of PhotoPrism's pkg/clusters (O(n^2), for testing)."""
    n = len(x)
    dist = np.sqrt(np.maximum(2.0 - 2.0 * (x @ x.T).astype(np.float64), 0.0))
    neighbours = [np.flatnonzero(dist[i] < eps) for i in range(n)]
    label = np.zeros(n, dtype=np.int64)  # 0 = untouched, -1 = noise, k = cluster k
    visited = np.zeros(n, dtype=bool)
    cluster = 0
    for i in range(n):
        if visited[i]:
            continue
        visited[i] = True
        if len(neighbours[i]) < minpts:
            label[i] = -1
            continue
        cluster += 1
        label[i] = cluster
        todo = list(neighbours[i])
        pos = 0
        while pos < len(todo):
            p = todo[pos]
            pos += 1
            if not visited[p]:
                visited[p] = True
                if len(neighbours[p]) >= minpts:
                    todo.extend(neighbours[p])
            if label[p] == 0:
                label[p] = cluster
    return np.where(label > 0, label - 1, -1)


@pytest.mark.parametrize(("seed", "core"), [(0, 4), (1, 4), (2, 3), (3, 5), (4, 2)])
def test_photoprism_dbscan_matches_go_visiting_order(seed: int, core: int) -> None:
    from sklearn.cluster import DBSCAN

    x, cos_radius = sparse_cloud(300, 5, 2.5, seed)
    eps = float(np.sqrt(2.0 * cos_radius))  # same neighbourhood, Euclidean
    expected = reference_go_dbscan(x, eps, core)
    got = photoprism_cluster(x, distance=eps, core=core, match_dist=None)
    assert np.array_equal(got, expected)
    assert got.max() >= 5 and (got < 0).any()
    # Against textbook DBSCAN: same clusters, and the Go order only adds noise.
    textbook = DBSCAN(eps=eps, min_samples=core).fit(x).labels_
    assert set(np.flatnonzero(textbook < 0)) <= set(np.flatnonzero(got < 0))
    both = got >= 0
    pairs = {(int(a), int(b)) for a, b in zip(got[both], textbook[both], strict=True)}
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


def test_photoprism_go_order_differs_from_textbook_dbscan() -> None:
    from sklearn.cluster import DBSCAN

    x, cos_radius = sparse_cloud(300, 5, 2.5, 0)
    eps = float(np.sqrt(2.0 * cos_radius))
    got = photoprism_cluster(x, distance=eps, match_dist=None)
    textbook = DBSCAN(eps=eps, min_samples=4).fit(x).labels_
    assert (got < 0).sum() > (textbook < 0).sum()


def test_photoprism_small_blocks_give_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    x, cos_radius = sparse_cloud(250, 5, 5.0, 9)
    eps = float(np.sqrt(2.0 * cos_radius))
    raw = photoprism_cluster(x, distance=eps, match_dist=None)
    matched = photoprism_cluster(x, distance=eps)
    monkeypatch.setattr(peers, "_BLOCK_ELEMENTS", 500)
    assert np.array_equal(photoprism_cluster(x, distance=eps, match_dist=None), raw)
    assert np.array_equal(photoprism_cluster(x, distance=eps), matched)


def test_photoprism_border_point_seen_first_stays_noise() -> None:
    # Index 0 is within eps of core point 1 only; the Go loop visits it first,
    # marks it noise, and the cluster started at index 1 does not take it back.
    core_pts = unit(np.array([[1, 0.02, 0], [1, -0.02, 0], [1, 0, 0.02], [1, 0, -0.02]]))
    border = unit(np.array([[1, 0.3, 0]]))
    x = np.vstack([border, core_pts])
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    eps = float(d[0, 1] + d[0, 2:].min()) / 2.0
    assert d[0, 1] < eps <= d[0, 2:].min() and d[1:, 1:].max() < eps
    assert photoprism_cluster(x, distance=eps, match_dist=None).tolist() == [-1, 0, 0, 0, 0]
    # The same border point after the cluster's first core point joins it.
    x2 = np.vstack([core_pts, border])
    assert photoprism_cluster(x2, distance=eps, match_dist=None).tolist() == [0] * 5
    # Matching then pulls the skipped border face in (it is within radius + 0.46).
    assert photoprism_cluster(x, distance=eps).tolist() == [0] * 5


def test_photoprism_match_reach() -> None:
    rng = np.random.default_rng(5)
    centre = unit(rng.standard_normal((1, 64)))[0]
    members = unit(centre + rng.standard_normal((10, 64)) * 0.04)
    # A face 0.75 from the centre: outside eps of every member, but inside the
    # cluster's sample radius (~0.33) + 0.46.
    side = unit(rng.standard_normal((1, 64)))[0]
    side -= side.dot(centre) * centre
    side /= np.linalg.norm(side)
    angle = 2 * np.arcsin(0.75 / 2)
    near = np.cos(angle) * centre + np.sin(angle) * side
    far = -centre
    x = np.vstack([members, near, far]).astype(np.float32)
    assert photoprism_cluster(x, match_dist=None).tolist() == [0] * 10 + [-1, -1]
    assert photoprism_cluster(x).tolist() == [0] * 11 + [-1]
    assert photoprism_cluster(x, match_dist=0.1).tolist() == [0] * 10 + [-1, -1]


# --------------------------------------------------------------------------- LibrePhotos


def test_librephotos_min_cluster_size_schedule() -> None:
    assert librephotos_min_cluster_size(10) == 2
    assert librephotos_min_cluster_size(1_000) == 2
    assert librephotos_min_cluster_size(1_001) == 4
    assert librephotos_min_cluster_size(10_001) == 8
    assert librephotos_min_cluster_size(100_001) == 16


def test_librephotos_numbers_clusters_by_size() -> None:
    x, truth = identities(3, 1, 0)  # three centres
    rng = np.random.default_rng(1)
    sizes = [5, 12, 8]
    centres = x
    faces = np.vstack(
        [unit(centres[i] + rng.standard_normal((s, 128)) * 0.02) for i, s in enumerate(sizes)]
    )
    labels = librephotos_cluster(faces)
    assert labels.tolist() == [2] * 5 + [0] * 12 + [1] * 8


def test_librephotos_tiny_inputs() -> None:
    assert librephotos_cluster(unit(np.ones((1, 4)))).tolist() == [-1]
    with pytest.raises(ValueError):
        librephotos_cluster(unit(np.ones((3, 4))), min_cluster_size=1)


# --------------------------------------------------------------------------- scale


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("rule", RULES)
def test_twenty_thousand_faces(rule: object) -> None:
    x, truth = identities(400, 49, 400, seed=11)
    assert len(x) == 20_000
    start = time.perf_counter()
    labels = rule(x)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    print(f"{rule.__name__}: {elapsed:.1f}s for {len(x)} faces")  # type: ignore[attr-defined]
    scored = truth >= 0
    assert bcubed(labels[scored], truth[scored]).f1 > 0.95
