"""HDBSCAN over face vectors: dense for small libraries, a sparse kNN distance graph above."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from faceorganizer.core.people.knn import _timed, knn_graph

if TYPE_CHECKING:
    from faceorganizer.core.people.cluster import ClusterParams

log = logging.getLogger(__name__)

# HDBSCAN: the dense "generic" algorithm holds n x n float64 matrices (10k: 0.8 GB each,
# 5.4 s) and the tree-based ones are slow in 128-d (10k: prims 14 s, boruvka 44 s); the
# sparse kNN graph path took 2.2 s at 10k (kNN 0.9 s + hdbscan 1.3 s). Dense only below:
_HDBSCAN_DENSE_MAX = 2_000
# Above this, hdbscan's sparse path needs more than ~4.5 GB (measured ~9 KB per face).
_HDBSCAN_WARN_AT = 500_000


def _hdbscan(x: np.ndarray, groups: np.ndarray | None, params: ClusterParams) -> np.ndarray:
    """hdbscan labels for unit vectors x (-1 = noise), cannot-link enforced afterwards.

    Scaling measured on 2 cores (synthetic faces): dense 10k 5.4 s (the O(n^2) "generic"
    algorithm; the tree-based ones are slower in 128-d: prims 14 s, boruvka 44 s), so above
    ``_HDBSCAN_DENSE_MAX`` the kNN graph goes in as a sparse precomputed matrix. Whole call,
    kNN graph included: 10k 2.7 s, 100k 24 s / 1.05 GB peak, 300k 86 s / 2.8 GB peak. That
    path runs a Python-level loop over every graph edge inside hdbscan on a scipy ``lil``
    matrix (~9 KB per face), so 1M faces would need ~9 GB: beyond ``_HDBSCAN_WARN_AT`` a
    warning is logged; use agglomerative for libraries that large.
    """
    import hdbscan

    n = x.shape[0]
    if n < params.min_cluster_size:
        return np.full(n, -1, dtype=np.int64)
    if n > _HDBSCAN_WARN_AT:
        log.warning("hdbscan on %d faces needs ~%.1f GB; agglomerative scales better", n, n * 9e-6)
    min_samples = min(params.min_samples, n - 1)
    model = hdbscan.HDBSCAN(
        min_cluster_size=params.min_cluster_size,
        min_samples=min_samples,
        metric="euclidean" if n <= _HDBSCAN_DENSE_MAX else "precomputed",
        cluster_selection_epsilon=float(np.sqrt(2.0 * params.hdbscan_epsilon)),
        algorithm="generic" if n <= _HDBSCAN_DENSE_MAX else "best",
    )
    if n <= _HDBSCAN_DENSE_MAX:
        with _timed("hdbscan"):
            labels = model.fit_predict(x.astype(np.float64))
    else:
        with _timed("knn"):
            graph = _sparse_distances(x, max(params.k, min_samples + 1))
        with _timed("hdbscan"):
            labels = model.fit_predict(graph)
    labels = np.asarray(labels, dtype=np.int64)
    if groups is not None:
        labels = _split_cannot_link(x, labels, groups)
    return _drop_far_members(x, labels, params.threshold)


def _drop_far_members(
    x: np.ndarray, labels: np.ndarray, threshold: float, rounds: int = 3
) -> np.ndarray:
    """Unsort faces whose mean distance to the rest of their cluster is >= threshold.

    HDBSCAN's clusters are density-relative with no absolute scale: 20 random faces (all
    ~1.0 apart) still come back as pairs. This gives its people the same guarantee as
    average linkage: every face is on average closer than ``threshold`` to the others.
    """
    labels = labels.copy()
    for _ in range(rounds):
        members = np.nonzero(labels >= 0)[0]
        if members.size == 0:
            break
        lab = labels[members]
        sums = np.zeros((int(lab.max()) + 1, x.shape[1]), dtype=np.float64)
        np.add.at(sums, lab, x[members])
        sizes = np.bincount(lab).astype(np.float64)
        own = np.einsum("ij,ij->i", x[members].astype(np.float64), sums[lab])
        others = np.maximum(sizes[lab] - 1.0, 1.0)
        mean_dist = 1.0 - (own - np.einsum("ij,ij->i", x[members], x[members])) / others
        far = mean_dist >= threshold
        if not far.any():
            break
        labels[members[far]] = -1
    return labels


def _sparse_distances(x: np.ndarray, k: int) -> Any:
    """Symmetric sparse Euclidean kNN distance matrix, joined into one component."""
    import scipy.sparse as sp
    from scipy.sparse import csgraph

    n = x.shape[0]
    idx, dist = knn_graph(x, k)
    ok = idx >= 0
    rows = np.nonzero(ok)[0]
    # Euclidean between unit vectors = sqrt(2 * cosine distance); +eps keeps duplicates as
    # explicit (non-zero) entries of the sparse matrix.
    vals = np.sqrt(2.0 * np.maximum(dist[ok].astype(np.float64), 0.0)) + 1e-6
    graph = sp.csr_matrix((vals, (rows, idx[ok])), shape=(n, n))
    graph = graph.maximum(graph.T).tocsr()
    n_comp, comp = csgraph.connected_components(graph, directed=False)
    if n_comp > 1:
        # hdbscan refuses disconnected graphs: chain the components with maximal-distance
        # (2.0) edges, which only ever join at the root of the hierarchy.
        reps = np.unique(comp, return_index=True)[1]
        ones = np.full(n_comp - 1, 2.0)
        link = sp.csr_matrix((ones, (reps[:-1], reps[1:])), shape=(n, n))
        graph = graph.maximum(link).maximum(link.T).tocsr()
    return graph


def _split_cannot_link(x: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Within each cluster keep, per group, only the face closest to the cluster mean."""
    labels = labels.copy()
    members = np.nonzero(labels >= 0)[0]
    if members.size == 0:
        return labels
    lab = labels[members]
    n_lab = int(lab.max()) + 1
    means = np.zeros((n_lab, x.shape[1]), dtype=np.float64)
    np.add.at(means, lab, x[members])
    sim = np.einsum("ij,ij->i", x[members], means[lab].astype(np.float32))
    # Sort by (label, group, -similarity, index); every later row of a (label, group) run
    # is a cannot-link violation.
    order = np.lexsort((members, -sim, groups[members], lab))
    lab_s, grp_s = lab[order], groups[members][order]
    dup = np.zeros(order.size, dtype=bool)
    dup[1:] = (lab_s[1:] == lab_s[:-1]) & (grp_s[1:] == grp_s[:-1])
    labels[members[order[dup]]] = -1
    return labels
