"""A simulated user who knows the labels and uses the product as a person would.

It works through the same core operations and suggestion code the desktop app uses, on a copy of
the database, so the library is never changed. What it does, in this order each turn:

1. takes a wrong face out of a named person ("Not this person");
2. answers the "Is this also NAME?" grid of a person it named (``suggest.suggest_faces_for``,
   which offers unsorted faces and small unnamed groups, each to the person it resembles most);
3. names the largest unnamed group it recognises (a name it already gave merges the group);
4. moves a face it recognises among the unsorted ones to that person ("Move to…");
5. answers the app's "same person?" pair questions, then its single-face ones.

What counts: every decision is one answer. Naming a group, merging it, moving one face,
rejecting one face, and accepting a whole grid at once ("Yes") each cost one. In a grid that is
only partly right the user pays one answer for every face they have to pick out: the cheaper of
picking the right ones and pressing "Yes", or picking the wrong ones (and those they cannot
tell), pressing "No", then "Yes" for the rest. A grid with nothing right in it is passed over
for free, as a person would. A pair question whose faces carry no label costs one answer and is
skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faceorganizer.core.evaluate.labelled import Labelled, labelled_faces
from faceorganizer.core.evaluate.metrics import bcubed
from faceorganizer.core.people import suggest
from faceorganizer.core.people.grouping import regroup
from faceorganizer.core.people.ops import NameTaken, PeopleError, PeopleOps
from faceorganizer.core.store.copy import copy_database
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository

BATCH = 30  # faces the person page shows under "Is this also NAME?"


@dataclass
class Simulation:
    """F after each answer, and how many answers reaching F 0.99 took."""

    people: int
    curve: list[tuple[int, float]] = field(default_factory=list)
    answers_to_f99: int | None = None

    def f_at(self, answers: int) -> float:
        """F after at most ``answers`` answers."""
        best = self.curve[0][1] if self.curve else 0.0
        for n, f in self.curve:
            if n > answers:
                break
            best = f
        return best


class _User:
    def __init__(self, db: Database, labelled: Labelled) -> None:
        self.db = db
        self.ops = PeopleOps(db)
        self.repo = PeopleRepository(db)
        self.truth = dict(zip(labelled.face_ids, labelled.truth, strict=True))
        self.labelled = labelled
        self.asked: set[tuple[int, int]] = set()
        self.to_review: list[int] = []  # named people whose "Is this also NAME?" is unseen

    def f(self) -> float:
        assign = self.repo.assignments()
        pred = [assign[f].person_id if f in assign else -1 for f in self.labelled.face_ids]
        return bcubed(pred, self.labelled.truth).f1

    def label_of(self, faces: list[int]) -> str | None:
        votes = Counter(self.truth[f] for f in faces if f in self.truth)
        return votes.most_common(1)[0][0] if votes else None

    def members(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for face, a in self.repo.assignments().items():
            out.setdefault(a.person_id, []).append(face)
        return out

    def fix_a_wrong_face(self) -> bool:
        """Reject one labelled face that sits in a named person it is not."""
        for person in self.repo.list_people(include_hidden=True):
            if person.name is None:
                continue
            for face in self.repo.faces_of(person.id):
                label = self.truth.get(face)
                if label is not None and label != person.name:
                    self.ops.reject([face], person.id)
                    return True
        return False

    def answer_a_suggestion(self) -> bool | None:
        """Answer the best new suggestion; None when there is nothing to ask."""
        for s in suggest.suggest_pairs(self.db, limit=50):
            if (s.a, s.b) in self.asked:
                continue
            self.asked.add((s.a, s.b))
            members = self.members()
            la, lb = self.label_of(members.get(s.a, [])), self.label_of(members.get(s.b, []))
            if la is None or lb is None:
                return False  # cannot tell: one answer spent, skipped
            if la == lb:
                suggest.accept(self.db, s)
            else:
                suggest.reject(self.db, s)
            return True
        return None

    def place_an_unsorted_face(self) -> bool:
        """Answer "Is this NAME?" for the unsorted face the app finds most likely to be a yes."""
        for face, person_id, _sim in suggest.suggest_places(self.db, limit=len(self.asked) + 50):
            if (face, person_id) in self.asked:
                continue
            self.asked.add((face, person_id))
            target = self.repo.get(person_id)
            if target is not None and self.truth.get(face) == target.name:
                self.ops.move([face], person_id)
            else:
                self.ops.reject([face], person_id)
            return True
        return False

    def review_a_batch(self) -> int:
        """Answer one person's "Is this also NAME?" grid; the answers it took (0: none left).

        The grid shows up to ``BATCH`` faces. All of them right: "Yes" (one answer). Otherwise
        the cheaper of: pick out each right face and press "Yes" (an answer a face); or pick out
        each face that is not NAME, or that the user cannot tell, press "No" (an answer a face),
        then "Yes" for the rest (one answer). A grid with no right face is passed over without
        an answer, as a person would.
        """
        while self.to_review:
            pid = self.to_review.pop(0)
            person = self.repo.get(pid)
            if person is None or person.name is None:
                continue
            shown = [f for f, _ in suggest.suggest_faces_for(self.db, pid, limit=BATCH)]
            right = [f for f in shown if self.truth.get(f) == person.name]
            if not right:
                continue
            wrong = [f for f in shown if f not in set(right)]
            self.to_review.append(pid)  # more may come once these are placed
            if not wrong:
                self.ops.move(right, pid)
                return 1
            if len(right) <= len(wrong) + 1:
                self.ops.move(right, pid)
                return len(right)
            self.ops.reject(wrong, pid)
            self.ops.move(right, pid)
            return len(wrong) + 1
        return 0

    def move_a_known_face(self) -> bool:
        """Pick a face the user recognises among the unsorted ones and move it to its person."""
        for face in self.repo.unsorted_faces():
            label = self.truth.get(face)
            target = self.repo.by_name(label) if label else None
            if target is not None and (face, target.id) not in self.asked:
                self.asked.add((face, target.id))
                self.ops.move([face], target.id)
                return True
        return False

    def name_a_group(self) -> bool:
        """Name the largest group whose people is not named yet (or merge into the name)."""
        named = {p.name for p in self.repo.list_people(include_hidden=True) if p.name}
        members = self.members()
        for person in self.repo.list_people():
            if person.name is not None:
                continue
            label = self.label_of(members.get(person.id, []))
            if label is None:
                continue
            try:
                if label in named:
                    target = self.repo.by_name(label)
                    assert target is not None
                    self.ops.merge(target.id, [person.id])
                    pid = target.id
                else:
                    self.ops.name(person.id, label)
                    pid = person.id
            except (NameTaken, PeopleError):
                continue
            if pid not in self.to_review:
                self.to_review.insert(0, pid)
            return True
        return False


def simulate_user(
    db_path: Path,
    labels: dict[str, str],
    *,
    max_answers: int,
    on_answer: Callable[[int, float], None] | None = None,
) -> Simulation:
    """Run the simulated user on a copy of ``db_path`` for up to ``max_answers`` answers."""
    with tempfile.TemporaryDirectory(prefix="faceorganizer-sim-") as tmp:
        copy = Path(tmp) / "sim.db"
        copy_database(db_path, copy)
        with Database(copy) as db:
            if not PeopleRepository(db).assignments():
                regroup(db)
            labelled = labelled_faces(db, labels)
            user = _User(db, labelled)
            sim = Simulation(people=len(set(labelled.truth)))
            f = user.f()
            sim.curve.append((0, f))
            if f >= 0.99:
                sim.answers_to_f99 = 0
            answers = 0
            while answers < max_answers:
                spent = 1 if user.fix_a_wrong_face() else user.review_a_batch()
                if not spent and user.name_a_group():
                    spent = 1
                if not spent and user.move_a_known_face():
                    spent = 1
                if not spent and user.answer_a_suggestion() is not None:
                    spent = 1
                if not spent and user.place_an_unsorted_face():
                    spent = 1
                if not spent:
                    break
                answers += spent
                f = user.f()
                sim.curve.append((answers, f))
                if on_answer:
                    on_answer(answers, f)
                if f >= 0.99 and sim.answers_to_f99 is None:
                    sim.answers_to_f99 = answers
    shutil.rmtree(tmp, ignore_errors=True)
    return sim
