"""'Same person?' questions worth asking, best first, never one the user already answered.

A group is compared with a person by the mean of its best face-to-face similarities (top 3),
not by one average face: people change over years, and a new photo resembles some of their
photos more than their mean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from faceorganizer.core.people.born import forbidden_pairs
from faceorganizer.core.people.ops import PeopleOps, faces_text, who
from faceorganizer.core.records import Changes
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository, FaceVectors
from faceorganizer.core.store.people import PeopleRepository

# Calibrated floors (cosine similarity; docs/thresholds.md, "FMR / FNMR at each threshold"):
# * FACE_FLOOR 0.38, the "same person" verdict: a false-match rate of at most 0.1 % on every
#   measured set (0.062 % on all LFW fold 1 pairs, 0.080 % on all celeba-wild pairs). A face is
#   offered in "Is this also NAME?" (and "Is this NAME?" for an unsorted face) only at or above
#   it: a grid is accepted whole with one click, so a stranger in it is a mistake filed with a
#   yes. The 0.28-0.38 "possibly" band (1-2 % false matches per pair, more against a person's
#   best 3 of many faces) is where strangers were offered at 28-30 %.
# * PAIR_FLOOR 0.28, the "different people" verdict (false-non-match rate 1 % on LFW fold 1
#   pairs): a "same person?" question between a group and a fragment shows both sides' faces
#   and is answered on its own, so the "possibly" band is worth asking; below 0.28 it is not.
#   Between two established groups, and between two unnamed fragments, the floor is
#   FACE_FLOOR (``pair_floor``): on celeba-wild that drops 170 of 274 questions between
#   different people and none of the 4 right ones; on celebrities + snapshots, the questions
#   between look-alike strangers' 3-photo groups. Each unnamed group is in one question, its
#   best, and none after a "no" to it (``suggest_pairs``; issue 31).
# The simulated user (eval --simulate-user, celeba-wild) needs 78 answers to F 0.99 with these
# rules, as without the last two (77-78; 77 with the former single floor of 0.25).
FACE_FLOOR = 0.38
PAIR_FLOOR = 0.28
TOP = 3
SMALL_GROUP = 5  # unnamed groups smaller than this are offered face by face
# What a remembered question count was worked out with: a count kept by an older version with
# other rules is worked out again (store/remembered.py). Bump the first field when the rules of
# ``suggest_pairs`` change in a way the floors do not show.
RULES = f"v1 {FACE_FLOOR} {PAIR_FLOOR} {TOP} {SMALL_GROUP}"


@dataclass(frozen=True)
class Suggestion:
    """Are groups ``a`` and ``b`` the same person? ``a`` is the named (or larger) one."""

    kind: Literal["person_cluster", "cluster_cluster"]
    a: int
    b: int
    similarity: float
    faces_a: list[int]
    faces_b: list[int]


def pair_floor(size_a: int, size_b: int, *, named: bool = False) -> float:
    """The floor of a "same person?" question between groups of these sizes.

    ``PAIR_FLOOR`` when one side is a fragment (fewer than ``SMALL_GROUP`` faces: few pairs are
    compared, and fragments are where one person's faces get split) and the other a named
    person or an established group; ``FACE_FLOOR`` otherwise:

    * both established groups: the best 3 of their hundreds of face pairs are inflated by the
      choosing, so two strangers' groups reach 0.40-0.47 on celeba-wild, and only a "same
      person" verdict is worth the question;
    * two unnamed fragments: neither side says who it is, and the "possibly" band between them
      is mostly look-alike strangers (celebrities + snapshots: 14 of 31 questions were 2-3 photo
      groups of strangers at 0.28-0.38; celeba-wild: the one right question between fragments
      scores 0.51).
    """
    small = min(size_a, size_b) < SMALL_GROUP
    if not small:
        return FACE_FLOOR
    if not named and max(size_a, size_b) < SMALL_GROUP:
        return FACE_FLOOR
    return PAIR_FLOOR


def _set_similarity(xa: np.ndarray, xb: np.ndarray, top: int = TOP) -> float:
    """Mean of the ``top`` best cross similarities between two sets of unit vectors."""
    sims = (xa @ xb.T).ravel()
    k = min(top, sims.size)
    best = np.partition(sims, sims.size - k)[-k:]
    # what ``best.mean()`` gives (a float32 sum, divided in float64, rounded to float32),
    # without its Python overhead: 100,000 pairs are compared for 20,000 groups
    return float(best.dtype.type(float(np.add.reduce(best)) / k))


def _top_mean(sims: np.ndarray) -> np.ndarray:
    """Row by row, the mean of the ``TOP`` best similarities (all of them when fewer)."""
    k = min(TOP, sims.shape[1])
    if k == 0:
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    # a partition, not a sort: the same top k, without sorting 5,000 columns per row
    return np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


def _top_mean_against(x: np.ndarray, y: np.ndarray, block: int = 2048) -> np.ndarray:
    """``_top_mean(x @ y.T)`` a block of rows at a time: 55,000 candidates against a person
    of 5,000 faces would otherwise hold a 1.1 GB matrix."""
    out = np.empty(len(x), dtype=np.float64)
    for start in range(0, len(x), block):
        out[start : start + block] = _top_mean(x[start : start + block] @ y.T)
    return out


class _Library:
    """Vectors and groups in memory for one round of suggestions."""

    def __init__(self, database: Database) -> None:
        self.repo = PeopleRepository(database)
        self.vec: FaceVectors = FaceRepository(database).vectors()
        self.pos = {int(f): i for i, f in enumerate(self.vec.ids)}
        self.people = {p.id: p for p in self.repo.list_people(include_hidden=False)}
        self.members: dict[int, list[int]] = defaultdict(list)
        for face, a in self.repo.assignments().items():
            if a.person_id in self.people and face in self.pos:
                self.members[a.person_id].append(face)
        self.links = self.repo.cannot_links()
        # a face from before a person's birth is never offered to them (people/born.py)
        self.before_birth = forbidden_pairs(self.repo)
        self.rejected = self.repo.rejections() | self.before_birth
        self.ignored = self.repo.ignored()

    def matrix(self, faces: list[int]) -> np.ndarray:
        return self.vec.vectors[[self.pos[f] for f in faces]]

    def photos(self, faces: list[int]) -> set[int]:
        return {int(self.vec.photo_ids[self.pos[f]]) for f in faces}

    def best_faces(self, faces: list[int], n: int = 5) -> list[int]:
        return sorted(faces, key=lambda f: -float(self.vec.quality[self.pos[f]]))[:n]

    def linked(self, fa: list[int], fb: list[int]) -> bool:
        if not self.links:
            return False
        sb = set(fb)
        return any(
            (b in sb) for a in fa for (x, y) in self.links if a in (x, y) for b in (x, y) if b != a
        )


def _nearest(
    centroids: np.ndarray,
    rows: list[int],
    k: int,
    stop: Callable[[], bool] = lambda: False,
    block: int = 512,
) -> dict[int, list[tuple[int, float]]]:
    """For each of ``rows``, its ``k`` most similar centroids (itself included), best first
    (ties: the lower index first).

    In blocks of rows: the whole similarity matrix of 20,000 groups would take 1.6 GB.
    """
    out: dict[int, list[tuple[int, float]]] = {}
    n = len(centroids)
    k = min(k, n)
    probe = min(n, 2048)
    for start in range(0, len(rows), block):
        if stop():
            return out
        chunk = rows[start : start + block]
        sims = centroids[chunk] @ centroids.T
        # The k-th best of the first ``probe`` columns is at most the k-th best of all, so
        # every one of the k best is at or above it: a partition of 2,048 columns and one
        # comparison, not a partition of all 20,000 (four fifths of the time it took).
        floor = np.partition(sims[:, :probe], probe - k, axis=1)[:, probe - k]
        r, c = np.nonzero(sims >= floor[:, None])
        v = sims[r, c]
        order = np.lexsort((c, -v, r))  # by row, best first, ties by index
        r, c, v = r[order], c[order], v[order]
        first = np.searchsorted(r, np.arange(len(chunk)))
        rank = np.arange(len(r)) - first[r]
        keep = rank < k
        cols = c[keep].reshape(len(chunk), k).tolist()
        vals = v[keep].reshape(len(chunk), k).tolist()
        for i, js, ss in zip(chunk, cols, vals, strict=True):
            out[i] = list(zip(js, ss, strict=True))
    return out


def suggest_pairs(
    database: Database,
    limit: int | None = 20,
    *,
    should_stop: Callable[[], bool] | None = None,
) -> list[Suggestion]:
    """The "same person?" questions worth asking, most uncertain first (``limit`` None: all).

    ``should_stop`` (asked every few hundred groups) ends the work early with no questions:
    a count replaced by a newer one stops instead of running on beside it (20,000 groups
    take seconds).

    Only questions whose answer can change something: each unnamed group is asked about once,
    with its best candidate (the named person or larger group it resembles most, by the mean
    of their 3 best face pairs, over the pair floor; never one in the same photo). A "yes"
    merges it; after a "no" to its best candidate the group is not asked about again (its
    second and third guesses were, on celeba-wild and in the user trial of issue 31, strangers
    nine times in ten: the page offers to name it instead). So every answer takes exactly
    one question off the page, and the count the page shows is the number of answers it asks.

    Most uncertain first: every question is a pair the grouping declined to merge by itself
    (its own limits lie above the pair floors); the nearer a pair came to being merged, the
    less sure that "no" was. Per-pair calibration does not apply to a group's best 3 of many
    face pairs (the choosing inflates it: strangers' groups reach 0.40-0.44 on celeba-wild),
    so similarity orders the questions, not a probability; among near-equals, the question
    that moves the most faces comes first.
    """
    lib = _Library(database)
    groups = [g for g in lib.members if lib.members[g]]
    if len(groups) < 2:
        return []
    # each group's rows in the vectors once, not once per pair (20,000 groups, 100,000 pairs);
    # indices, not vectors: those of 150,000 faces would be a second copy of them
    rows = {g: np.array([lib.pos[f] for f in lib.members[g]], dtype=np.intp) for g in groups}
    centroids = np.stack([lib.vec.vectors[rows[g]].mean(0) for g in groups])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    unnamed = [i for i, g in enumerate(groups) if lib.people[g].name is None]
    stop = should_stop or (lambda: False)
    if stop():
        return []
    near = _nearest(centroids, unnamed, 11, stop)
    if stop():
        return []  # ``near`` may be cut short
    size = {g: len(lib.members[g]) for g in groups}
    photos: dict[int, set[int]] = {}

    def photos_of(g: int) -> set[int]:
        if g not in photos:
            photos[g] = set(lib.vec.photo_ids[rows[g]].tolist())
        return photos[g]

    out: list[Suggestion] = []
    for i, g in enumerate(groups):
        if lib.people[g].name is not None:
            continue  # questions start from an unnamed group
        if i % 512 == 0 and stop():
            return []
        best: tuple[float, int] | None = None
        fb = lib.members[g]
        xb: np.ndarray | None = None
        for j, near_ij in near[i]:
            h = groups[j]
            if h == g or near_ij < PAIR_FLOOR - 0.2:
                continue
            named = lib.people[h].name is not None
            if not named and (size[h], -h) <= (size[g], -g):
                continue  # a group is asked about with a name or a larger group: one way
            fa = lib.members[h]
            if not photos_of(h).isdisjoint(photos_of(g)):
                continue  # one photo cannot show the same person twice
            if lib.before_birth and any((f, h) in lib.before_birth for f in fb):
                continue  # a face taken before h was born cannot be h
            if xb is None:
                xb = lib.vec.vectors[rows[g]]
            sim = _set_similarity(lib.vec.vectors[rows[h]], xb)
            if sim < pair_floor(len(fa), len(fb), named=named):
                continue
            if best is None or sim > best[0]:
                best = (sim, h)
        if best is None:
            continue
        sim, h = best
        if _answered_no(lib, h, g):
            continue  # "no" to its best candidate: this group is not asked about again
        kind: Literal["person_cluster", "cluster_cluster"] = (
            "person_cluster" if lib.people[h].name is not None else "cluster_cluster"
        )
        out.append(
            Suggestion(
                kind, h, g, sim, lib.best_faces(lib.members[h]), lib.best_faces(lib.members[g])
            )
        )
    out.sort(key=lambda s: (-round(s.similarity, 2), -size[s.b], s.a, s.b))
    return out if limit is None else out[:limit]


def _answered_no(lib: _Library, a: int, b: int) -> bool:
    """Whether the user said group ``b`` is not ``a`` (every face of it refused from ``a``,
    or a "not the same person" between their faces)."""
    fb = lib.members[b]
    if lib.people[a].name is not None and all((f, a) in lib.rejected for f in fb):
        return True
    return lib.linked(lib.members[a], fb)


def suggest_faces_for(
    database: Database,
    person_id: int,
    limit: int = 30,
    *,
    small_group: int = SMALL_GROUP,
    nearest_only: bool = True,
) -> list[tuple[int, float]]:
    """Faces most likely to be this person too: (face id, similarity), best first.

    Candidates are unsorted faces and the faces of unnamed groups smaller than ``small_group``
    (fragments the clustering did not join), never a face rejected from this person or one from
    a photo the person already appears in. With ``nearest_only`` a face is offered only to the
    person (or large group) it resembles most, so one face is not asked about everywhere and a
    grid is more often right as a whole. Confirming them moves them all at once.
    """
    lib = _Library(database)
    mine = lib.members.get(person_id, [])
    if not mine:
        return []
    taken_photos = lib.photos(mine)
    fragments = [
        f
        for g, faces in lib.members.items()
        if g != person_id and lib.people[g].name is None and len(faces) < small_group
        for f in faces
    ]
    candidates = [
        f
        for f in [*lib.repo.unsorted_faces(), *fragments]
        if f in lib.pos
        and (f, person_id) not in lib.rejected
        and int(lib.vec.photo_ids[lib.pos[f]]) not in taken_photos
    ]
    if not candidates:
        return []
    score = _top_mean_against(lib.matrix(candidates), lib.matrix(mine))
    ranked = np.argsort(-score, kind="stable")[: 3 * limit]
    order = [int(i) for i in ranked if score[i] >= FACE_FLOOR]
    if nearest_only and order:
        rival = _rival_scores(
            lib, [candidates[i] for i in order], person_id, small_group, score[order]
        )
        order = [i for i, r in zip(order, rival, strict=True) if score[i] >= r]
    return [(candidates[i], float(score[i])) for i in order[:limit]]


def _rival_scores(
    lib: _Library, faces: list[int], person_id: int, small_group: int, floor: np.ndarray
) -> np.ndarray:
    """Each face's best top-3 similarity to any other person or large group it may join, or
    to the rest of the small group it is in: exact where it exceeds the face's ``floor``
    (its score for this person), at most ``floor`` otherwise: whether a rival beats the
    person is all that is asked."""
    rivals = [
        g
        for g, members in lib.members.items()
        if g != person_id
        and members
        and (lib.people[g].name is not None or len(members) >= small_group)
    ]
    best = np.full(len(faces), -1.0)
    x = lib.matrix(faces)
    group_of = {f: g for g, members in lib.members.items() for f in members}
    # a face of a small unnamed group is also held by its own group: offered elsewhere only
    # when it resembles that person more than its group mates
    for i, f in enumerate(faces):
        own = group_of.get(f)
        if own is None or lib.people[own].name is not None:
            continue
        mates = [m for m in lib.members[own] if m != f]
        if mates:
            best[i] = float(_top_mean((lib.matrix(mates) @ x[i])[None])[0])
    photo = [int(lib.vec.photo_ids[lib.pos[f]]) for f in faces]
    for g, rows in _rivals_over(lib, x, rivals, floor):
        members = lib.members[g]
        top = _top_mean(x @ lib.matrix(members).T)
        photos = lib.photos(members)
        for i in rows:
            f = faces[i]
            if group_of.get(f) == g or (f, g) in lib.rejected or photo[i] in photos:
                continue
            best[i] = max(best[i], top[i])
    return best


def _rivals_over(
    lib: _Library, x: np.ndarray, rivals: list[int], floor: np.ndarray, block: int = 32768
) -> list[tuple[int, list[int]]]:
    """The rival groups whose best face comes near a face's ``floor``: (group, those faces).

    A group's top-3 mean is at most its best face's similarity, so a group whose every face
    lies below the floor cannot beat the person: one matrix product against the faces of all
    groups (a block of them at a time) and a maximum per group, instead of a top-3 per group
    and face (20,000 groups: 6 s). The margin covers the last bits a product of another shape
    may round differently."""
    out: list[tuple[int, list[int]]] = []
    margin = 1e-4
    at = 0
    while at < len(rivals):
        chunk: list[int] = []
        n = 0
        while at < len(rivals) and (not chunk or n + len(lib.members[rivals[at]]) <= block):
            chunk.append(rivals[at])
            n += len(lib.members[rivals[at]])
            at += 1
        sizes = [len(lib.members[g]) for g in chunk]
        rows = np.array([lib.pos[f] for g in chunk for f in lib.members[g]], dtype=np.intp)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)
        peak = np.maximum.reduceat(x @ lib.vec.vectors[rows].T, starts, axis=1)
        near = peak > (floor[:, None] - margin)
        for j in np.flatnonzero(near.any(axis=0)).tolist():
            out.append((chunk[j], np.flatnonzero(near[:, j]).tolist()))
    return out


def suggest_places(database: Database, limit: int = 20) -> list[tuple[int, int, float]]:
    """Unsorted faces and the named person each resembles most: (face, person, similarity).

    Best first, one pass over every named person (the "Is this NAME?" question for a single
    face, asked where it is most likely to be a yes); never a person the face was rejected from
    or one already in the face's photo.
    """
    lib = _Library(database)
    named = [p for p, row in lib.people.items() if row.name is not None and lib.members.get(p)]
    unsorted = [f for f in lib.repo.unsorted_faces() if f in lib.pos]
    if not named or not unsorted:
        return []
    x = lib.matrix(unsorted)
    photo = np.array([int(lib.vec.photo_ids[lib.pos[f]]) for f in unsorted])
    row_of = {f: i for i, f in enumerate(unsorted)}
    best = np.full(len(unsorted), -2.0)
    who = np.full(len(unsorted), -1, dtype=np.int64)
    rejected_by: dict[int, list[int]] = defaultdict(list)
    for face, person in lib.rejected:
        if face in row_of:
            rejected_by[person].append(row_of[face])
    for person in named:
        members = lib.members[person]
        sims = x @ lib.matrix(members).T
        score = _top_mean(sims)
        score[np.isin(photo, list(lib.photos(members)))] = -2.0
        score[rejected_by.get(person, [])] = -2.0
        better = score > best
        best[better], who[better] = score[better], person
    order = np.argsort(-best, kind="stable")[:limit]
    return [(unsorted[i], int(who[i]), float(best[i])) for i in order if best[i] >= FACE_FLOOR]


def accept(database: Database, s: Suggestion) -> Changes:
    """Yes, the same person: merge ``b`` into ``a``."""
    return PeopleOps(database).merge(s.a, [s.b])


def reject(database: Database, s: Suggestion) -> Changes:
    """No: remembered, so the pair is never suggested or merged automatically again."""
    ops = PeopleOps(database)
    if s.kind == "person_cluster":
        members = ops.repo.faces_of(s.b)
        name = who(ops.repo.get(s.a))
        label = f"Not {name}: an unnamed group of {faces_text(len(members))}"
        changes = ops.reject(members, s.a, label=label)
        return changes.merge(ops.not_same(s.faces_a, s.faces_b))
    return ops.not_same(s.faces_a, s.faces_b)
