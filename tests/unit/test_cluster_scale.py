"""Scale-aware linkage (issue 18): lone faces need more evidence as the library grows."""

from __future__ import annotations

import numpy as np

from faceorganizer.core.people.cluster import ClusterParams, cluster_faces, lone_threshold

DIM = 128


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _near(v: np.ndarray, dist: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(DIM)
    r -= (r @ v) * v
    r /= np.linalg.norm(r)
    cos = 1.0 - dist
    return (cos * v + np.sqrt(1.0 - cos * cos) * r).astype(np.float32)


def test_lone_threshold_tightens_with_the_library() -> None:
    params = ClusterParams()
    assert lone_threshold(2, params) == params.threshold
    small, mid, large = (lone_threshold(n, params) for n in (1_250, 1_900, 6_400))
    assert 0.56 < small < 0.57 and 0.55 < mid < 0.56 and 0.52 < large < 0.53
    assert lone_threshold(10**6, params) < large
    assert lone_threshold(10**6, ClusterParams(chance_matches=None)) == params.threshold


def _library(n_strangers: int, seed: int = 0) -> np.ndarray:
    """Two lone faces 0.55 apart, a group of 6 with one more face at ~0.56, and strangers."""
    rng = np.random.default_rng(seed)
    a, b = _unit(rng.standard_normal((2, DIM)))
    pair = [a, _near(a, 0.55, 1)]
    group = [_near(b, 0.3, 10 + i) for i in range(6)]
    centre = _unit(np.mean(group, axis=0)[None, :])[0]
    late = _near(centre, 0.42, 20)  # ~0.56 from the group's faces on average
    strangers = list(_unit(rng.standard_normal((n_strangers, DIM))))
    return np.stack(pair + group + [late] + strangers)


def test_two_lone_faces_join_in_a_small_library_but_not_among_thousands() -> None:
    small = cluster_faces(_library(20))
    assert small[0] == small[1] >= 0
    large = cluster_faces(_library(3_000))
    assert large[0] == large[1] == -1  # 0.55 is beyond the lone threshold for 3,000 faces (0.544)
    # a face as far from an established group of 6 still joins it
    assert large[8] == large[2] >= 0
    assert np.all(large[2:9] == large[2])
    plain = cluster_faces(_library(3_000), params=ClusterParams(chance_matches=None))
    assert plain[0] == plain[1] >= 0


def test_scale_params_are_validated() -> None:
    import pytest

    with pytest.raises(ValueError):
        ClusterParams(chance_matches=0.0)
    with pytest.raises(ValueError):
        ClusterParams(established=0)


def test_a_new_face_joins_a_lone_face_only_within_the_calibrated_limit() -> None:
    from faceorganizer.core.people.cluster import assign_to_clusters

    rng = np.random.default_rng(3)
    a, b = _unit(rng.standard_normal((2, DIM)))
    refs = np.stack([a] + [_near(b, 0.3, 20 + i) for i in range(6)])
    labels = np.array([0, 1, 1, 1, 1, 1, 1])
    new = np.stack([_near(a, 0.56, 5)])
    assert assign_to_clusters(new, refs, labels, threshold=0.6)[0] == 0
    # one face is a 1:1 verification: held to the lone limit of a large library
    strict = assign_to_clusters(new, refs, labels, threshold=0.6, lone=0.52, established=5)
    assert strict[0] == -1


def test_a_new_face_between_two_people_joins_neither_with_a_margin() -> None:
    from faceorganizer.core.people.cluster import assign_to_clusters

    rng = np.random.default_rng(4)
    a = _unit(rng.standard_normal((1, DIM)))[0]
    g1 = [_near(a, 0.30, 30 + i) for i in range(5)]
    g2 = [_near(a, 0.32, 40 + i) for i in range(5)]
    refs = np.stack(g1 + g2)
    labels = np.array([0] * 5 + [1] * 5)
    new = a[None, :]
    assert assign_to_clusters(new, refs, labels, threshold=0.6)[0] in (0, 1)
    assert assign_to_clusters(new, refs, labels, threshold=0.6, margin=0.1)[0] == -1
