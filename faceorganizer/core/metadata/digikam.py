"""digiKam's face tags in its own database (``digikam4.db``), read-only.

A confirmed face is a row of ``ImageTagProperties`` with property ``tagRegion`` and a value
``<rect x=".." y=".." width=".." height=".."/>`` in pixels of the full-size image; the tag is the
person (a ``Tags`` row with the ``TagProperties`` property ``person``, or under the root tag
"People"). ``autodetectedFace`` / ``autodetectedPerson`` (digiKam's own unconfirmed guesses) and
``ignoredFace`` are counted and never imported. The photo is ``AlbumRoots`` (its volume path and
``specificPath``) + ``Albums.relativePath`` + ``Images.name``; ``--root OLD=NEW`` maps a root
to where the photos are now.

digiKam 7 and later keep the rectangle in the frame the photo is shown in (its metadata scanner
turns a file's stored-frame region by the EXIF orientation before storing it:
``TagRegion::adjustToOrientation``). A rectangle that does not fit the shown frame but fits the
stored one (older databases) is read in the stored frame. The file is opened with SQLite's
``mode=ro`` and ``immutable=1``: nothing is written, not even a lock or a journal.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

from faceorganizer.core.metadata.foreign import ForeignRead, ForeignRegion, SourceError, refuse_link

log = logging.getLogger(__name__)

# the tables and columns read, as digiKam creates them (core/data/database/dbconfig.xml.cmake.in)
NEEDED = {
    "AlbumRoots": {"id", "identifier", "specificPath"},
    "Albums": {"id", "albumRoot", "relativePath"},
    "Images": {"id", "album", "name"},
    "Tags": {"id", "pid", "name"},
    "TagProperties": {"tagid", "property", "value"},
    "ImageTagProperties": {"imageid", "tagid", "property", "value"},
}
CONFIRMED = "tagRegion"
UNCONFIRMED = ("autodetectedFace", "autodetectedPerson", "ignoredFace")
# digiKam's own bookkeeping tags under People: never a person's name
_INTERNAL = ("unknownPerson", "unconfirmedPerson", "ignoredPerson")
_ATTR = re.compile(r'\b(x|y|width|height)\s*=\s*["\']\s*(-?\d+(?:\.\d+)?)\s*["\']')
MAX_ROWS = 5_000_000  # a library of a million tagged faces is far below this


def parse_rect(value: str) -> tuple[float, float, float, float] | None:
    """``<rect x=".." y=".." width=".." height=".."/>`` -> (x, y, w, h) pixels; None if unusable."""
    if not isinstance(value, str) or len(value) > 1000 or "rect" not in value:
        return None
    found = {k: float(v) for k, v in _ATTR.findall(value)}
    if len(found) != 4 or found["width"] <= 0 or found["height"] <= 0:
        return None
    return (found["x"], found["y"], found["width"], found["height"])


def parse_roots(pairs: list[str] | None) -> list[tuple[str, str]]:
    """``OLD=NEW`` options -> (old, new) prefixes, longest first; ValueError for a bad one."""
    out = []
    for pair in pairs or []:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(f"--root {pair!r}: write OLD=NEW (the path digiKam knew = where now)")
        out.append((old.strip().rstrip("/\\") or "/", new.strip().rstrip("/\\") or "/"))
    return sorted(out, key=lambda p: -len(p[0]))


def map_root(path: str, roots: list[tuple[str, str]]) -> str:
    """``path`` with the longest matching OLD prefix replaced by NEW."""
    for old, new in roots:
        if path == old or path.startswith(old.rstrip("/") + "/"):
            return new + path[len(old) :] if old != "/" else new.rstrip("/") + path
    return path


def root_path(identifier: str | None, specific: str | None) -> str:
    """Where digiKam's collection root was: the volume's path when the identifier gives it
    (``volumeid:?path=…``, ``networkshareid:?mountpath=…``), plus ``specificPath``."""
    base = ""
    ident = identifier or ""
    for key in ("path=", "mountpath="):
        if key in ident:
            base = ident.split(key, 1)[1].split("&", 1)[0]
            break
    from urllib.parse import unquote

    base = unquote(base).rstrip("/")
    spec = (specific or "").strip()
    if not base:
        return spec.rstrip("/") or "/"
    return base + ("" if spec in ("", "/") else "/" + spec.strip("/"))


def _connect(db_path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{db_path}: not an SQLite database ({exc})") from exc
    return conn


def _check_schema(conn: sqlite3.Connection, db_path: Path) -> None:
    tables = {r[0].casefold(): r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    missing = []
    for table, columns in NEEDED.items():
        real = tables.get(table.casefold())
        if real is None:
            missing.append(table)
            continue
        have = {r[1].casefold() for r in conn.execute(f'PRAGMA table_info("{real}")')}
        missing.extend(f"{table}.{c}" for c in sorted(columns) if c.casefold() not in have)
    if missing:
        raise SourceError(
            f"{db_path}: not a digiKam database (no {', '.join(missing[:4])})"
            " — give digiKam's digikam4.db"
        )


def _people(conn: sqlite3.Connection) -> dict[int, str]:
    """Tag id -> person name: tags with the ``person`` property or under the root "People"."""
    tags = {int(r[0]): (r[1], r[2]) for r in conn.execute("SELECT id, pid, name FROM Tags")}
    props: dict[int, dict[str, str]] = {}
    for tagid, prop, value in conn.execute("SELECT tagid, property, value FROM TagProperties"):
        if isinstance(tagid, int) and isinstance(prop, str):
            props.setdefault(tagid, {})[prop] = value if isinstance(value, str) else ""
    roots = {tid for tid, (pid, name) in tags.items() if not pid and name == "People"}

    def under_people(tid: int) -> bool:
        seen: set[int] = set()
        while tid in tags and tid not in seen:
            seen.add(tid)
            pid = tags[tid][0]
            if pid in roots:
                return True
            tid = pid if isinstance(pid, int) else -1
        return False

    out: dict[int, str] = {}
    for tid, (_pid, name) in tags.items():
        p = props.get(tid, {})
        if tid in roots or any(k in p for k in _INTERNAL):
            continue
        if "person" in p or under_people(tid):
            full = (p.get("person") or "").strip() or (name or "").strip()
            if full:
                out[tid] = full
    return out


def _paths(conn: sqlite3.Connection, roots: list[tuple[str, str]]) -> dict[int, str]:
    """Image id -> the photo's path (mapped by ``roots``)."""
    root_of = {
        int(r[0]): root_path(r[1], r[2])
        for r in conn.execute("SELECT id, identifier, specificPath FROM AlbumRoots")
    }
    albums = {}
    for aid, rid, rel in conn.execute("SELECT id, albumRoot, relativePath FROM Albums"):
        base = root_of.get(rid)
        if base is None or not isinstance(rel, str):
            continue
        albums[aid] = base.rstrip("/") + ("" if rel in ("", "/") else "/" + rel.strip("/"))
    out = {}
    for iid, aid, name in conn.execute("SELECT id, album, name FROM Images"):
        folder = albums.get(aid)
        if folder is not None and isinstance(name, str) and "/" not in name:
            out[int(iid)] = map_root(f"{folder}/{name}", roots)
    return out


