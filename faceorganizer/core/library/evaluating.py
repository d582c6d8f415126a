"""The measuring use cases of ``Library`` (``faceorganizer eval``): how the stored grouping,
or grouping rules, score against a ``file,person`` CSV, and pair verification."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from faceorganizer.core.evaluate.labelled import Evaluation, Labelled, PairResult
    from faceorganizer.core.store.db import Database

Rule = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class LabelScores:
    """The labelled faces found, the main score (None when no labelled photo is in the
    database) and, when rules were given to compare, each rule's score."""

    labelled: Labelled
    main: Evaluation | None
    table: list[Evaluation] = field(default_factory=list)


class EvaluationCases:
    """Mixed into ``Library``: needs ``connect(readonly=...)`` -> a Database context. They
    only read: open the Library read-only (as the CLI does) and nothing is written."""

    def connect(self, *, readonly: bool = False) -> Database:  # pragma: no cover - Library's
        raise NotImplementedError

    def evaluate_labels(
        self, labels: dict[str, str], *, ours: Rule, compare: dict[str, Rule] | None = None
    ) -> LabelScores:
        """Score the stored people against ``labels`` (or, with no people yet, the rule
        ``ours`` on the stored faces); with ``compare``, every rule there too."""
        from faceorganizer.core.evaluate.labelled import (
            evaluate_rules,
            evaluate_stored,
            labelled_faces,
        )
        from faceorganizer.core.store.people import PeopleRepository

        with self.connect() as db:
            labelled = labelled_faces(db, labels)
            if not labelled.face_ids:
                return LabelScores(labelled, None)
            has_people = bool(PeopleRepository(db).assignments())
            main = (
                evaluate_stored(db, labelled)
                if has_people
                else evaluate_rules(db, labelled, {"ours": ours})[0]
            )
            table = evaluate_rules(db, labelled, compare) if compare else []
        return LabelScores(labelled, main, table)

    def labelled_people(self, labels: dict[str, str]) -> int:
        """How many different people the labelled photos in this database show."""
        from faceorganizer.core.evaluate.labelled import labelled_faces

        with self.connect() as db:
            return len(set(labelled_faces(db, labels).truth))

    def verify_pairs(self, pairs_csv: Path, threshold: float) -> PairResult:
        """Accuracy of "same person" over the CSV's photo pairs at ``threshold`` and best."""
        from faceorganizer.core.evaluate.labelled import verify_pairs

        with self.connect() as db:
            return verify_pairs(db, pairs_csv, threshold)
