"""The "Same person?" page as a user who knows the labels meets it: how many questions it
asks, how many were obvious "no"s, and whether its counter told the truth.

    .venv/bin/python benchmarks/review_questions.py --db LIB.db \
        --labels ../shared/data/celeba-wild/labels.csv

On a copy of the library (grouped first if it is not): the user names the largest unnamed
group of each labelled person (as a new user does first), leaving that person's other groups
unnamed; then answers the page's questions in the page's order, one at a time, the page
reloaded after each answer as the window does, until it has none left. A question between a
labelled group and one with no labelled face (the snapshots' people, a labelled photo's other
faces) is a "no"; one with no label on either side is skipped (the page moves it last; here it
is not asked again). Prints:

    questions: asked=N yes=N no=N skipped=N first_count=N counter_exact=yes|no

``first_count`` is what the page's counter said before the first answer. It asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from faceorganizer.core.evaluate.labelled import labelled_faces, read_label_csv  # noqa: E402
from faceorganizer.core.people import suggest  # noqa: E402
from faceorganizer.core.people.grouping import regroup  # noqa: E402
from faceorganizer.core.people.ops import PeopleOps  # noqa: E402
from faceorganizer.core.store.copy import copy_database  # noqa: E402
from faceorganizer.core.store.db import Database  # noqa: E402

PAGE = 20  # questions the window loads at once (the Same Person? page)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--labels", required=True, type=Path)
    args = ap.parse_args()
    labels = read_label_csv(args.labels)
    tmp = Path(tempfile.mkdtemp(prefix="review-questions-"))
    try:
        copy = tmp / "copy.db"
        copy_database(args.db, copy)
        with Database(copy) as db:
            ops = PeopleOps(db)
            if not ops.repo.assignments():
                regroup(db)
            lab = labelled_faces(db, labels)
            truth = dict(zip(lab.face_ids, lab.truth, strict=True))

            def label_of(person: int) -> str | None:
                votes = Counter(truth[f] for f in ops.repo.faces_of(person) if f in truth)
                return votes.most_common(1)[0][0] if votes else None

            named: set[str] = set()
            people = sorted(ops.repo.list_people(), key=lambda p: -p.face_count)
            for p in people:
                label = label_of(p.id)
                if p.name is None and label is not None and label not in named:
                    ops.name(p.id, label)
                    named.add(label)
            asked = yes = no = skipped = 0
            skip: set[tuple[int, int]] = set()
            counts: list[int] = []
            while True:
                page = suggest.suggest_pairs(db, limit=10_000)
                page = [s for s in page if (s.a, s.b) not in skip]
                counts.append(len(page))
                if not page:
                    break
                s = page[0]
                asked += 1
                la, lb = label_of(s.a), label_of(s.b)
                if la is None and lb is None:
                    skipped += 1
                    skip.add((s.a, s.b))
                elif la == lb:
                    yes += 1
                    suggest.accept(db, s)
                else:
                    no += 1
                    suggest.reject(db, s)
            exact = all(counts[i] == counts[0] - i for i in range(len(counts)))
            print(
                f"questions: asked={asked} yes={yes} no={no} skipped={skipped}"
                f" first_count={min(counts[0], PAGE)}{'+' if counts[0] > PAGE else ''}"
                f" all_open={counts[0]} counter_exact={'yes' if exact else 'no'}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
