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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)

# --- nearest-neighbour search tuning (measured on 2 cores; see benchmarks/cluster_scale.py) --
# Up to this many base vectors, search is always exact brute force (a dense 5k x 5k block).
_DENSE_MAX = 5_000
# Cost model, measured on 2 cores: exact brute force (faiss flat, BLAS + heap top-k) costs
# ~2-4e-9 s per (query, base) pair (20k x 20k: 0.8 s idle; 50k x 50k: 16 CPU-s), numpy
# matmul + top-k (no faiss) ~1e-8; an approximate index ~3-7e-5 s per vector to build and
# query (faiss IVF, 100k: 5 s, 1M: 110 s; hnswlib ~1.7e-4). Brute force is used while
# n_q * n_b <= _BRUTE_RATIO * (n_q + n_b): for the self-graph that is n <= 25k (100k brute
# force would take ~40-60 s), while new faces against a big library stay exact (1k x 1M:
# ~3 s, 10k x 1M: ~25 s), where building an index over the library alone costs ~1 min.
_BRUTE_RATIO = 12_500.0
# Bytes of float32 similarities allowed per brute-force block (numpy path).
_BLOCK_BYTES = 64 << 20
# HDBSCAN: the dense "generic" algorithm holds n x n float64 matrices (10k: 0.8 GB each,
# 5.4 s) and the tree-based ones are slow in 128-d (10k: prims 14 s, boruvka 44 s); the
# sparse kNN graph path took 2.2 s at 10k (kNN 0.9 s + hdbscan 1.3 s). Dense only below:
_HDBSCAN_DENSE_MAX = 2_000
# Above this, hdbscan's sparse path needs more than ~4.5 GB (measured ~9 KB per face).
_HDBSCAN_WARN_AT = 500_000


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
    absorb_margin: float = 0.10
    absorb_small: int = 5
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


# SFace's impostor tail (docs/thresholds.md, every labelled pair of lfw-fold1 and celeba-wild,
# retinaface-sface): the false-match rate at cosine similarity 0.40 is ~3e-4 and falls about
# tenfold per 0.06 of similarity above it (0.45: 3-6e-5; 0.50: under 2e-5).
_FMR_AT_040 = 3e-4
_FMR_DECADES_PER_SIM = 17.0


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


@contextmanager
def _timed(phase: str) -> Iterator[None]:
    """Log how long a phase took (DEBUG, with ``phase`` and ``seconds`` as record extras)."""
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    log.debug("%s: %.2f s", phase, seconds, extra={"phase": phase, "seconds": seconds})


# ---------------------------------------------------------------------------------------------
# nearest neighbours
# ---------------------------------------------------------------------------------------------


