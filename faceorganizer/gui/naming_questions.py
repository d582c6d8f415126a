"""The questions the window asks around naming a face, moving faces and merging: who is this
(people ranked by likeness), only this face or its group, already in this photo, the merge
with both sides' faces; then the library's operation through ``run_op``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRect

from faceorganizer.core.records import FaceRef
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

log = logging.getLogger(__name__)

GROUP_FACES = 8  # faces shown of each group in a question


class NamingQuestions(QObject):
    """Naming a face, moving faces, merging with a look at both sides."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win

    # -- naming a face ----------------------------------------------------------------------
    def who_is(
        self,
        faces: list[FaceRef],
        avoid: QRect | None = None,
        *,
        allow_new: bool = True,
        face_image: Any = None,
    ) -> None:
        """Ask who these faces are (people ranked by likeness to them), then name them by the
        core's rule (one face: its group follows; several: they move together)."""
        if not faces:
            return
        own = {f.person_id for f in faces if f.person_id is not None}
        # the faces' own person is listed too (marked "now"): picking it confirms them
        current = next(iter(own)) if len(own) == 1 else None
        if len(faces) == 1:
            face = faces[0]
            now = face.person_name or ("an unnamed group" if face.person_id else "no one yet")
            title = f"Who is this? (now: {now})"
        else:
            title = f"Who are these {len(faces)} faces?"
        face_ids = [f.id for f in faces]

        def picked(target: int | None, new_name: str | None) -> None:
            if target is not None:
                item = self.win.people_model.item(target)
                if item is not None and item.name:
                    self.name_faces(face_ids, item.name)
                else:
                    self.move_faces(face_ids, target)
            elif new_name:
                self.name_faces(face_ids, new_name)

        self.pick_for(
            faces,
            title,
            lambda p: p.id not in own or p.id == current,
            picked,
            allow_new=allow_new,
            avoid=avoid,
            current=current,
            face_image=face_image,
        )

    def move_to(self, faces: list[FaceRef], away_from: int | None) -> None:
        """ "Move to…": the chooser of "Who is this?" (faces, most alike first); the faces move
        (only they: their group stays), or become a new person."""
        if not faces:
            return
        face_ids = [f.id for f in faces]
        n = len(faces)
        title = "Move this face to…" if n == 1 else f"Move {n} faces to…"

        def picked(target: int | None, new_name: str | None) -> None:
            if target is not None:
                self.move_faces(face_ids, target)
            elif new_name:
                self.win.run_op(lambda lib: lib.new_person(new_name, face_ids), label="create")

        self.pick_for(faces, title, lambda p: p.id != away_from, picked)

    def pick_for(
        self,
        faces: list[FaceRef],
        title: str,
        listed: Any,
        then: Any,
        *,
        allow_new: bool = True,
        avoid: QRect | None = None,
        current: int | None = None,
        face_image: Any = None,
    ) -> None:
        """Rank people by likeness to ``faces`` (background), show the chooser with their
        pictures, and call ``then(person id or None, new name or None)`` with the pick."""
        library, face_ids = self.win.library, [f.id for f in faces]

        def job(_ctx: JobContext) -> dict[int, float]:
            return library.rank_people(face_ids)

        def ranked(scores: dict[int, float]) -> None:
            from PySide6.QtGui import QPixmap

            from faceorganizer.gui.thumbnails import ThumbKey

            people = [p for p in self.win.people_items() if listed(p)]
            image = self.win.thumbs.get(ThumbKey(faces[0].path, faces[0].box))
            if image is None and face_image is not None:
                image = QPixmap.fromImage(face_image)
            pick = self.win.ask.pick_person(
                self.win,
                title,
                people,
                allow_new,
                scores={p.id: scores[p.id] for p in people if p.id in scores},
                thumbs=self.win.thumbs,
                avoid=avoid,
                face_image=image,
                current=current,
            )
            if pick is not None:
                then(*pick)

        self.win.jobs.submit(job, on_result=ranked, channel="rank", replace=True)

    def name_faces(self, face_ids: list[int], name: str, same_photo: bool = False) -> None:
        """Name faces: one face by ``name_face``'s rule, several together."""
        if len(face_ids) == 1:
            self.name_face(face_ids[0], name, same_photo=same_photo)
            return
        self.win.run_op(
            lambda lib: lib.name_faces(face_ids, name, same_photo=same_photo),
            label="name faces",
            on_error=self._same_photo_or(lambda: self.name_faces(face_ids, name, True)),
        )

    def move_faces(
        self, face_ids: list[int], person_id: int, same_photo: bool = False, label: str = ""
    ) -> None:
        """Move faces to a person (asking first when the person is already in their photo)."""
        self.win.run_op(
            lambda lib: lib.move_faces(
                face_ids, person_id, same_photo=same_photo, label=label or None
            ),
            label="move",
            on_error=self._same_photo_or(lambda: self.move_faces(face_ids, person_id, True, label)),
        )

    def name_face(
        self, face_id: int, name: str, scope: str = "auto", same_photo: bool = False
    ) -> None:
        """Name a face; an odd face of a group asks first (showing the group's faces), and so
        does a face whose photo already shows that person."""
        from faceorganizer.core.library.errors import AskScope

        again = self._same_photo_or(lambda: self.name_face(face_id, name, scope, True))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, AskScope):
                self._ask_scope(exc)
            else:
                again(exc)

        self.win.run_op(
            lambda lib: lib.name_face(face_id, name, scope, same_photo=same_photo),
            label="name face",
            on_error=failed,
        )

    def _same_photo_or(self, anyway: Any) -> Any:
        """An error handler: ``SamePhoto`` asks (showing both faces) and runs ``anyway`` when
        the user agrees; any other error is reported as usual."""
        from faceorganizer.core.library.errors import SamePhoto

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, SamePhoto):
                self.win._op_error(exc)
                return
            clashes = dict(exc.clashes)
            load = self._load_faces([*clashes, *clashes.values()])

            def loaded(refs: list[FaceRef]) -> None:
                moving = [f for f in refs if f.id in clashes]
                there = [f for f in refs if f.id not in clashes]
                n = len(moving)
                add = "Add it anyway" if n == 1 else f"Add all {n} anyway"
                this = "this face" if n == 1 else "these faces"
                answer = self._choose(
                    "Already in this photo",
                    f"{exc.who[:1].upper()}{exc.who[1:]} is already in the photo of {this}. "
                    "A photo shows each person once (unless a mirror or a poster shows "
                    "them twice). Add anyway?",
                    [("Adding", moving[:GROUP_FACES]), ("Already there", there[:GROUP_FACES])],
                    ["Cancel", add],
                )
                if answer == add:
                    anyway()

            load(loaded)

        return failed

    def _ask_scope(self, exc: Any) -> None:
        group_faces, face_id, name = list(exc.group_faces), exc.face_id, exc.name
        faces = self._load_faces([face_id, *[f for f in group_faces if f != face_id]])

        def loaded(refs: list[FaceRef]) -> None:
            this = [f for f in refs if f.id == face_id]
            rest = [f for f in refs if f.id != face_id]
            only, whole = "Only this face", f"The whole group ({len(group_faces)} faces)"
            answer = self._choose(
                "Who is this?",
                f"This face looks unlike the rest of its group. Is only this face {name}, "
                "or the whole group?",
                [("This face", this), ("Its group", rest[:GROUP_FACES])],
                ["Cancel", whole, only],
            )
            if answer == only:
                self.name_face(face_id, name, "face")
            elif answer == whole:
                self.name_face(face_id, name, "group")

        faces(loaded)

    # -- merging ----------------------------------------------------------------------------
    def confirm_merge(self, target: int, sources: list[int]) -> None:
        """Show both sides' faces and names; merge when the user agrees."""
        if not sources:
            return
        library = self.win.library
        ids = [target, *sources]

        def job(_ctx: JobContext) -> dict[int, list[FaceRef]]:
            return library.best_faces_of(ids, GROUP_FACES)

        def loaded(faces: dict[int, list[FaceRef]]) -> None:
            model = self.win.people_model
            t = model.item(target)
            srcs = [model.item(s) for s in sources]
            named = [s for s in srcs if s is not None and s.name]
            keep = (t.name if t is not None else None) or (named[0].name if named else None)
            if len(named) + int(bool(t and t.name)) > 1:
                question = "Are these the same person? They become one person named " + (
                    f"{keep}; the other names are dropped."
                )
            elif keep:
                question = f"Are these all {keep}? They become one person named {keep}."
            else:
                question = "Are these the same person? They become one unnamed group."
            from faceorganizer.gui.captions import side_captions

            captions = side_captions([t, *srcs])
            groups = [
                (caption, faces.get(pid, []))
                for caption, pid in zip(captions, [target, *sources], strict=True)
            ]
            merge = "Merge" if len(sources) == 1 else f"Merge all {len(sources) + 1}"
            if self._choose("Merge people", question, groups, ["Cancel", merge]) == merge:
                self.win.run_op(lambda lib: lib.merge(target, sources), label="merge")

        self.win.jobs.submit(job, on_result=loaded, channel="merge-ask", replace=True)

    # -- helpers ----------------------------------------------------------------------------
    def _choose(
        self, title: str, text: str, groups: list[tuple[str, list[FaceRef]]], buttons: list[str]
    ) -> str | None:
        ask = self.win.ask
        if hasattr(ask, "choose"):
            answer = ask.choose(self.win, title, text, groups, buttons, self.win.thumbs)
            return str(answer) if answer is not None else None
        # an older Ask: a plain yes / no for the last (default) answer
        return buttons[-1] if ask.confirm(self.win, title, text) else None

    def _load_faces(self, face_ids: list[int]) -> Any:
        library = self.win.library

        def run(then: Any) -> None:
            def job(_ctx: JobContext) -> list[FaceRef]:
                return library.faces_by_id(face_ids)

            self.win.jobs.submit(job, on_result=then, channel="faces-ask", replace=True)

        return run
