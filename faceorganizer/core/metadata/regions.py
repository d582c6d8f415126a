"""Face regions other tools wrote, interpreted: which are people, where they are, which way up.

What each tool's tags mean lives here (see ``../shared/XMP-CONVENTIONS.md``):

* MWG regions (``mwg-rs:Regions``): centre-based areas in the **stored** pixels' frame; types
  Face and Pet with a Name are people, Focus and BarCode are read and ignored, no Type is a Face;
  ``unit="pixel"`` areas are normalised by ``AppliedToDimensions``, which is otherwise never used
  to rescale (it is often stale: resized copies, Lightroom's displayed-frame dimensions).
* Microsoft regions (``MP:RegionInfo``): top-left rectangles, read for names MWG lacks (the two
  schemas may disagree on the frame; one person is never imported twice from one photo).
* Orientation: the image's EXIF orientation (the one the scanner applies); when the image has
  none, a sidecar's ``tiff:Orientation`` (digiKam's rule) says which way the faces stand.
* Sidecars: ``photo.jpg.xmp``, ``photo.xmp``, any letter case, and the sidecar of a file with
  the same stem (a RAW beside its JPEG). A sidecar with regions wins over the embedded packet.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from faceorganizer.core.metadata import rdf
from faceorganizer.core.metadata.rdf import NS_MP, NS_MPREG, NS_MPRI, NS_MWG_RS, NS_ST_AREA, q
from faceorganizer.core.metadata.safe import (
    MAX_SIDECAR_BYTES,
    MetadataError,
    check_regular,
    read_limited,
)

# the geometry of the eight orientations lives with the photos (the face engine needs it too);
# its names stay importable from here
from faceorganizer.core.photos.orientation import INVERSE as INVERSE
from faceorganizer.core.photos.orientation import displayed_to_stored as displayed_to_stored
from faceorganizer.core.photos.orientation import map_point as map_point
from faceorganizer.core.photos.orientation import stored_to_displayed as stored_to_displayed
from faceorganizer.core.store.names import clean_text, name_key

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
Kind = Literal["face", "pet", "focus", "barcode", "other"]
PEOPLE_KINDS = ("face", "pet")

_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_MAX_SCAN_BYTES = 64 * 1024 * 1024
_VALID = (1, 2, 3, 4, 5, 6, 7, 8)
_EXIF_FORMATS = ("JPEG", "MPO", "PNG", "TIFF", "WEBP", "HEIF")


# -- geometry -------------------------------------------------------------------------------------
def clamp_box(box: Box) -> Box | None:
    """The part of a normalised box inside the image; None when nothing is left."""
    x0, y0 = max(0.0, box[0]), max(0.0, box[1])
    x1, y1 = min(1.0, box[0] + box[2]), min(1.0, box[1] + box[3])
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


# -- regions of one XMP tree ----------------------------------------------------------------------
@dataclass(frozen=True)
class RawRegion:
    """A region as written: normalised top-left box in the stored frame."""

    name: str | None
    box: Box
    schema: Literal["mwg", "mp"]
    kind: Kind = "face"


def clean_name(name: str | None) -> str | None:
    """A name as every name is stored (``core/store/names.clean_text``: NFC, white space
    folded, invisible characters removed); None when nothing is left."""
    if name is None:
        return None
    return clean_text(name) or None


def _kind(value: str | None) -> Kind:
    kind = (value or "face").strip().lower()
    if kind in ("face", "pet", "focus", "barcode"):
        return kind  # type: ignore[return-value]
    return "face" if not kind else "other"


def mwg_item_box(item: ET.Element, dims: tuple[float, float] | None) -> Box | None:
    """The stored-frame normalised top-left box of one MWG region (None if unusable)."""
    area = rdf.struct(rdf.fields(item).get(q(NS_MWG_RS, "Area")))
    x, y = rdf.number(area.get(q(NS_ST_AREA, "x"))), rdf.number(area.get(q(NS_ST_AREA, "y")))
    w, h = rdf.number(area.get(q(NS_ST_AREA, "w"))), rdf.number(area.get(q(NS_ST_AREA, "h")))
    if x is None or y is None or w is None or h is None:
        return None
    unit = (rdf.text(area.get(q(NS_ST_AREA, "unit"))) or "normalized").lower()
    if unit == "pixel":
        if dims is None or dims[0] <= 0 or dims[1] <= 0:
            return None
        x, w = x / dims[0], w / dims[0]
        y, h = y / dims[1], h / dims[1]
    return clamp_box((x - w / 2, y - h / 2, w, h))


def mp_item_box(item: ET.Element) -> Box | None:
    """The normalised top-left box of one Microsoft region (None if it has none)."""
    rect = rdf.text(rdf.fields(item).get(q(NS_MPREG, "Rectangle")))
    if not rect:
        return None
    try:
        parts = [float(p) for p in re.split(r"[,\s]+", rect.strip()) if p]
    except ValueError:
        return None
    if len(parts) != 4:
        return None
    return clamp_box((parts[0], parts[1], parts[2], parts[3]))


def applied_dims(regions: dict[str, rdf.FieldValue]) -> tuple[float, float] | None:
    """``AppliedToDimensions`` (w, h) of an MWG Regions struct, when given."""
    dim = rdf.struct(regions.get(q(NS_MWG_RS, "AppliedToDimensions")))
    dw = rdf.number(dim.get(q(rdf.NS_ST_DIM, "w")))
    dh = rdf.number(dim.get(q(rdf.NS_ST_DIM, "h")))
    return (dw, dh) if dw and dh else None


def regions_of_tree(root: ET.Element) -> tuple[list[RawRegion], int]:
    """(regions, items that were not usable): MWG, then Microsoft for names MWG lacks."""
    top = rdf.top_fields(root)
    out: list[RawRegion] = []
    unusable = 0
    regions = rdf.struct(top.get(q(NS_MWG_RS, "Regions")))
    dims = applied_dims(regions)
    for item in rdf.items(regions.get(q(NS_MWG_RS, "RegionList"))):
        f = rdf.fields(item)
        box = mwg_item_box(item, dims)
        if box is None:
            unusable += 1
            continue
        name = clean_name(rdf.text(f.get(q(NS_MWG_RS, "Name"))))
        out.append(RawRegion(name, box, "mwg", _kind(rdf.text(f.get(q(NS_MWG_RS, "Type"))))))
    mwg_names = {name_key(r.name) for r in out if r.name}
    info = rdf.struct(top.get(q(NS_MP, "RegionInfo")))
    for item in rdf.items(info.get(q(NS_MPRI, "Regions"))):
        name = clean_name(rdf.text(rdf.fields(item).get(q(NS_MPREG, "PersonDisplayName"))))
        box = mp_item_box(item)
        if name is not None and name_key(name) in mwg_names:
            continue  # the same region in the other schema (digiKam writes both): MWG wins
        if box is None:
            unusable += 1  # digiKam's person tag without a box
            continue
        out.append(RawRegion(name, box, "mp"))
    return out, unusable


def tree_orientation(root: ET.Element) -> int | None:
    """``tiff:Orientation`` of an XMP tree, when valid."""
    value = rdf.number(rdf.top_fields(root).get(q(rdf.NS_TIFF, "Orientation")))
    if value is None or int(value) != value or int(value) not in _VALID:
        return None
    return int(value)


# -- sidecars -------------------------------------------------------------------------------------
class SidecarFinder:
    """Finds the sidecars of photos by every naming tools use; lists each folder once."""

    def __init__(self) -> None:
        self._listings: dict[Path, dict[str, list[str]]] = {}
        # per folder: the sidecars of other files (``IMG_1.CR2.xmp``) by their photo's stem, so
        # that a photo's lookup never walks the folder's whole listing (50,000 photos in one
        # folder made the lookups quadratic: 240 s against 6 s for 5,000)
        self._by_stem: dict[Path, dict[str, list[tuple[str, list[str]]]]] = {}

    def _listing(self, folder: Path) -> dict[str, list[str]]:
        found = self._listings.get(folder)
        if found is None:
            found = {}
            with contextlib.suppress(OSError):
                for name in sorted(os.listdir(folder)):
                    found.setdefault(name.casefold(), []).append(name)
            self._listings[folder] = found
        return found

    def names_in(self, folder: str | Path) -> list[str]:
        """The file names of a folder (listed once; none when it cannot be listed)."""
        return [n for names in self._listing(Path(folder)).values() for n in names]

    def same_file(self, path: Path) -> Path:
        """``path``, or the existing file whose name differs from it only in letter case."""
        found = self._existing(path.parent, path.name)
        return found[0] if found else path

    def _existing(self, folder: Path, name: str) -> list[Path]:
        names = self._listing(folder).get(name.casefold(), [])
        exact = [n for n in names if n == name]
        return [folder / n for n in exact + [n for n in names if n != name]]

    def sidecars(self, photo: str | Path) -> list[Path]:
        """The photo's sidecars in the order they are read.

        ``photo.jpg.xmp``, ``photo.xmp`` (exact case first, then any case), then the sidecars
        of other files with the same stem (``IMG_1.CR2.xmp`` for ``IMG_1.JPG``).
        """
        path = Path(photo)
        folder, stem = path.parent, path.stem
        out: list[Path] = []
        for wanted in (path.name + ".xmp", stem + ".xmp"):
            out.extend(p for p in self._existing(folder, wanted) if p not in out)
        for key, names in self._stems(folder).get(stem.casefold(), []):
            if key[: -len(".xmp")] != path.name.casefold():
                out.extend(folder / n for n in names if folder / n not in out)
        return out

    def _stems(self, folder: Path) -> dict[str, list[tuple[str, list[str]]]]:
        found = self._by_stem.get(folder)
        if found is None:
            found = {}
            for key, names in self._listing(folder).items():
                if key.endswith(".xmp") and key.count(".") >= 2:
                    found.setdefault(Path(key[: -len(".xmp")]).stem, []).append((key, names))
            self._by_stem[folder] = found
        return found

    def orphans(self, folder: str | Path) -> list[Path]:
        """Sidecars in a folder with no file they could belong to (reported, never read)."""
        folder = Path(folder)
        listing = self._listing(folder)
        stems = {Path(k).stem for k in listing if not k.endswith(".xmp")}
        out: list[Path] = []
        for key, names in listing.items():
            if not key.endswith(".xmp"):
                continue
            base = key[: -len(".xmp")]
            if base in listing or base in stems or Path(base).stem in stems:
                continue
            out.extend(folder / n for n in names)
        return out


def sidecar_paths(photo_path: str | Path) -> list[Path]:
    """Sidecars of one photo that exist, in the order they are read."""
    return SidecarFinder().sidecars(photo_path)


# -- embedded XMP ---------------------------------------------------------------------------------
def embedded_xmp(photo_path: str | Path) -> bytes | None:
    """The XMP packet inside an image file (JPEG APP1, or a packet found in the first bytes).

    Regular files only (a FIFO is refused before it is opened); at most 64 MB are read.
    """
    check_regular(photo_path)
    fd = os.open(photo_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise MetadataError("not a regular file")
        head = fh.read(2)
        if head == b"\xff\xd8":
            while True:
                marker = fh.read(2)
                if len(marker) < 2 or marker[0] != 0xFF:
                    return None
                if marker[1] in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
                    return None
                if 0xD0 <= marker[1] <= 0xD7 or marker[1] == 0x01:
                    continue
                size_bytes = fh.read(2)
                if len(size_bytes) < 2:
                    return None
                size = int.from_bytes(size_bytes, "big") - 2
                if size < 0:
                    return None
                if marker[1] == 0xE1:
                    payload = fh.read(size)
                    if payload.startswith(_XMP_APP1):
                        return payload[len(_XMP_APP1) :]
                else:
                    fh.seek(size, os.SEEK_CUR)
        data = head + fh.read(_MAX_SCAN_BYTES)
    start = data.find(b"<x:xmpmeta")
    end = data.find(b"</x:xmpmeta>", start + 1)
    if start < 0 or end < 0:
        return None
    return data[start : end + len(b"</x:xmpmeta>")]


def image_orientation(photo_path: str | Path) -> int | None:
    """The EXIF orientation an image file carries (None when it has none or is unreadable)."""
    try:
        check_regular(photo_path)
        from PIL import Image

        with contextlib.suppress(ImportError):
            from pillow_heif import register_heif_opener

            register_heif_opener()
        # formats that carry EXIF, named: never a plugin that hands the file to a program
        with Image.open(photo_path, formats=_EXIF_FORMATS) as img:
            raw = img.getexif().get(0x0112)
    except Exception as exc:  # noqa: BLE001 - a photo we cannot read has no orientation
        log.debug("no orientation for %s: %s", photo_path, exc)
        return None
    try:
        value = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    return value if value in _VALID else None


# -- a photo's regions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Region:
    """A region read from XMP: a normalised top-left box in the frame the app shows the photo.

    ``upright`` is the orientation that still turns the region's content upright (a sidecar's
    ``tiff:Orientation`` on an image without one); 1 when the app's frame is upright already.
    """

    name: str | None
    x: float
    y: float
    w: float
    h: float
    source: str  # "sidecar:mwg", "sidecar:mp", "embedded:mwg" or "embedded:mp"
    kind: Kind = "face"
    upright: int = 1

    @property
    def box(self) -> Box:
        """(x, y, w, h), normalised."""
        return (self.x, self.y, self.w, self.h)

    @property
    def is_person(self) -> bool:
        """A named Face or Pet region that is not the whole image (some phones write one)."""
        whole = self.w >= 0.99 and self.h >= 0.99
        return bool(self.name) and self.kind in PEOPLE_KINDS and not whole


@dataclass
class PhotoRegions:
    """Everything read about one photo's regions."""

    regions: list[Region] = field(default_factory=list)
    unusable: int = 0  # region items read but not usable: no box, or a duplicate
    sidecar: str | None = None
    problems: list[str] = field(default_factory=list)  # one-line reasons (a sidecar refused…)


