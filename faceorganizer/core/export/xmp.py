"""Face regions in XMP: write named faces to sidecars, read regions back, import their names.

Writes what digiKam, Lightroom, Immich, Windows and exiftool read (see XMP-CONVENTIONS):

* Metadata Working Group regions (``mwg-rs:Regions``): centre-based normalised areas with
  ``stArea:unit="normalized"``, ``Type=Face``, ``Name``, and ``AppliedToDimensions`` in pixels.
  Following MWG guidance (and digiKam), areas and dimensions describe the **stored** pixels,
  before EXIF orientation; for the usual orientation 1 that is the displayed image;
* the same boxes as Microsoft Photo regions (``MP:RegionInfo``), top-left based;
* the names as keywords: ``dc:subject``, ``digiKam:TagsList`` ``People/Name`` and
  ``lr:hierarchicalSubject`` ``People|Name``.

Sidecars are parsed and merged: every other namespace and property survives, our region
structures are replaced (never appended to), keywords are not duplicated, and a sidecar that
cannot be parsed is left alone. Files are replaced atomically; image files are never opened for
writing. Pure Python (``xml.etree``); nothing here runs exiftool.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import iou
from faceorganizer.core.store.people import PeopleRepository

log = logging.getLogger(__name__)

Naming = Literal["photo.jpg.xmp", "photo.xmp"]
Box = tuple[float, float, float, float]

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
NS_ST_AREA = "http://ns.adobe.com/xmp/sType/Area#"
NS_ST_DIM = "http://ns.adobe.com/xap/1.0/sType/Dimensions#"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"
NS_DIGIKAM_OLD = "http://www.digikam.org/"
NS_LR = "http://ns.adobe.com/lightroom/1.0/"
NS_MP = "http://ns.microsoft.com/photo/1.2/"
NS_MPRI = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
NS_MPREG = "http://ns.microsoft.com/photo/1.2/t/Region#"
NS_TIFF = "http://ns.adobe.com/tiff/1.0/"

_OUR_PREFIXES = {
    "x": NS_X,
    "rdf": NS_RDF,
    "mwg-rs": NS_MWG_RS,
    "stArea": NS_ST_AREA,
    "stDim": NS_ST_DIM,
    "dc": NS_DC,
    "digiKam": NS_DIGIKAM,
    "lr": NS_LR,
    "MP": NS_MP,
    "MPRI": NS_MPRI,
    "MPReg": NS_MPREG,
    "tiff": NS_TIFF,
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
for _prefix, _uri in _OUR_PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

# namespace variants seen in real files -> the one we compare with
_CANONICAL_NS = {
    NS_MP.rstrip("/"): NS_MP,
    NS_MPRI: NS_MPRI,
    NS_MPREG: NS_MPREG,
    NS_DIGIKAM_OLD: NS_DIGIKAM,
}

_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_MAX_SCAN_BYTES = 64 * 1024 * 1024
_MIN_IOU = 0.3
_PACKET_HEAD = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_PACKET_TAIL = '\n<?xpacket end="w"?>\n'


class XmpError(ValueError):
    """A request that cannot be done as asked (for instance an unknown person)."""


@dataclass(frozen=True)
class Region:
    """A face region read from XMP: a normalised top-left box in the displayed frame."""

    name: str | None
    x: float
    y: float
    w: float
    h: float
    source: str  # "sidecar:mwg", "sidecar:mp", "embedded:mwg" or "embedded:mp"


@dataclass
class XmpFile:
    """One sidecar written (or that would be written)."""

    photo: str
    sidecar: str
    regions: int
    names: list[str]
    action: Literal["written", "would write", "unchanged"]


@dataclass
class XmpReport:
    """What ``write_sidecars`` did."""

    dry_run: bool
    files: list[XmpFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (photo or sidecar, reason)

    @property
    def written(self) -> list[XmpFile]:
        """Files written, or that would be written in a dry run (unchanged ones excluded)."""
        return [f for f in self.files if f.action != "unchanged"]

    @property
    def regions(self) -> int:
        """Regions in the files written (or to be written)."""
        return sum(f.regions for f in self.written)


@dataclass
class ImportReport:
    """What ``import_regions`` did."""

    photos: int = 0
    regions: int = 0  # named face regions found
    assigned: list[tuple[str, str, int]] = field(default_factory=list)  # (path, name, face id)
    already: list[tuple[str, str, int]] = field(default_factory=list)
    conflicts: list[tuple[str, str, int, str]] = field(default_factory=list)  # + reason
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (path, name)
    created_people: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    history_id: int | None = None


# -- geometry -------------------------------------------------------------------------------------
def _map_point(u: float, v: float, orientation: int) -> tuple[float, float]:
    """A normalised point of the stored image -> the displayed image (EXIF orientation)."""
    return {
        1: (u, v),
        2: (1 - u, v),
        3: (1 - u, 1 - v),
        4: (u, 1 - v),
        5: (v, u),
        6: (1 - v, u),
        7: (1 - v, 1 - u),
        8: (v, 1 - u),
    }.get(orientation, (u, v))


_INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


def _map_box(box: Box, orientation: int) -> Box:
    """A normalised top-left box through ``_map_point``."""
    x, y, w, h = box
    (ax, ay), (bx, by) = _map_point(x, y, orientation), _map_point(x + w, y + h, orientation)
    return (min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay))


def stored_to_displayed(box: Box, orientation: int) -> Box:
    """A normalised box of the stored pixels in the displayed (EXIF-rotated) frame."""
    return _map_box(box, orientation if orientation in _INVERSE else 1)


def displayed_to_stored(box: Box, orientation: int) -> Box:
    """A normalised box of the displayed frame in the stored pixels' frame."""
    return _map_box(box, _INVERSE.get(orientation, 1))


