"""What the user does to people and faces: name, merge, hide, move, reject, ignore, undo.

Each action runs one people operation of the library through the window's ``run_op`` (the ops
pool: one thread, so they apply in order), which broadcasts what changed to every page.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

log = logging.getLogger(__name__)


class PeopleActions(QObject):
    """The window's people operations (the Edit menu's, the person page's suggestions)."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win

    def undo(self) -> None:
        """Undo the last operation on people."""
        self.win.history.undo()

    def rename(self) -> None:
        """Name or rename the selected person."""
        ids = self.win.selected_people()
        if len(ids) != 1:
            self.win.statusBar().showMessage("Select one person to name", 4000)
            return
        pid = ids[0]
        item = self.win.people_model.item(pid)
        current = item.name if item and item.name else ""
        name = self.win.ask.text(self.win, "Name", "Who is this?", current)
        if name is None or not name.strip() or name.strip() == current:
            return
        self.name_person(pid, name.strip())

    def name_person(self, pid: int, name: str) -> None:
        """Name a person; a name someone else has offers to merge them."""
        from faceorganizer.core.library.errors import NameTaken

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NameTaken):
                self.win.naming.confirm_merge(exc.existing_id, [pid])  # shows both
            else:
                self.win._op_error(exc)

        self.win.run_op(lambda lib: lib.name_person(pid, name), label="name", on_error=failed)

    def merge_selected(self) -> None:
        """Merge the selected people into one (the named one, else the largest)."""
        ids = self.win.people_view.selected_ids()
        if len(ids) < 2:
            self.win.statusBar().showMessage("Select two or more people to merge", 4000)
            return
        items = [self.win.people_model.item(i) for i in ids]
        named = [i for i in items if i and i.name]
        target = named[0].id if named else ids[0]
        self.merge_people(target, [i for i in ids if i != target])

    def merge_people(self, target: int, sources: list[int]) -> None:
        """Merge ``sources`` into ``target`` after asking."""
        if not sources:
            return
        self.win.naming.confirm_merge(target, sources)  # both sides' faces and names

    def toggle_hidden_person(self) -> None:
        """Hide the selected people (or show them again)."""
        ids = self.win.selected_people()
        if len(ids) > 1:  # "hide these groups": one step, one undo
            items = [self.win.people_model.item(pid) for pid in ids]
            hide = not all(i.hidden for i in items if i is not None)
            self.win.run_op(partial(_set_hidden_many, people=ids, hidden=hide), label="hide")
        for pid in ids if len(ids) == 1 else []:
            item = self.win.people_model.item(pid)
            hide = not (item.hidden if item else False)
            self.win.run_op(partial(_set_hidden, person=pid, hidden=hide), label="hide")
        if not self.win.show_hidden and self.win.stack.currentWidget() is self.win.person_view:
            self.win.show_people()

    def hide_strangers_in_photo(self, faces: list[Any]) -> None:
        """ "Hide everyone else in this photo": every unnamed group with a face in it, at once
        (named people stay; one undo brings them all back)."""
        groups = sorted({f.person_id for f in faces if f.person_id and not f.person_name})
        if not groups:
            self.win.statusBar().showMessage("No unnamed groups in this photo", 4000)
            return
        self.win.run_op(partial(_set_hidden_many, people=groups, hidden=True), label="hide")

    def _selected_faces(self) -> list[int]:
        if self.win.stack.currentWidget() is not self.win.person_view:
            return []
        faces = self.win.person_view.selected_face_ids()
        if not faces:
            self.win.statusBar().showMessage("Select one or more faces first", 4000)
        return faces

    def not_this_person(self) -> None:
        """The selected faces are not this person: they leave it for good."""
        faces, pid = self._selected_faces(), self.win.current_person
        if faces and pid is not None:
            self.win.run_op(lambda lib: lib.reject_faces(faces, pid), label="reject")

    def ignore_faces(self) -> None:
        """Never group the selected faces."""
        faces = self._selected_faces()
        if faces:
            self.win.run_op(lambda lib: lib.ignore_faces(faces), label="ignore")

    def unignore_faces(self) -> None:
        """Let the selected ignored faces be grouped again."""
        faces = self._selected_faces()
        if faces:
            self.win.run_op(lambda lib: lib.unignore_faces(faces), label="unignore")

    def set_cover(self) -> None:
        """Use the selected face as the person's avatar."""
        faces, pid = self._selected_faces(), self.win.current_person
        if faces and pid is not None:
            face = faces[0]
            self.win.run_op(lambda lib: lib.set_cover(pid, face), label="cover")

    def move_faces(self, faces: list[int] | None = None) -> None:
        """Move faces to a person picked from the chooser of "Who is this?" (their pictures,
        people most alike first), or to a new person."""
        faces = faces or self._selected_faces()
        if not faces:
            return
        shown = {f.id: f for f in self.win.person_view.faces.faces()}
        refs = [shown[f] for f in faces if f in shown]
        self.win.naming.move_to(refs, self.win.current_person)

    def _accept_suggested(self, faces: list[int]) -> None:
        pid = self.win.current_person
        if faces and pid is not None:
            label = f"Add {_n_faces(len(faces), 'suggested')} to {self._who(pid)}"
            self.win.run_op(lambda lib: lib.accept_faces(faces, pid, label=label), label="accept")

    def _reject_suggested(self, faces: list[int]) -> None:
        pid = self.win.current_person
        if faces and pid is not None:
            label = f"Not {self._who(pid)}: {_n_faces(len(faces), 'suggested')}"
            self.win.run_op(lambda lib: lib.reject_faces(faces, pid, label=label), label="reject")

    def _who(self, pid: int) -> str:
        item = self.win.people_model.item(pid)
        return item.name if item is not None and item.name else "this group"

    def fix_face(self, face_id: int) -> None:
        """Say who a face in the viewer is (its group follows; see core.people.naming)."""
        self.win.pages.viewer.who_is(face_id)


def _set_hidden(library: Any, person: int, hidden: bool) -> Any:
    return library.set_hidden(person, hidden)


def _set_hidden_many(library: Any, people: list[int], hidden: bool) -> Any:
    return library.set_hidden_many(people, hidden)


def _n_faces(n: int, kind: str = "") -> str:
    kind = f"{kind} " if kind else ""
    return f"{n} {kind}face{'s' if n != 1 else ''}"
