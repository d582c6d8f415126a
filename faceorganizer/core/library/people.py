"""The people use cases of ``Library``: naming faces, the "same person?" questions, undo and
redo, the reads the window's choosers and previews need, and adding a face drawn by hand.

Reads return plain records; writes return the operation's ``Changes`` (None where there was
nothing to undo or redo). Each opens its own connection, as every ``Library`` call does, so the
window's workers call them from any thread and never hold a store connection themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from faceorganizer.core.records import FaceRef, PersonItem
from faceorganizer.core.store.remembered import change_stamp, recall, remember

if TYPE_CHECKING:
    from collections.abc import Callable

    from faceorganizer.core.people.suggest import Suggestion
    from faceorganizer.core.records import Changes
    from faceorganizer.core.store.db import Database

Box = tuple[float, float, float, float]


@dataclass
class PairQuestion:
    """One "same person?" question: the core's suggestion, both sides' people (None when
    gone) and the faces shown of each side (found ones, at most the number asked for)."""

    suggestion: Suggestion
    person_a: PersonItem | None
    person_b: PersonItem | None
    faces_a: list[FaceRef]
    faces_b: list[FaceRef]


@dataclass
class DrawnFace:
    """A face drawn by hand and stored: the face (None if it could not be read back) and the
    name of the step Undo now takes."""

    face: FaceRef | None
    undo_label: str


class PeopleCases:
    """Mixed into ``Library``: needs ``connect(readonly=...)`` -> a Database context."""

    def connect(self, *, readonly: bool = False) -> Database:  # pragma: no cover - Library's
        raise NotImplementedError

    # -- reads ---------------------------------------------------------------------------------
    def history(self) -> tuple[str | None, str | None]:
        """What Undo and Redo would do now (their labels; None when there is nothing)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            ops = PeopleOps(db)
            return ops.undo_label(), ops.redo_label()

    def question_count(self, should_stop: Callable[[], bool] | None = None) -> int:
        """How many "same person?" questions there are (exact: each answer is one); seconds
        for 20,000 groups, so ``should_stop`` may end it early (the count is then partial).

        Remembered in the library while nothing it depends on changes (``store/remembered``):
        a start with the library as it was left reads it instead of working it out."""
        from faceorganizer.core.people.suggest import RULES, suggest_pairs

        key = f"question_count {RULES}"
        with self.connect() as db:
            stamp = change_stamp(db)
            known = recall(db, key, stamp)
            if known is not None:
                return known
            count = len(suggest_pairs(db, limit=None, should_stop=should_stop))
            if should_stop is None or not should_stop():
                remember(db, key, stamp, count)
            return count

    def questions(self, *, faces_per_side: int) -> list[PairQuestion]:
        """All the "same person?" questions, most uncertain first, each with its people and
        the first ``faces_per_side`` faces of each side."""
        from faceorganizer.core.people.suggest import suggest_pairs
        from faceorganizer.core.store.browse import faces_by_id, load_people

        with self.connect() as db:
            # all of them: the page's count is the number of answers it will ask for
            found = suggest_pairs(db, limit=None)
            ids = sorted({p for s in found for p in (s.a, s.b)})
            people = {p.id: p for p in load_people(db, include_hidden=True, person_ids=ids)}
            refs = faces_by_id(db, [f for s in found for f in (*s.faces_a, *s.faces_b)])
        return [
            PairQuestion(
                s,
                people.get(s.a),
                people.get(s.b),
                [refs[f] for f in s.faces_a[:faces_per_side] if f in refs],
                [refs[f] for f in s.faces_b[:faces_per_side] if f in refs],
            )
            for s in found
        ]

    def rank_people(self, face_ids: list[int]) -> dict[int, float]:
        """How much each person looks like these faces: person id -> similarity."""
        from faceorganizer.core.people.naming import rank_people

        with self.connect() as db:
            return rank_people(db, face_ids)

    def faces_by_id(self, face_ids: list[int]) -> list[FaceRef]:
        """These faces (those that still exist), in the order asked."""
        from faceorganizer.core.store.browse import faces_by_id

        with self.connect() as db:
            found = faces_by_id(db, face_ids)
        return [found[f] for f in face_ids if f in found]

    def best_faces_of(self, person_ids: list[int], limit: int) -> dict[int, list[FaceRef]]:
        """Each person's ``limit`` best faces (highest quality first): the merge preview."""
        from faceorganizer.core.store.browse import person_faces

        with self.connect() as db:
            return {
                pid: sorted(person_faces(db, pid), key=lambda f: -f.quality)[:limit]
                for pid in person_ids
            }

    def people_and_faces(
        self, person_ids: list[int], face_ids: list[int]
    ) -> tuple[dict[int, PersonItem], dict[int, FaceRef]]:
        """People (hidden ones too) and faces by id, read together: a find's details."""
        from faceorganizer.core.store.browse import faces_by_id, load_people

        with self.connect() as db:
            people = {p.id: p for p in load_people(db, include_hidden=True, person_ids=person_ids)}
            return people, faces_by_id(db, face_ids)

    def changed_people(self, changes: Changes | None, *, include_hidden: bool) -> list[PersonItem]:
        """The people an operation changed or created, read afresh (for the window's list)."""
        from faceorganizer.core.store.browse import load_people

        if not changes:
            return []
        ids = sorted(changes.people | changes.created_people)
        if not ids:
            return []
        with self.connect() as db:
            return load_people(db, include_hidden=include_hidden, person_ids=ids)

    # -- writes (each one undoable step) -------------------------------------------------------
    def undo(self) -> Changes | None:
        """Undo the last step (None: nothing to undo)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).undo()

    def redo(self) -> Changes | None:
        """Do again what was undone last (None: nothing to redo)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).redo()

    def name_person(self, person_id: int, name: str) -> Changes:
        """Name a person (``NameTaken`` when someone else has the name)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).name(person_id, name)

    def set_born(self, person_id: int, born: str | None) -> Changes:
        """Set or forget a person's birth date (faces from before it leave them)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).set_born(person_id, born)

    def name_face(
        self,
        face_id: int,
        name: str,
        scope: Literal["auto", "face", "group"] = "auto",
        *,
        same_photo: bool = False,
    ) -> Changes:
        """Say who a face is (``naming.name_face``: ``AskScope``, ``SamePhoto``)."""
        from faceorganizer.core.people.naming import name_face

        with self.connect() as db:
            return name_face(db, face_id, name, scope, same_photo=same_photo)

    def name_faces(self, face_ids: list[int], name: str, *, same_photo: bool = False) -> Changes:
        """Say who several faces are (``naming.name_faces``: they move together)."""
        from faceorganizer.core.people.naming import name_faces

        with self.connect() as db:
            return name_faces(db, face_ids, name, same_photo=same_photo)

    def move_faces(
        self,
        face_ids: list[int],
        person_id: int,
        *,
        same_photo: bool = False,
        label: str | None = None,
    ) -> Changes:
        """Move faces to a person as the user's decision (``SamePhoto`` asks first)."""
        from faceorganizer.core.people.naming import move_faces

        with self.connect() as db:
            return move_faces(db, face_ids, person_id, same_photo=same_photo, label=label)

    def accept_faces(
        self, face_ids: list[int], person_id: int, *, label: str | None = None
    ) -> Changes:
        """These (suggested) faces are this person: ``PeopleOps.move``, without the
        same-photo question of ``move_faces``."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).move(face_ids, person_id, label=label)

    def new_person(self, name: str, face_ids: list[int]) -> Changes:
        """These faces are someone new, called ``name``."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).create_person(name, face_ids)[1]

    def merge(self, target_id: int, source_ids: list[int]) -> Changes:
        """Merge people into ``target_id``."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).merge(target_id, source_ids)

    def split(self, person_id: int, face_ids: list[int]) -> Changes:
        """Take these faces out of a person into a group of their own."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).split(person_id, face_ids)

    def reject_faces(
        self, face_ids: list[int], person_id: int, *, label: str | None = None
    ) -> Changes:
        """These faces are not this person: they leave it for good."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).reject(face_ids, person_id, label=label)

    def ignore_faces(self, face_ids: list[int]) -> Changes:
        """Never group these faces."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).ignore(face_ids)

    def unignore_faces(self, face_ids: list[int]) -> Changes:
        """Let ignored faces be grouped again."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).unignore(face_ids)

    def set_hidden(self, person_id: int, hidden: bool) -> Changes:
        """Hide a person (or show them again)."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).set_hidden(person_id, hidden)

    def set_hidden_many(self, person_ids: list[int], hidden: bool) -> Changes:
        """Hide several people (or show them again) as one step, one undo."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).set_hidden_many(person_ids, hidden)

    def set_cover(self, person_id: int, face_id: int) -> Changes:
        """Use this face as the person's avatar."""
        from faceorganizer.core.people.ops import PeopleOps

        with self.connect() as db:
            return PeopleOps(db).set_cover(person_id, face_id)

    def answer_question(self, suggestion: Suggestion, same: bool) -> Changes:
        """Answer a "same person?" question: yes merges, no is remembered."""
        from faceorganizer.core.people.suggest import accept, reject

        with self.connect() as db:
            return accept(db, suggestion) if same else reject(db, suggestion)

    def add_drawn_face(self, photo_id: int, box: Box) -> DrawnFace:
        """Embed and store the face the user drew in ``box`` of a stored photo (undoable)."""
        from faceorganizer.core.people.manual import add_face
        from faceorganizer.core.people.ops import PeopleOps
        from faceorganizer.core.store.browse import faces_by_id

        with self.connect() as db:
            face_id = int(add_face(db, photo_id, box))
            label = PeopleOps(db).undo_label() or ""
            return DrawnFace(faces_by_id(db, [face_id]).get(face_id), label)
