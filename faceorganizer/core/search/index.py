"""Nearest stored faces to a query vector: exact up to a measured size, approximate above it.

Vectors are unit length, so cosine similarity is the inner product.

* **Exact** (up to :data:`EXACT_LIMIT` faces): the stored vectors as one float32 matrix; a search
  is one matrix product per batch of queries followed by a partial sort. Exact by construction.
* **Approximate** (above it): an hnswlib HNSW graph over the inner product, with face ids as its
  labels, its search breadth (ef) growing with the library so recall@10 stays ≥ 0.99.
  hnswlib was chosen over faiss-cpu's ``IndexHNSWFlat`` by measurement (recall and latency were
  alike; see benchmarks/search_bench.py and docs/thresholds.md) because it adds and *removes*
  items in place, which is what keeping in step with scans needs.

Keeping in step: :meth:`FaceIndex.update` applies a scan's added faces and a deletion's removed
faces in place (exact: rows appended or dropped, one copy of the matrix; approximate: items
added, removed ones marked deleted; a deleted face's slot is reused only if its id comes back,
so after many deletions a rebuild gives the memory back). A re-scanned
face whose vector changed is passed in both lists, or only in ``added_ids`` (replaced).
Building from the database again (:meth:`FaceIndex.from_database`) is always correct too: it
costs one read of the vectors plus, above the exact limit, the graph build.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceVectors

log = logging.getLogger(__name__)

# Measured (benchmarks/search_bench.py, 2 cores; docs/thresholds.md): exact single-query
# latency grows linearly (memory-bandwidth bound), ~8 ms per 100k faces, and needs no build;
# the graph answers in ~1 ms but costs ~20 s per 100k faces to build. Up to this size exact
# stays at or under ~20 ms per query, so the graph is only worth it above.
EXACT_LIMIT = 250_000
HNSW_M = 32  # graph degree (M=16 needed ef ≥ 400 for recall@10 0.99 at 100k)
HNSW_EF_CONSTRUCTION = 200
# Search breadth, by size, for recall@10 ≥ 0.99 against exact (measured, synthetic SFace-like
# faces): ef 256 gives 0.998 at 100k but 0.986 at 1M, where ef 768 gives 0.992 (3.2 ms/query).
HNSW_EF_SEARCH = 256
HNSW_EF_SEARCH_LARGE = 768
HNSW_LARGE = 400_000
QUERY_BLOCK_BYTES = 64 * 2**20  # at most this much similarity matrix at once

IdArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class FaceIndex:
    """Stored face vectors that answer "the k most similar faces" for query vectors."""

    def __init__(
        self,
        ids: npt.ArrayLike,
        vectors: npt.ArrayLike,
        *,
        approximate: bool | None = None,
        threads: int | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        """Index ``vectors`` (n, d), unit length, labelled by face ``ids`` (n,).

        ``approximate`` None chooses by size (exact up to ``exact_limit`` faces); True or False
        forces it. ``threads`` limits the approximate index's build and search threads.
        """
        id_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        vec = np.asarray(vectors, dtype=np.float32)
        if vec.ndim != 2 and id_arr.size == 0:
            vec = vec.reshape(0, 0)
        if vec.ndim != 2 or vec.shape[0] != id_arr.shape[0]:
            raise ValueError(f"{id_arr.shape[0]} ids for vectors of shape {vec.shape}")
        if len(np.unique(id_arr)) != len(id_arr):
            raise ValueError("face ids must be unique")
        self.dim = int(vec.shape[1])
        self.threads = threads or -1
        self.exact_limit = exact_limit
        self._auto = approximate is None
        self.hnsw_m = HNSW_M
        self._ef: int | None = None
        self._ids: IdArray = id_arr.copy()
        self._vectors: FloatArray = np.ascontiguousarray(vec)
        self._hnsw: Any = None
        self._alive: set[int] = set()
        self._labels: set[int] = set()
        use_approx = len(id_arr) > exact_limit if approximate is None else approximate
        if use_approx:
            self._build_hnsw(self._ids, self._vectors)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_vectors(cls, stored: FaceVectors, **options: Any) -> FaceIndex:
        """An index over :meth:`FaceRepository.vectors` output."""
        return cls(stored.ids, stored.vectors, **options)

    @classmethod
    def from_database(
        cls, database: Database, pack_id: str | None = None, **options: Any
    ) -> FaceIndex:
        """An index over every stored face (of one model pack) of a library."""
        from faceorganizer.core.store.faces import FaceRepository

        return cls.from_vectors(FaceRepository(database).vectors(pack_id), **options)

    def _build_hnsw(self, ids: IdArray, vectors: FloatArray) -> None:
        import hnswlib

        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(
            max_elements=max(16, len(ids)),
            ef_construction=HNSW_EF_CONSTRUCTION,
            M=self.hnsw_m,
        )
        index.set_num_threads(self.threads)
        if len(ids):
            index.add_items(vectors, ids.astype(np.uint64), num_threads=self.threads)
        self._hnsw = index
        self._alive = {int(i) for i in ids}
        self._labels = set(self._alive)  # every label the graph holds, deleted ones included
        self._ids = np.zeros(0, np.int64)
        self._vectors = np.zeros((0, self.dim), np.float32)

    # -- facts ----------------------------------------------------------------------------------
    @property
    def ef_search(self) -> int:
        """The approximate search's breadth: by library size unless set."""
        if self._ef is not None:
            return self._ef
        return HNSW_EF_SEARCH_LARGE if len(self) > HNSW_LARGE else HNSW_EF_SEARCH

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        self._ef = int(value)

    @property
    def approximate(self) -> bool:
        """Whether searches go through the HNSW graph."""
        return self._hnsw is not None

    def __len__(self) -> int:
        return len(self._alive) if self._hnsw is not None else len(self._ids)

    def __contains__(self, face_id: object) -> bool:
        if not isinstance(face_id, int | np.integer):
            return False
        if self._hnsw is not None:
            return int(face_id) in self._alive
        return bool(np.any(self._ids == int(face_id)))

    # -- search ---------------------------------------------------------------------------------
    def search(self, queries: npt.ArrayLike, k: int) -> tuple[IdArray, FloatArray]:
        """The ``k`` most similar stored faces to each query (m, d), best first.

        Returns ``(ids, similarities)``, both (m, k); when fewer than ``k`` faces are stored
        the missing places hold id -1 and similarity -inf.
        """
        q = np.ascontiguousarray(np.asarray(queries, dtype=np.float32))
        if q.ndim == 1:
            q = q.reshape(1, -1)
        m = q.shape[0]
        out_ids = np.full((m, max(0, k)), -1, np.int64)
        out_sims = np.full((m, max(0, k)), -np.inf, np.float32)
        n = len(self)
        if k <= 0 or m == 0 or n == 0:
            return out_ids, out_sims
        if q.shape[1] != self.dim:
            raise ValueError(f"queries have {q.shape[1]} dimensions, the index {self.dim}")
        kk = min(k, n)
        if self._hnsw is not None:
            ids, sims = self._search_hnsw(q, kk)
        else:
            ids, sims = self._search_exact(q, kk)
        out_ids[:, :kk] = ids
        out_sims[:, :kk] = sims
        return out_ids, out_sims

    def _search_exact(self, q: FloatArray, k: int) -> tuple[IdArray, FloatArray]:
        n = len(self._ids)
        block = max(1, QUERY_BLOCK_BYTES // (4 * n))
        ids = np.empty((len(q), k), np.int64)
        sims = np.empty((len(q), k), np.float32)
        for s in range(0, len(q), block):
            scores = q[s : s + block] @ self._vectors.T  # (b, n): the one matrix product
            if k < n:
                part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            else:
                part = np.broadcast_to(np.arange(n), (len(scores), n))
            top = np.take_along_axis(scores, part, axis=1)
            order = np.argsort(-top, axis=1, kind="stable")
            best = np.take_along_axis(part, order, axis=1)
            ids[s : s + block] = self._ids[best]
            sims[s : s + block] = np.take_along_axis(top, order, axis=1)
        return ids, sims

    def _search_hnsw(self, q: FloatArray, k: int) -> tuple[IdArray, FloatArray]:
        self._hnsw.set_ef(max(self.ef_search, k))
        labels, dist = self._hnsw.knn_query(q, k=k, num_threads=self.threads)
        return labels.astype(np.int64), (1.0 - dist).astype(np.float32)

    def vectors_of(self, face_ids: npt.ArrayLike) -> FloatArray:
        """The stored vectors of these faces (KeyError for one not stored)."""
        wanted = np.asarray(face_ids, dtype=np.int64).reshape(-1)
        if self._hnsw is not None:
            missing = [int(f) for f in wanted if int(f) not in self._alive]
            if missing:
                raise KeyError(missing[0])
            if not len(wanted):
                return np.zeros((0, self.dim), np.float32)
            return np.asarray(self._hnsw.get_items(wanted.astype(np.uint64)), np.float32)
        order = np.argsort(self._ids, kind="stable")
        pos = np.searchsorted(self._ids, wanted, sorter=order)
        pos = np.minimum(pos, len(order) - 1) if len(order) else pos
        rows = order[pos] if len(order) else pos
        bad = ~(self._ids[rows] == wanted) if len(order) else np.ones(len(wanted), bool)
        if np.any(bad):
            raise KeyError(int(wanted[bad][0]))
        return self._vectors[rows]

    # -- keeping in step ------------------------------------------------------------------------
    def update(
        self,
        added_ids: npt.ArrayLike = (),
        added_vectors: npt.ArrayLike | None = None,
        removed_ids: npt.ArrayLike = (),
    ) -> None:
        """Remove ``removed_ids`` (unknown ids are ignored), then add or replace ``added_ids``.

        In auto mode an exact index that grows past the exact limit becomes approximate.
        """
        add = np.asarray(added_ids, dtype=np.int64).reshape(-1)
        rem = np.asarray(removed_ids, dtype=np.int64).reshape(-1)
        if added_vectors is None:
            vec = np.zeros((0, self.dim), np.float32)
        else:
            vec = np.ascontiguousarray(np.asarray(added_vectors, dtype=np.float32))
            vec = vec.reshape(len(add), -1) if vec.size or len(add) else vec.reshape(0, self.dim)
        if vec.shape[0] != add.shape[0]:
            raise ValueError(f"{add.shape[0]} added ids for {vec.shape[0]} vectors")
        if len(add) and self.dim == 0 and len(self) == 0:
            self.dim = int(vec.shape[1])
            self._vectors = np.zeros((0, self.dim), np.float32)
        if len(add) and vec.shape[1] != self.dim:
            raise ValueError(f"added vectors have {vec.shape[1]} dimensions, the index {self.dim}")
        if len(np.unique(add)) != len(add):
            raise ValueError("added face ids must be unique")
        if self._hnsw is not None:
            self._update_hnsw(add, vec, rem)
            return
        drop = np.isin(self._ids, np.concatenate([rem, add]))
        keep = ~drop
        self._ids = np.concatenate([self._ids[keep], add])
        self._vectors = np.ascontiguousarray(np.concatenate([self._vectors[keep], vec]))
        if self._auto and len(self._ids) > self.exact_limit:
            log.info("face index grew past %d faces: building the approximate index", len(self))
            self._build_hnsw(self._ids, self._vectors)

    def _update_hnsw(self, add: IdArray, vec: FloatArray, rem: IdArray) -> None:
        added = {int(f) for f in add}
        for face_id in {int(f) for f in rem} - added:
            if face_id in self._alive:
                self._hnsw.mark_deleted(face_id)
                self._alive.discard(face_id)
        if not len(add):
            return
        # a label the graph already holds (alive or deleted) is updated in its own slot
        needed = self._hnsw.get_current_count() + len(added - self._labels)
        if needed > self._hnsw.get_max_elements():
            self._hnsw.resize_index(max(needed, int(self._hnsw.get_max_elements() * 1.5)))
        self._hnsw.add_items(vec, add.astype(np.uint64), num_threads=self.threads)
        self._alive |= added
        self._labels |= added
