"""Group face vectors into people.

Headless core (no Qt). Face vectors are L2-normalised float32 ``(n, 128)`` SFace embeddings;
the distance between two faces is the cosine distance ``1 - dot``.

Two methods:

* ``agglomerative`` (default): exact average linkage on cosine distance, stopped at
  ``ClusterParams.threshold``, restricted to cluster pairs that touch in a sparse kNN graph.
  The linkage value itself is *exact*, not estimated from the sparse edges: for unit vectors
  the mean pairwise cosine distance between clusters A and B is
  ``1 - (sum_A . sum_B) / (|A| |B|)``, so keeping one running sum vector per cluster gives the
  true average-linkage distance of any pair in O(128). The kNN graph only decides *which*
  pairs are compared (a pair with no graph edge between its members is treated as "far" and
  never merged; since some pair of faces in two clusters whose average is below the
  threshold is itself below the threshold, that only matters when that pair is missing from
  the graph). Edges at or above the threshold are dropped up front for the same reason.
  So neither usual approximation for missing edges is needed: counting them as distance 1.0
  would break large people apart (500 photos of one child, k = 30: the average would be
  pushed towards 1), ignoring them would merge two people over one chance edge.
  Merges are found with the nearest-neighbour-chain algorithm (Murtagh; Müllner 2011), which
  for a reducible linkage such as average linkage yields the same hierarchy as repeatedly
  merging the globally closest pair, in about 2n nearest-neighbour look-ups and without a
  global heap, in plain numpy: 100k faces 5.5 s, 1M 72 s on 2 cores, on top of the kNN
  graph (see benchmarks/cluster_scale.py).
* ``hdbscan``: ``hdbscan.HDBSCAN``; dense Euclidean on the unit vectors (orders like cosine)
  for small n, a precomputed sparse kNN distance graph above that.

Cannot-link (``groups``: faces of one photo) is enforced during merging for agglomerative,
and afterwards for hdbscan. The quality gate (``seed_mask``) clusters the good faces only
and then attaches the others to their nearest clustered good face.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

from faceorganizer.core.people.hdbscan_groups import _hdbscan
from faceorganizer.core.people.knn import _as_unit, _search, _timed, knn_graph
from faceorganizer.core.people.linkage import _Chain, _graph_csr

log = logging.getLogger(__name__)

__all__ = [
    "ClusterParams",
    "absorb_fragments",
    "assign_to_clusters",
    "cluster_faces",
    "knn_graph",
    "lone_threshold",
]


# SFace's impostor tail (docs/thresholds.md, every labelled pair of lfw-fold1 and celeba-wild,
# retinaface-sface): the false-match rate at cosine similarity 0.40 is ~3e-4 and falls about
# tenfold per 0.06 of similarity above it (0.45: 3-6e-5; 0.50: under 2e-5).
_FMR_AT_040 = 3e-4
_FMR_DECADES_PER_SIM = 17.0


@dataclass(frozen=True)
class ClusterParams:
    """How to cluster.

    ``threshold`` is the cosine distance at or above which average linkage stops merging.
    ``k`` is the number of neighbours per face in the kNN graph. ``min_cluster_size`` and
    ``min_samples`` are for hdbscan. ``attach_threshold`` is the distance within which a
    gated (non-seed) face joins the cluster of its nearest clustered seed; ``None`` means
    ``lone_threshold`` for the number of seeds (a 1:1 match of one weak face with one seed;
    ``threshold`` in a small library).
    """

    method: Literal["agglomerative", "hdbscan"] = "agglomerative"
    threshold: float = 0.6
    k: int = 30
    min_cluster_size: int = 2
    min_samples: int = 1
    attach_threshold: float | None = None
    # hdbscan: groups closer than this cosine distance are not split further (HDBSCAN's
    # cluster_selection_epsilon, as Euclidean on unit vectors). Without it, min_cluster_size 2
    # shatters a person into pairs: on the shared celebrities one labelled person ended in two
    # groups; 0.45 keeps all nine whole and scores best on celeba-wild (0.918 vs 0.837 at 0.3).
    hdbscan_epsilon: float = 0.45
    # Fragment absorption after clustering: a small group (< absorb_small faces) or an
    # unsorted face joins a large group (>= absorb_small) when the mean of its 3 best
    # similarities to that group is within the group's limit (cosine distance) AND beats the
    # next-best group by absorb_margin. People change over years, so a fragment resembles some
    # of a person's photos more than their average; the margin keeps a stranger who is merely
    # near a big group out of it. The limit adapts to the group (absorb_spread): it is
    # absorb_threshold, raised for a group whose own members sit far from each other (the
    # 1 - absorb_quantile quantile of each member's distance to its 3 nearest fellow members,
    # plus absorb_spread) up to absorb_cap. A person photographed over decades accepts a
    # farther face; a tight group of one news event does not. Measured with every other face
    # as a distractor (BCubed F, retinaface-sface): celeba-wild 0.948 -> 0.953 (P 0.996 both),
    # lfw-fold1 0.989 either way (P 0.985). A fixed 0.60 limit reached 0.953 on celeba-wild
    # too but cost lfw-fold1 precision (0.981); without the margin lfw's precision fell to
    # 0.978. absorb_threshold None turns absorption off, absorb_spread None the adaptation.
    absorb_threshold: float | None = 0.55
    absorb_margin: float = 0.06
    absorb_small: int = 4
    absorb_spread: float | None = 0.25
    absorb_quantile: float = 0.25
    absorb_cap: float = 0.60
    # Scale (issue 18): a merge between small groups is a 1:1 verification, and the chance that
    # some stranger lies within a fixed distance grows with the number of faces. So two lone
    # faces join only below a threshold calibrated by false-match rate for the library's size:
    # the per-pair FMR allowed is chance_matches / n (n faces clustered), read off SFace's
    # measured impostor tail (``lone_threshold``; docs/thresholds.md). The limit rises linearly
    # with the larger side's size to ``threshold`` for a group of ``established`` faces, whose
    # mean is a far steadier identity than one photo. BCubed with every other face present
    # (lfw-fold1 + lfw-folds2-4 + snapshots, 2,257 people): P 0.951 -> 0.992; lfw-fold1 alone
    # P 0.986 -> 0.996; celeba-wild unchanged (F 0.954). None: plain average linkage.
    chance_matches: float | None = 0.1
    established: int = 5
    # Absorption at scale (issue 18): absorbing is open-set identification. Each stranger
    # among the fragments tried against each large group is one chance for a stranger to pass.
    # Which fragments are strangers is unknown, but the share of faces outside large groups
    # says how many to expect: where most faces belong to large groups (a family's photos,
    # celeba-wild: 72 %) fragments are mostly leftovers of those people; where most are in no
    # large group (a news archive, LFW: 58-63 %), mostly strangers. Past absorb_trials tries
    # (fragments x large groups x share outside) the limit tightens by absorb_decade (cosine
    # distance) per tenfold more, the slope of the top-3 score's impostor tail measured in the
    # libraries themselves (0.03-0.045 a decade). On the 2,257-person library 7 of the 9
    # absorptions of the fixed rule were strangers; now (3,010 fragments x 244 groups x 0.58)
    # its limit is 0.065 stricter, lfw-fold1's (914 x 69 x 0.63) 0.024, celeba-wild +
    # snapshots' (218 x 44 x 0.28) unchanged. That made room for a fairer absorption in small
    # libraries (absorb_small 5 -> 4, absorb_margin 0.10 -> 0.06). BCubed: 2,257 people
    # P 0.989 -> 0.991, F 0.988 -> 0.989; lfw-fold1 unchanged (P 0.995, F 0.992); celeba-wild
    # F 0.953 -> 0.957 (P 0.996). None: a fixed limit whatever the library's size.
    absorb_trials: float | None = 10_000.0
    absorb_decade: float = 0.04

    def __post_init__(self) -> None:
        """Reject settings that cannot work."""
        if self.method not in ("agglomerative", "hdbscan"):
            raise ValueError(f"unknown clustering method {self.method!r}")
        if not 0.0 < self.threshold <= 2.0:
            raise ValueError("threshold must be in (0, 2]")
        if self.k < 1:
            raise ValueError("k must be >= 1")
        if self.min_cluster_size < 2:
            raise ValueError("min_cluster_size must be >= 2")
        if self.min_samples < 1:
            raise ValueError("min_samples must be >= 1")
        if self.attach_threshold is not None and not 0.0 <= self.attach_threshold <= 2.0:
            raise ValueError("attach_threshold must be in [0, 2]")
        if self.chance_matches is not None and not 0.0 < self.chance_matches <= 1000.0:
            raise ValueError("chance_matches must be in (0, 1000]")
        if self.established < 1:
            raise ValueError("established must be >= 1")
        if self.absorb_trials is not None and not self.absorb_trials > 0.0:
            raise ValueError("absorb_trials must be > 0")
        if not 0.0 <= self.absorb_decade <= 1.0:
            raise ValueError("absorb_decade must be in [0, 1]")


def lone_threshold(n_faces: int, params: ClusterParams) -> float:
    """Cosine distance below which two lone faces may join, among ``n_faces`` faces.

    The similarity s whose false-match rate is ``chance_matches / n_faces``, so that a lone face
    expects that many strangers within reach whatever the library's size, capped at
    ``threshold``: 1,250 faces 0.566, 1,900 0.556, 6,400 0.525 (two faces: 0.6).
    """
    if params.chance_matches is None or n_faces < 2:
        return params.threshold
    fmr = params.chance_matches / float(n_faces)
    sim = 0.40 + float(np.log10(_FMR_AT_040 / fmr)) / _FMR_DECADES_PER_SIM
    return float(min(params.threshold, max(0.0, 1.0 - sim)))


def _agglomerative(
    x: np.ndarray, groups: np.ndarray | None, params: ClusterParams, population: int = 0
) -> np.ndarray:
    """Average-linkage cluster slots for unit vectors x (slot per face; singletons own slot).

    ``population``: the faces of the whole library when only some are clustered (a scan's new
    faces), so the lone-face limit is calibrated for every stranger within reach.
    """
    n = x.shape[0]
    if n < 2:
        return np.arange(n, dtype=np.int64)
    with _timed("knn"):
        idx, dist = knn_graph(x, params.k)
    indptr, indices = _graph_csr(idx, dist, params.threshold)
    del idx, dist
    lone = lone_threshold(max(n, population), params)
    with _timed("linkage"):
        chain = _Chain(x, indptr, indices, params.threshold, groups, lone, params.established)
        return chain.run()


# ---------------------------------------------------------------------------------------------
# quality gate, relabelling, public entry points
# ---------------------------------------------------------------------------------------------


def _canonical(slots: np.ndarray) -> np.ndarray:
    """Labels 0.. in order of each cluster's first face; clusters of one face (and -1) -> -1."""
    n = slots.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    ok = slots >= 0
    if not ok.any():
        return out
    uniq, first, inverse, counts = np.unique(
        slots[ok], return_index=True, return_inverse=True, return_counts=True
    )
    big = counts >= 2
    order = np.argsort(first[big], kind="stable")
    new_id = np.full(uniq.shape[0], -1, dtype=np.int64)
    new_id[np.nonzero(big)[0][order]] = np.arange(order.size)
    out[ok] = new_id[inverse]
    return out


