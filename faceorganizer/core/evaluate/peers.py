"""The face-grouping rules of other self-hosted photo apps, for side-by-side scoring.

Each function takes the same L2-normalised face vectors FaceOrganizer uses
(float32, shape ``(n, d)``) and returns one int64 label per face: ``0..k-1`` for
the groups (people) the app would form, ``-1`` for faces it leaves unassigned.
Labels are contiguous; their order follows the app where that is meaningful.

These are independent re-implementations written from reading each project's
public source (files named in each docstring); no code was copied. They mirror
the grouping *rule* and its default parameters, not the apps' face detectors,
quality filters, databases or job scheduling, and they run on whatever embedding
model produced ``vectors``, so thresholds tuned for the apps' own models (ArcFace
in Immich, FaceNet in PhotoPrism, dlib in LibrePhotos) may not fit other models.

All similarity work is done in row blocks of at most ``_BLOCK_ELEMENTS`` entries,
so memory stays bounded for large libraries.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["immich_cluster", "librephotos_cluster", "photoprism_cluster"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

# Entries of one similarity block (rows x columns); 4M float32 values = 16 MiB.
_BLOCK_ELEMENTS = 1 << 22
# Slack for float32 rounding when comparing similarities with a threshold.
_SIM_TOLERANCE = 1e-6


def _as_unit(vectors: npt.ArrayLike) -> FloatArray:
    """Return a float32 copy of ``vectors`` with every non-zero row scaled to unit length."""
    x = np.array(vectors, dtype=np.float32, copy=True)
    if x.ndim != 2:
        raise ValueError(f"vectors must have shape (n, d), got {x.shape}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return x


def _block_rows(n_cols: int) -> int:
    return max(1, _BLOCK_ELEMENTS // max(1, n_cols))


def _compact(labels: IntArray) -> IntArray:
    """Renumber the non-negative labels to 0..k-1, keeping their relative order."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    grouped = labels >= 0
    if grouped.any():
        _, dense = np.unique(labels[grouped], return_inverse=True)
        out[grouped] = dense.reshape(-1)
    return out


# --------------------------------------------------------------------------- Immich


def _nearest_person(labels: IntArray, neighbours: IntArray, sims: FloatArray) -> int:
    """Person of the most similar already-assigned neighbour, or -1."""
    if neighbours.size == 0:
        return -1
    people = labels[neighbours]
    assigned = people >= 0
    if not assigned.any():
        return -1
    best = int(np.argmax(np.where(assigned, sims, -np.inf)))
    return int(people[best])


