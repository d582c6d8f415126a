"""When a photo was taken, from whatever says so, best first.

1. EXIF ``DateTimeOriginal`` with ``OffsetTimeOriginal``, else ``CreateDate``
   (``DateTimeDigitized``): read by ``photos/decode.py`` with the pixels (``DecodedPhoto``).
2. XMP ``photoshop:DateCreated``, else ``xmp:CreateDate`` (or ``exif:DateTimeOriginal`` written
   as XMP): the photo's own packet, then its sidecar (``photo.jpg.xmp``, ``photo.xmp``).
3. A Google Takeout sidecar's ``photoTakenTime`` (``photo.jpg.json``,
   ``photo.jpg.supplemental-metadata.json``, and the shortened names Takeout writes when the
   name is long): seconds since 1970 in UTC, so it is printed with ``+00:00``.
4. EXIF ``ModifyDate`` (editors rewrite it, so it comes after the sidecars).
5. The file's modification time, in this machine's time zone, marked as a guess (``file``).

Every value is ISO 8601 (``2019-05-03T14:22:01+02:00``; no offset when none was written). A
date written without a time (XMP allows ``2019``, ``2019-05``, ``2019-05-03``) is stored as
its first moment (``2019-05-01T00:00:00``), so that comparing text compares time. Sidecars are
read through ``safe.py`` (regular files only, bounded size, hardened XML); an unreadable or
odd one is skipped with a debug line: a date is never worth losing a photo.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path

from faceorganizer.core.metadata import rdf
from faceorganizer.core.metadata.safe import MetadataError, read_limited
from faceorganizer.core.photos.taken import (  # the EXIF half lives with the decoder
    GUESSED,
    SURE_EXIF,
    ExifDates,
    Taken,
)

log = logging.getLogger(__name__)

SOURCES = ("exif", "exif-digitized", "xmp", "xmp-sidecar", "takeout", "exif-modified", GUESSED)
_NS_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
_NS_XMP = "http://ns.adobe.com/xap/1.0/"
_NS_EXIF = "http://ns.adobe.com/exif/1.0/"
_XMP_DATES = (
    rdf.q(_NS_PHOTOSHOP, "DateCreated"),
    rdf.q(_NS_EXIF, "DateTimeOriginal"),
    rdf.q(_NS_XMP, "CreateDate"),
)
_MAX_TAKEOUT_BYTES = 1024 * 1024  # Takeout's JSON is a few kilobytes
_TAKEOUT_NAME_LIMIT = 51  # Takeout shortens "NAME.supplemental-metadata.json" to 51 characters


def parse_iso(value: str | None) -> str | None:
    """An XMP / ISO 8601 date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, with a time and offset or
    ``Z``) as ``YYYY-MM-DDTHH:MM:SS[±HH:MM]``; None when it is not a plausible date."""
    if not value:
        return None
    text = value.strip()
    if len(text) in (4, 7) and text[:4].isdigit():
        text += "-01" if len(text) == 7 else "-01-01"
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) >= 19 and text[4] == ":" and text[7] == ":":  # EXIF's colons, written in XMP
        text = text[:4] + "-" + text[5:7] + "-" + text[8:10] + "T" + text[11:]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 1826 <= when.year <= 2200:
        return None
    return when.replace(microsecond=0).isoformat()


def xmp_taken(packet: bytes) -> str | None:
    """The date an XMP packet says the photo was taken, or None (MetadataError if unsafe)."""
    fields = rdf.top_fields(rdf.packet_root(packet))
    for key in _XMP_DATES:
        found = parse_iso(rdf.text(fields.get(key)))
        if found:
            return found
    return None


def takeout_taken(data: bytes) -> str | None:
    """``photoTakenTime.timestamp`` of a Google Takeout JSON as UTC ISO 8601, or None."""
    try:
        doc = json.loads(data)
        stamp = int(str(doc["photoTakenTime"]["timestamp"]).strip())
    except (ValueError, TypeError, KeyError, RecursionError, UnicodeError):
        return None
    if stamp <= 0:  # Takeout writes 0 for "unknown"
        return None
    try:
        when = datetime.fromtimestamp(stamp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.isoformat() if 1826 <= when.year <= 2200 else None


def embedded_packet(data: bytes) -> bytes | None:
    """The XMP packet inside a photo file's bytes, or None."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = data.find(b"</x:xmpmeta>", start)
    return data[start : end + len(b"</x:xmpmeta>")] if end > 0 else None


class DateReader:
    """Reads the dates of photos; lists each folder once (the last few, as a scan walks them).

    One reader may serve several threads.
    """

    def __init__(self, folders: int = 8) -> None:
        self._listings: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._folders = folders
        self._lock = threading.Lock()

    def _listing(self, folder: str) -> dict[str, str]:
        with self._lock:
            found = self._listings.get(folder)
            if found is not None:
                self._listings.move_to_end(folder)
                return found
        found = {}
        with contextlib.suppress(OSError):
            for name in os.listdir(folder):
                found.setdefault(name.casefold(), name)
        with self._lock:
            self._listings[folder] = found
            while len(self._listings) > self._folders:
                self._listings.popitem(last=False)
        return found

    def _beside(self, photo: str, names: list[str]) -> list[Path]:
        folder = os.path.dirname(photo) or "."
        listing = self._listing(folder)
        out = []
        for name in names:
            real = listing.get(name.casefold())
            if real is not None:
                out.append(Path(folder, real))
        return out

    def sidecar_taken(self, photo: str) -> str | None:
        """The date in the photo's XMP sidecar, or None."""
        path = Path(photo)
        for sidecar in self._beside(photo, [path.name + ".xmp", path.stem + ".xmp"]):
            try:
                found = xmp_taken(read_limited(sidecar))
            except MetadataError as exc:
                log.debug("date: sidecar %s skipped: %s", sidecar, exc)
                continue
            if found:
                return found
        return None

    def takeout_taken(self, photo: str) -> str | None:
        """The date in the photo's Google Takeout JSON, or None."""
        name = os.path.basename(photo)
        long_name = name + ".supplemental-metadata.json"
        names = [name + ".json", long_name]
        if len(long_name) > _TAKEOUT_NAME_LIMIT:
            names.append(long_name[: _TAKEOUT_NAME_LIMIT - len(".json")] + ".json")
        for sidecar in self._beside(photo, names):
            try:
                found = takeout_taken(read_limited(sidecar, _MAX_TAKEOUT_BYTES))
            except MetadataError as exc:
                log.debug("date: %s skipped: %s", sidecar, exc)
                continue
            if found:
                return found
        return None

    def taken(
        self,
        photo: str,
        data: bytes | None,
        exif: tuple[str | None, str | None],
        mtime_ns: int,
    ) -> Taken | None:
        """When ``photo`` was taken: ``exif`` is (date, source) from decoding its ``data``."""
        when, source = exif
        if when and source in SURE_EXIF:
            return Taken(when, source)
        packet = embedded_packet(data) if data else None
        if packet:
            try:
                found = xmp_taken(packet)
            except MetadataError as exc:
                log.debug("date: XMP packet of %s skipped: %s", photo, exc)
                found = None
            if found:
                return Taken(found, "xmp")
        for reader, name in ((self.sidecar_taken, "xmp-sidecar"), (self.takeout_taken, "takeout")):
            found = reader(photo)
            if found:
                return Taken(found, name)
        # an edited-at EXIF date (ModifyDate), else the file's time: what the file alone says
        return ExifDates().taken(photo, data, exif, mtime_ns)