def _attach(
    x: np.ndarray,
    labels: np.ndarray,
    seeds: np.ndarray,
    others: np.ndarray,
    groups: np.ndarray | None,
    threshold: float,
    k: int = 10,
) -> None:
    """Give each non-seed face the label of its nearest clustered seed within threshold.

    In place on ``labels``. With cannot-link, faces are attached greedily in order of their
    best distance, each to the nearest allowed cluster among its k nearest clustered seeds.
    """
    base = seeds[labels[seeds] >= 0]
    if base.size == 0 or others.size == 0:
        return
    idx, sims = _search(x[base], x[others], k)
    valid = (idx >= 0) & (1.0 - sims <= threshold)
    cand = np.where(valid, labels[base[np.maximum(idx, 0)]], -1)
    if groups is None:
        has = valid.any(axis=1)
        first = valid.argmax(axis=1)
        labels[others[has]] = cand[has, first[has]]
        return
    rows = np.nonzero(valid.any(axis=1))[0]
    if rows.size == 0:
        return
    best = np.where(valid, 1.0 - sims, np.inf).min(axis=1)
    rows = rows[np.lexsort((rows, best[rows]))]
    taken: dict[int, set[int]] = {}
    seed_lab = labels[base]
    for lab, grp in zip(seed_lab.tolist(), groups[base].tolist(), strict=True):
        taken.setdefault(lab, set()).add(grp)
    for r in rows.tolist():
        g = int(groups[others[r]])
        for lab in cand[r][valid[r]].tolist():
            used = taken[lab]
            if g not in used:
                used.add(g)
                labels[others[r]] = lab
                break


