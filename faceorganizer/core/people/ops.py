"""What a user can do to people: every operation returns Changes and can be undone.

Each operation runs in one transaction that also records, in the history table, the rows it
may touch as they were before; ``undo`` puts exactly those rows back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from faceorganizer.core.people.text import MAX_NAME, clean_text
from faceorganizer.core.records import Changes, NewFace
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository, PersonRow


class PeopleError(ValueError):
    """An operation that cannot be done as asked; the message says why."""


class NameTaken(PeopleError):
    """Naming a person with a name another person has: the caller may offer a merge."""

    def __init__(self, name: str, existing_id: int) -> None:
        super().__init__(f"{name!r} is already the name of someone else; merge instead?")
        self.name = name
        self.existing_id = existing_id


def faces_text(n: int) -> str:
    """ "1 face", "3 faces"."""
    return f"{n} face{'' if n == 1 else 's'}"


def who(row: PersonRow | None) -> str:
    """A person as the user knows it: the name, or "an unnamed group" (never an internal id)."""
    if row is None:
        return "a removed group"
    return row.name or "an unnamed group"


def _groups_text(rows: list[PersonRow]) -> str:
    named = [r.name for r in rows if r.name]
    unnamed = len(rows) - len(named)
    parts = list(named)
    if unnamed:
        parts.append("an unnamed group" if unnamed == 1 else f"{unnamed} unnamed groups")
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


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
        added_faces: list[int] | None = None,
    ) -> Changes:
        """``body`` in one transaction with its undo record; it appends any face it stores to
        ``added_faces`` (undo deletes those)."""
        faces, people = set(faces), set(people)
        with self.database.transaction():
            before = self.repo.snapshot(faces, people)
            changes = body()
            changes.label = label
            self.repo.push_history(op, label, before, sorted(changes.created_people), added_faces)
        return changes

    def _where(self, faces: Iterable[int]) -> dict[int, int]:
        """face -> the person it is in now, for those of ``faces`` in one (one set, built once:
        30,000 faces rebuilt it per assignment)."""
        wanted = set(faces)
        return {f: a.person_id for f, a in self.repo.assignments().items() if f in wanted}

    def _person_faces(self, person_id: int) -> list[int]:
        return self.repo.faces_of(person_id)

    @staticmethod
    def _clean_name(name: str) -> str:
        cleaned = clean_text(name)
        if not cleaned:
            raise PeopleError("a name cannot be empty")
        if len(cleaned) > MAX_NAME:
            raise PeopleError(f"a name can have at most {MAX_NAME} characters")
        return cleaned

    def _refuse_before_birth(self, faces: list[int], person: PersonRow) -> None:
        """PeopleError when any of ``faces`` is in a photo taken before ``person`` was born."""
        from faceorganizer.core.people.born import faces_before_birth

        early = faces_before_birth(self.repo, person.id, faces)
        if early:
            more = f" and {len(early) - 1} more" if len(early) > 1 else ""
            raise PeopleError(
                f"face {early[0]}{more} is in a photo taken before {who(person)} was born"
                f" ({person.born}): it cannot be {who(person)}"
            )

    # -- operations -----------------------------------------------------------------------------
    def set_born(self, person_id: int, born: str | None) -> Changes:
        """Set (or, with None, forget) a person's birth date, YYYY-MM-DD. Their faces in photos
        taken before it leave them (unsorted, to be grouped elsewhere); undo puts them back."""
        from faceorganizer.core.people.born import BirthDateError, faces_before, parse_birth

        row = self.resolve(person_id)
        if row.name is None:
            raise PeopleError("name the group first: a birth date belongs to a named person")
        try:
            day = parse_birth(born) if born else None
        except BirthDateError as exc:
            raise PeopleError(str(exc)) from None
        early = faces_before(self.repo, day, self._person_faces(person_id)) if day else []

        def body() -> Changes:
            self.repo.set_born(person_id, day)
            self.repo.unassign(early)
            return Changes(people={person_id}, faces=set(early))

        if day is None:
            label = f"Forget when {who(row)} was born"
        else:
            label = f"{who(row)} born {day}" + (
                f" ({faces_text(len(early))} taken before, out)" if early else ""
            )
        return self._run("born", label, early, [person_id], body)

    def name(self, person_id: int, name: str) -> Changes:
        """Name or rename a person; their current faces become confirmed.

        Raises NameTaken when another person already has the name (offer ``merge``).
        """
        name = self._clean_name(name)
        other = self.repo.by_name(name)
        if other is not None and other.id != person_id:
            raise NameTaken(name, other.id)
        faces = self._person_faces(person_id)
        old = self.repo.get(person_id)
        if old is not None and old.name:
            label = f"Rename {old.name} to {name}"
        else:
            label = f"Name {name} ({faces_text(len(faces))})"

        def body() -> Changes:
            self.repo.set_name(person_id, name)
            self.repo.confirm_person(person_id)
            return Changes(people={person_id}, faces=set(faces))

        return self._run("name", label, faces, [person_id], body)

    def create_person(self, name: str, face_ids: Iterable[int]) -> tuple[int, Changes]:
        """A new named person holding these faces."""
        name = self._clean_name(name)
        if self.repo.by_name(name) is not None:
            raise NameTaken(name, self.repo.by_name(name).id)  # type: ignore[union-attr]
        faces = self._known_faces(face_ids)
        old = self._where(faces)
        created: list[int] = []

        def body() -> Changes:
            pid = self.repo.create(name)
            created.append(pid)
            self.repo.assign(faces, pid, confirmed=True)
            return Changes(people={pid, *old.values()}, created_people={pid}, faces=set(faces))

        label = f"New person {name} ({faces_text(len(faces))})"
        changes = self._run("create", label, faces, set(old.values()), body)
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
        born = target.born or next((r.born for r in rows if r.born), None)
        if born is not None:
            self._refuse_before_birth(sorted(faces), replace(target, born=born))

        def body() -> Changes:
            name = target.name or (named[0].name if named else None)
            moving = [f for s in sources for f in self._person_faces(s)]
            self.repo.assign(moving, target_id, confirmed=True)
            if target.name is not None or named:
                self.repo.confirm_person(target_id)
            self.repo.delete(sources)
            if born != target.born:
                self.repo.set_born(target_id, born)
            if name and target.name is None:
                self.repo.set_name(target_id, name)
            return Changes(people={target_id}, removed_people=set(sources), faces=faces)

        if target.name:
            label = f"Merge {_groups_text(rows)} into {target.name}"
        elif named:
            label = f"Merge {_groups_text([target, *rows])} as {named[0].name}"
        else:
            label = f"Merge {len(rows) + 1} unnamed groups ({faces_text(len(faces))})"
        return self._run("merge", label, faces, [target_id, *sources], body)

    def move(self, face_ids: Iterable[int], person_id: int, *, label: str | None = None) -> Changes:
        """Put faces in a person as the user's decision (lifting any earlier rejection)."""
        faces = self._known_faces(face_ids)
        target = self.resolve(person_id)
        self._refuse_before_birth(faces, target)
        old = self._where(faces)

        def body() -> Changes:
            self.repo.unignore(faces)
            self.repo.unreject(faces, person_id)
            self.repo.assign(faces, person_id, confirmed=True)
            return Changes(people={person_id, *old.values()}, faces=set(faces))

        label = label or f"Move {faces_text(len(faces))} to {who(target)}"
        return self._run("move", label, faces, {person_id, *old.values()}, body)

    def reject(
        self, face_ids: Iterable[int], person_id: int, *, label: str | None = None
    ) -> Changes:
        """ "Not this person": the faces leave the person and never come back to it."""
        faces = self._known_faces(face_ids)
        target = self.resolve(person_id)

        def body() -> Changes:
            mine = set(self._person_faces(person_id))
            self.repo.unassign([f for f in faces if f in mine])
            self.repo.reject(faces, person_id)
            return Changes(people={person_id}, faces=set(faces))

        label = label or f"Take {faces_text(len(faces))} out of {who(target)}"
        return self._run("reject", label, faces, [person_id], body)

    def remove(self, face_ids: Iterable[int]) -> Changes:
        """Take faces out of their people without a rejection (they become unsorted)."""
        faces = self._known_faces(face_ids)
        old = self._where(faces)

        def body() -> Changes:
            self.repo.unassign(faces)
            for f, p in old.items():
                self.repo.reject([f], p)
            return Changes(people=set(old.values()), faces=set(faces))

        label = f"Take {faces_text(len(faces))} out of their groups"
        return self._run("remove", label, faces, set(old.values()), body)

    def split(self, person_id: int, face_ids: Iterable[int], name: str | None = None) -> Changes:
        """Move some of a person's faces to a new person (named or not)."""
        theirs = set(self._person_faces(person_id))
        faces = [f for f in dict.fromkeys(face_ids) if f in theirs]
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

        label = f"Split {faces_text(len(faces))} off {who(self.repo.get(person_id))}"
        return self._run("split", label, faces, [person_id], body)

    def ignore(self, face_ids: Iterable[int]) -> Changes:
        """Not a face, or a stranger: never grouped or suggested again."""
        faces = self._known_faces(face_ids)
        old = self._where(faces)

        def body() -> Changes:
            self.repo.unassign(faces)
            self.repo.ignore(faces)
            return Changes(people=set(old.values()), faces=set(faces))

        label = f"Ignore {faces_text(len(faces))}"
        return self._run("ignore", label, faces, set(old.values()), body)

    def unignore(self, face_ids: Iterable[int]) -> Changes:
        """Let ignored faces be grouped again."""
        faces = self._known_faces(face_ids)

        def body() -> Changes:
            self.repo.unignore(faces)
            return Changes(faces=set(faces))

        label = f"Stop ignoring {faces_text(len(faces))}"
        return self._run("unignore", label, faces, [], body)

    def set_hidden_many(self, person_ids: Iterable[int], hidden: bool) -> Changes:
        """Hide (or show) several people at once: one step to undo ("hide these groups",
        "hide everyone else in this photo")."""
        ids = list(dict.fromkeys(person_ids))
        if not ids:
            raise PeopleError("no one to hide")
        rows = [self.resolve(p) for p in ids]

        def body() -> Changes:
            for pid in ids:
                self.repo.set_hidden(pid, hidden)
            return Changes(people=set(ids))

        verb = "Hide" if hidden else "Show"
        label = f"{verb} {_groups_text(rows)}" if len(ids) <= 3 else f"{verb} {len(ids)} groups"
        return self._run("hide", label, [], ids, body)

    def set_hidden(self, person_id: int, hidden: bool) -> Changes:
        """Hide or show a person."""
        row = self.resolve(person_id)

        def body() -> Changes:
            self.repo.set_hidden(person_id, hidden)
            return Changes(people={person_id})

        verb = "Hide" if hidden else "Show"
        return self._run("hide", f"{verb} {who(row)}", [], [person_id], body)

    def set_cover(self, person_id: int, face_id: int) -> Changes:
        """Choose the face shown for a person."""
        if face_id not in set(self._person_faces(person_id)):
            raise PeopleError("the cover must be one of the person's faces")

        def body() -> Changes:
            self.repo.set_cover(person_id, face_id)
            return Changes(people={person_id})

        label = f"Change the picture of {who(self.repo.get(person_id))}"
        return self._run("cover", label, [], [person_id], body)

    def not_same(self, faces_a: Iterable[int], faces_b: Iterable[int]) -> Changes:
        """Two groups are different people: never merge them automatically or ask again."""
        a, b = list(faces_a)[:5], list(faces_b)[:5]

        def body() -> Changes:
            self.repo.add_cannot_links((x, y) for x in a for y in b)
            return Changes(faces=set(a) | set(b))

        return self._run("not_same", "Keep two groups apart", [*a, *b], [], body)

    def add_face(self, photo_id: int, face: NewFace, pack_id: str) -> tuple[int, Changes]:
        """Store a face the user drew by hand (embedded by ``faces.manual``) on its photo, in
        no person yet; undo deletes it again, redo puts it back."""
        from faceorganizer.core.store.regions import add_face

        added: list[int] = []

        def body() -> Changes:
            added.append(add_face(self.database, photo_id, face, pack_id))
            return Changes(faces=set(added))

        changes = self._run("add_face", "Add a face by hand", [], [], body, added)
        return added[0], changes

    def undo(self) -> Changes | None:
        """Undo the newest operation not yet undone; None when there is nothing to undo."""
        with self.database.transaction():
            last = self.repo.last_history()
            if last is None:
                return None
            hid, _op, label, payload = last
            snap = payload["snapshot"]
            added = payload.get("added_faces", [])
            # the state the operation left, so that Redo can put it back
            after = self.repo.snapshot(
                [*snap["faces"], *added], [*snap["people"], *payload["created"]]
            )
            if added:
                after["face_rows"] = self.repo.face_rows(added)
            self.repo.restore(snap, payload["created"])
            self.repo.delete_faces(added)
            self.repo.mark_undone(hid)
            self.repo.save_redo(hid, after)
        return Changes(
            label=f"Undone: {label}",
            people=set(snap["people"]),
            removed_people=set(payload["created"]),
            faces=set(snap["faces"]) | set(added),
        )

    def redo(self) -> Changes | None:
        """Do again the operation undone last; None when there is nothing to redo.

        Only right after undoing: any new operation ends what can be redone.
        """
        with self.database.transaction():
            entry = self.repo.next_redo()
            if entry is None:
                return None
            hid, _op, label, payload = entry
            after = payload["after"]
            self.repo.insert_face_rows(after.get("face_rows", []))
            self.repo.restore(after, [])
            alive = {row[0] for row in after["people_rows"]}
            gone = [p for p in after["people"] if p not in alive]
            self.repo.delete(gone)
            self.repo.mark_redone(hid)
        return Changes(
            label=f"Redone: {label}",
            people=set(after["people"]) - set(gone),
            removed_people=set(gone),
            created_people={p for p in payload["created"] if p in alive},
            faces=set(after["faces"]),
        )

    def undo_label(self) -> str | None:
        """What Undo would undo, in words; None when nothing."""
        last = self.repo.last_history()
        return last[2] if last is not None else None

    def redo_label(self) -> str | None:
        """What Redo would do again, in words; None when nothing."""
        entry = self.repo.next_redo()
        return entry[2] if entry is not None else None
