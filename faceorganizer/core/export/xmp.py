"""Named faces to XMP sidecars, for digiKam, Lightroom, Immich, Windows and exiftool.

Writes what those tools read (see ``../shared/XMP-CONVENTIONS.md``):

* Metadata Working Group regions (``mwg-rs:Regions``): centre-based normalised areas with
  ``stArea:unit="normalized"``, ``Type=Face``, ``Name``, and ``AppliedToDimensions`` in pixels.
  Following MWG guidance (and digiKam), areas and dimensions describe the **stored** pixels,
  before EXIF orientation;
* the same boxes as Microsoft Photo regions (``MP:RegionInfo``), top-left based;
* the names as keywords: ``dc:subject``, ``digiKam:TagsList`` ``People/Name`` and
  ``lr:hierarchicalSubject`` ``People|Name``.

Every region another tool wrote is kept exactly as it was; ours are written beside them, marked
with a ``faceorganizer:FaceId`` extension so a later write replaces them (never appends). A face
another tool's region already names is not written twice. Sidecars are parsed through the
hardened parser (``core.metadata.safe``); all sidecars are prepared before any is written, a
sidecar that cannot be parsed or is not a regular file is left alone and reported, and each file
is replaced atomically. Image files are never opened for writing. Reading regions and importing
names live in ``core.metadata``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import stat
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from faceorganizer.core.metadata import rdf
from faceorganizer.core.metadata.names import same_face
from faceorganizer.core.metadata.rdf import (
    NS_DC,
    NS_DIGIKAM,
    NS_FO,
    NS_LR,
    NS_MP,
    NS_MPREG,
    NS_MPRI,
    NS_MWG_RS,
    NS_RDF,
    NS_ST_AREA,
    NS_ST_DIM,
    NS_X,
    q,
)
from faceorganizer.core.metadata.regions import (
    Region,
    SidecarFinder,
    applied_dims,
    clamp_box,
    clean_name,
    displayed_to_stored,
    mp_item_box,
    mwg_item_box,
    read_regions,
    sidecar_paths,
    stored_to_displayed,
)
from faceorganizer.core.metadata.safe import MetadataError, check_regular, read_limited
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.names import name_key
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.regions import NamedFace, confirmed_named_faces

log = logging.getLogger(__name__)

__all__ = [
    "Region",
    "XmpError",
    "XmpFile",
    "XmpReport",
    "displayed_to_stored",
    "read_regions",
    "sidecar_path",
    "sidecar_paths",
    "stored_to_displayed",
    "write_sidecars",
]

Naming = Literal["photo.jpg.xmp", "photo.xmp"]
Box = tuple[float, float, float, float]

_PACKET_HEAD = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_PACKET_TAIL = '\n<?xpacket end="w"?>\n'
_FACE_ID = q(NS_FO, "FaceId")


class XmpError(ValueError):
    """A request that cannot be done as asked (for instance an unknown person)."""


@dataclass
class XmpFile:
    """One sidecar written (or that would be written)."""

    photo: str
    sidecar: str
    regions: int
    names: list[str]
    action: Literal["written", "would write", "unchanged", "failed"]


@dataclass
class XmpReport:
    """What ``write_sidecars`` did."""

    dry_run: bool
    files: list[XmpFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (photo or sidecar, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # writes that did not happen

    @property
    def written(self) -> list[XmpFile]:
        """Files written, or that would be written in a dry run (unchanged, failed excluded)."""
        return [f for f in self.files if f.action in ("written", "would write")]

    @property
    def regions(self) -> int:
        """Regions in the files written (or to be written)."""
        return sum(f.regions for f in self.written)


def sidecar_path(photo_path: str | Path, naming: Naming = "photo.jpg.xmp") -> Path:
    """Where the sidecar of a photo is written."""
    path = Path(photo_path)
    return (
        path.with_name(path.name + ".xmp")
        if naming == "photo.jpg.xmp"
        else path.with_suffix(".xmp")
    )


# -- our regions ----------------------------------------------------------------------------------
@dataclass
class _PhotoFaces:
    path: str
    width: int
    height: int
    orientation: int
    faces: list[NamedFace] = field(default_factory=list)


@dataclass(frozen=True)
class _OutRegion:
    face_id: int
    name: str
    box: Box  # normalised top-left, stored frame


def _named_faces(
    database: Database, person_names: list[str] | None, face_ids: list[int] | None
) -> dict[int, _PhotoFaces]:
    ids: list[int] | None = None
    if person_names is not None:
        ids = []
        repo = PeopleRepository(database)
        for name in person_names:
            row = repo.by_name(name)
            if row is None or row.name is None:
                raise XmpError(f"no person named {name!r}")
            ids.append(row.id)
    out: dict[int, _PhotoFaces] = {}
    for nf in confirmed_named_faces(database, ids, face_ids):
        p = nf.photo
        out.setdefault(p.id, _PhotoFaces(p.path, p.width, p.height, p.orientation)).faces.append(nf)
    return out


def _out_regions(pf: _PhotoFaces) -> tuple[list[_OutRegion], tuple[int, int]]:
    """Our regions in the stored frame and the stored pixel size."""
    swap = pf.orientation in (5, 6, 7, 8)
    stored = (pf.height, pf.width) if swap else (pf.width, pf.height)
    out = []
    for nf in pf.faces:
        x, y, w, h = nf.box
        disp = clamp_box((x / pf.width, y / pf.height, w / pf.width, h / pf.height))
        if disp is not None:
            out.append(_OutRegion(nf.face_id, nf.name, displayed_to_stored(disp, pf.orientation)))
    return out, stored


# -- XML building ---------------------------------------------------------------------------------
def _sub(parent: ET.Element, ns: str, local: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, q(ns, local))
    if text is not None:
        el.text = text
    return el


def _resource(parent: ET.Element, ns: str, local: str) -> ET.Element:
    el = _sub(parent, ns, local)
    el.set(q(NS_RDF, "parseType"), "Resource")
    return el


def _fmt(v: float) -> str:
    return f"{v:.6f}"


def _find_property(descs: list[ET.Element], tag: str) -> ET.Element | None:
    """The first element-form property with this tag."""
    for desc in descs:
        for child in desc:
            if rdf.canon(child.tag) == tag:
                return child
    return None


def _struct_child(node: ET.Element, tag: str) -> tuple[ET.Element, ET.Element | None]:
    """(where a struct's fields live, its element-form field ``tag`` or None)."""
    holder = node
    nested = node.find(rdf.RDF_DESC)
    if node.get(q(NS_RDF, "parseType")) != "Resource" and nested is not None:
        holder = nested
    for target in (node, *node.findall(rdf.RDF_DESC)):
        for child in target:
            if rdf.canon(child.tag) == tag:
                return target, child
    return holder, None


def _array(prop: ET.Element, container: str) -> ET.Element:
    """The Bag/Seq/Alt of an array property (created when it has none)."""
    found = next((c for c in prop if c.tag in rdf.RDF_CONTAINERS), None)
    return found if found is not None else _sub(prop, NS_RDF, container)


def _regions_list(
    descs: list[ET.Element], main: ET.Element, prop_tag: str, list_tag: str
) -> tuple[ET.Element, ET.Element]:
    """(the region struct, its list's container), created where missing; others untouched."""
    prop = _find_property(descs, prop_tag)
    if prop is None:
        prop = ET.SubElement(main, prop_tag)
        prop.set(q(NS_RDF, "parseType"), "Resource")
    holder, lst = _struct_child(prop, list_tag)
    if lst is None:
        lst = ET.SubElement(holder, list_tag)
    return prop, _array(lst, "Bag")


def _is_ours(item: ET.Element) -> bool:
    ext = rdf.struct(rdf.fields(item).get(q(NS_MWG_RS, "Extensions")))
    return _FACE_ID in ext


def _represented(name: str, box: Box, theirs: list[tuple[str | None, Box | None]]) -> bool:
    """A region of another tool already says this face is this person."""
    return any(
        n is not None and b is not None and name_key(n) == name_key(name) and same_face(box, b)
        for n, b in theirs
    )


def _merge_regions(
    descs: list[ET.Element], main: ET.Element, ours: list[_OutRegion], stored: tuple[int, int]
) -> None:
    """Keep other tools' regions as they are; replace ours; add ours beside theirs."""
    # MWG
    node, bag = _regions_list(descs, main, q(NS_MWG_RS, "Regions"), q(NS_MWG_RS, "RegionList"))
    regions = rdf.struct(node)
    dims = applied_dims(regions)
    theirs: list[tuple[str | None, Box | None]] = []
    for item in [c for c in bag if c.tag == rdf.RDF_LI]:
        if _is_ours(item):
            bag.remove(item)
            continue
        name = clean_name(rdf.text(rdf.fields(item).get(q(NS_MWG_RS, "Name"))))
        theirs.append((name, mwg_item_box(item, dims)))
    if dims is None:
        holder, _ = _struct_child(node, q(NS_MWG_RS, "AppliedToDimensions"))
        atd = _resource(holder, NS_MWG_RS, "AppliedToDimensions")
        _sub(atd, NS_ST_DIM, "w", str(stored[0]))
        _sub(atd, NS_ST_DIM, "h", str(stored[1]))
        _sub(atd, NS_ST_DIM, "unit", "pixel")
        # keep AppliedToDimensions before the list, where every tool writes it
        holder.remove(atd)
        holder.insert(0, atd)
    for r in ours:
        if _represented(r.name, r.box, theirs):
            continue
        li = _sub(bag, NS_RDF, "li")
        li.set(q(NS_RDF, "parseType"), "Resource")
        area = _resource(li, NS_MWG_RS, "Area")
        x, y, w, h = r.box
        _sub(area, NS_ST_AREA, "x", _fmt(x + w / 2))
        _sub(area, NS_ST_AREA, "y", _fmt(y + h / 2))
        _sub(area, NS_ST_AREA, "w", _fmt(w))
        _sub(area, NS_ST_AREA, "h", _fmt(h))
        _sub(area, NS_ST_AREA, "unit", "normalized")
        _sub(li, NS_MWG_RS, "Name", r.name)
        _sub(li, NS_MWG_RS, "Type", "Face")
        _sub(_resource(li, NS_MWG_RS, "Extensions"), NS_FO, "FaceId", str(r.face_id))

    # Microsoft: ours carry the same mark, as a field of the region struct
    _info, mp_bag = _regions_list(descs, main, q(NS_MP, "RegionInfo"), q(NS_MPRI, "Regions"))
    mp_theirs: list[tuple[str | None, Box | None]] = []
    for item in [c for c in mp_bag if c.tag == rdf.RDF_LI]:
        if _FACE_ID in rdf.fields(item):
            mp_bag.remove(item)
            continue
        name = clean_name(rdf.text(rdf.fields(item).get(q(NS_MPREG, "PersonDisplayName"))))
        mp_theirs.append((name, mp_item_box(item)))
    for r in ours:
        if _represented(r.name, r.box, mp_theirs):
            continue
        li = _sub(mp_bag, NS_RDF, "li")
        li.set(q(NS_RDF, "parseType"), "Resource")
        _sub(li, NS_MPREG, "Rectangle", ", ".join(_fmt(v) for v in r.box))
        _sub(li, NS_MPREG, "PersonDisplayName", r.name)
        _sub(li, NS_FO, "FaceId", str(r.face_id))


def _merge_keywords(
    descs: list[ET.Element], main: ET.Element, tag: str, container: str, values: list[str]
) -> None:
    """Add values to an array property (creating it), without duplicates."""
    prop = _find_property(descs, tag)
    if prop is None:
        prop = ET.SubElement(main, tag)
        array = _sub(prop, NS_RDF, container)
    else:
        found = next((c for c in prop if c.tag in rdf.RDF_CONTAINERS), None)
        if found is None:
            if (prop.text or "").strip() or len(prop):
                return  # not an array: not ours to rewrite
            found = _sub(prop, NS_RDF, container)
        array = found
    have = {(rdf.text(li) or "").casefold() for li in array if li.tag == rdf.RDF_LI}
    for value in values:
        if value.casefold() not in have:
            _sub(array, NS_RDF, "li", value)
            have.add(value.casefold())


def _keep_prefixes(data: bytes) -> None:
    """Serialise a sidecar's other namespaces with the prefixes it used (not ns0, ns1).

    Called only on data the hardened parser accepted.
    """
    known = set(rdf.OUR_PREFIXES.values())
    with contextlib.suppress(ET.ParseError):
        for _event, item in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
            prefix, uri = str(item[0]), str(item[1])
            if uri in known or not prefix or re.match(r"ns\d+$", prefix):
                continue
            if prefix in rdf.OUR_PREFIXES:  # digiKam's old namespace: keep ours for ours
                prefix = f"{prefix}{len(known)}"
            with contextlib.suppress(ValueError):
                ET.register_namespace(prefix, uri)
                known.add(uri)


def _new_tree() -> ET.Element:
    root = ET.Element(q(NS_X, "xmpmeta"))
    desc = _sub(_sub(root, NS_RDF, "RDF"), NS_RDF, "Description")
    desc.set(q(NS_RDF, "about"), "")
    return root


def _render_sidecar(existing: bytes | None, ours: list[_OutRegion], stored: tuple[int, int]) -> str:
    """The sidecar text: ``existing`` (or a new packet) merged with our regions and keywords.

    Raises MetadataError when ``existing`` is not XMP we can rewrite safely.
    """
    if existing is not None and existing.strip():
        root = rdf.packet_root(existing)
        if root.tag != q(NS_X, "xmpmeta"):
            # a bare rdf:RDF, or a root in another namespace: ours wraps the rdf:RDF, so that
            # every XMP reader (ours included) finds the packet where it looks for it
            found = root if root.tag == q(NS_RDF, "RDF") else root.find(f".//{q(NS_RDF, 'RDF')}")
            if found is None:
                raise MetadataError("sidecar has no rdf:RDF")
            wrapper = ET.Element(q(NS_X, "xmpmeta"))
            wrapper.append(found)
            root = wrapper
        if root.find(f".//{q(NS_RDF, 'RDF')}") is None:
            raise MetadataError("sidecar has no rdf:RDF")
        _keep_prefixes(existing)
    else:
        root = _new_tree()
    rdf_node = root.find(f".//{q(NS_RDF, 'RDF')}")
    assert rdf_node is not None
    descs = rdf.descriptions(root)
    if not descs:
        first = _sub(rdf_node, NS_RDF, "Description")
        first.set(q(NS_RDF, "about"), "")
        descs = [first]
    main = descs[0]
    _merge_regions(descs, main, ours, stored)
    names = list(dict.fromkeys(r.name for r in ours))
    _merge_keywords(descs, main, q(NS_DC, "subject"), "Bag", names)
    people = [f"People/{n}" for n in names if "/" not in n]
    _merge_keywords(descs, main, q(NS_DIGIKAM, "TagsList"), "Seq", people)
    hierarchy = [f"People|{n}" for n in names if "|" not in n]
    _merge_keywords(descs, main, q(NS_LR, "hierarchicalSubject"), "Bag", hierarchy)
    ET.indent(root, space=" ")
    return _PACKET_HEAD + ET.tostring(root, encoding="unicode") + _PACKET_TAIL


TEMP_PREFIX = ".faceorganizer-tmp-"  # our temporary sidecars; a killed write's are removed later
LEFTOVER_AGE_S = 60.0  # a temporary file older than this belongs to no write still running


def _remove_leftovers(folder: Path) -> None:
    """Remove the temporary sidecars a killed ``xmp write`` left in a folder (SIGKILL runs no
    clean-up); only ours, and only old ones, so a write running beside us is left alone."""
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(".tmp")):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > LEFTOVER_AGE_S:
                os.unlink(entry.path)
                log.info("removed a leftover temporary sidecar %s", entry.path)
        except OSError as exc:
            log.warning("cannot remove leftover %s: %s", entry.path, exc)