def cluster_faces(
    vectors: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    seed_mask: np.ndarray | None = None,
    params: ClusterParams = ClusterParams(),  # noqa: B008 - frozen, immutable default
    population: int = 0,
) -> np.ndarray:
    """Group faces into people: labels (n,) int64, 0.. per person, -1 = unsorted.

    ``population`` is the number of faces in the library when these are only some of them
    (the lone-face limits are calibrated for the whole library; 0: these faces alone).

    ``groups`` (n,): faces with the same id (one photo) never share a label. ``seed_mask``
    (n,) bool: only these faces form clusters; every other face then joins the cluster of its
    nearest clustered seed if that is within ``params.attach_threshold`` (default
    ``params.threshold``) and cannot-link allows, else stays -1. Clusters of a single face
    are returned as -1. Labels are numbered in order of each cluster's first face, and the
    result is deterministic for the same input.
    """
    x = _as_unit(vectors)
    n = x.shape[0]
    if groups is not None:
        groups = np.asarray(groups).astype(np.int64, copy=False)
        if groups.shape != (n,):
            raise ValueError(f"groups must have shape ({n},), got {groups.shape}")
    if seed_mask is None:
        seeds = np.arange(n)
    else:
        mask = np.asarray(seed_mask, dtype=bool)
        if mask.shape != (n,):
            raise ValueError(f"seed_mask must have shape ({n},), got {mask.shape}")
        seeds = np.nonzero(mask)[0]
    labels = np.full(n, -1, dtype=np.int64)
    if seeds.size == 0:
        return labels
    xs = x[seeds] if seeds.size < n else x
    gs = None if groups is None else groups[seeds]
    if params.method == "agglomerative":
        slots = _agglomerative(xs, gs, params, population)
    else:
        slots = _hdbscan(xs, gs, params)
    labels[seeds] = _canonical(slots)
    if seeds.size < n:
        others = np.setdiff1d(np.arange(n), seeds, assume_unique=True)
        attach = _attach_limit(params, seeds.size)
        with _timed("attach"):
            _attach(x, labels, seeds, others, groups, attach)
        labels = _canonical(labels)
    if params.absorb_threshold is not None:
        with _timed("absorb"):
            gated = np.ones(n, dtype=bool)
            gated[seeds] = False
            labels = _canonical(
                absorb_fragments(x, labels, groups, params, gated=gated, n_seeds=seeds.size)
            )
    return labels


