"""Grouping quality of both model packs on the hard labelled sets, beside other apps' rules.

For each pack and each labelled set, the set is scanned together with the 186 ``snapshots`` as
distractors (``faceorganizer scan SET snapshots --pack PACK``; the database is kept under
``--work`` and reused, ``--rescan`` redoes it), then the product's own commands print:

* ``eval --compare``: BCubed and pairwise P / R / F of our default grouping beside Immich's,
  PhotoPrism's and LibrePhotos' rules on the same vectors;
* ``eval --pairs`` (lfw-fold1): verification accuracy at the default threshold and the best;
* ``eval --simulate-user`` (``--simulate`` sets): F after 0.5, 1, 2, 3 answers per person and
  the answers to F 0.99.

A summary table closes the run. Nothing is asserted (the golden suite holds the floors).

``--scale`` (default pack only) adds the scale table: ``lfw-fold1``, ``lfw-folds2-4`` and the
snapshots are scanned once into one database, and the faces of libraries of ~600, ~1,200,
~1,800 and ~2,300 people (lfw-fold1 alone, then with LFW fold 2, folds 2-3, folds 2-4; each
with the snapshots) are grouped in memory, every face of the library present, by our default
rule, by a plain average-linkage loop (scipy, cosine, no extras) at 0.5 and at its best
threshold, and by Immich's rule, and scored with BCubed on the labelled faces. A person's
fold is read from ``lfw-folds2-4/pairs.csv``; the 437 people who are in no pair are dealt to
folds 2, 3, 4 in turn (sorted by id), as the set does not record their fold.

    .venv/bin/python benchmarks/quality_bench.py [--packs yunet-sface retinaface-sface]
        [--sets celeba-wild lfw-fold1 celebrities] [--work /tmp/faceorganizer-quality] [--rescan]
        [--simulate celeba-wild celebrities] [--scale | --scale-only]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"


def faceorganizer(*args: str) -> str:
    """Run the CLI; its output (stdout), or exit with its error."""
    proc = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"faceorganizer {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def scanned(pack: str, name: str, work: Path, rescan: bool) -> tuple[Path, str]:
    """The database of SET + snapshots scanned with PACK, and the scan's summary line."""
    db = work / f"{pack}-{name}.db"
    summary_file = db.with_suffix(".summary")
    if rescan:
        for path in (db, summary_file, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    if not db.exists() or not summary_file.exists():
        out = faceorganizer(
            "scan",
            str(SHARED / name),
            str(SHARED / "snapshots"),
            "--db",
            str(db),
            "--pack",
            pack,
            "--no-group",  # eval clusters the faces itself, as it always has
        )
        line = next((s for s in out.splitlines() if s.startswith("summary:")), "summary: ?")
        summary_file.write_text(line + "\n", encoding="utf-8")
    return db, summary_file.read_text(encoding="utf-8").strip()


def scale_database(work: Path, rescan: bool) -> Path:
    """lfw-fold1 + lfw-folds2-4 + snapshots scanned once with the default pack."""
    db = work / "scale.db"
    done = db.with_suffix(".summary")
    if rescan:
        for path in (db, done, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    if not db.exists() or not done.exists():
        folders = [str(SHARED / n) for n in ("lfw-fold1", "lfw-folds2-4", "snapshots")]
        out = faceorganizer("scan", *folders, "--db", str(db))
        line = next((s for s in out.splitlines() if s.startswith("summary:")), "summary: ?")
        done.write_text(line + "\n", encoding="utf-8")
    return db


def lfw_folds() -> dict[str, int]:
    """File name of each labelled lfw-folds2-4 photo -> its LFW fold (2, 3 or 4)."""
    folder = SHARED / "lfw-folds2-4"
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as fh:
        person = {r["file"]: r["person"] for r in csv.DictReader(fh) if r["person"]}
    fold: dict[str, int] = {}
    with (folder / "pairs.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in (row["file_a"], row["file_b"]):
                if name in person:
                    fold[person[name]] = int(row["fold"])
    for i, who in enumerate(sorted(set(person.values()) - set(fold))):
        fold[who] = 2 + i % 3
    return {name: fold[who] for name, who in person.items()}


def plain_average_linkage(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's exact average-linkage tree on cosine distance (the "plain loop")."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    return linkage(pdist(x.astype(np.float64), "cosine"), "average"), x


def cut(tree: np.ndarray, threshold: float) -> np.ndarray:
    """Labels of the tree cut at ``threshold``; groups of one face -> -1."""
    from scipy.cluster.hierarchy import fcluster

    labels = fcluster(tree, threshold, "distance").astype(np.int64)
    counts = np.bincount(labels)
    return np.where(counts[labels] >= 2, labels, -1)


def scale_table(work: Path, rescan: bool) -> None:
    """Print P / R / F of ours, the plain loop and Immich's rule as the library grows."""
    from faceorganizer.core.evaluate.labelled import labelled_faces, read_label_csv
    from faceorganizer.core.evaluate.metrics import bcubed
    from faceorganizer.core.evaluate.peers import immich_cluster
    from faceorganizer.core.people.cluster import cluster_faces
    from faceorganizer.core.people.grouping import GroupingOptions
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    db_path = scale_database(work, rescan)
    labels = read_label_csv(SHARED / "lfw-fold1" / "labels.csv")
    labels.update(read_label_csv(SHARED / "lfw-folds2-4" / "labels.csv"))
    with Database(db_path) as db:
        repo = FaceRepository(db)
        vec = repo.vectors()
        path_of = {r.id: r.path.replace("\\", "/") for r in repo.rows()}
        labelled = labelled_faces(db, labels)
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    lab_idx = np.array([pos[f] for f in labelled.face_ids], dtype=np.int64)
    truth = np.array(labelled.truth)
    folds = lfw_folds()
    fold = np.array(
        [
            folds.get(Path(p).name, 2) if "/lfw-folds2-4/" in p else 0
            for p in (path_of[int(f)] for f in vec.ids)
        ]
    )
    sizes = {
        "lfw-fold1": {0},
        "+ fold 2": {0, 2},
        "+ folds 2-3": {0, 2, 3},
        "+ folds 2-4": {0, 2, 3, 4},
    }
    params = GroupingOptions().cluster
    grid = [round(t, 2) for t in np.arange(0.40, 0.66, 0.02)]
    print("\n== scale: lfw-fold1 (+ LFW folds 2-4) + snapshots, every face present, BCubed")
    rows = []
    for name, which in sizes.items():
        faces = np.nonzero(np.isin(fold, list(which)))[0]
        where = np.full(len(vec.ids), -1)
        where[faces] = np.arange(faces.size)
        keep = where[lab_idx] >= 0
        rows_of = where[lab_idx[keep]]
        who = truth[keep].tolist()
        people = len(set(who))
        x = vec.vectors[faces]

        def scored(pred: np.ndarray, rows_of: np.ndarray = rows_of, who: list = who) -> tuple:
            s = bcubed([int(v) for v in pred[rows_of]], who)
            return s.precision, s.recall, s.f1

        start = time.perf_counter()
        ours = scored(cluster_faces(x, groups=vec.photo_ids[faces], params=params))
        ours_s = time.perf_counter() - start
        tree, _ = plain_average_linkage(x)
        plain = {t: scored(cut(tree, t)) for t in grid}
        best_t = max(plain, key=lambda t: plain[t][2])
        immich = scored(immich_cluster(x))
        rows.append((name, people, faces.size, ours, plain[0.5], best_t, plain[best_t], immich))
        print(f"{name}: people={people} faces={faces.size} ours {ours_s:.1f} s", flush=True)
    print("\n| library (+ snapshots) | people | faces | ours P / R / F |", end="")
    print(" plain loop at 0.5 | plain loop, best threshold | Immich's rule |")
    print("|---|---|---|---|---|---|---|")
    for name, people, n, ours, p05, best_t, pbest, immich in rows:
        cells = [f"{a:.3f} / {b:.3f} / {c:.3f}" for a, b, c in (ours, p05, pbest, immich)]
        cells[2] = f"{cells[2]} ({best_t:.2f})"
        print(f"| {name} | {people:,} | {n:,} | " + " | ".join(cells) + " |")


def field(text: str, pattern: str) -> str:
    """The first group of ``pattern`` in ``text``, or ``-``."""
    found = re.search(pattern, text)
    return found.group(1) if found else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packs", nargs="+", default=["yunet-sface", "retinaface-sface"])
    parser.add_argument("--sets", nargs="+", default=["celeba-wild", "lfw-fold1"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/faceorganizer-quality"))
    parser.add_argument("--rescan", action="store_true")
    parser.add_argument(
        "--simulate",
        nargs="*",
        default=["celeba-wild", "celebrities"],
        help="sets to run the simulated user on (it answers up to 3 questions a person, so "
        "lfw-fold1's 601 people take long)",
    )
    parser.add_argument("--scale", action="store_true", help="also the scale table")
    parser.add_argument("--scale-only", action="store_true", help="only the scale table")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f}; databases in {args.work}")
    if args.scale_only:
        scale_table(args.work, args.rescan)
        return 0
    rows = []
    for pack in args.packs:
        for name in args.sets:
            labels = SHARED / name / "labels.csv"
            db, summary = scanned(pack, name, args.work, args.rescan)
            print(f"\n== {pack} / {name} (+ snapshots as distractors)\n{summary}")
            evaluation = faceorganizer(
                "eval", "--db", str(db), "--labels", str(labels), "--compare"
            )
            print(evaluation, end="")
            pairs_line = "-"
            pairs_csv = SHARED / name / "pairs.csv"
            if pairs_csv.exists():
                pairs = faceorganizer("eval", "--db", str(db), "--pairs", str(pairs_csv))
                print(pairs, end="")
                pairs_line = field(pairs, r"accuracy=(\S+ at default, \S+ best)")
            simulated = ""
            if name in args.simulate:
                simulated = faceorganizer(
                    "eval", "--db", str(db), "--labels", str(labels), "--simulate-user"
                )
                print(simulated, end="")
            curve = re.findall(r"answers=\d+ people=\d+ F=(\S+)", simulated)
            rows.append(
                (
                    pack,
                    name,
                    field(evaluation, r"BCubed P=(\S+)"),
                    field(evaluation, r"BCubed P=\S+ R=(\S+)"),
                    field(evaluation, r"BCubed P=\S+ R=\S+ F=(\S+)"),
                    pairs_line,
                    " / ".join(curve),
                    field(simulated, r"answers to reach F 0.99: (.+)"),
                    field(summary, r"photos_per_s=(\S+)"),
                )
            )
    print("\n| pack | set | BCubed P | R | F | LFW pairs (default, best) |", end="")
    print(" simulated user F at 0.5/1/2/3 answers a person | answers to F 0.99 | scan photos/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.scale:
        scale_table(args.work, args.rescan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
