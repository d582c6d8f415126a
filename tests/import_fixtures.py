"""Picasa, digiKam and Google Takeout files made at test time from the shared photos.

Boxes come from a scan of the photos (displayed frame, pixels) and are written as each program
writes them: Picasa's rect64 in the stored frame, digiKam's ``<rect>`` in the shown frame,
Takeout's names without boxes. ``rotated_copy`` stores a photo's pixels turned and sets the EXIF
orientation that shows them upright again, as a camera held sideways does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from faceorganizer.core.metadata.regions import displayed_to_stored

Box = tuple[float, float, float, float]

# digiKam's own tables, as its schema creates them (core/data/database/dbconfig.xml.cmake.in;
# the same statements as KDE/digikam tests/databases/20/sqlite_digikam4.db.sql), for the tables
# the reader reads
DIGIKAM_SCHEMA = """
CREATE TABLE AlbumRoots (id INTEGER PRIMARY KEY, label TEXT, status INTEGER NOT NULL,
    type INTEGER NOT NULL, identifier TEXT, specificPath TEXT, UNIQUE(identifier, specificPath));
CREATE TABLE Albums (id INTEGER PRIMARY KEY, albumRoot INTEGER NOT NULL,
    relativePath TEXT NOT NULL, date DATE, caption TEXT, collection TEXT, icon INTEGER,
    UNIQUE(albumRoot, relativePath));
CREATE TABLE Images (id INTEGER PRIMARY KEY, album INTEGER, name TEXT NOT NULL,
    status INTEGER NOT NULL, category INTEGER NOT NULL, modificationDate DATETIME,
    fileSize INTEGER, uniqueHash TEXT, UNIQUE (album, name));
CREATE TABLE Tags (id INTEGER PRIMARY KEY, pid INTEGER, name TEXT NOT NULL, icon INTEGER,
    iconkde TEXT, UNIQUE (name, pid));
CREATE TABLE TagsTree (id INTEGER NOT NULL, pid INTEGER NOT NULL, UNIQUE (id, pid));
CREATE TABLE ImageTags (imageid INTEGER NOT NULL, tagid INTEGER NOT NULL,
    UNIQUE (imageid, tagid));
CREATE TABLE TagProperties (tagid INTEGER, property TEXT, value TEXT);
CREATE TABLE ImageTagProperties (imageid INTEGER, tagid INTEGER, property TEXT, value TEXT);
CREATE TRIGGER insert_tagstree AFTER INSERT ON Tags
    BEGIN
    INSERT INTO TagsTree SELECT NEW.id, NEW.pid UNION SELECT NEW.id, pid FROM TagsTree
        WHERE id=NEW.pid;
    END;
"""


@dataclass(frozen=True)
class Tag:
    """A face another program tagged: the photo's file name, the name (None: unnamed) and the
    box in the displayed frame, normalised."""

    photo: str
    name: str | None
    box: Box


def rotated_copy(src: Path, dst: Path, orientation: int) -> None:
    """``dst``: ``src``'s pixels stored turned, with the EXIF orientation (6 or 8) that shows
    them as ``src`` shows."""
    from PIL import Image

    with Image.open(src) as im:
        rgb = im.convert("RGB")
        # orientation 6 shows the stored pixels turned 90° clockwise: store them anticlockwise
        turn = Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270
        stored = rgb.transpose(turn)
        exif = Image.Exif()
        exif[0x0112] = orientation
        stored.save(dst, "JPEG", quality=95, exif=exif.tobytes())


def rect64_hex(box: Box) -> str:
    """A normalised stored-frame box as Picasa writes it (16-bit numbers, leading zeros cut)."""
    x, y, w, h = box
    parts = [min(65535, max(0, round(v * 65536))) for v in (x, y, x + w, y + h)]
    value = (parts[0] << 48) | (parts[1] << 32) | (parts[2] << 16) | parts[3]
    return format(value, "x")


def contact_id(name: str) -> str:
    """A Picasa-like 16-hex-digit contact id for a name."""
    import hashlib

    return hashlib.sha1(name.encode()).hexdigest()[:16]


def write_picasa(
    folder: Path,
    tags: list[Tag],
    orientations: dict[str, int],
    *,
    in_ini: set[str] | None = None,
    ini_name: str = ".picasa.ini",
) -> dict[str, str]:
    """A ``.picasa.ini`` for ``tags``; names in ``in_ini`` go to its ``[Contacts2]``, the others
    only to the returned contacts (id -> name, for a contacts.xml)."""
    by_photo: dict[str, list[str]] = {}
    contacts: dict[str, str] = {}
    for t in tags:
        stored = displayed_to_stored(t.box, orientations.get(t.photo, 1))
        cid = "ffffffffffffffff" if t.name is None else contact_id(t.name)
        if t.name is not None:
            contacts[cid] = t.name
        by_photo.setdefault(t.photo, []).append(f"rect64({rect64_hex(stored)}),{cid}")
    lines = ["[Picasa]", "name=Holiday", "[Contacts2]"]
    lines += [f"{cid}={n};;" for cid, n in contacts.items() if in_ini is None or n in in_ini]
    for photo, faces in by_photo.items():
        lines += [f"[{photo}]", "star=yes", "faces=" + ";".join(faces)]
    (folder / ini_name).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return contacts


def write_contacts_xml(path: Path, contacts: dict[str, str]) -> None:
    """Picasa's global contacts.xml."""
    from xml.sax.saxutils import quoteattr

    rows = "".join(
        f"<contact id={quoteattr(cid)} name={quoteattr(n)} modified_time='2012-01-01'/>\n"
        for cid, n in contacts.items()
    )
    path.write_text(f"<?xml version='1.0' encoding='utf-8'?>\n<contacts>\n{rows}</contacts>\n")


