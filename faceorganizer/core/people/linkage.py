"""Average linkage over a sparse kNN graph by the nearest-neighbour chain (see cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


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