def _clamp_box(box: Box) -> Box | None:
    x0, y0 = max(0.0, box[0]), max(0.0, box[1])
    x1, y1 = min(1.0, box[0] + box[2]), min(1.0, box[1] + box[3])
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


# -- RDF helpers ----------------------------------------------------------------------------------
def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


_RDF_DESC = _q(NS_RDF, "Description")
_RDF_LI = _q(NS_RDF, "li")
_RDF_CONTAINERS = {_q(NS_RDF, "Bag"), _q(NS_RDF, "Seq"), _q(NS_RDF, "Alt")}


def _canon(tag: str) -> str:
    """``{ns}local`` with known namespace variants folded together."""
    if not tag.startswith("{"):
        return tag
    ns, _, local = tag[1:].partition("}")
    return _q(_CANONICAL_NS.get(ns, _CANONICAL_NS.get(ns.rstrip("/"), ns)), local)


FieldValue = ET.Element | str


def _fields(node: ET.Element) -> dict[str, FieldValue]:
    """The fields of an RDF struct: attribute form, element form, parseType or rdf:Description."""
    out: dict[str, FieldValue] = {}
    targets = [node, *node.findall(_RDF_DESC)]
    for target in targets:
        for key, value in target.attrib.items():
            if not key.startswith(f"{{{NS_RDF}}}") and not key.startswith(f"{{{NS_XML}}}"):
                out[_canon(key)] = value
        for child in target:
            if child.tag != _RDF_DESC:
                out.setdefault(_canon(child.tag), child)
    return out


def _items(node: FieldValue | None) -> list[ET.Element]:
    """The rdf:li of an array property (Bag, Seq or Alt)."""
    if not isinstance(node, ET.Element):
        return []
    out: list[ET.Element] = []
    for child in node:
        if child.tag in _RDF_CONTAINERS:
            out.extend(c for c in child if c.tag == _RDF_LI)
    return out


