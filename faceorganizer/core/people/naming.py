"""Naming a face from anywhere, ranking people for a face, faces that look unlike their group.

The rule for naming one face (the photo viewer's "Who is this?", the unsorted faces page):

* the face sits in a group and looks like the rest of it: the *group* gets the name; when
  another person already has that name, the group is merged into that person (never a second
  person of the same name);
* the face is the odd one out of its group (it resembles its group mates less than
  ``ODD_FLOOR``), or its group already has another name: only the face moves, unless the
  caller asked for the whole group (``scope="group"``); with ``scope="auto"`` an odd face
  raises ``AskScope`` so the app can show the group's faces and ask;
* an unsorted face moves to the person of that name, or becomes a new person.

``ODD_FLOOR`` is the "different people" threshold of ``docs/thresholds.md`` (cosine 0.28,
false-non-match rate 1 % on LFW fold 1 pairs), applied to the mean of the face's 3 best
similarities to its group mates: a face below it looks like a stranger to every one of them.
The score is always the mean of exactly 3 mates, so a flag means the same in a group of 4 as in
a group of 400; a face with fewer than 3 mates is never judged (a face is never its own mate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from faceorganizer.core.people.ops import PeopleError, PeopleOps, who
from faceorganizer.core.people.same_photo import check_same_photo
from faceorganizer.core.people.text import name_key
from faceorganizer.core.records import Changes
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository

ODD_FLOOR = 0.28  # "different people" below this (docs/thresholds.md)
TOP = 3
# A face is judged only against exactly TOP mates: with fewer, "the mean of its 3 best" would
# mean something else (and, counting the face itself, always flagged a group of 3).
MIN_GROUP = TOP + 1

Scope = Literal["auto", "group", "face"]


class AskScope(PeopleError):
    """The face looks unlike its group: ask whether the name is for the face or the group."""

    def __init__(self, face_id: int, group_id: int, group_faces: list[int], name: str) -> None:
        super().__init__(f"this face looks unlike the rest of its group; name only it {name!r}?")
        self.face_id = face_id
        self.group_id = group_id
        self.group_faces = group_faces
        self.name = name


@dataclass(frozen=True)
class Fit:
    """How well a face fits its group: the mean of its best similarities to its mates."""

    face_id: int
    group_id: int | None
    similarity: float | None  # None: no group, or too few mates to tell

    @property
    def odd(self) -> bool:
        """The face looks unlike the rest of its group."""
        return self.similarity is not None and self.similarity < ODD_FLOOR


def _vectors(database: Database, face_ids: list[int]) -> dict[int, np.ndarray]:
    vec = FaceRepository(database).vectors()
    want = set(face_ids)
    return {int(f): vec.vectors[i] for i, f in enumerate(vec.ids) if int(f) in want}


def _top_mean(sims: np.ndarray, top: int = TOP) -> np.ndarray:
    k = max(1, min(top, sims.shape[1]))
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def _mates_mean(sims: np.ndarray) -> np.ndarray:
    """Each row's mean of its TOP best similarities to its mates.

    Rows hold at least TOP mates; the caller marks a face's similarity to itself ``-inf``, so
    it never counts among them.
    """
    if sims.shape[1] - int(np.isinf(sims[0]).sum()) < TOP:
        raise ValueError(f"a face needs {TOP} mates to be judged")
    return np.sort(sims, axis=1)[:, -TOP:].mean(axis=1)


def fit_in_group(database: Database, face_id: int) -> Fit:
    """Whether a face looks like the rest of the group it is in."""
    ops = PeopleOps(database)
    where = ops.repo.assignments().get(face_id)
    if where is None:
        return Fit(face_id, None, None)
    mates = [f for f in ops.repo.faces_of(where.person_id) if f != face_id]
    if len(mates) + 1 < MIN_GROUP:
        return Fit(face_id, where.person_id, None)
    vecs = _vectors(database, [face_id, *mates])
    mates = [m for m in mates if m in vecs]
    if face_id not in vecs or len(mates) < TOP:
        return Fit(face_id, where.person_id, None)
    sims = np.stack([vecs[m] for m in mates]) @ vecs[face_id]
    return Fit(face_id, where.person_id, float(_mates_mean(sims[None])[0]))


def outliers(database: Database, person_id: int) -> dict[int, float]:
    """Faces of a person that look unlike the rest of it: face id -> similarity to the rest.

    Each face is compared with the others (never itself) by the mean of its 3 best
    similarities; below ``ODD_FLOOR`` it is flagged ("looks unlike the others"). Groups under
    4 faces flag nothing: a face needs 3 mates to be judged the same way at every size.
    """
    faces = PeopleOps(database).repo.faces_of(person_id)
    if len(faces) < MIN_GROUP:
        return {}
    vecs = _vectors(database, faces)
    faces = [f for f in faces if f in vecs]
    if len(faces) < MIN_GROUP:
        return {}
    x = np.stack([vecs[f] for f in faces])
    # a block of rows at a time: a person of 5,000 faces would hold a 5,000 x 5,000 matrix
    score = np.empty(len(faces))
    for start in range(0, len(faces), 1024):
        sims = x[start : start + 1024] @ x.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -np.inf  # not itself
        score[start : start + 1024] = _mates_mean(sims)
    return {f: float(s) for f, s in zip(faces, score, strict=True) if s < ODD_FLOOR}


def rank_people(
    database: Database, face_ids: list[int], person_ids: list[int] | None = None
) -> dict[int, float]:
    """How much each person looks like these faces: person id -> similarity (best first).

    A person's score is the mean of the 3 best similarities between its faces and the faces
    asked about (people change over years: their best photos, not their average). The faces'
    own people are scored without the faces themselves.
    """
    repo = PeopleOps(database).repo
    members: dict[int, list[int]] = {}
    asked = set(face_ids)
    for face, a in repo.assignments().items():
        if face not in asked and (person_ids is None or a.person_id in person_ids):
            members.setdefault(a.person_id, []).append(face)
    vec = FaceRepository(database).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    query = [pos[f] for f in face_ids if f in pos]
    if not query or not members:
        return {}
    q = vec.vectors[query]
    out: dict[int, float] = {}
    for pid, faces in members.items():
        rows = [pos[f] for f in faces if f in pos]
        if rows:
            sims = (q @ vec.vectors[rows].T).ravel()
            out[pid] = float(_top_mean(sims[None])[0])
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def name_face(
    database: Database,
    face_id: int,
    name: str,
    scope: Scope = "auto",
    *,
    same_photo: bool = False,
) -> Changes:
    """Say who a face is (see the module's rule); returns what changed.

    ``scope="group"`` names (or merges) the face's whole group, ``"face"`` moves only the face,
    ``"auto"`` decides and raises ``AskScope`` for an odd face in an unnamed group. A face (or
    group) that would join a person already in its photo raises ``SamePhoto`` unless
    ``same_photo`` says the user agreed.
    """
    ops = PeopleOps(database)
    name = ops._clean_name(name)
    existing = ops.repo.by_name(name)
    where = ops.repo.assignments().get(face_id)

    def check(faces: list[int]) -> None:
        if existing is not None:
            check_same_photo(database, faces, existing.id, who(existing), allowed=same_photo)

    if where is None:  # unsorted or ignored: only this face
        if existing is not None:
            check([face_id])
            return ops.move([face_id], existing.id)
        return ops.create_person(name, [face_id])[1]
    group = ops.resolve(where.person_id)
    if group.name is not None and name_key(group.name) == name_key(name):
        return ops.move([face_id], group.id)  # already theirs: confirm it
    if scope == "auto":
        if group.name is not None:
            scope = "face"  # a named person keeps its name; this face is someone else
        else:
            fit = fit_in_group(database, face_id)
            if fit.odd:
                raise AskScope(face_id, group.id, ops.repo.faces_of(group.id), name)
            scope = "group"
    if scope == "face":
        if existing is not None:
            check([face_id])
            return ops.move([face_id], existing.id)
        return ops.create_person(name, [face_id])[1]
    # the whole group
    if existing is not None:
        check(ops.repo.faces_of(group.id))
        return ops.merge(existing.id, [group.id])
    return ops.name(group.id, name)


def name_faces(
    database: Database, face_ids: list[int], name: str, *, same_photo: bool = False
) -> Changes:
    """Say who several faces are: one face follows ``name_face``; several move together to
    the person of that name, or become a new person (never a second person of one name).
    ``SamePhoto`` as for ``name_face`` (also for two of the faces in one photo)."""
    faces = list(dict.fromkeys(face_ids))
    if len(faces) == 1:
        return name_face(database, faces[0], name, same_photo=same_photo)
    ops = PeopleOps(database)
    clean = ops._clean_name(name)
    existing = ops.repo.by_name(clean)
    target = existing.id if existing is not None else None
    check_same_photo(
        database, faces, target, who(existing) if existing else clean, allowed=same_photo
    )
    if existing is not None:
        return ops.move(faces, existing.id)
    return ops.create_person(name, faces)[1]


def move_faces(
    database: Database,
    face_ids: list[int],
    person_id: int,
    *,
    same_photo: bool = False,
    label: str | None = None,
) -> Changes:
    """Move faces to a person as the user's decision (``PeopleOps.move``); ``SamePhoto`` when
    the person is already in one of their photos, unless ``same_photo`` says the user agreed."""
    ops = PeopleOps(database)
    target = ops.resolve(person_id)
    check_same_photo(database, face_ids, target.id, who(target), allowed=same_photo)
    return ops.move(face_ids, target.id, label=label)