def immich_cluster(
    vectors: npt.ArrayLike, *, max_distance: float = 0.5, min_faces: int = 3
) -> IntArray:
    """Group faces the way Immich's facial-recognition job does.

    Follows ``server/src/services/person.service.ts`` (``handleQueueRecognizeFaces``
    and ``handleRecognizeFaces``) and ``SearchRepository.searchFaces`` in
    ``server/src/repositories/search.repository.ts``, read at the 2024-2025 state
    of the Immich server, with the defaults
    ``machineLearning.facialRecognition.maxDistance = 0.5`` and ``minFaces = 3``
    from ``server/src/config.ts``. A full ("force") run on a library does this:

    1. Every face is queued in library order (here: row order).
    2. For a face, ``searchFaces`` returns at most ``minFaces`` nearest faces with
       cosine distance (pgvector ``<=>``, ``1 - cos``) ``<= maxDistance``. The
       face itself is among them, so it counts towards ``minFaces``.
    3. With ``minFaces > 1`` and only the face itself matched, the face is skipped
       for good (left unassigned, never retried).
    4. The face is "core" if at least ``minFaces`` faces matched. A non-core face
       is deferred: re-queued behind everything else.
    5. The face joins the person of the nearest already-assigned face within
       ``maxDistance`` (first among the matches, else a ``hasPerson`` search).
    6. If there is none and the face is core, a new person is created for it; a
       deferred (non-core) face that still finds no assigned neighbour stays
       unassigned.

    Simplified: exact nearest-neighbour search instead of Immich's approximate
    vector index; no owner/archive/visibility filters (all faces belong to one
    user and none is archived); jobs run one at a time rather than concurrently,
    and deferred faces strictly after all others (in Immich they go to the back
    of a job queue that may still be filling).
    Immich also hides people with fewer than ``minFaces`` faces from its people
    list; that is display only, so those small groups are returned as groups here.

    Args:
        vectors: face embeddings, shape ``(n, d)``; rows are re-normalised.
        max_distance: cosine-distance radius of a match.
        min_faces: matches (the face included) needed to be a core face.

    Returns:
        Person label per face, ``-1`` for unassigned faces.
    """
    if min_faces < 1:
        raise ValueError("min_faces must be at least 1")
    x = _as_unit(vectors)
    n = x.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    min_sim = np.float32(1.0 - max_distance - _SIM_TOLERANCE)
    deferred: list[tuple[int, IntArray, FloatArray]] = []
    next_person = 0
    step = _block_rows(n)
    for start in range(0, n, step):
        stop = min(n, start + step)
        sims = x[start:stop] @ x.T
        rows, cols = np.nonzero(sims >= min_sim)
        vals = sims[rows, cols]
        bounds = np.searchsorted(rows, np.arange(stop - start + 1))
        for r in range(stop - start):
            face = start + r
            neighbours = cols[bounds[r] : bounds[r + 1]].astype(np.int64)
            neighbour_sims = vals[bounds[r] : bounds[r + 1]]
            matches = neighbours.size  # includes the face itself
            if min_faces > 1 and matches <= 1:
                continue  # only matched itself: skipped, not deferred
            if matches < min_faces:
                # Non-core: retried after every other face (copies, so the block can go).
                deferred.append((face, neighbours, neighbour_sims.copy()))
                continue
            person = _nearest_person(labels, neighbours, neighbour_sims)
            if person < 0:
                person = next_person
                next_person += 1
            labels[face] = person
    for face, neighbours, neighbour_sims in deferred:
        person = _nearest_person(labels, neighbours, neighbour_sims)
        if person >= 0:
            labels[face] = person
    return labels


# --------------------------------------------------------------------------- PhotoPrism


def _photoprism_dbscan(x: FloatArray, eps: float, core: int) -> IntArray:
    """DBSCAN as PhotoPrism's ``pkg/clusters/dbscan.go`` labels points.

    The core structure comes from scikit-learn's DBSCAN (Euclidean, neighbourhood
    counting the point itself, like the Go code). Border points are then labelled
    the way the Go loop does it: points are visited in index order and a point
    visited before any cluster reached it is marked noise for good, so a border
    point with a smaller index than every adjacent cluster's first core point
    stays ``-1``; otherwise it joins the adjacent cluster that was expanded first.
    Clusters are numbered in the order the Go loop creates them.
    """
    from sklearn.cluster import DBSCAN

    n = x.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    # The Go code keeps neighbours with distance < eps; scikit-learn uses <= eps.
    radius = float(np.nextafter(eps, 0.0))
    # Brute force with scikit-learn's chunked distance computation (working_memory):
    # no n x n matrix is built (trees do not help in 100+ dimensions), but every
    # face's neighbour list is kept, so memory grows with the total neighbourhood
    # size (about n x faces-per-person for well-separated people).
    model = DBSCAN(eps=radius, min_samples=core, metric="euclidean", algorithm="brute")
    fitted = model.fit(x)
    core_idx = np.asarray(fitted.core_sample_indices_, dtype=np.int64)
    if core_idx.size == 0:
        return labels
    core_comp = np.asarray(fitted.labels_, dtype=np.int64)[core_idx]
    n_comp = int(core_comp.max()) + 1
    seed = np.full(n_comp, n, dtype=np.int64)
    np.minimum.at(seed, core_comp, core_idx)  # first core point of each cluster
    order = np.argsort(seed, kind="stable")
    rank = np.empty(n_comp, dtype=np.int64)
    rank[order] = np.arange(n_comp, dtype=np.int64)
    seed_by_rank = seed[order]
    labels[core_idx] = rank[core_comp]

    is_core = np.zeros(n, dtype=bool)
    is_core[core_idx] = True
    border = np.flatnonzero(~is_core)
    if border.size == 0:
        return labels
    core_vecs = x[core_idx]
    core_rank = rank[core_comp]
    # ||a - b|| < eps  <=>  a.b > 1 - eps^2 / 2 for unit vectors.
    min_sim = np.float32(1.0 - radius * radius / 2.0)
    step = _block_rows(core_idx.size)
    for start in range(0, border.size, step):
        pts = border[start : start + step]
        near = (x[pts] @ core_vecs.T) > min_sim
        first = np.where(near, core_rank[None, :], n_comp).min(axis=1)
        reached = first < n_comp
        # The cluster must have been started (at its seed) before the loop got to the point.
        joins = reached & (seed_by_rank[np.minimum(first, n_comp - 1)] < pts)
        labels[pts[joins]] = first[joins]
    return labels