def _read_tree(path: Path, source: str) -> ET.Element | None:
    data = read_limited(path, MAX_SIDECAR_BYTES) if source == "sidecar" else embedded_xmp(path)
    if not data or not data.strip():
        return None
    return rdf.packet_root(data)


def read_photo_regions(
    photo_path: str | Path,
    *,
    orientation: int | None = None,
    finder: SidecarFinder | None = None,
) -> PhotoRegions:
    """The regions of a photo, in the frame the app shows it (its EXIF orientation applied).

    ``orientation`` is the orientation the scanner applied (default: the file's EXIF). A bad
    sidecar or packet is reported in ``problems`` and never raises: each file is isolated.
    """
    path = Path(photo_path)
    out = PhotoRegions()
    finder = finder or SidecarFinder()
    raw: list[RawRegion] = []
    source = ""
    side_orientation: int | None = None
    names: set[str] = set()
    for sidecar in finder.sidecars(path):
        # every sidecar counts (a photo.xmp of one tool beside our photo.jpg.xmp); the first
        # one read wins for a name
        try:
            tree = _read_tree(sidecar, "sidecar")
        except (MetadataError, OSError) as exc:
            out.problems.append(f"{sidecar.name}: {exc}")
            continue
        if tree is None:
            continue
        if side_orientation is None:
            side_orientation = tree_orientation(tree)
        found, unusable = regions_of_tree(tree)
        out.unusable += unusable
        for r in found:
            key = name_key(r.name) if r.name else None
            if key is not None and key in names:
                out.unusable += 1
                continue
            if key is not None:
                names.add(key)
            raw.append(r)
        if found or unusable:
            source = "sidecar"
            out.sidecar = out.sidecar or str(sidecar)
    if not raw and not out.unusable:
        try:
            tree = _read_tree(path, "embedded")
        except (MetadataError, OSError) as exc:
            out.problems.append(f"embedded XMP: {exc}")
            tree = None
        if tree is not None:
            raw, out.unusable = regions_of_tree(tree)
            source = "embedded"
    if not raw:
        return out
    file_orientation = orientation if orientation not in (None, 1) else image_orientation(path)
    turn = orientation if orientation in INVERSE else (file_orientation or 1)
    upright = 1
    if (file_orientation or 1) == 1 and turn == 1 and side_orientation not in (None, 1):
        upright = side_orientation or 1
    for r in raw:
        x, y, w, h = stored_to_displayed(r.box, turn)
        out.regions.append(Region(r.name, x, y, w, h, f"{source}:{r.schema}", r.kind, upright))
    return out


def read_regions(photo_path: str | Path, *, orientation: int | None = None) -> list[Region]:
    """The regions of a photo (every kind; see :func:`read_photo_regions`)."""
    return read_photo_regions(photo_path, orientation=orientation).regions
