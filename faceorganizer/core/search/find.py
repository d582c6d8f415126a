"""Who is this? The most similar faces in the library to a new face, and its people ranked.

A person is scored by their *best* faces, not an average over all of them: the mean of their
top-3 similarities to the query (or of as many as they have). One very close face therefore
outweighs many middling ones, and a person with hundreds of photos in varied conditions is not
pulled down by their worst ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from faceorganizer.core.search.compare import probability, verdict

if TYPE_CHECKING:
    from faceorganizer.core.records import NewFace
    from faceorganizer.core.search.index import FaceIndex
    from faceorganizer.core.store.db import Database

BEST_OF = 3  # a person's score: mean of their best this-many similarities
PEOPLE_NEIGHBOURS = 300  # neighbours looked at when ranking people (covers each one's best 3)


@dataclass(frozen=True)
class Match:
    """A stored face similar to the query."""

    face_id: int
    person_id: int | None
    person: str | None  # name, "unnamed group N", or None when unsorted
    photo: str
    similarity: float
    verdict: str


@dataclass(frozen=True)
class PersonScore:
    """A person ranked for the query face."""

    person_id: int
    person: str
    score: float  # mean of the best BEST_OF similarities
    faces_used: int
    best_face_id: int
    verdict: str
    probability: float


@dataclass(frozen=True)
class FaceResult:
    """One face of the query photo and what the library says about it."""

    index: int  # 0 = largest face of the photo
    box: tuple[float, float, float, float]
    matches: list[Match]
    people: list[PersonScore]


def rank_people(
    face_ids: npt.ArrayLike,
    similarities: npt.ArrayLike,
    person_of: Mapping[int, int],
    *,
    best_of: int = BEST_OF,
) -> list[tuple[int, float, int, int]]:
    """People ranked by the mean of their ``best_of`` most similar faces, best first.

    ``face_ids`` / ``similarities`` are one query's neighbours (any order; id -1 is padding);
    faces absent from ``person_of`` (unsorted) are skipped. Returns
    ``(person_id, score, faces_used, best_face_id)`` tuples.
    """
    ids = np.asarray(face_ids, dtype=np.int64).reshape(-1)
    sims = np.asarray(similarities, dtype=np.float64).reshape(-1)
    per: dict[int, list[tuple[float, int]]] = {}
    for fid, sim in zip(ids.tolist(), sims.tolist(), strict=True):
        pid = person_of.get(fid)
        if fid < 0 or pid is None or not np.isfinite(sim):
            continue
        per.setdefault(pid, []).append((sim, fid))
    out = []
    for pid, items in per.items():
        items.sort(reverse=True)
        best = items[:best_of]
        out.append((pid, float(np.mean([s for s, _ in best])), len(best), best[0][1]))
    out.sort(key=lambda r: (-r[1], r[0]))
    return out


def person_labels(database: Database) -> dict[int, str]:
    """person id -> its name, or ``unnamed group N`` (hidden people included)."""
    from faceorganizer.core.store.people import PeopleRepository

    rows = PeopleRepository(database).list_people(include_hidden=True)
    return {p.id: p.name or f"unnamed group {p.id}" for p in rows}


def find_faces(
    database: Database,
    faces: list[NewFace],
    *,
    top: int = 10,
    index: FaceIndex | None = None,
) -> list[FaceResult]:
    """For each face, the ``top`` most similar stored faces and the people ranked.

    Reads only. Without ``index`` one is built exact (a one-off query of a photo's few faces
    is one pass over the vectors, far cheaper than building a graph).
    """
    from faceorganizer.core.search.index import FaceIndex
    from faceorganizer.core.store.faces import FaceRepository
    from faceorganizer.core.store.people import PeopleRepository

    if not faces:
        return []
    if index is None:
        index = FaceIndex.from_database(database, approximate=False)
    people = PeopleRepository(database)
    person_of = {f: a.person_id for f, a in people.assignments().items()}
    labels = person_labels(database)
    paths = {fid: path for fid, (_photo, path) in FaceRepository(database).photos().items()}
    queries = np.stack([np.asarray(f.embedding, np.float32) for f in faces])
    k = min(len(index), max(top, PEOPLE_NEIGHBOURS))
    ids, sims = index.search(queries, k)
    results = []
    for i, face in enumerate(faces):
        matches = []
        for fid, sim in zip(ids[i, :top].tolist(), sims[i, :top].tolist(), strict=True):
            if fid < 0:
                continue
            pid = person_of.get(fid)
            matches.append(
                Match(
                    face_id=fid,
                    person_id=pid,
                    person=labels.get(pid) if pid is not None else None,
                    photo=str(paths.get(fid, "")),
                    similarity=float(sim),
                    verdict=verdict(float(sim)),
                )
            )
        ranked = [
            PersonScore(
                person_id=pid,
                person=labels.get(pid, f"unnamed group {pid}"),
                score=score,
                faces_used=used,
                best_face_id=best,
                verdict=verdict(score),
                probability=probability(score),
            )
            for pid, score, used, best in rank_people(ids[i], sims[i], person_of)
        ]
        results.append(FaceResult(i, face.box, matches, ranked))
    return results
