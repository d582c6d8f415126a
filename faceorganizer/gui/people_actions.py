"""What the user does to people and faces: name, merge, hide, move, reject, ignore, undo.

Each action runs one people operation of the library on the ops pool (one thread, so they
apply in order), then broadcasts what changed (``changed.Changed``) to every page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from faceorganizer.core.people.changes import Changes
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.window_base import WindowBase
from faceorganizer.gui.worker import JobContext

log = logging.getLogger(__name__)


class PeopleActions(WindowBase):
    """The window's people operations."""

    def run_op(
        self,
        fn: Callable[[Any], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn(Library) -> Changes`` (one of the library's people use cases) on the ops
        pool, then broadcast what changed with the people it changed, read afresh in the same
        job."""
        library, hidden = self.library, self.show_hidden

        def job(_ctx: JobContext) -> Any:
            changes = fn(library)
            return changes, library.changed_people(changes, include_hidden=hidden)

        self.ops_pending += 1

        def done(value: Any) -> None:
            changes, fresh = value
            # every page and the undo history decide what to redraw (None: nothing was done)
            self.broadcast(Changed(changes or Changes(), fresh))
            if on_done is not None:
                on_done(changes)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self._op_error(exc)

        def ended() -> None:
            self.ops_pending -= 1

        self.jobs.submit(
            job, on_result=done, on_error=failed, on_finished=ended, pool="ops", name=label
        )

    def _op_error(self, exc: BaseException) -> None:
        from faceorganizer.core.people.ops import PeopleError

        if isinstance(exc, PeopleError):
            self.statusBar().showMessage(str(exc), 8000)
            self.ask.info(self, "FaceOrganizer", str(exc))
        else:
            log.error("operation failed: %s", exc)
            self.add_errors([("(operation)", f"{type(exc).__name__}: {exc}")])

    def undo(self) -> None:
        """Undo the last operation on people."""
        self.history.undo()

    def rename(self) -> None:
        """Name or rename the selected person."""
        ids = self.selected_people()
        if len(ids) != 1:
            self.statusBar().showMessage("Select one person to name", 4000)
            return
        pid = ids[0]
        item = self.people_model.item(pid)
        current = item.name if item and item.name else ""
        name = self.ask.text(self, "Name", "Who is this?", current)
        if name is None or not name.strip() or name.strip() == current:
            return
        self.name_person(pid, name.strip())

    def name_person(self, pid: int, name: str) -> None:
        """Name a person; a name someone else has offers to merge them."""
        from faceorganizer.core.people.ops import NameTaken

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NameTaken):
                self.naming.confirm_merge(exc.existing_id, [pid])  # shows both
            else:
                self._op_error(exc)

        self.run_op(lambda lib: lib.name_person(pid, name), label="name", on_error=failed)

    def merge_selected(self) -> None:
        """Merge the selected people into one (the named one, else the largest)."""
        ids = self.people_view.selected_ids()
        if len(ids) < 2:
            self.statusBar().showMessage("Select two or more people to merge", 4000)
            return
        items = [self.people_model.item(i) for i in ids]
        named = [i for i in items if i and i.name]
        target = named[0].id if named else ids[0]
        self.merge_people(target, [i for i in ids if i != target])

    def merge_people(self, target: int, sources: list[int]) -> None:
        """Merge ``sources`` into ``target`` after asking."""
        if not sources:
            return
        self.naming.confirm_merge(target, sources)  # both sides' faces and names

    def toggle_hidden_person(self) -> None:
        """Hide the selected people (or show them again)."""
        ids = self.selected_people()
        if len(ids) > 1:  # "hide these groups": one step, one undo
            items = [self.people_model.item(pid) for pid in ids]
            hide = not all(i.hidden for i in items if i is not None)
            self.run_op(partial(_set_hidden_many, people=ids, hidden=hide), label="hide")
        for pid in ids if len(ids) == 1 else []:
            item = self.people_model.item(pid)
            hide = not (item.hidden if item else False)
            self.run_op(partial(_set_hidden, person=pid, hidden=hide), label="hide")
        if not self.show_hidden and self.stack.currentWidget() is self.person_view:
            self.show_people()

    def hide_strangers_in_photo(self, faces: list[Any]) -> None:
        """ "Hide everyone else in this photo": every unnamed group with a face in it, at once
        (named people stay; one undo brings them all back)."""
        groups = sorted({f.person_id for f in faces if f.person_id and not f.person_name})
        if not groups:
            self.statusBar().showMessage("No unnamed groups in this photo", 4000)
            return
        self.run_op(partial(_set_hidden_many, people=groups, hidden=True), label="hide")

    def _selected_faces(self) -> list[int]:
        if self.stack.currentWidget() is not self.person_view:
            return []
        faces = self.person_view.selected_face_ids()
        if not faces:
            self.statusBar().showMessage("Select one or more faces first", 4000)
        return faces

    def not_this_person(self) -> None:
        """The selected faces are not this person: they leave it for good."""
        faces, pid = self._selected_faces(), self.current_person
        if faces and pid is not None:
            self.run_op(lambda lib: lib.reject_faces(faces, pid), label="reject")

    def ignore_faces(self) -> None:
        """Never group the selected faces."""
        faces = self._selected_faces()
        if faces:
            self.run_op(lambda lib: lib.ignore_faces(faces), label="ignore")

    def unignore_faces(self) -> None:
        """Let the selected ignored faces be grouped again."""
        faces = self._selected_faces()
        if faces:
            self.run_op(lambda lib: lib.unignore_faces(faces), label="unignore")

    def set_cover(self) -> None:
        """Use the selected face as the person's avatar."""
        faces, pid = self._selected_faces(), self.current_person
        if faces and pid is not None:
            face = faces[0]
            self.run_op(lambda lib: lib.set_cover(pid, face), label="cover")

    def move_faces(self, faces: list[int] | None = None) -> None:
        """Move faces to a person picked from the chooser of "Who is this?" (their pictures,
        people most alike first), or to a new person."""
        faces = faces or self._selected_faces()
        if not faces:
            return
        shown = {f.id: f for f in self.person_view.faces.faces()}
        refs = [shown[f] for f in faces if f in shown]
        self.naming.move_to(refs, self.current_person)

    def _accept_suggested(self, faces: list[int]) -> None:
        pid = self.current_person
        if faces and pid is not None:
            label = f"Add {_n_faces(len(faces), 'suggested')} to {self._who(pid)}"
            self.run_op(lambda lib: lib.accept_faces(faces, pid, label=label), label="accept")

    def _reject_suggested(self, faces: list[int]) -> None:
        pid = self.current_person
        if faces and pid is not None:
            label = f"Not {self._who(pid)}: {_n_faces(len(faces), 'suggested')}"
            self.run_op(lambda lib: lib.reject_faces(faces, pid, label=label), label="reject")

    def _who(self, pid: int) -> str:
        item = self.people_model.item(pid)
        return item.name if item is not None and item.name else "this group"

    def fix_face(self, face_id: int) -> None:
        """Say who a face in the viewer is (its group follows; see core.people.naming)."""
        self.pages.viewer.who_is(face_id)


def _set_hidden(library: Any, person: int, hidden: bool) -> Any:
    return library.set_hidden(person, hidden)


def _set_hidden_many(library: Any, people: list[int], hidden: bool) -> Any:
    return library.set_hidden_many(people, hidden)


def _n_faces(n: int, kind: str = "") -> str:
    kind = f"{kind} " if kind else ""
    return f"{n} {kind}face{'s' if n != 1 else ''}"