def _photoprism_match(x: FloatArray, clusters: IntArray, match_dist: float) -> IntArray:
    """Assign every face to the closest cluster midpoint it matches, as ``Faces.Match`` does."""
    k = int(clusters.max(initial=-1)) + 1
    labels = np.full(x.shape[0], -1, dtype=np.int64)
    if k == 0:
        return labels
    midpoints = np.zeros((k, x.shape[1]), dtype=np.float32)
    reach = np.zeros(k, dtype=np.float64)
    in_cluster = np.flatnonzero(clusters >= 0)
    by_cluster = in_cluster[np.argsort(clusters[in_cluster], kind="stable")]
    ends = np.cumsum(np.bincount(clusters[in_cluster], minlength=k))
    for c, members_idx in enumerate(np.split(by_cluster, ends[:-1])):
        members = x[members_idx]  # in index order, like the Go slices
        mid = members.mean(axis=0)
        norm = float(np.linalg.norm(mid))
        if norm > 0:
            mid = mid / norm
        midpoints[c] = mid
        # entity.EmbeddingsMidpoint: "radius = d + 0.01" whenever d exceeds it.
        radius = 0.0
        if members.shape[0] > 1:
            for d in np.linalg.norm(members - mid, axis=1).tolist():
                if d > radius:
                    radius = d + 0.01
        reach[c] = radius + match_dist
    step = _block_rows(k)
    for start in range(0, x.shape[0], step):
        block = x[start : start + step]
        sq = np.maximum(2.0 - 2.0 * (block @ midpoints.T).astype(np.float64), 0.0)
        dist = np.sqrt(sq)
        dist[dist > reach[None, :]] = np.inf
        best = np.argmin(dist, axis=1)
        ok = np.isfinite(dist[np.arange(block.shape[0]), best])
        labels[start : start + step] = np.where(ok, best, -1)
    return labels


def photoprism_cluster(
    vectors: npt.ArrayLike,
    *,
    distance: float = 0.64,
    core: int = 4,
    match_dist: float | None = 0.46,
) -> IntArray:
    """Group faces the way PhotoPrism's face clustering and matching do.

    Follows ``internal/photoprism/faces_cluster.go`` (``Faces.Cluster``),
    ``pkg/clusters/dbscan.go`` (its DBSCAN), ``internal/photoprism/faces_match.go``
    (``Faces.Match`` / ``selectBestFace``) and the defaults in
    ``internal/ai/face/thresholds.go`` (PhotoPrism 2025 builds:
    ``ClusterDist = 0.64``, ``ClusterCore = 4``, ``MatchDist = 0.46``):

    1. DBSCAN with Euclidean distance on unit-length embeddings, ``eps =
       ClusterDist`` (strictly closer than ``eps``), ``minpts = ClusterCore``
       counting the point itself. Border points follow the Go implementation's
       visiting order (see ``_photoprism_dbscan``).
    2. Each cluster becomes a face cluster with a midpoint (mean of the unit
       vectors, re-normalised) and a sample radius (largest member distance to
       the midpoint, plus 0.01, as ``entity.EmbeddingsMidpoint`` computes it).
    3. Matching then assigns *every* face, clustered or not, to the cluster whose
       midpoint is nearest among those within ``sample radius + MatchDist``;
       faces that match none stay unassigned. Pass ``match_dist=None`` to return
       the raw DBSCAN labels instead.

    Simplified: no face size/score thresholds for clustering, no children,
    background or ambiguous-face filters, no collision radius, no sign-hash
    bucketing of candidates (the globally nearest matching cluster wins) and no
    later manual-cluster merges.

    Args:
        vectors: face embeddings, shape ``(n, d)``; rows are re-normalised.
        distance: DBSCAN radius (Euclidean, on unit vectors).
        core: DBSCAN minimum points, the point itself included.
        match_dist: matching slack added to each cluster's sample radius, or
            ``None`` to skip the matching step.

    Returns:
        Cluster label per face, ``-1`` for unassigned faces.
    """
    if core < 1:
        raise ValueError("core must be at least 1")
    if distance <= 0:
        raise ValueError("distance must be positive")
    x = _as_unit(vectors)
    if x.shape[0] == 0:
        return np.full(0, -1, dtype=np.int64)
    clusters = _photoprism_dbscan(x, distance, core)
    if match_dist is None:
        return clusters
    return _compact(_photoprism_match(x, clusters, match_dist))