def read_digikam(db_path: str | Path, roots: list[tuple[str, str]] | None = None) -> ForeignRead:
    """Every face region of a digiKam database (confirmed ones named, the rest unnamed).

    Raises SourceError when the file is missing, a link, not SQLite or not digiKam's.
    """
    path = Path(db_path)
    why = refuse_link(path)
    if why is not None:
        raise SourceError(f"{path}: {why}")
    read = ForeignRead()
    conn = _connect(path)
    try:
        _check_schema(conn, path)
        try:
            people = _people(conn)
            paths = _paths(conn, roots or [])
            props = (CONFIRMED, *UNCONFIRMED)
            rows = conn.execute(
                "SELECT imageid, tagid, property, value FROM ImageTagProperties"
                f" WHERE property IN ({','.join('?' * len(props))}) LIMIT {MAX_ROWS}",
                props,
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise SourceError(f"{path}: cannot read digiKam's tables ({exc})") from exc
    finally:
        conn.close()
    read.files = 1
    for imageid, tagid, prop, value in rows:
        photo = paths.get(imageid)
        box = parse_rect(value)
        if photo is None or box is None:
            read.problems.append(
                (str(path), f"image {imageid}: {'no such image' if photo is None else 'bad rect'}")
            )
            continue
        name = people.get(tagid) if prop == CONFIRMED else None
        read.regions.append(ForeignRegion(photo, name, box, "displayed", "pixel", "digikam"))
    return read