def _attach_limit(params: ClusterParams, n_seeds: int) -> float:
    """Distance within which a gated face may join its nearest seed's cluster."""
    if params.attach_threshold is not None:
        return params.attach_threshold
    return lone_threshold(n_seeds, params)


def absorb_fragments(
    x: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray | None,
    params: ClusterParams,
    *,
    gated: np.ndarray | None = None,
    k: int = 50,
    top: int = 3,
    n_seeds: int | None = None,
) -> np.ndarray:
    """Let small groups and unsorted faces join the large group they clearly belong to.

    See ``ClusterParams.absorb_*``. Each fragment's faces look up their ``k`` nearest faces of
    large groups; a group's score is the mean of its ``top`` best similarities to the fragment
    (missing ones count as the fragment's k-th similarity, a bound they cannot exceed).
    Cannot-link: a fragment never joins a group holding a face of one of its photos. A
    fragment holding a gated (non-seed) face must also be within the attach threshold (for
    ``n_seeds`` seeds; default: every face).
    """
    assert params.absorb_threshold is not None
    attach = _attach_limit(params, x.shape[0] if n_seeds is None else n_seeds)
    labels = labels.copy()
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    big = ids[counts >= params.absorb_small]
    if big.size < 2:
        return labels
    is_big = np.isin(labels, big)
    big_idx = np.nonzero(is_big)[0]
    frag_units: list[np.ndarray] = [
        np.nonzero(labels == lab)[0] for lab in ids[counts < params.absorb_small]
    ]
    frag_units += [np.array([i]) for i in np.nonzero(labels < 0)[0]]
    if not frag_units:
        return labels
    frag_faces = np.concatenate(frag_units)
    nn_idx, nn_sim = _search(x[big_idx], x[frag_faces], min(k, big_idx.size))
    row_of = {int(f): r for r, f in enumerate(frag_faces)}
    photos: dict[int, set[int]] = {}
    if groups is not None:
        for lab in big.tolist():
            photos[lab] = set(groups[labels == lab].tolist())
    order = sorted(
        range(len(frag_units)), key=lambda u: (-len(frag_units[u]), int(frag_units[u][0]))
    )
    spread: dict[int, float] = {}
    stricter = 0.0
    if params.absorb_trials is not None:
        # the strangers among the fragments: as many as the faces outside large groups suggest
        outside = 1.0 - float(is_big.mean())
        tries = float(len(frag_units)) * float(big.size) * outside
        log.debug(
            "absorb: %d fragments x %d large groups x %.2f outside",
            len(frag_units),
            big.size,
            outside,
        )
        stricter = params.absorb_decade * max(0.0, float(np.log10(tries / params.absorb_trials)))
    for u in order:
        unit = frag_units[u]
        rows = [row_of[int(f)] for f in unit]
        best_per_face: dict[int, float] = {}
        floor = 1.0
        for r in rows:
            valid = nn_idx[r] >= 0
            if not valid.any():
                continue
            floor = min(floor, float(nn_sim[r][valid].min()))
            for j, sim in zip(nn_idx[r][valid].tolist(), nn_sim[r][valid].tolist(), strict=True):
                if sim > best_per_face.get(j, -2.0):
                    best_per_face[j] = sim
        if not best_per_face:
            continue
        per_label: dict[int, list[float]] = {}
        for j, sim in best_per_face.items():
            per_label.setdefault(int(labels[big_idx[j]]), []).append(sim)
        scored = []
        for lab, sims in per_label.items():
            sims = sorted(sims, reverse=True)[:top]
            sims += [floor] * (top - len(sims))
            scored.append((float(np.mean(sims)), lab))
        scored.sort(reverse=True)
        best_sim, best_lab = scored[0]
        second = scored[1][0] if len(scored) > 1 else floor
        limit = params.absorb_threshold
        if params.absorb_spread is not None:
            if best_lab not in spread:
                spread[best_lab] = _group_spread(x, np.nonzero(labels == best_lab)[0], params, top)
            limit = min(params.absorb_cap, max(limit, spread[best_lab] + params.absorb_spread))
        limit -= stricter
        if gated is not None and gated[unit].any():
            limit = min(limit, attach)
        if 1.0 - best_sim > limit or best_sim - second < params.absorb_margin:
            continue
        if groups is not None:
            unit_photos = set(groups[unit].tolist())
            if unit_photos & photos[best_lab]:
                continue
            photos[best_lab] |= unit_photos
        labels[unit] = best_lab
    return labels


