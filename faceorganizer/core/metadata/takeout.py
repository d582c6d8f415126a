"""Google Photos Takeout: a JSON sidecar per photo with ``"people": [{"name": "Jane"}]``.

The names come without boxes; ``elimination.py`` decides which face each one is. The sidecar of
``IMG.jpg`` is, in the order tried (the rules of Takeout tools, see ``docs/import-names.md``):

* ``IMG.jpg.supplemental-metadata.json`` (since 2024), then ``IMG.jpg.json``;
* either cut so that the whole file name is at most 51 characters
  (``IMG_20250801_120808_LongTitle.jpg.supplemental-metad.json``), or cut shorter when the
  whole path was too long (``IMG.jpg.suppl.json``, ``IMG.jpg..json``);
* for a duplicate ``IMG(1).jpg``: ``IMG.jpg.supplemental-metadata(1).json``, ``IMG.jpg(1).json``;
* for an edited copy ``IMG-edited.jpg`` (or a localised suffix): the original's sidecar;
* ``IMG.json`` (older exports).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from faceorganizer.core.metadata.foreign import (
    ForeignRead,
    ForeignRegion,
    SourceError,
    decode_text,
    refuse_link,
    walk_folder,
)
from faceorganizer.core.metadata.safe import MetadataError, read_limited

log = logging.getLogger(__name__)

SUPPLEMENTAL = ".supplemental-metadata"
MAX_NAME = 51  # Takeout cuts a sidecar's file name, ".json" included, to this many characters
MAX_JSON_BYTES = 4 * 1024 * 1024  # real sidecars are about 1 KB
MAX_PEOPLE = 1000
_MIN_CUT = 40  # a prefix this long names one photo (cut names are 46 characters and more)
_DUPLICATE = re.compile(r"^(?P<base>.*)\((?P<n>\d{1,4})\)(?P<ext>\.[^.]+)$")
_EDITED = ("-edited", "-bearbeitet", "-modifié", "-editado")  # Takeout localises the suffix


def _cut(key: str, suffix: str = "") -> str:
    """``key`` + ``suffix`` + ``.json``, ``key`` cut so the name fits in MAX_NAME characters."""
    room = MAX_NAME - len(".json") - len(suffix)
    return key[:room] + suffix + ".json"


def sidecar_names(photo_name: str) -> list[str]:
    """The names a Takeout sidecar of this photo may have, most specific first."""
    names: list[str] = []

    def add(name: str) -> None:
        if name not in names and name != photo_name:
            names.append(name)

    def forms(file_name: str, dup: str = "") -> None:
        for key in (file_name + SUPPLEMENTAL, file_name):
            add(key + dup + ".json")
            add(_cut(key, dup))
            if dup:
                add(_cut(key + dup))

    forms(photo_name)
    m = _DUPLICATE.match(photo_name)
    if m is not None:
        forms(m["base"] + m["ext"], f"({m['n']})")
    stem, dot, ext = photo_name.rpartition(".")
    for edited in _EDITED:
        if dot and stem.lower().endswith(edited):
            forms(stem[: -len(edited)] + "." + ext)
    if dot:
        add(stem + ".json")
    return names


def people_of(data: bytes) -> list[str]:
    """The names in a sidecar's ``people`` list; MetadataError for a file that is not one."""
    try:
        doc: Any = json.loads(decode_text(data))
    except (ValueError, RecursionError) as exc:
        raise MetadataError(f"not JSON: {str(exc)[:80]}") from exc
    if not isinstance(doc, dict):
        raise MetadataError("not a Takeout sidecar (no JSON object)")
    people = doc.get("people")
    if people is None:
        return []
    if not isinstance(people, list):
        raise MetadataError("'people' is not a list")
    out: list[str] = []
    for item in people[:MAX_PEOPLE]:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip() and name.strip() not in out:
            out.append(name.strip())
    return out


class TakeoutFinder:
    """Finds the Takeout sidecar of a photo in a folder listing (exact case first)."""

    def __init__(self, names: list[str]) -> None:
        self._exact = set(names)
        self._folded: dict[str, str] = {}
        for n in names:
            self._folded.setdefault(n.casefold(), n)

        self._json = [n for n in names if n.lower().endswith(".json")]

    def sidecar(self, photo_name: str) -> str | None:
        """The file name of the photo's sidecar in this folder, or None."""
        for wanted in sidecar_names(photo_name):
            if wanted in self._exact:
                return wanted
            found = self._folded.get(wanted.casefold())
            if found is not None:
                return found
        # cut at any length when the whole path was too long (".suppl.json", "..json"), or
        # within a long photo name; a prefix this long names one photo
        key = (photo_name + SUPPLEMENTAL).casefold()
        for name in self._json:
            stem = name[: -len(".json")].casefold()
            long_enough = len(stem) > len(photo_name) or len(stem) >= _MIN_CUT
            if long_enough and len(stem) < len(key) and key.startswith(stem):
                return name
        return None


def read_sidecar(path: Path) -> list[str]:
    """The people of one sidecar; MetadataError (or a link refused) with the reason."""
    why = refuse_link(path)
    if why is not None:
        raise MetadataError(why)
    return people_of(read_limited(path, MAX_JSON_BYTES))


def read_takeout(path: str | Path) -> ForeignRead:
    """The people of every photo under a Takeout folder that has a sidecar naming some.

    Raises SourceError when ``path`` is not a folder.
    """
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"{root}: no such folder (give the Takeout's Google Photos folder)")
    read = ForeignRead()
    for folder, files in walk_folder(root, read.problems):
        finder = TakeoutFinder([f for f in files if f.lower().endswith(".json")])
        for name in files:
            if name.lower().endswith(".json"):
                continue
            side = finder.sidecar(name)  # an edited copy shares its original's sidecar
            if side is None:
                continue
            try:
                people = read_sidecar(folder / side)
            except (MetadataError, OSError) as exc:
                read.problems.append((str(folder / side), str(exc)))
                continue
            read.files += 1
            photo = str(folder / name)
            read.regions.extend(ForeignRegion(photo, n, None, source="takeout") for n in people)
    return read
