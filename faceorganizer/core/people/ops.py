"""What a user can do to people: every operation returns Changes and can be undone.

Each operation runs in one transaction that also records, in the history table, the rows it
may touch as they were before; ``undo`` puts exactly those rows back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from faceorganizer.core.export.names import clean_text
from faceorganizer.core.people.changes import Changes
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository, PersonRow


class PeopleError(ValueError):
    """An operation that cannot be done as asked; the message says why."""


class NameTaken(PeopleError):
    """Naming a person with a name another person has: the caller may offer a merge."""

    def __init__(self, name: str, existing_id: int) -> None:
        super().__init__(f"{name!r} is already the name of person {existing_id}; merge instead?")
        self.name = name
        self.existing_id = existing_id


class PeopleOps:
    """The user's operations on people, undoable, over one database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.repo = PeopleRepository(database)

    # -- helpers --------------------------------------------------------------------------------
    def resolve(self, ref: str | int) -> PersonRow:
        """A person by id or by name (ignoring case).

        ``#3`` is always the person with id 3. A bare ``3`` is the person with id 3 or the
        person named "3"; when both exist (and differ) it is ambiguous and refused, with the
        ``#id`` of each, rather than guessed.
        """
        if isinstance(ref, int):
            row = self.repo.get(ref) if 0 < ref < 2**63 else None
            if row is None:
                raise PeopleError(f"no person with id {ref}")
            return row
        text = ref.strip()
        by_id: PersonRow | None = None
        digits = text[1:] if text.startswith("#") else text
        if digits.isdecimal() and digits.isascii() and 0 < int(digits) < 2**63:
            by_id = self.repo.get(int(digits))
        if text.startswith("#") and digits.isdecimal():
            if by_id is None:
                raise PeopleError(f"no person with id {digits}")
            return by_id
        cleaned = clean_text(text)
        by_name = self.repo.by_name(cleaned) if cleaned else None
        if by_id is not None and by_name is not None and by_id.id != by_name.id:
            raise PeopleError(
                f"{text!r} is both the id of person #{by_id.id} ({by_id.name or 'unnamed'})"
                f" and the name of person #{by_name.id}: write #{by_id.id} or #{by_name.id}"
            )
        row = by_name or by_id
        if row is None:
            raise PeopleError(f"no person {text!r}")
        return row

    def _known_faces(self, face_ids: Iterable[int]) -> list[int]:
        """``face_ids`` without repeats; PeopleError naming any that is not a stored face."""
        faces = list(dict.fromkeys(face_ids))
        missing = self.repo.missing_faces(faces)
        if missing:
            shown = ", ".join(str(f) for f in missing[:5]) + (", …" if len(missing) > 5 else "")
            raise PeopleError(f"no face with id {shown} (the faces command lists them)")
        return faces

    def _run(
        self,
        op: str,
        label: str,
        faces: Iterable[int],
        people: Iterable[int],
        body: Callable[[], Changes],
    ) -> Changes:
        faces, people = set(faces), set(people)
        with self.database.transaction():
            before = self.repo.snapshot(faces, people)
            changes = body()
            changes.label = label
            self.repo.push_history(op, label, before, sorted(changes.created_people))
        return changes

    def _person_faces(self, person_id: int) -> list[int]:
        return self.repo.faces_of(person_id)

    @staticmethod
    def _clean_name(name: str) -> str:
        cleaned = clean_text(name)
        if not cleaned:
            raise PeopleError("a name cannot be empty")
        if len(cleaned) > 200:
            raise PeopleError("a name can have at most 200 characters")
        return cleaned

    # -- operations -----------------------------------------------------------------------------
    def name(self, person_id: int, name: str) -> Changes:
        """Name or rename a person; their current faces become confirmed.

        Raises NameTaken when another person already has the name (offer ``merge``).
        """
        name = self._clean_name(name)
        other = self.repo.by_name(name)
        if other is not None and other.id != person_id:
            raise NameTaken(name, other.id)
        faces = self._person_faces(person_id)

        def body() -> Changes:
            self.repo.set_name(person_id, name)
            self.repo.confirm_person(person_id)
            return Changes(people={person_id}, faces=set(faces))

        return self._run("name", f"Name {name}", faces, [person_id], body)

    def create_person(self, name: str, face_ids: Iterable[int]) -> tuple[int, Changes]:
        """A new named person holding these faces."""
        name = self._clean_name(name)
        if self.repo.by_name(name) is not None:
            raise NameTaken(name, self.repo.by_name(name).id)  # type: ignore[union-attr]
        faces = self._known_faces(face_ids)
        old = {f: a.person_id for f, a in self.repo.assignments().items() if f in set(faces)}
        created: list[int] = []

        def body() -> Changes:
            pid = self.repo.create(name)
            created.append(pid)
            self.repo.assign(faces, pid, confirmed=True)
            return Changes(people={pid, *old.values()}, created_people={pid}, faces=set(faces))

        changes = self._run("create", f"New person {name}", faces, set(old.values()), body)
        return created[0], changes

    def merge(self, target_id: int, source_ids: Iterable[int]) -> Changes:
        """Merge people into ``target_id``; faces become confirmed; sources disappear."""
        sources = [s for s in dict.fromkeys(source_ids) if s != target_id]
        if not sources:
            raise PeopleError("nothing to merge")
        target = self.resolve(target_id)
        rows = [self.resolve(s) for s in sources]
        faces = set(self._person_faces(target_id))
        for s in sources:
            faces |= set(self._person_faces(s))
        named = [r for r in rows if r.name]
        if target.name is None and len(named) > 1:
            raise PeopleError("choose which name to keep: merge into the named person")

        def body() -> Changes:
            name = target.name or (named[0].name if named else None)
            moving = [f for s in sources for f in self._person_faces(s)]
            self.repo.assign(moving, target_id, confirmed=True)
            if target.name is not None or named:
                self.repo.confirm_person(target_id)
            self.repo.delete(sources)
            if name and target.name is None:
                self.repo.set_name(target_id, name)
            return Changes(people={target_id}, removed_people=set(sources), faces=faces)

        label = f"Merge into {target.name or f'group {target_id}'}"
        return self._run("merge", label, faces, [target_id, *sources], body)

    def move(self, face_ids: Iterable[int], person_id: int) -> Changes:
        """Put faces in a person as the user's decision (lifting any earlier rejection)."""
        faces = self._known_faces(face_ids)
        target = self.resolve(person_id)
        old = {f: a.person_id for f, a in self.repo.assignments().items() if f in set(faces)}

        def body() -> Changes:
            self.repo.unignore(faces)
            self.repo.unreject(faces, person_id)
            self.repo.assign(faces, person_id, confirmed=True)
            return Changes(people={person_id, *old.values()}, faces=set(faces))

        label = f"Move {len(faces)} face(s) to {target.name or f'group {person_id}'}"
        return self._run("move", label, faces, {person_id, *old.values()}, body)

    def reject(self, face_ids: Iterable[int], person_id: int) -> Changes:
        """ "Not this person": the faces leave the person and never come back to it."""
        faces = self._known_faces(face_ids)
        target = self.resolve(person_id)

        def body() -> Changes:
            mine = set(self._person_faces(person_id))
            self.repo.unassign([f for f in faces if f in mine])
            self.repo.reject(faces, person_id)
            return Changes(people={person_id}, faces=set(faces))

        label = f"Not {target.name or f'group {person_id}'}: {len(faces)} face(s)"
        return self._run("reject", label, faces, [person_id], body)

    def remove(self, face_ids: Iterable[int]) -> Changes:
        """Take faces out of their people without a rejection (they become unsorted)."""
        faces = self._known_faces(face_ids)
        old = {f: a.person_id for f, a in self.repo.assignments().items() if f in set(faces)}

        def body() -> Changes:
            self.repo.unassign(faces)
            for f, p in old.items():
                self.repo.reject([f], p)
            return Changes(people=set(old.values()), faces=set(faces))

        return self._run("remove", f"Remove {len(faces)} face(s)", faces, set(old.values()), body)

    def split(self, person_id: int, face_ids: Iterable[int], name: str | None = None) -> Changes:
        """Move some of a person's faces to a new person (named or not)."""
        faces = [f for f in dict.fromkeys(face_ids) if f in set(self._person_faces(person_id))]
        if not faces:
            raise PeopleError("none of those faces belong to that person")
        if name is not None:
            name = self._clean_name(name)
            if self.repo.by_name(name) is not None:
                raise NameTaken(name, self.repo.by_name(name).id)  # type: ignore[union-attr]

        def body() -> Changes:
            new = self.repo.create(name)
            self.repo.assign(faces, new, confirmed=True)
            self.repo.reject(faces, person_id)
            return Changes(people={person_id, new}, created_people={new}, faces=set(faces))

        return self._run("split", f"Split {len(faces)} face(s)", faces, [person_id], body)

    def ignore(self, face_ids: Iterable[int]) -> Changes:
        """Not a face, or a stranger: never grouped or suggested again."""
        faces = self._known_faces(face_ids)
        old = {f: a.person_id for f, a in self.repo.assignments().items() if f in set(faces)}

        def body() -> Changes:
            self.repo.unassign(faces)
            self.repo.ignore(faces)
            return Changes(people=set(old.values()), faces=set(faces))

        return self._run("ignore", f"Ignore {len(faces)} face(s)", faces, set(old.values()), body)

    def unignore(self, face_ids: Iterable[int]) -> Changes:
        """Let ignored faces be grouped again."""
        faces = self._known_faces(face_ids)

        def body() -> Changes:
            self.repo.unignore(faces)
            return Changes(faces=set(faces))

        return self._run("unignore", f"Unignore {len(faces)} face(s)", faces, [], body)

    def set_hidden(self, person_id: int, hidden: bool) -> Changes:
        """Hide or show a person."""
        row = self.resolve(person_id)

        def body() -> Changes:
            self.repo.set_hidden(person_id, hidden)
            return Changes(people={person_id})

        verb = "Hide" if hidden else "Show"
        return self._run(
            "hide", f"{verb} {row.name or f'group {person_id}'}", [], [person_id], body
        )

    def set_cover(self, person_id: int, face_id: int) -> Changes:
        """Choose the face shown for a person."""
        if face_id not in set(self._person_faces(person_id)):
            raise PeopleError("the cover must be one of the person's faces")

        def body() -> Changes:
            self.repo.set_cover(person_id, face_id)
            return Changes(people={person_id})

        return self._run("cover", "Set cover", [], [person_id], body)

    def not_same(self, faces_a: Iterable[int], faces_b: Iterable[int]) -> Changes:
        """Two groups are different people: never merge them automatically or ask again."""
        a, b = list(faces_a)[:5], list(faces_b)[:5]

        def body() -> Changes:
            self.repo.add_cannot_links((x, y) for x in a for y in b)
            return Changes(faces=set(a) | set(b))

        return self._run("not_same", "Not the same person", [*a, *b], [], body)

    def undo(self) -> Changes | None:
        """Undo the newest operation not yet undone; None when there is nothing to undo."""
        with self.database.transaction():
            last = self.repo.last_history()
            if last is None:
                return None
            hid, _op, label, payload = last
            snap = payload["snapshot"]
            self.repo.restore(snap, payload["created"])
            self.repo.mark_undone(hid)
        return Changes(
            label=f"Undo {label}",
            people=set(snap["people"]),
            removed_people=set(payload["created"]),
            faces=set(snap["faces"]),
        )
