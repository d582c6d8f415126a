"""Nearest neighbours of face vectors: exact brute force in blocks, hnswlib above a size.

Cosine similarity is the inner product of unit vectors; every search returns indices and
similarities, best first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

log = logging.getLogger(__name__)


@contextmanager
def _timed(phase: str) -> Iterator[None]:
    """Log how long a phase took (DEBUG, with ``phase`` and ``seconds`` as record extras)."""
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    log.debug("%s: %.2f s", phase, seconds, extra={"phase": phase, "seconds": seconds})


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
