"""Reading the shared sets' labels and picking the labelled (largest) face of each photo."""

from __future__ import annotations

import csv
from pathlib import Path

from faceorganizer.core.store.faces import FaceRow


def read_labels(csv_path: Path) -> dict[str, str]:
    """file name -> person id, for labelled rows only."""
    with csv_path.open(newline="", encoding="utf-8") as fh:
        return {r["file"]: r["person"] for r in csv.DictReader(fh) if r["person"].strip()}


def largest_faces(rows: list[FaceRow]) -> dict[str, FaceRow]:
    """photo file name -> its largest face."""
    best: dict[str, FaceRow] = {}
    for row in rows:
        name = Path(row.path).name
        if name not in best or row.box[2] * row.box[3] > best[name].box[2] * best[name].box[3]:
            best[name] = row
    return best