def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and ``os.replace``."""
    mode = None
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
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


@dataclass
class _Planned:
    photo: str
    sidecar: Path
    text: str
    regions: int
    names: list[str]


def _plan_one(pf: _PhotoFaces, sidecar: Path) -> tuple[_Planned | None, str | None, bool]:
    """(the text to write, else the reason it is skipped, whether it is unchanged)."""
    if not os.path.isfile(pf.path):
        return None, "photo not found", False
    if pf.width <= 0 or pf.height <= 0:
        return None, "photo size unknown (scan it again)", False
    ours, stored = _out_regions(pf)
    if not ours:
        return None, "no usable face box", False
    existing: bytes | None = None
    if os.path.lexists(sidecar):
        try:
            check_regular(sidecar)
            existing = read_limited(sidecar)
        except MetadataError as exc:
            return None, f"sidecar left alone: {exc}", False
    try:
        text = _render_sidecar(existing, ours, stored)
    except MetadataError as exc:
        return None, f"sidecar unparseable, left alone: {exc}", False
    names = list(dict.fromkeys(r.name for r in ours))
    planned = _Planned(pf.path, sidecar, text, len(ours), names)
    return planned, None, existing is not None and existing == text.encode("utf-8")


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
    machine guess is not a fact to publish to other tools). Every sidecar is prepared first:
    one that cannot be read or parsed is skipped and reported, never overwritten, and no
    file is written before all are prepared. Each write is atomic; a write that fails is
    reported in ``failed`` (the others are still written). ``dry_run`` writes nothing.
    """
    if naming not in ("photo.jpg.xmp", "photo.xmp"):
        raise XmpError(f"unknown sidecar naming {naming!r}")
    report = XmpReport(dry_run=dry_run)
    by_sidecar: dict[Path, list[_PhotoFaces]] = {}
    finder = SidecarFinder()
    for pf in _named_faces(db, person_names, face_ids).values():
        # an existing IMG.JPG.XMP is the photo's photo.jpg.xmp: written there, not beside it
        target = finder.same_file(sidecar_path(pf.path, naming))
        by_sidecar.setdefault(target, []).append(pf)
    plans: list[_Planned] = []
    for sidecar, group in sorted(by_sidecar.items()):
        if len(group) > 1:
            for pf in group:
                why = f"{sidecar.name} would be shared by several photos"
                report.skipped.append((pf.path, why))
            continue
        reason: str | None
        try:
            planned, reason, unchanged = _plan_one(group[0], sidecar)
        except Exception as exc:  # noqa: BLE001 - one bad sidecar never stops the others
            log.warning("cannot prepare %s", sidecar, exc_info=True)
            planned, reason, unchanged = None, f"sidecar left alone: {exc!r}", False
        if planned is None:
            about = str(sidecar) if (reason or "").startswith("sidecar") else group[0].path
            report.skipped.append((about, reason or "skipped"))
            continue
        if unchanged:
            report.files.append(
                XmpFile(planned.photo, str(sidecar), planned.regions, planned.names, "unchanged")
            )
            continue
        plans.append(planned)
    if not dry_run:
        for folder in sorted({p.sidecar.parent for p in plans}):
            _remove_leftovers(folder)
    for p in plans:
        action: Literal["written", "would write", "failed"] = "would write"
        if not dry_run:
            try:
                _atomic_write(p.sidecar, p.text)
                action = "written"
            except OSError as exc:
                report.failed.append((str(p.sidecar), f"cannot write: {exc.strerror or exc}"))
                action = "failed"
        report.files.append(XmpFile(p.photo, str(p.sidecar), p.regions, p.names, action))
    return report