def _group_spread(x: np.ndarray, members: np.ndarray, params: ClusterParams, top: int) -> float:
    """How far a genuine member of this group sits from the rest: the ``absorb_quantile`` of
    each member's distance (1 - mean of its ``top`` best similarities to the other members)."""
    sample = members
    if members.size > 300:
        sample = np.random.default_rng(0).choice(members, 300, replace=False)
    sims = x[sample] @ x[members].T
    sims[sims > 0.9999] = -1.0  # the member itself
    k = min(top, members.size - 1)
    near = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    return float(np.quantile(1.0 - near, 1.0 - params.absorb_quantile))


def _exact_top3(
    q: np.ndarray,
    r: np.ndarray,
    lab_ref: np.ndarray,
    lab: np.ndarray,
    score: np.ndarray,
    todo: np.ndarray,
) -> None:
    """Set ``score[todo]`` to the mean of the query's 3 best similarities to that label."""
    order = np.argsort(lab_ref, kind="stable")
    sorted_lab = lab_ref[order]
    rows, cols = np.nonzero(todo)
    labels = lab[rows, cols]
    by_label = np.argsort(labels, kind="stable")
    rows, cols, labels = rows[by_label], cols[by_label], labels[by_label]
    cuts = np.flatnonzero(np.diff(labels)) + 1
    for part in np.split(np.arange(labels.size), cuts):
        label = labels[part[0]]
        lo, hi = np.searchsorted(sorted_lab, [label, label + 1])
        members = r[order[lo:hi]]
        for start in range(0, part.size, 4096):
            chunk = part[start : start + 4096]
            sims = members @ q[rows[chunk]].T  # (size, chunk), size >= 3
            best3 = np.partition(sims, sims.shape[0] - 3, axis=0)[-3:]
            score[rows[chunk], cols[chunk]] = best3.mean(axis=0)


