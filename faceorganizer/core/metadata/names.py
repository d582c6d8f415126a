"""Names other tools wrote as face regions become faces of those people.

``import_names`` is what ``scan`` and ``xmp import`` run; ``import_foreign`` is what
``import picasa|digikam|takeout`` runs on the records of a reader (``foreign.py``). Every
named Face or Pet region of a photo becomes a confirmed face of that person: the detected face
it overlaps, else a new face *from metadata* made from the region's crop
(``faces.from_region``). Names without boxes (Takeout) are placed by ``elimination``. Reading
happens first, with no write transaction held; then one people operation
(``PeopleOps.import_names``) stores everything as one undo step. A bad sidecar or photo is
reported and skipped, never raised.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from faceorganizer.core.metadata.foreign import ForeignRead, ForeignRegion
from faceorganizer.core.metadata.regions import (
    Region,
    SidecarFinder,
    clamp_box,
    read_photo_regions,
    stored_to_displayed,
)
from faceorganizer.core.people.name_claims import NameClaim, NameImportResult, import_claims
from faceorganizer.core.people.ops import PeopleOps
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
    """What ``import_names`` (or ``import_foreign``) did."""

    photos: int = 0
    counts: RegionCounts = field(default_factory=RegionCounts)
    result: NameImportResult = field(default_factory=NameImportResult)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (path, name): not placed
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    ambiguous: list[tuple[str, str]] = field(default_factory=list)  # (path, name): no box, unsure
    not_in_library: list[str] = field(default_factory=list)  # photos the source names, unscanned
    files: int = 0  # source files read (ini files, sidecars, a database)
    dry_run: bool = False
    seconds: float = 0.0

    def summary(self, source: str) -> str:
        """``import: source=… photos=N names=N matched=N from_metadata=N ambiguous=N …``."""
        result = self.result
        names = {name_key(n) for _, n, _ in result.assigned + result.already}
        return (
            f"import: source={source} files={self.files} photos={self.photos}"
            f" names={len(names)} assigned={len(result.assigned)} already={len(result.already)}"
            f" matched={self.counts.matched} from_metadata={self.counts.from_metadata}"
            f" ambiguous={len(self.ambiguous)} conflicts={len(result.conflicts)}"
            f" unmatched={len(self.unmatched)} not_in_library={len(self.not_in_library)}"
            f" new_people={len(result.created_people)} problems={len(self.skipped)}"
            f" seconds={self.seconds:.2f} dry_run={'yes' if self.dry_run else 'no'}"
        )

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


def people_regions(regions: Iterable[Region], taken: set[str] | None = None) -> list[Region]:
    """The named Face/Pet regions, names cleaned as every stored name is, one per person.

    ``taken``: name keys (``name_key``) already placed in this photo, updated in place.
    """
    seen = taken if taken is not None else set()
    out: list[Region] = []
    for r in regions:
        name = clean_name(r.name) if r.name else ""
        if r.is_person and name and name_key(name) not in seen:
            seen.add(name_key(name))
            out.append(replace(r, name=name))
    return out


class _Placer:
    """Named regions of a photo -> claims: the detected face each overlaps, else a face made
    from the region (the engine loaded once, only when needed; none in a dry run)."""

    def __init__(
        self,
        database: Database,
        report: NamesImport,
        engine: FaceEngine | None,
        engine_factory: Callable[[], FaceEngine] | None,
    ) -> None:
        self.database = database
        self.report = report
        self.engine = engine
        self.engine_factory = engine_factory

    def place(self, photo: PhotoFrame, people: list[Region]) -> list[NameClaim]:
        counts, report = self.report.counts, self.report
        pairs = _pair(people, face_boxes(self.database, photo.id), photo.width, photo.height)
        missing = [r for i, r in enumerate(people) if i not in pairs]
        claims = [
            NameClaim(photo.id, photo.path, people[i].name or "", face_id)
            for i, face_id in pairs.items()
        ]
        counts.matched += len(pairs)
        if not missing:
            return claims
        if report.dry_run:
            # what the import would do: a face made from each region (nothing embedded now)
            claims.extend(NameClaim(photo.id, photo.path, r.name or "") for r in missing)
            counts.from_metadata += len(missing)
            return claims
        if self.engine is None and self.engine_factory is not None:
            factory, self.engine_factory = self.engine_factory, None  # tried once
            try:
                self.engine = factory()
            except Exception as exc:  # noqa: BLE001 - names of detected faces still count
                log.warning("no face engine for faces from metadata", exc_info=True)
                report.skipped.append(("models", f"cannot load the face models: {exc}"))
        return claims + _from_metadata(photo, missing, self.engine, report)


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

    Besides XMP, a photo's folder's ``.picasa.ini`` and its Google Takeout sidecar are read
    (``foreign_files.PhotoSources``): Picasa's boxes like XMP regions, Takeout's names by the
    per-photo rule of ``elimination`` (one face left, one name left).

    ``engine`` (or one made by ``engine_factory``, only when a region has no detected face)
    embeds the faces from metadata; without either, such regions are reported as unmatched.
    """
    from faceorganizer.core.metadata.foreign_files import PhotoSources

    report = NamesImport()
    finder = SidecarFinder()
    sources = PhotoSources(finder)
    placer = _Placer(database, report, engine, engine_factory)
    claims: list[NameClaim] = []
    folders: set[str] = set()
    listed: dict[int, list[str]] = {}
    frames: dict[int, PhotoFrame] = {}
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
        regions = list(found.regions)
        unusable = found.unusable
        foreign = sources.for_photo(photo.path, report.skipped)
        boxed = [r for r in foreign if r.box is not None]
        for fr in boxed:
            region = to_region(fr, photo)
            if region is None:
                unusable += 1
            else:
                regions.append(region)
        counts = report.counts
        counts.read += len(regions) + unusable
        taken: set[str] = set()
        people = people_regions(regions, taken)
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
        counts.ignored += len(regions) + unusable - len(people)
        counts.named += len(people)
        names = [clean_name(r.name) for r in foreign if r.box is None and r.name]
        names = [n for n in dict.fromkeys(names) if n and name_key(n) not in taken]
        if names:
            listed[photo.id] = names
            frames[photo.id] = photo
        if people:
            claims.extend(placer.place(photo, people))
    for folder in sorted(folders):
        for orphan in finder.orphans(folder):
            report.skipped.append((str(orphan), "sidecar without a photo beside it"))
    if listed:
        # names without boxes: in a scan only one photo at a time can say which face is whom
        claims.extend(_eliminate(database, listed, frames, claims, report, groups=False))
    if claims:
        report.result = import_claims(PeopleOps(database), claims)
    return report


