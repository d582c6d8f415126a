"""Names other tools wrote as face regions become faces of those people.

``import_names`` is what ``scan`` and ``xmp import`` run. Every named Face or Pet region of a
photo becomes a confirmed face of that person: the detected face it overlaps, else a new face
*from metadata* made from the region's crop (``faces.from_region``). Reading happens first,
with no write transaction held; then one people operation (``PeopleOps.import_names``) stores
everything as one undo step. A bad sidecar or photo is reported and skipped, never raised.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faceorganizer.core.metadata.regions import Region, SidecarFinder, read_photo_regions
from faceorganizer.core.people.ops import NameClaim, NameImportResult, PeopleOps
from faceorganizer.core.people.text import clean_name, name_key
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.regions import PhotoFrame, face_boxes, photos_for_import

if TYPE_CHECKING:
    from faceorganizer.core.faces.pipeline import FaceEngine

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
MIN_IOU = 0.3  # a region and a detected face are the same face from this overlap on
MAX_NAMED_REGIONS = 200  # named people read from one photo; a school photo has under 100


def same_face(region: Box, face: Box) -> float:
    """How well a region (pixels) matches a detected face (pixels): 0 when it does not.

    The rule, measured on the test corpus: IoU ≥ 0.3, or each box's centre inside the other
    (tools draw boxes from forehead to chin, or the whole head: IoU alone misses those).
    Returns the IoU, or 0.3 for a centre match with less overlap, so the greedy pairing
    prefers the closest boxes.
    """
    from faceorganizer.core.store.faces import iou

    score = iou(region, face)
    if score >= MIN_IOU:
        return score

    def inside(a: Box, b: Box) -> bool:
        cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
        return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]

    return MIN_IOU if inside(region, face) and inside(face, region) else 0.0


@dataclass
class RegionCounts:
    """The ``regions:`` line: what was read and what became of it."""

    read: int = 0  # every region item of the photos read (of every type, named or not)
    named: int = 0  # named Face/Pet regions: one per person and photo
    matched: int = 0  # ... given to a detected face
    from_metadata: int = 0  # ... made a face from the region
    ignored: int = 0  # Focus, BarCode, unnamed, whole-image, duplicate or unusable regions

    def line(self) -> str:
        """``regions: read=N named=N matched=N from_metadata=N ignored=N``."""
        return (
            f"regions: read={self.read} named={self.named} matched={self.matched}"
            f" from_metadata={self.from_metadata} ignored={self.ignored}"
        )


@dataclass
class NamesImport:
    """What ``import_names`` did."""

    photos: int = 0
    counts: RegionCounts = field(default_factory=RegionCounts)
    result: NameImportResult = field(default_factory=NameImportResult)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (path, name): not placed
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def regions(self) -> int:
        """Named regions found."""
        return self.counts.named


def _pair(
    people: list[Region], faces: list[tuple[int, Box]], width: int, height: int
) -> dict[int, int]:
    """Greedy best-first pairs (region index, face id); each used once."""
    scored = []
    for i, r in enumerate(people):
        box = (r.x * width, r.y * height, r.w * width, r.h * height)
        for face_id, face_box in faces:
            score = same_face(box, face_box)
            if score > 0:
                scored.append((score, i, face_id))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _score, i, face_id in sorted(scored, key=lambda c: -c[0]):
        if i not in pairs and face_id not in used:
            pairs[i] = face_id
            used.add(face_id)
    return pairs


SAME_BOX_IOU = 0.7  # two regions overlapping this much mark one face


def _one_name_per_box(people: list[Region], path: str, report: NamesImport) -> list[Region]:
    """The first name of each face: a box given two names (two tools disagreeing) stays one
    face, and the other name is reported rather than made a second face on the same spot."""
    from faceorganizer.core.store.faces import iou

    kept: list[Region] = []
    for r in people:
        twin = next((k for k in kept if iou(_box(k), _box(r)) >= SAME_BOX_IOU), None)
        if twin is None:
            kept.append(r)
        else:
            report.skipped.append(
                (path, f"one face named twice: {twin.name!r} kept, {r.name!r} not imported")
            )
    return kept


def _box(r: Region) -> Box:
    return (r.x, r.y, r.w, r.h)


def import_names(
    database: Database,
    photo_ids: Iterable[int] | None = None,
    *,
    engine: FaceEngine | None = None,
    engine_factory: Callable[[], FaceEngine] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> NamesImport:
    """Name faces from the regions in the metadata of stored photos (all, or ``photo_ids``).

    ``engine`` (or one made by ``engine_factory``, only when a region has no detected face)
    embeds the faces from metadata; without either, such regions are reported as unmatched.
    """
    report = NamesImport()
    finder = SidecarFinder()
    claims: list[NameClaim] = []
    folders: set[str] = set()
    stop = should_stop or (lambda: False)
    for photo in photos_for_import(database, photo_ids):
        if stop():
            break
        if photo.width <= 0 or photo.height <= 0:
            continue
        folders.add(os.path.dirname(photo.path))
        try:
            found = read_photo_regions(photo.path, orientation=photo.orientation, finder=finder)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
            log.warning("cannot read regions of %s", photo.path, exc_info=True)
            report.skipped.append((photo.path, f"cannot read metadata: {exc!r}"[:300]))
            continue
        report.photos += 1
        report.skipped.extend((photo.path, p) for p in found.problems)
        counts = report.counts
        counts.read += len(found.regions) + found.unusable
        people: list[Region] = []
        seen: set[str] = set()
        for r in found.regions:
            if r.is_person and r.name and clean_name(r.name) and name_key(r.name) not in seen:
                seen.add(name_key(r.name))
                people.append(r)
        if len(people) > MAX_NAMED_REGIONS:
            # a crowd of named regions is a hostile or broken file, not a photo: each face
            # from metadata costs a detection and an embedding (10,000 took 228 s)
            report.skipped.append(
                (
                    photo.path,
                    f"{len(people)} named regions: only the first {MAX_NAMED_REGIONS} are read",
                )
            )
            people = people[:MAX_NAMED_REGIONS]
        people = _one_name_per_box(people, photo.path, report)
        counts.ignored += len(found.regions) + found.unusable - len(people)
        counts.named += len(people)
        if not people:
            continue
        pairs = _pair(people, face_boxes(database, photo.id), photo.width, photo.height)
        missing = [r for i, r in enumerate(people) if i not in pairs]
        for i, face_id in pairs.items():
            claims.append(NameClaim(photo.id, photo.path, people[i].name or "", face_id))
            counts.matched += 1
        if missing:
            if engine is None and engine_factory is not None:
                factory, engine_factory = engine_factory, None  # tried once
                try:
                    engine = factory()
                except Exception as exc:  # noqa: BLE001 - names of detected faces still count
                    log.warning("no face engine for faces from metadata", exc_info=True)
                    report.skipped.append(("models", f"cannot load the face models: {exc}"))
            claims.extend(_from_metadata(photo, missing, engine, report))
    for folder in sorted(folders):
        for orphan in finder.orphans(folder):
            report.skipped.append((str(orphan), "sidecar without a photo beside it"))
    if claims:
        report.result = PeopleOps(database).import_names(claims)
    return report


def _from_metadata(
    photo: PhotoFrame, regions: list[Region], engine: FaceEngine | None, report: NamesImport
) -> list[NameClaim]:
    """Faces made from regions no detected face matched (the photo decoded once)."""
    from faceorganizer.core.faces.from_region import face_from_region, read_photo

    if engine is None:
        report.unmatched.extend((photo.path, r.name or "") for r in regions)
        return []
    try:
        decoded = read_photo(photo.path)
    except Exception as exc:  # noqa: BLE001 - reported; the photo's other names still count
        report.skipped.append((photo.path, f"cannot decode to embed its regions: {exc}"))
        report.unmatched.extend((photo.path, r.name or "") for r in regions)
        return []
    out = []
    for r in regions:
        box = (r.x * photo.width, r.y * photo.height, r.w * photo.width, r.h * photo.height)
        try:
            face = face_from_region(engine, decoded, box, r.upright)
        except Exception as exc:  # noqa: BLE001 - one region never stops the import
            log.warning("cannot embed a region of %s", photo.path, exc_info=True)
            report.skipped.append((photo.path, f"region {r.name!r} not embedded: {exc}"))
            report.unmatched.append((photo.path, r.name or ""))
            continue
        out.append(NameClaim(photo.id, photo.path, r.name or "", None, face, engine.pack.id))
        report.counts.from_metadata += 1
    return out