def write_digikam(
    db: Path, old_root: str, folder: str, tags: list[Tag], sizes: dict[str, tuple[int, int]]
) -> None:
    """A digikam4.db whose collection root was ``old_root`` with the photos in album
    ``/folder``; regions in pixels of the shown frame (``sizes``: displayed width, height)."""
    conn = sqlite3.connect(db)
    conn.executescript(DIGIKAM_SCHEMA)
    conn.execute(
        "INSERT INTO AlbumRoots VALUES (1, 'Pictures', 0, 1, 'volumeid:?uuid=4d5e-77', ?)",
        (old_root,),
    )
    conn.execute("INSERT INTO Albums (id, albumRoot, relativePath) VALUES (1, 1, ?)", (folder,))
    conn.execute("INSERT INTO Tags (id, pid, name) VALUES (1, 0, 'People')")
    conn.execute("INSERT INTO Tags (id, pid, name) VALUES (2, 1, 'Unknown')")
    conn.execute("INSERT INTO TagProperties VALUES (2, 'unknownPerson', '')")
    images: dict[str, int] = {}
    tag_ids: dict[str, int] = {}
    for t in tags:
        if t.photo not in images:
            images[t.photo] = len(images) + 1
            conn.execute(
                "INSERT INTO Images (id, album, name, status, category) VALUES (?, 1, ?, 1, 1)",
                (images[t.photo], t.photo),
            )
        tag = 2
        if t.name is not None:
            if t.name not in tag_ids:
                tag_ids[t.name] = 10 + len(tag_ids)
                conn.execute(
                    "INSERT INTO Tags (id, pid, name) VALUES (?, 1, ?)", (tag_ids[t.name], t.name)
                )
                conn.execute(
                    "INSERT INTO TagProperties VALUES (?, 'person', ?)", (tag_ids[t.name], t.name)
                )
                conn.execute(
                    "INSERT INTO TagProperties VALUES (?, 'faceEngineId', ?)",
                    (tag_ids[t.name], str(tag_ids[t.name])),
                )
            tag = tag_ids[t.name]
        w, h = sizes[t.photo]
        x, y, bw, bh = (round(t.box[0] * w), round(t.box[1] * h),
                        round(t.box[2] * w), round(t.box[3] * h))  # fmt: skip
        rect = f'<rect x="{x}" y="{y}" width="{bw}" height="{bh}"/>'
        prop = "tagRegion" if t.name is not None else "autodetectedFace"
        conn.execute(
            "INSERT INTO ImageTagProperties VALUES (?, ?, ?, ?)", (images[t.photo], tag, prop, rect)
        )
        conn.execute("INSERT OR IGNORE INTO ImageTags VALUES (?, ?)", (images[t.photo], tag))
    conn.commit()
    conn.close()


def takeout_name(photo: str, naming: str) -> str:
    """The sidecar's file name in one of Takeout's namings."""
    if naming == "json":
        return photo + ".json"
    full = photo + ".supplemental-metadata"
    if naming == "cut":
        return full[:46] + ".json"
    return full + ".json"


def write_takeout(folder: Path, names: dict[str, list[str]], naming: dict[str, str]) -> None:
    """A Takeout sidecar per photo listing ``names``; ``naming``: photo -> json, supplemental
    or cut."""
    for photo, people in names.items():
        doc = {
            "title": photo,
            "photoTakenTime": {"timestamp": "1500000000"},
            "people": [{"name": n} for n in people],
        }
        name = takeout_name(photo, naming.get(photo, "supplemental"))
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