def _text(value: FieldValue | None) -> str | None:
    """A simple value as text (the first item of a language alternative)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    items = _items(value)
    if items:
        return _text(items[0])
    if len(value) == 0 and value.text is not None:
        return value.text.strip()
    resource = value.get(_q(NS_RDF, "resource"))
    return resource.strip() if resource is not None else None


def _float(value: FieldValue | None) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _struct(value: FieldValue | None) -> dict[str, FieldValue]:
    return _fields(value) if isinstance(value, ET.Element) else {}


def _descriptions(root: ET.Element) -> list[ET.Element]:
    """Every top-level rdf:Description of an XMP tree."""
    rdf = root if root.tag == _q(NS_RDF, "RDF") else root.find(f".//{_q(NS_RDF, 'RDF')}")
    return [] if rdf is None else [d for d in rdf if d.tag == _RDF_DESC]


def _top_fields(root: ET.Element) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for desc in _descriptions(root):
        for key, value in _fields(desc).items():
            out.setdefault(key, value)
    return out


# -- reading --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _RawRegion:
    name: str | None
    box: Box  # normalised top-left, stored frame
    schema: Literal["mwg", "mp"]


def _mwg_item_box(item: ET.Element, dims: tuple[float, float] | None) -> Box | None:
    """The stored-frame normalised top-left box of one MWG region (None if unusable)."""
    area = _struct(_fields(item).get(_q(NS_MWG_RS, "Area")))
    x, y = _float(area.get(_q(NS_ST_AREA, "x"))), _float(area.get(_q(NS_ST_AREA, "y")))
    w, h = _float(area.get(_q(NS_ST_AREA, "w"))), _float(area.get(_q(NS_ST_AREA, "h")))
    if x is None or y is None or w is None or h is None:
        return None
    unit = (_text(area.get(_q(NS_ST_AREA, "unit"))) or "normalized").lower()
    if unit == "pixel":
        if dims is None or dims[0] <= 0 or dims[1] <= 0:
            return None
        x, w = x / dims[0], w / dims[0]
        y, h = y / dims[1], h / dims[1]
    return _clamp_box((x - w / 2, y - h / 2, w, h))


def _mp_item_box(item: ET.Element) -> Box | None:
    rect = _text(_fields(item).get(_q(NS_MPREG, "Rectangle")))
    if not rect:
        return None
    try:
        parts = [float(p) for p in re.split(r"[,\s]+", rect.strip()) if p]
    except ValueError:
        return None
    if len(parts) != 4:
        return None
    return _clamp_box((parts[0], parts[1], parts[2], parts[3]))


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = " ".join(name.split())
    return cleaned or None


def _regions_of_tree(root: ET.Element) -> list[_RawRegion]:
    """MWG face regions, then Microsoft regions for names MWG does not have."""
    top = _top_fields(root)
    out: list[_RawRegion] = []
    regions = _struct(top.get(_q(NS_MWG_RS, "Regions")))
    dim = _struct(regions.get(_q(NS_MWG_RS, "AppliedToDimensions")))
    dw, dh = _float(dim.get(_q(NS_ST_DIM, "w"))), _float(dim.get(_q(NS_ST_DIM, "h")))
    dims = (dw, dh) if dw and dh else None
    for item in _items(regions.get(_q(NS_MWG_RS, "RegionList"))):
        fields = _fields(item)
        kind = (_text(fields.get(_q(NS_MWG_RS, "Type"))) or "Face").lower()
        if kind not in ("face", ""):
            continue
        box = _mwg_item_box(item, dims)
        if box is not None:
            name = _clean_name(_text(fields.get(_q(NS_MWG_RS, "Name"))))
            out.append(_RawRegion(name, box, "mwg"))
    mwg_names = {r.name.casefold() for r in out if r.name}
    info = _struct(top.get(_q(NS_MP, "RegionInfo")))
    for item in _items(info.get(_q(NS_MPRI, "Regions"))):
        name = _clean_name(_text(_fields(item).get(_q(NS_MPREG, "PersonDisplayName"))))
        box = _mp_item_box(item)
        # prefer MWG: the two schemas may disagree on the frame, never import a name twice
        if box is not None and (name is None or name.casefold() not in mwg_names):
            out.append(_RawRegion(name, box, "mp"))
    return out


def sidecar_paths(photo_path: str | Path) -> list[Path]:
    """Sidecars a photo may have, in the order they are read: photo.jpg.xmp, then photo.xmp."""
    path = Path(photo_path)
    return [path.with_name(path.name + ".xmp"), path.with_suffix(".xmp")]


def sidecar_path(photo_path: str | Path, naming: Naming = "photo.jpg.xmp") -> Path:
    """Where the sidecar of a photo is written."""
    path = Path(photo_path)
    return (
        path.with_name(path.name + ".xmp")
        if naming == "photo.jpg.xmp"
        else path.with_suffix(".xmp")
    )


def _packet_root(data: bytes) -> ET.Element | None:
    """Parse an XMP packet (x:xmpmeta, or a bare rdf:RDF); None when it cannot be parsed."""
    for start_tag, end_tag in ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<rdf:RDF", b"</rdf:RDF>")):
        start = data.find(start_tag)
        end = data.find(end_tag, start + 1)
        if start >= 0 and end > start:
            chunk = data[start : end + len(end_tag)]
            if start_tag == b"<rdf:RDF" and b"xmlns:rdf" not in chunk[:2000]:
                chunk = chunk.replace(b"<rdf:RDF", f'<rdf:RDF xmlns:rdf="{NS_RDF}"'.encode(), 1)
            try:
                return ET.fromstring(chunk)
            except ET.ParseError as exc:
                log.debug("unparseable XMP packet: %s", exc)
                return None
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def embedded_xmp(photo_path: str | Path) -> bytes | None:
    """The XMP packet inside an image file (JPEG APP1, or a packet found in the bytes)."""
    with open(photo_path, "rb") as fh:
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


def _image_orientation(photo_path: str | Path) -> int:
    """The EXIF orientation of an image file (1 when absent or unreadable)."""
    try:
        from PIL import Image

        with contextlib.suppress(ImportError):
            from pillow_heif import register_heif_opener

            register_heif_opener()
        with Image.open(photo_path) as img:
            value = int(img.getexif().get(0x0112, 1) or 1)
    except Exception as exc:  # noqa: BLE001 - a photo we cannot read has no orientation
        log.debug("no orientation for %s: %s", photo_path, exc)
        return 1
    return value if value in _INVERSE else 1


def _read_file_regions(path: Path, source: str) -> list[Region] | None:
    """Regions of a sidecar or packet; None when the file is absent or unparseable."""
    try:
        data = path.read_bytes() if source == "sidecar" else embedded_xmp(path)
    except OSError:
        return None
    if not data:
        return None
    root = _packet_root(data)
    if root is None:
        return None
    return [Region(r.name, *r.box, source=f"{source}:{r.schema}") for r in _regions_of_tree(root)]


def read_regions(photo_path: str | Path, *, orientation: int | None = None) -> list[Region]:
    """Face regions of a photo, normalised top-left boxes in the displayed frame.

    The sidecar (``photo.jpg.xmp``, else ``photo.xmp``) wins over the image's embedded XMP when
    it has any region (it is what the user edited last). MWG areas apply to the stored pixels:
    they are rotated by ``orientation`` (default: the image file's EXIF orientation, the one the
    scanner applies) into the displayed frame; ``AppliedToDimensions`` is only used to normalise
    areas given in pixels. Microsoft regions are added only for names MWG does not carry.
    Regions of other types (pets, focus) are left out; unnamed faces are kept with ``name=None``.
    """
    path = Path(photo_path)
    found: list[Region] = []
    for sidecar in sidecar_paths(path):
        if sidecar.is_file():
            regions = _read_file_regions(sidecar, "sidecar")
            if regions:
                found = regions
                break
    if not found:
        found = _read_file_regions(path, "embedded") or []
    if not found:
        return []
    turn = orientation if orientation in _INVERSE else _image_orientation(path)
    out = []
    for r in found:
        x, y, w, h = stored_to_displayed((r.x, r.y, r.w, r.h), turn or 1)
        out.append(Region(r.name, x, y, w, h, r.source))
    return out


# -- writing --------------------------------------------------------------------------------------
@dataclass
class _PhotoFaces:
    photo_id: int
    path: str
    width: int
    height: int
    orientation: int
    faces: list[tuple[int, str, Box]] = field(default_factory=list)  # face id, name, px box


def _named_faces(
    database: Database, person_names: list[str] | None, face_ids: list[int] | None
) -> dict[int, _PhotoFaces]:
    conn = database.conn
    sql = """
        SELECT p.id, p.raw_path, p.width, p.height, p.orientation,
               f.id, f.x, f.y, f.w, f.h, pe.name
        FROM face_person fp
        JOIN people pe ON pe.id = fp.person_id
        JOIN faces f ON f.id = fp.face_id
        JOIN photos p ON p.id = f.photo_id
        WHERE pe.name IS NOT NULL AND fp.confirmed = 1 AND p.status = 'ok'
    """
    args: list[object] = []
    if person_names is not None:
        ids = []
        repo = PeopleRepository(database)
        for name in person_names:
            row = repo.by_name(name)
            if row is None or row.name is None:
                raise XmpError(f"no person named {name!r}")
            ids.append(row.id)
        sql += f" AND pe.id IN ({','.join('?' * len(ids)) or 'NULL'})"
        args.extend(ids)
    if face_ids is not None:
        sql += f" AND f.id IN ({','.join('?' * len(face_ids)) or 'NULL'})"
        args.extend(face_ids)
    sql += " ORDER BY p.path, f.idx"
    out: dict[int, _PhotoFaces] = {}
    for r in conn.execute(sql, args):
        pf = out.get(r[0])
        if pf is None:
            pf = _PhotoFaces(r[0], os.fsdecode(bytes(r[1])), r[2] or 0, r[3] or 0, r[4] or 1)
            out[r[0]] = pf
        pf.faces.append((r[5], r[10], (r[6], r[7], r[8], r[9])))
    return out


def _sub(parent: ET.Element, ns: str, local: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, _q(ns, local))
    if text is not None:
        el.text = text
    return el


def _resource(parent: ET.Element, ns: str, local: str) -> ET.Element:
    el = _sub(parent, ns, local)
    el.set(_q(NS_RDF, "parseType"), "Resource")
    return el


def _fmt(v: float) -> str:
    return f"{v:.6f}"


@dataclass(frozen=True)
class _OutRegion:
    name: str
    box: Box  # normalised top-left, stored frame


def _out_regions(pf: _PhotoFaces) -> tuple[list[_OutRegion], tuple[int, int]]:
    """Our regions in the stored frame and the stored pixel size."""
    swap = pf.orientation in (5, 6, 7, 8)
    stored = (pf.height, pf.width) if swap else (pf.width, pf.height)
    out = []
    for _face_id, name, (x, y, w, h) in pf.faces:
        disp = _clamp_box((x / pf.width, y / pf.height, w / pf.width, h / pf.height))
        if disp is not None:
            out.append(_OutRegion(name, displayed_to_stored(disp, pf.orientation)))
    return out, stored


def _find_property(descs: list[ET.Element], tag: str) -> tuple[ET.Element, ET.Element] | None:
    """(description, property element) of the first element-form property with this tag."""
    for desc in descs:
        for child in desc:
            if _canon(child.tag) == tag:
                return desc, child
    return None


def _replace_property(descs: list[ET.Element], main: ET.Element, tag: str) -> ET.Element:
    """Remove every element-form property ``tag``; a new empty one where the first one was."""
    place: tuple[ET.Element, int] | None = None
    for desc in descs:
        for index, child in enumerate(list(desc)):
            if _canon(child.tag) == tag:
                if place is None:
                    place = (desc, index)
                desc.remove(child)
    holder, index = place if place is not None else (main, len(main))
    node = ET.Element(tag)
    node.set(_q(NS_RDF, "parseType"), "Resource")
    holder.insert(index, node)
    return node


def _overlaps(box: Box, ours: list[_OutRegion]) -> bool:
    return any(iou(box, r.box) >= 0.5 for r in ours)


def _merge_regions(
    descs: list[ET.Element], main: ET.Element, ours: list[_OutRegion], stored: tuple[int, int]
) -> None:
    """Replace our MWG and MP structures, keeping other tools' regions for other faces."""
    names = {r.name.casefold() for r in ours}

    def keep(name: str | None, box: Box | None) -> bool:
        if name and name.casefold() in names:
            return False
        return box is None or not _overlaps(box, ours)

    # MWG
    kept_mwg: list[ET.Element] = []
    found = _find_property(descs, _q(NS_MWG_RS, "Regions"))
    if found is not None:
        regions = _struct(found[1])
        dim = _struct(regions.get(_q(NS_MWG_RS, "AppliedToDimensions")))
        dw, dh = _float(dim.get(_q(NS_ST_DIM, "w"))), _float(dim.get(_q(NS_ST_DIM, "h")))
        for item in _items(regions.get(_q(NS_MWG_RS, "RegionList"))):
            f = _fields(item)
            name = _clean_name(_text(f.get(_q(NS_MWG_RS, "Name"))))
            if keep(name, _mwg_item_box(item, (dw, dh) if dw and dh else None)):
                kept_mwg.append(item)
    node = _replace_property(descs, main, _q(NS_MWG_RS, "Regions"))
    dims = _resource(node, NS_MWG_RS, "AppliedToDimensions")
    _sub(dims, NS_ST_DIM, "w", str(stored[0]))
    _sub(dims, NS_ST_DIM, "h", str(stored[1]))
    _sub(dims, NS_ST_DIM, "unit", "pixel")
    bag = _sub(_sub(node, NS_MWG_RS, "RegionList"), NS_RDF, "Bag")
    bag.extend(kept_mwg)
    for r in ours:
        li = _sub(bag, NS_RDF, "li")
        li.set(_q(NS_RDF, "parseType"), "Resource")
        area = _resource(li, NS_MWG_RS, "Area")
        x, y, w, h = r.box
        _sub(area, NS_ST_AREA, "x", _fmt(x + w / 2))
        _sub(area, NS_ST_AREA, "y", _fmt(y + h / 2))
        _sub(area, NS_ST_AREA, "w", _fmt(w))
        _sub(area, NS_ST_AREA, "h", _fmt(h))
        _sub(area, NS_ST_AREA, "unit", "normalized")
        _sub(li, NS_MWG_RS, "Name", r.name)
        _sub(li, NS_MWG_RS, "Type", "Face")

    # Microsoft
    kept_mp: list[ET.Element] = []
    found = _find_property(descs, _q(NS_MP, "RegionInfo"))
    if found is not None:
        for item in _items(_struct(found[1]).get(_q(NS_MPRI, "Regions"))):
            name = _clean_name(_text(_fields(item).get(_q(NS_MPREG, "PersonDisplayName"))))
            if keep(name, _mp_item_box(item)):
                kept_mp.append(item)
    info = _replace_property(descs, main, _q(NS_MP, "RegionInfo"))
    bag = _sub(_sub(info, NS_MPRI, "Regions"), NS_RDF, "Bag")
    bag.extend(kept_mp)
    for r in ours:
        li = _sub(bag, NS_RDF, "li")
        li.set(_q(NS_RDF, "parseType"), "Resource")
        _sub(li, NS_MPREG, "Rectangle", ", ".join(_fmt(v) for v in r.box))
        _sub(li, NS_MPREG, "PersonDisplayName", r.name)