def _as_unit(vectors: np.ndarray) -> np.ndarray:
    """Contiguous float32 copy-or-view with rows scaled to unit length (zero rows stay zero)."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1)
    if x.shape[0] and np.all(np.abs(norms - 1.0) < 1e-4):
        return x
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms[:, None], dtype=np.float32)


def _topk_block(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the k largest entries of each row, best first.

    Cheaper than ``argpartition`` over whole rows (which costs ~18 ns per element here): the
    k-th largest value of a strided sample of columns is a lower bound on each row's k-th
    largest value, so only the (few) entries at or above it are sorted.
    """
    b, m = sims.shape
    if m <= max(4 * k, 256):
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(sims, order, axis=1)
    step = max(1, m // max(8 * k, 2048))
    sample = sims[:, ::step]
    pos = sample.shape[1] - k
    thr = np.partition(sample, pos, axis=1)[:, pos]
    rows, cols = np.nonzero(sims >= thr[:, None])
    vals = sims[rows, cols]
    order = np.lexsort((cols, -vals, rows))
    cols = cols[order]
    vals = vals[order]
    starts = np.searchsorted(rows[order], np.arange(b))
    take = starts[:, None] + np.arange(k)
    return cols[take].astype(np.int64), vals[take]


def _brute_search(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of ``base`` by inner product for each query, best first, in blocks."""
    nq, nb = queries.shape[0], base.shape[0]
    kk = min(k, nb)
    # BLAS matmul + sampled-threshold top-k. faiss' flat index was ~3-5x faster (20k x 20k on
    # 2 cores: 0.8 s against 4.6 s idle), but faiss and its own OpenBLAS added 66 MB to the
    # bundle next to hnswlib, which search and the approximate path use anyway.
    block = max(16, min(nq, _BLOCK_BYTES // (4 * max(nb, 1))))
    out_i = np.empty((nq, kk), dtype=np.int64)
    out_s = np.empty((nq, kk), dtype=np.float32)
    for start in range(0, nq, block):
        sims = queries[start : start + block] @ base.T
        i, s = _topk_block(sims, kk)
        out_i[start : start + block] = i
        out_s[start : start + block] = s
    return out_i, out_s


def _ann_search(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Approximate top-k by inner product (missing results: index -1, similarity -inf).

    hnswlib HNSW (M 16, efConstruction 60, ef max(2k, 64)), built single-threaded so that the
    graph, and the grouping, are deterministic. Measured on synthetic faces (same-person
    distance 0.3-0.5) on 2 cores, 100k self-graph k=31: hnswlib 17.1 s, recall of the true
    neighbours closer than 0.6 97.5 %; faiss IVF-Flat 5.1 s / 96.4 % (faiss was dropped: one
    nearest-neighbour library, 66 MB less in the bundle); exact brute force ~40-100 s. Misses
    are mostly far neighbours, which agglomerative does not need: linkage values are exact
    (from cluster sums) and the graph only has to keep each person connected.
    """
    nb, d = base.shape
    try:
        import hnswlib
    except ImportError:  # pragma: no cover - depends on the environment
        log.warning("hnswlib is not installed: exact search over %d faces", nb)
        return _brute_search(base, queries, k)
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=nb, ef_construction=60, M=16, random_seed=0)
    index.set_num_threads(1)
    index.add_items(base, np.arange(nb))
    index.set_num_threads(2)
    index.set_ef(max(2 * k, 64))
    labels, dists = index.knn_query(queries, k=min(k, nb))
    return labels.astype(np.int64), (1.0 - dists).astype(np.float32)


def _use_brute(n_queries: int, n_base: int) -> bool:
    """Whether exact brute force is cheaper than building an approximate index."""
    return n_base <= _DENSE_MAX or n_queries * n_base <= _BRUTE_RATIO * (n_queries + n_base)


def _search(base: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``base`` for every query by inner product, best first: (indices, sims)."""
    k = min(k, base.shape[0])
    if k <= 0 or queries.shape[0] == 0:
        return (
            np.empty((queries.shape[0], 0), dtype=np.int64),
            np.empty((queries.shape[0], 0), dtype=np.float32),
        )
    if _use_brute(queries.shape[0], base.shape[0]):
        return _brute_search(base, queries, k)
    return _ann_search(base, queries, k)


def knn_graph(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's k nearest others, self excluded: (indices (n, k), cosine distances (n, k)).

    Rows are sorted by increasing distance. k is capped at n - 1. Exact (dense or blocked
    brute force) up to ~25k vectors, approximate (faiss IVF, see ``_ann_search``) above; an
    approximate row that found fewer than k neighbours is padded with index -1 and
    distance inf. Exact duplicates of a vector are returned as neighbours at distance 0.
    """
    x = _as_unit(vectors)
    n = x.shape[0]
    k = min(int(k), n - 1)
    if k <= 0:
        return np.empty((n, 0), dtype=np.int64), np.empty((n, 0), dtype=np.float32)
    kq = k + 1
    idx, sims = _search(x, x, kq)
    # Drop each row's own index; rows where it did not come back (duplicates, approximate
    # search) lose their last column instead.
    own = idx == np.arange(n)[:, None]
    first_own = np.where(own.any(axis=1), own.argmax(axis=1), kq - 1)
    keep = np.ones_like(own)
    keep[np.arange(n), first_own] = False
    idx = idx[keep].reshape(n, k)
    sims = sims[keep].reshape(n, k)
    dist = (1.0 - sims).astype(np.float32)
    missing = idx < 0
    if missing.any():
        dist[missing] = np.inf
    np.clip(dist, 0.0, None, out=dist)
    return idx, dist


# ---------------------------------------------------------------------------------------------
# average linkage over the kNN graph (nearest-neighbour chain)
# ---------------------------------------------------------------------------------------------


def _graph_csr(idx: np.ndarray, dist: np.ndarray, below: float) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric adjacency (indptr, indices) of the kNN edges with distance < ``below``."""
    import scipy.sparse as sp

    n = idx.shape[0]
    ok = (idx >= 0) & (dist < below)
    rows = np.nonzero(ok)[0].astype(np.int32)
    cols = idx[ok].astype(np.int32)
    ones = np.ones(rows.shape[0], dtype=np.int8)
    graph = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
    graph = (graph + graph.T).tocsr()
    graph.sort_indices()
    return graph.indptr.astype(np.int64), graph.indices.astype(np.int64)


class _Chain:
    """State of the nearest-neighbour-chain average-linkage clustering.

    Clusters live in the slot of one of their faces; a merged-away slot points at the
    survivor through ``parent``. ``sums``/``sizes`` give exact average linkage. A cluster
    with no allowed neighbour below the threshold is marked ``done`` for good: with exact
    average linkage a merge of two others is never closer to it than the nearer of the two
    (reducibility), and cannot-link conflicts only grow. The graph restriction can break
    that in rare cases (a merge brings in a close pair that had no edge); those are the only
    places where the result can differ from the greedy global-minimum order.

    With ``lone`` below ``threshold`` the limit of a merge depends on the clusters' sizes
    (``limit``): a cluster found with no allowed neighbour may become allowed once a neighbour
    grows, so every merge re-opens the finished clusters adjacent to the result.
    """

    def __init__(
        self,
        x: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        threshold: float,
        groups: np.ndarray | None,
        lone: float | None = None,
        established: int = 1,
    ) -> None:
        n = x.shape[0]
        self.sums = x.copy()
        self.sizes = np.ones(n, dtype=np.float32)
        self.parent = np.arange(n, dtype=np.int64)
        self.done = np.zeros(n, dtype=bool)
        self.indptr = indptr
        self.indices = indices
        self.nbrs: dict[int, np.ndarray] = {}
        self.dirty: set[int] = set()
        self.threshold = threshold
        self.groups = groups
        self.gsets: dict[int, set[int]] = {}
        self.lone = threshold if lone is None else min(lone, threshold)
        self.sized = self.lone < threshold
        self.established = max(1, established)
        self.pending: list[int] = []

    def limit(self, sizes: np.ndarray, size: float) -> np.ndarray | float:
        """The distance below which a cluster of ``size`` may merge with each of ``sizes``."""
        if not self.sized:
            return self.threshold
        span = max(1, self.established - 1)
        grown = np.minimum(1.0, (np.maximum(sizes, size) - 1.0) / span)
        return self.lone + (self.threshold - self.lone) * grown

    def find(self, a: np.ndarray) -> np.ndarray:
        """Current cluster slot of each slot in ``a`` (with path compression)."""
        parent = self.parent
        r = parent[a]
        while True:
            rr = parent[r]
            if np.array_equal(rr, r):
                break
            r = rr
        parent[a] = r
        return r

    def _group_set(self, c: int) -> set[int]:
        got = self.gsets.get(c)
        if got is None:
            assert self.groups is not None
            got = {int(self.groups[c])}
        return got

    def conflict(self, a: int, b: int) -> bool:
        """Whether clusters a and b hold faces of one group (cannot-link)."""
        if self.groups is None:
            return False
        ga, gb = self._group_set(a), self._group_set(b)
        if len(ga) > len(gb):
            ga, gb = gb, ga
        return not ga.isdisjoint(gb)

    def neighbours(self, c: int) -> np.ndarray:
        """Live, unfinished clusters adjacent to cluster c (sorted, unique)."""
        raw = self.nbrs.get(c)
        if raw is None:
            raw = self.indices[self.indptr[c] : self.indptr[c + 1]]
        if raw.size == 0:
            return raw
        nb = self.find(raw)
        # Neighbour lists are kept sorted and unique; a list needs re-sorting after its own
        # merge (concatenated, "dirty") or when some neighbours were merged since.
        changed = c in self.dirty or not np.array_equal(nb, raw)
        if changed:
            nb = np.unique(nb)
            self.dirty.discard(c)
        nb = nb[nb != c]
        if self.sized:
            # Finished neighbours stay listed: a merge may re-open them (see ``merge``).
            if changed or nb.size != raw.size:
                self.nbrs[c] = nb
            return nb[~self.done[nb]]
        nb = nb[~self.done[nb]]
        if changed or nb.size != raw.size:
            self.nbrs[c] = nb
        return nb

    def nearest(self, c: int, prev: int) -> int:
        """The cluster to merge c with next (prev on ties), or -1 if none is below threshold."""
        nb = self.neighbours(c)
        if nb.size == 0:
            return -1
        d = 1.0 - (self.sums[nb] @ self.sums[c]) / (self.sizes[nb] * self.sizes[c])
        d = np.where(d < self.limit(self.sizes[nb], float(self.sizes[c])), d, np.inf)
        if self.groups is None:
            j = int(np.argmin(d))
            if not np.isfinite(d[j]):
                return -1
            if prev >= 0:
                at = np.searchsorted(nb, prev)
                if at < nb.size and nb[at] == prev and d[at] <= d[j]:
                    return prev
            return int(nb[j])
        banned: list[int] = []
        best = -1
        while True:
            j = int(np.argmin(d))
            if not np.isfinite(d[j]):
                break
            cand = int(nb[j])
            if self.conflict(c, cand):
                banned.append(j)
                d[j] = np.inf
                continue
            best = cand
            if prev >= 0:
                at = np.searchsorted(nb, prev)
                if at < nb.size and nb[at] == prev and d[at] <= d[j]:
                    best = prev
            break
        if banned and not self.sized:
            keep = np.ones(nb.size, dtype=bool)
            keep[banned] = False
            self.nbrs[c] = nb[keep]
        return best

    def merge(self, a: int, b: int) -> int:
        """Merge clusters a and b; return the surviving slot."""
        keep, gone = (a, b) if (self.sizes[a], -a) >= (self.sizes[b], -b) else (b, a)
        self.sums[keep] += self.sums[gone]
        self.sizes[keep] += self.sizes[gone]
        self.parent[gone] = keep
        parts = []
        for c in (keep, gone):
            got = self.nbrs.pop(c, None)
            parts.append(self.indices[self.indptr[c] : self.indptr[c + 1]] if got is None else got)
        self.nbrs[keep] = np.concatenate(parts)
        self.dirty.add(keep)
        self.dirty.discard(gone)
        if self.groups is not None:
            # Both sets belong to the two merged clusters (or are fresh): grow the larger.
            gk, gg = self._group_set(keep), self._group_set(gone)
            if len(gk) < len(gg):
                gk, gg = gg, gk
            gk |= gg
            self.gsets.pop(gone, None)
            self.gsets[keep] = gk
        if self.sized:
            around = np.unique(self.find(self.nbrs[keep]))
            reopen = around[self.done[around] & (around != keep)]
            if reopen.size:
                self.done[reopen] = False
                self.pending.extend(reopen.tolist())
        return keep

    def run(self) -> np.ndarray:
        """Cluster everything; return each face's cluster slot."""
        n = self.parent.shape[0]
        in_chain = np.zeros(n, dtype=bool)
        parent, done = self.parent, self.done
        # Clusters made by a merge whose chain went on elsewhere (or re-opened by one) still
        # need a look-up.
        pending = self.pending

        def starts() -> Iterator[int]:
            yield from range(n)
            while pending:
                yield pending.pop()

        for start in starts():
            if parent[start] != start or done[start]:
                continue
            chain = [start]
            in_chain[start] = True
            while chain:
                top = chain[-1]
                prev = chain[-2] if len(chain) > 1 else -1
                nxt = self.nearest(top, prev)
                if nxt < 0:
                    done[top] = True
                    in_chain[top] = False
                    chain.pop()
                elif nxt == prev:
                    chain.pop()
                    chain.pop()
                    in_chain[top] = in_chain[prev] = False
                    pending.append(self.merge(top, prev))
                elif in_chain[nxt]:
                    # Only possible where the graph breaks reducibility (a merge created an
                    # edge to a cluster closer than the chain's links): merge top with its
                    # nearest neighbour and cut the chain there.
                    at = chain.index(nxt)
                    for c in chain[at:]:
                        in_chain[c] = False
                    del chain[at:]
                    pending.append(self.merge(top, nxt))
                else:
                    chain.append(nxt)
                    in_chain[nxt] = True
        return self.find(np.arange(n))


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
# hdbscan
# ---------------------------------------------------------------------------------------------


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