def assign_to_clusters(
    new_vectors: np.ndarray,
    ref_vectors: np.ndarray,
    ref_labels: np.ndarray,
    *,
    threshold: float,
    k: int = 10,
    new_groups: np.ndarray | None = None,
    ref_groups: np.ndarray | None = None,
    lone: float | None = None,
    established: int = 1,
    margin: float = 0.0,
) -> np.ndarray:
    """Labels for new faces against an already clustered library; -1 where none fits.

    With ``margin``, a face joins its best label only when that label's score beats every
    other label among its k nearest by at least ``margin`` (identification as a top-k decision
    with a margin: a face between two look-alike people joins neither).

    With ``lone`` below ``threshold``, a label of few faces is held to a stricter limit: a
    match with one face is a 1:1 verification (``lone``, calibrated for the library's size by
    ``lone_threshold``), rising linearly to ``threshold`` for a label of ``established`` faces,
    the same rule as the clustering's (issue 18: precision at thousands of people).

    The labels among each new face's k nearest labelled reference faces (references labelled
    -1 are ignored) are the candidates. Each candidate label is scored by the mean of the new
    face's top-3 similarities to that label's reference faces, or by the single nearest one
    when the label has fewer than 3 faces; the best-scoring label is taken if its distance
    (1 - score) is <= ``threshold``. Top-3 is exact: when fewer than 3 of a label's faces
    are among the k nearest, its other faces are compared directly, so one chance look-alike
    in a large library does not pull a stranger in. Cannot-link: a new face never joins a
    label that holds a reference face of its group, and two new faces of one group never
    join the same label (the closer one wins; the other tries its next label).

    Vectorised; 1k new faces against 100k references take ~0.6 s on 2 cores (exact search).
    """
    q = _as_unit(new_vectors)
    m = q.shape[0]
    out = np.full(m, -1, dtype=np.int64)
    ref_labels = np.asarray(ref_labels).astype(np.int64, copy=False)
    labelled = np.nonzero(ref_labels >= 0)[0]
    if m == 0 or labelled.size == 0:
        return out
    r = _as_unit(np.asarray(ref_vectors)[labelled])
    lab_ref = ref_labels[labelled]
    idx, sims = _search(r, q, k)
    kk = idx.shape[1]
    lab = np.where(idx >= 0, lab_ref[np.maximum(idx, 0)], -1)
    sims = np.where(idx >= 0, sims, -np.inf).astype(np.float32)
    # Per position p: how many earlier positions share its label (rank within the label) and
    # how many positions share it in all. Columns are sorted by decreasing similarity.
    same = lab[:, :, None] == lab[:, None, :]
    earlier = np.tri(kk, kk, -1, dtype=bool)
    rank = (same & earlier).sum(axis=2)
    count = same.sum(axis=2)
    in_top3 = same & (rank[:, None, :] < 3)
    top3 = np.where(in_top3, sims[:, None, :], 0.0).sum(axis=2) / 3.0
    nearest = np.where(same, sims[:, None, :], -np.inf).max(axis=2)
    uniq_lab, lab_size = np.unique(lab_ref, return_counts=True)
    size = np.zeros_like(lab)
    valid = lab >= 0
    size[valid] = lab_size[np.searchsorted(uniq_lab, lab[valid])]
    score = np.where(count >= 3, top3, nearest)
    limit: np.ndarray | float = threshold
    if lone is not None and lone < threshold:
        grown = np.minimum(1.0, (np.maximum(size, 1) - 1.0) / max(1, established - 1))
        limit = lone + (threshold - lone) * grown
    # Only each label's first (nearest) position is a candidate.
    ok = valid & (rank == 0)
    # Labels of 3+ faces with fewer than 3 among the k nearest: exact top-3 from all members.
    short = ok & (count < 3) & (size >= 3) & (1.0 - score <= limit)
    if short.any():
        _exact_top3(q, r, lab_ref, lab, score, short)
    ok &= 1.0 - score <= limit

    if new_groups is not None and ref_groups is not None:
        ng = np.asarray(new_groups).astype(np.int64, copy=False)
        rg = np.asarray(ref_groups).astype(np.int64, copy=False)[labelled]
        codes, inv = np.unique(np.concatenate([rg, ng]), return_inverse=True)
        span = np.int64(codes.size)
        ref_keys = np.unique(lab_ref * span + inv[: rg.size])
        new_code = inv[rg.size :]
        keys = lab * span + new_code[:, None]
        pos = np.minimum(np.searchsorted(ref_keys, keys), ref_keys.size - 1)
        ok &= ref_keys[pos] != keys

    if margin > 0.0:
        first = valid & (rank == 0)
        cand = np.where(first, score, -np.inf)
        best_at = np.where(ok, score, -np.inf).argmax(axis=1)
        rows_m = np.arange(m)
        best_val = cand[rows_m, best_at]
        cand[rows_m, best_at] = -np.inf
        clear = best_val - cand.max(axis=1) >= margin
        ok &= clear[:, None]
    masked = np.where(ok, score, -np.inf)
    if new_groups is None:
        best = masked.argmax(axis=1)
        hit = ok[np.arange(m), best]
        out[hit] = lab[hit, best[hit]]
        return out
    ng = np.asarray(new_groups).astype(np.int64, copy=False)
    rows = np.nonzero(ok.any(axis=1))[0]
    order = np.argsort(-masked, axis=1, kind="stable")
    best_score = masked.max(axis=1)
    rows = rows[np.lexsort((rows, -best_score[rows]))]
    taken: set[tuple[int, int]] = set()
    for i in rows.tolist():
        g = int(ng[i])
        for p in order[i].tolist():
            if not ok[i, p]:
                break
            key = (int(lab[i, p]), g)
            if key not in taken:
                taken.add(key)
                out[i] = key[0]
                break
    return out