def _merge_keywords(
    descs: list[ET.Element], main: ET.Element, tag: str, container: str, values: list[str]
) -> None:
    """Add values to an array property (creating it), without duplicates."""
    found = _find_property(descs, tag)
    if found is None:
        prop = ET.SubElement(main, tag)
        array = _sub(prop, NS_RDF, container)
    else:
        prop = found[1]
        array_or_none = next((c for c in prop if c.tag in _RDF_CONTAINERS), None)
        if array_or_none is None:
            if (prop.text or "").strip() or len(prop):
                return  # not an array: not ours to rewrite
            array_or_none = _sub(prop, NS_RDF, container)
        array = array_or_none
    have = {(_text(li) or "").casefold() for li in array if li.tag == _RDF_LI}
    for value in values:
        if value.casefold() not in have:
            _sub(array, NS_RDF, "li", value)
            have.add(value.casefold())


def _namespaces_of(data: bytes) -> list[tuple[str, str]]:
    """(prefix, uri) declared in an XML document."""
    import io

    out = []
    with contextlib.suppress(ET.ParseError):
        for _event, item in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
            prefix, uri = item
            out.append((str(prefix), str(uri)))
    return out


def _keep_prefixes(data: bytes) -> None:
    """Serialise a sidecar's other namespaces with the prefixes it used (not ns0, ns1)."""
    known = set(_OUR_PREFIXES.values())
    for prefix, uri in _namespaces_of(data):
        if uri in known or not prefix or re.match(r"ns\d+$", prefix):
            continue
        with contextlib.suppress(ValueError):
            ET.register_namespace(prefix, uri)
            known.add(uri)


