"""Scoring the product against labelled photos: which face a label names, and how well it did."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceorganizer.core.evaluate.metrics import Scores, bcubed, pairwise
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository, FaceRow
from faceorganizer.core.store.people import PeopleRepository


@dataclass(frozen=True)
class Labelled:
    """Labelled faces: face ids and the person each truly is."""

    face_ids: list[int]
    truth: list[str]
    missing: list[str]  # labelled files with no stored face


@dataclass(frozen=True)
class Evaluation:
    """BCubed and pairwise scores of one grouping on the labelled faces."""

    method: str
    bcubed: Scores
    pairwise: Scores
    labelled: int
    groups: int


class LabelFileError(ValueError):
    """A label or pairs file that cannot be used; the message says which and why."""


MAX_LABEL_FILE_BYTES = 64 << 20


def read_csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file that has (at least) ``columns``; LabelFileError if not."""
    try:
        with open(path, "rb") as fh:  # a folder fails here (IsADirectoryError)
            if not os.path.isfile(path):
                raise LabelFileError(f"{path}: not a regular file")
            data = fh.read(MAX_LABEL_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise LabelFileError(f"{path}: no such file") from exc
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_LABEL_FILE_BYTES:
        raise LabelFileError(f"{path}: larger than {MAX_LABEL_FILE_BYTES >> 20} MiB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LabelFileError(f"{path}: UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise LabelFileError(f"{path}: a binary file, not CSV text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelFileError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f.strip() for f in reader.fieldnames or []]
        missing = [c for c in columns if c not in fields]
        if missing:
            raise LabelFileError(
                f"{path}: needs the columns {', '.join(columns)} in its first line"
                f" (missing {', '.join(missing)})"
            )
        reader.fieldnames = fields
        return [{k: (v or "") for k, v in row.items() if isinstance(k, str)} for row in reader]
    except csv.Error as exc:
        raise LabelFileError(f"{path}: not a readable CSV file ({exc})") from exc


def read_label_csv(path: Path) -> dict[str, str]:
    """``file,person`` rows with a person."""
    return {
        r["file"].strip(): r["person"].strip()
        for r in read_csv_rows(path, ("file", "person"))
        if r["person"].strip()
    }


def labelled_faces(database: Database, labels: dict[str, str]) -> Labelled:
    """The largest face of each labelled photo (a file matched against the end of a path)."""
    rows = FaceRepository(database).rows()
    by_name: dict[str, list[FaceRow]] = {}
    for row in rows:
        by_name.setdefault(Path(row.path).name, []).append(row)
    ids, truth, missing = [], [], []
    for file, person in sorted(labels.items()):
        cands = [
            r for r in by_name.get(Path(file).name, []) if r.path.replace("\\", "/").endswith(file)
        ]
        if not cands:
            missing.append(file)
            continue
        best = max(cands, key=lambda r: r.box[2] * r.box[3])
        ids.append(best.id)
        truth.append(person)
    return Labelled(ids, truth, missing)


def score(method: str, pred: list[int], truth: list[str]) -> Evaluation:
    """Scores of predicted group ids (-1: unsorted) against the truth."""
    groups = len({p for p in pred if p >= 0}) + sum(1 for p in pred if p < 0)
    return Evaluation(method, bcubed(pred, truth), pairwise(pred, truth), len(pred), groups)


def evaluate_stored(database: Database, labelled: Labelled) -> Evaluation:
    """How the people now in the database score."""
    assign = PeopleRepository(database).assignments()
    pred = [assign[f].person_id if f in assign else -1 for f in labelled.face_ids]
    return score("ours (stored people)", pred, labelled.truth)


def evaluate_rules(
    database: Database,
    labelled: Labelled,
    rules: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]],
) -> list[Evaluation]:
    """Run grouping rules (vectors, photo ids -> labels) on every stored face; score each."""
    vec = FaceRepository(database).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    idx = np.array([pos[f] for f in labelled.face_ids], dtype=np.int64)
    out = []
    for name, rule in rules.items():
        labels = np.asarray(rule(vec.vectors, vec.photo_ids))
        out.append(score(name, [int(v) for v in labels[idx]], labelled.truth))
    return out


@dataclass(frozen=True)
class PairResult:
    """Verification on labelled pairs of photos."""

    pairs: int
    missing: int
    default_threshold: float
    accuracy_at_default: float
    best_threshold: float
    best_accuracy: float
    far_at_default: float
    frr_at_default: float


def centre_faces(database: Database) -> dict[str, int]:
    """file name -> the face nearest the centre of its photo (LFW's convention)."""
    rows = FaceRepository(database).boxes_in_photos()
    best: dict[str, tuple[float, int]] = {}
    for fid, path, x, y, w, h, pw, ph in rows:
        cx, cy = (pw or 0) / 2, (ph or 0) / 2
        d = (x + w / 2 - cx) ** 2 + (y + h / 2 - cy) ** 2
        name = Path(path).name
        if name not in best or d < best[name][0]:
            best[name] = (d, fid)
    return {k: v[1] for k, v in best.items()}


def verify_pairs(database: Database, pairs_csv: Path, threshold: float) -> PairResult:
    """Accuracy of 'same person' at ``threshold`` (cosine similarity) and at the best one."""
    from faceorganizer.core.evaluate.metrics import best_threshold, far_frr, verification_accuracy

    faces = centre_faces(database)
    vec = FaceRepository(database).vectors()
    pos = {int(f): i for i, f in enumerate(vec.ids)}
    sims, same, missing = [], [], 0
    for line, row in enumerate(read_csv_rows(pairs_csv, ("file_a", "file_b", "same")), 2):
        if row["same"].strip() not in ("0", "1"):
            raise LabelFileError(f"{pairs_csv}: line {line}: 'same' must be 0 or 1")
        fa, fb = faces.get(Path(row["file_a"]).name), faces.get(Path(row["file_b"]).name)
        if fa is None or fb is None:
            missing += 1
            continue
        sims.append(float(vec.vectors[pos[fa]] @ vec.vectors[pos[fb]]))
        same.append(row["same"].strip() == "1")
    s, t = np.asarray(sims), np.asarray(same)
    best_t, best_acc = best_threshold(s, t)
    far, frr = far_frr(s, t, threshold)
    return PairResult(
        pairs=len(sims) + missing,
        missing=missing,
        default_threshold=threshold,
        accuracy_at_default=verification_accuracy(s, t, threshold),
        best_threshold=best_t,
        best_accuracy=best_acc,
        far_at_default=far,
        frr_at_default=frr,
    )
