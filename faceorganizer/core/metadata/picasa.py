"""Picasa's face tags: ``.picasa.ini`` (older: ``Picasa.ini``) in each folder, ``contacts.xml``.

A photo's section ``[name.jpg]`` holds ``faces=rect64(HEX),ID;rect64(HEX),ID``. ``rect64`` is up
to 16 hex digits, left-padded with zeros: four 16-bit numbers left, top, right, bottom, each
divided by 65,536, relative to the image as stored (before EXIF orientation). ``ID`` is a
contact: the same file's ``[Contacts2]`` section maps it (``ID=Name;email;``), or Picasa's
global ``contacts.xml`` (``<contact id=… name=…>``); ``ffffffffffffffff`` is a face without a
name. See ``docs/import-names.md`` for the sources this follows.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from faceorganizer.core.metadata.foreign import (
    ForeignRead,
    ForeignRegion,
    SourceError,
    decode_text,
    refuse_link,
    walk_folder,
)
from faceorganizer.core.metadata.safe import MetadataError, parse_xml, read_limited

log = logging.getLogger(__name__)

INI_NAMES = (".picasa.ini", "picasa.ini")  # compared ignoring case
MAX_INI_BYTES = 16 * 1024 * 1024  # a folder of 10,000 tagged photos is about 1 MB
UNNAMED = "ffffffffffffffff"
_RECT = re.compile(r"^\s*rect64\(\s*([0-9a-fA-F]{1,16})\s*\)\s*$")
_SKIP_SECTIONS = {"picasa", "contacts", "contacts2", "encoding"}


def is_picasa_ini(name: str) -> bool:
    """Whether a file name is Picasa's per-folder settings file."""
    return name.casefold() in INI_NAMES


def rect64(text: str) -> tuple[float, float, float, float] | None:
    """A ``rect64(HEX)`` as a normalised (x, y, w, h) box of the stored image; None if unusable."""
    m = _RECT.match(text)
    if m is None:
        return None
    value = int(m.group(1), 16)
    left, top = (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF
    right, bottom = (value >> 16) & 0xFFFF, value & 0xFFFF
    if right <= left or bottom <= top:
        return None
    return (left / 65536, top / 65536, (right - left) / 65536, (bottom - top) / 65536)


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Sections of a Picasa ini file (section name -> key -> value); tolerant of anything.

    Picasa's files are not strict INI (repeated sections, no quoting), so this reads lines:
    a later key in a repeated section wins, as it does in Picasa.
    """
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        if current is None or "=" not in line:
            continue
        key, value = line.split("=", 1)
        current[key.strip()] = value.strip()
    return sections


def contacts_from_ini(sections: dict[str, dict[str, str]]) -> dict[str, str]:
    """``[Contacts2]`` (and the older ``[Contacts]``): contact id -> name."""
    out: dict[str, str] = {}
    for section in ("Contacts", "Contacts2"):
        for key, value in _section(sections, section).items():
            name = value.split(";", 1)[0].strip()
            if name:
                out[key.strip().lower()] = name
    return out


def _section(sections: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    for key, value in sections.items():
        if key.casefold() == name.casefold():
            return value
    return {}


def read_contacts_xml(path: str | Path) -> dict[str, str]:
    """Picasa's global ``contacts.xml``: contact id -> name. Raises SourceError with the reason."""
    why = refuse_link(path)
    if why is not None:
        raise SourceError(f"{path}: {why}")
    try:
        root = parse_xml(read_limited(path, MAX_INI_BYTES))
    except (MetadataError, OSError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    out: dict[str, str] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag.rsplit("}", 1)[-1].lower() != "contact":
            continue
        cid = (node.get("id") or "").strip().lower()
        name = (node.get("name") or node.get("display") or "").strip()
        if cid and name:
            out[cid] = name
    return out


def faces_of_ini(
    ini: Path, contacts: dict[str, str], read: ForeignRead, sections: dict[str, dict[str, str]]
) -> None:
    """Add the face records of one parsed ini file to ``read`` (names: its own contacts first,
    then ``contacts``)."""
    names = {**contacts, **contacts_from_ini(sections)}
    folder = ini.parent
    for section, keys in sections.items():
        if section.casefold() in _SKIP_SECTIONS or section.startswith(".") or "/" in section:
            continue
        faces = next((v for k, v in keys.items() if k.casefold() == "faces"), None)
        if not faces:
            continue
        photo = str(folder / section)
        for item in faces.split(";"):
            if not item.strip():
                continue
            rect, _, cid = item.rpartition(",")
            box = rect64(rect)
            if box is None:
                read.problems.append((str(ini), f"[{section}]: unreadable face {item[:60]!r}"))
                continue
            cid = cid.strip().lower()
            name = None if cid in ("", UNNAMED) else names.get(cid)
            if name is None and cid not in ("", UNNAMED):
                read.problems.append(
                    (
                        str(ini),
                        f"[{section}]: contact {cid} has no name here (Picasa's contacts.xml:"
                        " import picasa --contacts)",
                    )
                )
            read.regions.append(ForeignRegion(photo, name, box, "stored", "normalized", "picasa"))


def read_ini_file(ini: Path, contacts: dict[str, str], read: ForeignRead) -> None:
    """One ini file into ``read``; a problem is reported there, never raised."""
    why = refuse_link(ini)
    if why is not None:
        read.problems.append((str(ini), why))
        return
    try:
        sections = parse_ini(decode_text(read_limited(ini, MAX_INI_BYTES)))
    except (MetadataError, OSError) as exc:
        read.problems.append((str(ini), str(exc)))
        return
    read.files += 1
    faces_of_ini(ini, contacts, read, sections)


def read_picasa(path: str | Path, contacts_xml: str | Path | None = None) -> ForeignRead:
    """Every Picasa face tag under a folder (or in one ini file).

    Raises SourceError when ``path`` is neither, or ``contacts_xml`` cannot be read.
    """
    root = Path(path)
    contacts = read_contacts_xml(contacts_xml) if contacts_xml else {}
    read = ForeignRead()
    if root.is_file() or (root.is_symlink() and not root.is_dir()):
        if not is_picasa_ini(root.name):
            raise SourceError(f"{root}: not a Picasa file (.picasa.ini or Picasa.ini)")
        read_ini_file(root, contacts, read)
        return read
    if not root.is_dir():
        raise SourceError(f"{root}: no such folder")
    for folder, files in walk_folder(root, read.problems):
        for name in files:
            if is_picasa_ini(name):
                read_ini_file(folder / name, contacts, read)
    return read