def _new_tree() -> ET.Element:
    root = ET.Element(_q(NS_X, "xmpmeta"))
    rdf = _sub(root, NS_RDF, "RDF")
    desc = _sub(rdf, NS_RDF, "Description")
    desc.set(_q(NS_RDF, "about"), "")
    return root


def _render_sidecar(existing: bytes | None, ours: list[_OutRegion], stored: tuple[int, int]) -> str:
    """The sidecar text: ``existing`` (or a new packet) merged with our regions and keywords.

    Raises ``ET.ParseError`` (or ValueError) when ``existing`` is not XMP we can rewrite safely.
    """
    if existing is not None and existing.strip():
        root = _packet_root(existing)
        if root is None:
            raise ValueError("sidecar is not well-formed XML")
        if root.tag == _q(NS_RDF, "RDF"):
            wrapper = ET.Element(_q(NS_X, "xmpmeta"))
            wrapper.append(root)
            root = wrapper
        if root.find(f".//{_q(NS_RDF, 'RDF')}") is None:
            raise ValueError("sidecar has no rdf:RDF")
        _keep_prefixes(existing)
    else:
        root = _new_tree()
    rdf = root.find(f".//{_q(NS_RDF, 'RDF')}")
    assert rdf is not None
    descs = _descriptions(root)
    if not descs:
        main = _sub(rdf, NS_RDF, "Description")
        main.set(_q(NS_RDF, "about"), "")
        descs = [main]
    main = descs[0]
    _merge_regions(descs, main, ours, stored)
    names = list(dict.fromkeys(r.name for r in ours))
    _merge_keywords(descs, main, _q(NS_DC, "subject"), "Bag", names)
    _merge_keywords(
        descs,
        main,
        _q(NS_DIGIKAM, "TagsList"),
        "Seq",
        [f"People/{n}" for n in names if "/" not in n],
    )
    _merge_keywords(
        descs,
        main,
        _q(NS_LR, "hierarchicalSubject"),
        "Bag",
        [f"People|{n}" for n in names if "|" not in n],
    )
    ET.indent(root, space=" ")
    return _PACKET_HEAD + ET.tostring(root, encoding="unicode") + _PACKET_TAIL