# --------------------------------------------------------------------------- LibrePhotos


def librephotos_min_cluster_size(n_faces: int) -> int:
    """LibrePhotos' default HDBSCAN ``min_cluster_size`` for a library of ``n_faces`` faces.

    Doubles for every tenfold growth: 2 up to 1,000 faces, then 4, 8 above
    10,000 and 16 above 100,000 (``resolve_min_cluster_size`` in
    ``api/face_classify.py``, used when the user has not set a value).
    """
    if n_faces > 100_000:
        return 16
    if n_faces > 10_000:
        return 8
    if n_faces > 1_000:
        return 4
    return 2


def librephotos_cluster(
    vectors: npt.ArrayLike,
    *,
    min_cluster_size: int | None = None,
    min_samples: int = 1,
    cluster_selection_epsilon: float = 0.05,
) -> IntArray:
    """Group faces the way LibrePhotos' "cluster all faces" job does.

    Follows ``create_all_clusters`` in ``api/face_classify.py`` (LibrePhotos
    2023-2025, the HDBSCAN version) with the user defaults from
    ``api/models/user.py`` (``min_cluster_size = 0`` meaning "automatic",
    ``min_samples = 1``, ``cluster_selection_epsilon = 0.05``): HDBSCAN from the
    ``hdbscan`` package with ``metric="euclidean"``,
    ``min_cluster_size = librephotos_min_cluster_size(n)`` and the package's
    other defaults (excess-of-mass selection, no single cluster). Label ``-1``
    becomes LibrePhotos' "Unknown - Other" cluster, i.e. unassigned; the other
    clusters are numbered by size, largest first, as LibrePhotos numbers them.

    Simplified: the vectors are used as given (LibrePhotos clusters raw dlib
    encodings, which are not unit length); no splitting of clusters by
    user-labelled people (there are none here) and no MLP classifier pass, which
    only adds per-face probabilities and does not move faces between clusters.

    Args:
        vectors: face embeddings, shape ``(n, d)``.
        min_cluster_size: override of the automatic size schedule.
        min_samples: HDBSCAN ``min_samples``.
        cluster_selection_epsilon: HDBSCAN ``cluster_selection_epsilon``.

    Returns:
        Cluster label per face, ``-1`` for unassigned faces.
    """
    import hdbscan

    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must have shape (n, d), got {x.shape}")
    n = x.shape[0]
    size = librephotos_min_cluster_size(n) if min_cluster_size is None else min_cluster_size
    if size < 2:
        raise ValueError("min_cluster_size must be at least 2")
    if n < 2:
        return np.full(n, -1, dtype=np.int64)
    model = hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=min_samples,
        cluster_selection_epsilon=cluster_selection_epsilon,
        metric="euclidean",
    )
    raw = np.asarray(model.fit(x).labels_, dtype=np.int64)
    labels = np.full(n, -1, dtype=np.int64)
    grouped = raw >= 0
    if not grouped.any():
        return labels
    sizes = np.bincount(raw[grouped])
    by_size = np.argsort(-sizes, kind="stable")  # largest first, ties by HDBSCAN label
    new_id = np.empty(sizes.size, dtype=np.int64)
    new_id[by_size] = np.arange(sizes.size, dtype=np.int64)
    labels[grouped] = new_id[raw[grouped]]
    return labels