def to_region(fr: ForeignRegion, photo: PhotoFrame) -> Region | None:
    """A foreign record's box as a Region in the frame the app shows the photo; None if unusable."""
    if fr.box is None:
        return None
    x, y, w, h = fr.box
    width, height, turn = photo.width, photo.height, photo.orientation
    stored = (height, width) if turn in (5, 6, 7, 8) else (width, height)
    frame = fr.frame
    if fr.unit == "pixel":
        dims = (width, height) if frame == "displayed" else stored
        older = frame == "displayed" and stored != dims and not _fits((x, y, w, h), dims)
        if older and _fits((x, y, w, h), stored):  # an older database: the stored frame
            dims, frame = stored, "stored"
        x, y, w, h = x / dims[0], y / dims[1], w / dims[0], h / dims[1]
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return None
    box = clamp_box((x, y, w, h))
    if box is None:
        return None
    if frame == "stored":
        box = stored_to_displayed(box, turn)
    return Region(fr.name, *box, source=f"{fr.source}:{frame}")


def _fits(box: Box, dims: tuple[int, int]) -> bool:
    slack = 0.02 * max(dims)
    return box[0] + box[2] <= dims[0] + slack and box[1] + box[3] <= dims[1] + slack


def import_foreign(
    database: Database,
    read: ForeignRead,
    *,
    engine_factory: Callable[[], FaceEngine] | None = None,
    dry_run: bool = False,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NamesImport:
    """Place the records a reader found (``picasa``, ``digikam``, ``takeout``) on the library's
    faces exactly as XMP regions are placed, and store them as one people operation.

    Boxes: the detected face each overlaps, else a face from metadata. Names without boxes:
    ``elimination.place_names`` across the photos, with the library's groups. ``dry_run``
    decides everything and writes nothing (faces from metadata are counted, not embedded).
    """
    report = NamesImport(files=read.files, dry_run=dry_run)
    report.skipped.extend(read.problems)
    frames = {p.path: p for p in photos_for_import(database, None)}
    folded: dict[str, PhotoFrame] = {}
    for p in frames.values():  # Picasa and digiKam on Windows name files in any letter case
        folded.setdefault(os.path.normcase(p.path).casefold(), p)
    by_photo: dict[str, list[ForeignRegion]] = {}
    for fr in read.regions:
        by_photo.setdefault(fr.path, []).append(fr)
    placer = _Placer(database, report, None, engine_factory)
    claims: list[NameClaim] = []
    listed: dict[int, list[str]] = {}
    placed_frames: dict[int, PhotoFrame] = {}
    stop = should_stop or (lambda: False)
    total = len(by_photo)
    for done, (path, records) in enumerate(sorted(by_photo.items()), 1):
        if stop():
            break
        if progress is not None:
            progress(done, total)
        photo = frames.get(path) or frames.get(os.path.normpath(path))
        if photo is None:
            photo = folded.get(os.path.normcase(os.path.normpath(path)).casefold())
        if photo is None or photo.width <= 0 or photo.height <= 0:
            report.not_in_library.append(path)
            continue
        report.photos += 1
        counts = report.counts
        regions: list[Region] = []
        unusable = 0
        for fr in records:
            if fr.box is None:
                continue
            region = to_region(fr, photo)
            if region is None:
                unusable += 1
            else:
                regions.append(region)
        taken: set[str] = set()
        people = people_regions(regions, taken)
        names = [clean_name(fr.name) for fr in records if fr.box is None and fr.name]
        names = [n for n in dict.fromkeys(names) if n and name_key(n) not in taken]
        counts.read += len(regions) + unusable + len(names)
        counts.ignored += len(regions) + unusable - len(people)
        counts.named += len(people) + len(names)
        if names:
            listed[photo.id] = names
            placed_frames[photo.id] = photo
        if people:
            claims.extend(placer.place(photo, people))
    if listed and not stop():
        claims.extend(_eliminate(database, listed, placed_frames, claims, report, groups=True))
    if claims and not stop():
        report.result = import_claims(PeopleOps(database), claims, dry_run=dry_run)
    return report


def _eliminate(
    database: Database,
    listed: dict[int, list[str]],
    frames: dict[int, PhotoFrame],
    claims: list[NameClaim],
    report: NamesImport,
    *,
    groups: bool,
) -> list[NameClaim]:
    """Claims for names listed without boxes (see ``elimination``); the rest is ambiguous.

    Faces already claimed by a boxed region of the same import count as placed.
    """
    from faceorganizer.core.metadata.elimination import place_names
    from faceorganizer.core.store.regions import face_owners

    faces: dict[int, list[int]] = {}
    group_of: dict[int, int] = {}
    fixed: dict[int, str] = {}
    claimed = {c.face_id: c.name for c in claims if c.face_id is not None}
    for owner in face_owners(database, sorted(listed)):
        faces.setdefault(owner.photo_id, []).append(owner.face_id)
        if owner.face_id in claimed:
            fixed[owner.face_id] = claimed[owner.face_id]
        elif owner.confirmed and owner.person_name:
            fixed[owner.face_id] = owner.person_name
        elif owner.confirmed:
            # someone the user confirmed but did not name: no listed name (all are cleaned of
            # control characters) can equal this
            fixed[owner.face_id] = f"\x00{owner.person_id}"
        if groups and owner.person_id is not None:
            group_of[owner.face_id] = owner.person_id
    outcome = place_names(listed, faces, group_of, fixed)
    out = []
    for photo_id, name, face_id in outcome.placed:
        if face_id in claimed:
            continue  # the boxed region's claim already says it
        out.append(NameClaim(photo_id, frames[photo_id].path, name, face_id))
        report.counts.matched += 1
    report.ambiguous.extend((frames[p].path, n) for p, n in outcome.ambiguous)
    return out


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