def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and ``os.replace``."""
    mode = None
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_sidecars(
    db: Database,
    *,
    person_names: list[str] | None = None,
    face_ids: list[int] | None = None,
    naming: Naming = "photo.jpg.xmp",
    dry_run: bool = False,
) -> XmpReport:
    """Write the confirmed faces of named people (all, or ``person_names``) to XMP sidecars.

    ``face_ids`` narrows the faces further. Only user-confirmed assignments are written (a
    machine guess is not a fact to publish to other tools). The image files are never written.
    A sidecar that exists but cannot be parsed is skipped, never overwritten; a sidecar whose
    content would not change is left untouched. ``dry_run`` reports and writes nothing.
    """
    if naming not in ("photo.jpg.xmp", "photo.xmp"):
        raise XmpError(f"unknown sidecar naming {naming!r}")
    report = XmpReport(dry_run=dry_run)
    photos = _named_faces(db, person_names, face_ids)
    by_sidecar: dict[Path, list[_PhotoFaces]] = {}
    for pf in photos.values():
        by_sidecar.setdefault(sidecar_path(pf.path, naming), []).append(pf)
    for sidecar, group in sorted(by_sidecar.items()):
        if len(group) > 1:
            for pf in group:
                report.skipped.append(
                    (pf.path, f"{sidecar.name} would be shared by several photos")
                )
            continue
        pf = group[0]
        if not os.path.isfile(pf.path):
            report.skipped.append((pf.path, "photo not found"))
            continue
        if pf.width <= 0 or pf.height <= 0:
            report.skipped.append((pf.path, "photo size unknown (scan it again)"))
            continue
        ours, stored = _out_regions(pf)
        if not ours:
            report.skipped.append((pf.path, "no usable face box"))
            continue
        try:
            existing = sidecar.read_bytes() if sidecar.exists() else None
        except OSError as exc:
            report.skipped.append((str(sidecar), f"cannot read sidecar: {exc.strerror or exc}"))
            continue
        try:
            text = _render_sidecar(existing, ours, stored)
        except (ET.ParseError, ValueError) as exc:
            report.skipped.append((str(sidecar), f"sidecar unparseable, left alone: {exc}"))
            continue
        names = list(dict.fromkeys(r.name for r in ours))
        if existing is not None and existing == text.encode("utf-8"):
            report.files.append(XmpFile(pf.path, str(sidecar), len(ours), names, "unchanged"))
            continue
        if dry_run:
            report.files.append(XmpFile(pf.path, str(sidecar), len(ours), names, "would write"))
            continue
        try:
            _atomic_write(sidecar, text)
        except OSError as exc:
            report.skipped.append((str(sidecar), f"cannot write: {exc.strerror or exc}"))
            continue
        report.files.append(XmpFile(pf.path, str(sidecar), len(ours), names, "written"))
    return report


# -- importing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Match:
    path: str
    name: str
    face_id: int


def _photos(db: Database, photo_ids: list[int] | None) -> Iterator[tuple[int, str, int, int, int]]:
    sql = "SELECT id, raw_path, width, height, orientation FROM photos WHERE status = 'ok'"
    args: list[int] = []
    if photo_ids is not None:
        sql += f" AND id IN ({','.join('?' * len(photo_ids)) or 'NULL'})"
        args = list(photo_ids)
    for r in db.conn.execute(sql + " ORDER BY path", args).fetchall():
        yield r[0], os.fsdecode(bytes(r[1])), r[2] or 0, r[3] or 0, r[4] or 1


def _match_photo(
    regions: Iterable[Region], faces: list[tuple[int, Box]], width: int, height: int
) -> tuple[list[tuple[str, int]], list[str]]:
    """(name, face id) pairs by best overlap, one face per name and name per face; unmatched."""
    named: dict[str, Region] = {}
    candidates: list[tuple[float, str, int]] = []
    by_name: dict[str, list[Region]] = {}
    for r in regions:
        if not r.name or (r.w >= 0.99 and r.h >= 0.99):
            continue  # unnamed, or a whole-image region some phones write
        by_name.setdefault(r.name.casefold(), []).append(r)
        named.setdefault(r.name.casefold(), r)
    for key, group in by_name.items():
        for r in group:
            box = (r.x * width, r.y * height, r.w * width, r.h * height)
            for face_id, face_box in faces:
                score = iou(box, face_box)
                if score >= _MIN_IOU:
                    candidates.append((score, key, face_id))
    pairs: list[tuple[str, int]] = []
    used_names: set[str] = set()
    used_faces: set[int] = set()
    for _score, key, face_id in sorted(candidates, key=lambda c: -c[0]):
        if key in used_names or face_id in used_faces:
            continue
        used_names.add(key)
        used_faces.add(face_id)
        pairs.append((named[key].name or key, face_id))
    unmatched = [r.name or k for k, r in named.items() if k not in used_names]
    return pairs, unmatched


def import_regions(db: Database, photo_ids: list[int] | None = None) -> ImportReport:
    """Name faces from the XMP regions of stored photos (sidecar or embedded).

    Each named region goes to the detected face it overlaps best (IoU ≥ 0.3 in displayed
    pixels); the person is found by name ignoring case, or created; the face becomes a
    user-confirmed assignment. A face the user already confirmed for someone else, rejected
    from that person, or ignored is left as it is and reported as a conflict. All changes are
    made in one transaction and recorded as one undo step.
    """
    report = ImportReport()
    repo = PeopleRepository(db)
    matches: list[_Match] = []
    for photo_id, path, width, height, orientation in _photos(db, photo_ids):
        if width <= 0 or height <= 0:
            continue
        try:
            regions = read_regions(path, orientation=orientation)
        except OSError as exc:
            report.skipped.append((path, f"cannot read: {exc.strerror or exc}"))
            continue
        report.photos += 1
        named = [r for r in regions if r.name]
        if not named:
            continue
        report.regions += len(named)
        faces = [
            (int(r[0]), (float(r[1]), float(r[2]), float(r[3]), float(r[4])))
            for r in db.conn.execute(
                "SELECT id, x, y, w, h FROM faces WHERE photo_id = ?", (photo_id,)
            )
        ]
        pairs, unmatched = _match_photo(named, faces, width, height)
        report.unmatched.extend((path, n) for n in unmatched)
        matches.extend(_Match(path, name, face_id) for name, face_id in pairs)
    if not matches:
        return report
    with db.transaction():
        _apply(repo, matches, report)
    return report


def _apply(repo: PeopleRepository, matches: list[_Match], report: ImportReport) -> None:
    """Inside a transaction: create people, assign faces, record one undo step."""
    assignments = repo.assignments()
    rejected = repo.rejections()
    ignored = repo.ignored()
    people: dict[str, int | None] = {}
    for m in matches:
        key = m.name.casefold()
        if key not in people:
            row = repo.by_name(m.name)
            people[key] = row.id if row else None
    existing = {pid for pid in people.values() if pid is not None}
    touched_people = set(existing) | {
        assignments[m.face_id].person_id for m in matches if m.face_id in assignments
    }
    before = repo.snapshot([m.face_id for m in matches], touched_people)
    created: list[int] = []
    rows: list[tuple[int, int, bool]] = []
    for m in matches:
        key = m.name.casefold()
        pid = people[key]
        current = assignments.get(m.face_id)
        if m.face_id in ignored:
            report.conflicts.append((m.path, m.name, m.face_id, "face is ignored"))
            continue
        if pid is not None and (m.face_id, pid) in rejected:
            report.conflicts.append((m.path, m.name, m.face_id, "face was rejected from person"))
            continue
        if current is not None and current.confirmed:
            if current.person_id == pid:
                report.already.append((m.path, m.name, m.face_id))
            else:
                other = repo.get(current.person_id)
                label = (other.name if other else None) or f"group {current.person_id}"
                report.conflicts.append(
                    (m.path, m.name, m.face_id, f"face is confirmed as {label}")
                )
            continue
        if pid is None:
            try:
                pid = repo.create(m.name[:200])
            except sqlite3.IntegrityError:
                row = repo.by_name(m.name)
                if row is None:
                    raise
                pid = row.id
            else:
                created.append(pid)
                report.created_people.append(m.name)
            people[key] = pid
        rows.append((m.face_id, pid, True))
        report.assigned.append((m.path, m.name, m.face_id))
    if rows:
        repo.assign_many(rows)
    if rows or created:
        report.history_id = repo.push_history(
            "import", f"Import {len(rows)} name(s) from XMP", before, sorted(created)
        )
