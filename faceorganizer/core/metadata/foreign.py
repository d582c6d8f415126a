"""Face names other programs keep outside XMP (Picasa, digiKam, Google Takeout), as one record.

Each reader (``picasa.py``, ``digikam.py``, ``takeout.py``) turns its source into
``ForeignRegion`` records: a photo path, a name (or none), and a box (or none: Takeout gives
names without boxes) in the frame the source uses. ``names.import_foreign`` places them exactly
as XMP regions are placed. Readers only read: a file that is not a regular file, a symbolic
link, a file too large or malformed is reported as one line in ``problems`` and skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Box = tuple[float, float, float, float]
Frame = Literal["stored", "displayed"]
Unit = Literal["normalized", "pixel"]
SOURCES = ("picasa", "digikam", "takeout")


class SourceError(ValueError):
    """A source that cannot be read at all (not digiKam's database, no such folder…)."""


@dataclass(frozen=True)
class ForeignRegion:
    """One tagged face as another program recorded it.

    ``box`` is top-left (x, y, w, h) in ``unit`` of the ``frame``: ``stored`` is the pixels as
    stored in the file (EXIF orientation not applied), ``displayed`` the photo as shown.
    ``box`` None: the source names the person in the photo without saying where (Takeout).
    ``name`` None: a face the user never named (kept to count it, never imported).
    """

    path: str
    name: str | None
    box: Box | None
    frame: Frame = "stored"
    unit: Unit = "normalized"
    source: str = ""


@dataclass
class ForeignRead:
    """What a reader found: the records, the files it read, and one line per problem."""

    regions: list[ForeignRegion] = field(default_factory=list)
    files: int = 0  # source files read (ini files, sidecars, one database)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


Progress = Callable[[int, int], None]


def refuse_link(path: str | Path) -> str | None:
    """Why a source file is not read (a symbolic link, not a regular file), or None."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link (not followed: give the file it points to)"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None


def walk_folder(root: Path, problems: list[tuple[str, str]]) -> Iterator[tuple[Path, list[str]]]:
    """(folder, file names) under ``root``: hidden folders and folder links are not entered.

    A folder that cannot be listed is reported and skipped; the walk never follows a link, so
    it always ends.
    """

    def failed(exc: OSError) -> None:
        problems.append((str(exc.filename or root), f"cannot list: {exc.strerror or exc}"))

    for folder, dirs, files in os.walk(root, onerror=failed, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield Path(folder), sorted(files)


def decode_text(data: bytes) -> str:
    """Text of a small file written on any system: UTF-8 (with or without BOM), else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Picasa on Windows wrote the ANSI code page; cp1252 decodes every Western name
        return data.decode("cp1252", errors="replace")
