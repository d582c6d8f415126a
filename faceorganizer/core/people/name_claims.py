"""Names another tool wrote (XMP, Picasa, digiKam, Takeout) as the user's decisions: one
people operation, one undo step (``core/metadata/names.py`` turns regions into claims)."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from faceorganizer.core.people.ops import PeopleOps, who
from faceorganizer.core.people.text import clean_name, name_key
from faceorganizer.core.records import Changes, NewFace


@dataclass(frozen=True)
class NameClaim:
    """A name another tool gave a face: a stored face, or a new face made from its region."""

    photo_id: int
    path: str
    name: str
    face_id: int | None = None
    new_face: NewFace | None = None
    pack_id: str = ""


@dataclass
class NameImportResult:
    """What ``import_claims`` decided, claim by claim; ``changes`` as every operation returns."""

    changes: Changes = field(default_factory=Changes)
    assigned: list[tuple[str, str, int]] = field(default_factory=list)  # (path, name, face id)
    already: list[tuple[str, str, int]] = field(default_factory=list)
    conflicts: list[tuple[str, str, int, str]] = field(default_factory=list)  # + reason
    created_people: list[str] = field(default_factory=list)
    added_faces: list[int] = field(default_factory=list)
    history_id: int | None = None


def import_claims(
    ops: PeopleOps, claims: Iterable[NameClaim], *, dry_run: bool = False
) -> NameImportResult:
    """Names from photos' metadata as user decisions, in one transaction and one undo step.

    A claim on a stored face makes it a confirmed face of the person (found by name ignoring
    case, or created); a face the user confirmed for someone else, rejected from that person
    or ignored is left alone and reported as a conflict. A claim with ``new_face`` adds that
    face to its photo first (a face from metadata: undo takes its name back, the face stays,
    as a scanned face does).

    ``dry_run`` decides every claim the same way and writes nothing: a claim with neither a
    face nor ``new_face`` stands for a face that would be made from its region.
    """
    from faceorganizer.core.store.regions import add_face

    claims = list(claims)
    result = NameImportResult()
    if not claims:
        return result
    # a dry run only reads: no write lock, so it may run on a read-only connection
    with contextlib.nullcontext() if dry_run else ops.database.transaction():
        repo = ops.repo
        assignments, rejected, ignored = repo.assignments(), repo.rejections(), repo.ignored()
        # another tool's name is stored as a typed one is: cleaned (a zero-width space, NFD
        # beside NFC), cut to the longest name, compared by full case folding
        claims = [
            dataclasses.replace(c, name=clean_name(c.name)) for c in claims if clean_name(c.name)
        ]
        people: dict[str, int | None] = {}
        for c in claims:
            key = name_key(c.name)
            if key not in people:
                row = repo.by_name(c.name)
                people[key] = row.id if row else None
        stored = [c.face_id for c in claims if c.face_id is not None]
        touched = {p for p in people.values() if p is not None} | {
            assignments[f].person_id for f in stored if f in assignments
        }
        before = repo.snapshot(stored, touched)
        created: list[int] = []
        rows: list[tuple[int, int, bool]] = []
        for c in claims:
            key = name_key(c.name)
            pid = people[key]
            face_id = c.face_id
            if face_id is None:
                if dry_run:
                    face_id = -1 - len(result.added_faces)  # a face it would make
                elif c.new_face is None:
                    continue
                else:
                    face_id = add_face(ops.database, c.photo_id, c.new_face, c.pack_id)
                result.added_faces.append(face_id)
            else:
                current = assignments.get(face_id)
                if face_id in ignored:
                    result.conflicts.append((c.path, c.name, face_id, "face is ignored"))
                    continue
                if pid is not None and (face_id, pid) in rejected:
                    reason = "face was rejected from person"
                    result.conflicts.append((c.path, c.name, face_id, reason))
                    continue
                if current is not None and current.confirmed:
                    if current.person_id == pid:
                        result.already.append((c.path, c.name, face_id))
                    else:
                        reason = f"face is confirmed as {who(repo.get(current.person_id))}"
                        result.conflicts.append((c.path, c.name, face_id, reason))
                    continue
                if current is not None:
                    result.changes.people.add(current.person_id)
            if pid is None and dry_run:
                pid = -1 - len(created)  # a person it would create
                created.append(pid)
                result.created_people.append(c.name)
                people[key] = pid
            elif pid is None:
                try:
                    pid = repo.create(c.name)
                except sqlite3.IntegrityError:
                    row = repo.by_name(c.name)
                    if row is None:
                        raise
                    pid = row.id
                else:
                    created.append(pid)
                    result.created_people.append(c.name)
                people[key] = pid
            rows.append((face_id, pid, True))
            result.assigned.append((c.path, c.name, face_id))
            result.changes.people.add(pid)
            result.changes.faces.add(face_id)
        n = len(rows)
        result.changes.label = f"Import {n} name{'' if n == 1 else 's'} from metadata"
        if dry_run:
            return result
        if rows:
            repo.assign_many(rows)
        result.changes.created_people = set(created)
        if rows or created:
            result.history_id = repo.push_history(
                "import", result.changes.label, before, sorted(created)
            )
    return result
