"""Reading one photo for a scan: its bytes, fingerprint, pixels and the date it was taken.

Runs on the scan's reading and engine threads (``core/faces/scan.py`` drives them).
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass

from faceorganizer.core.photos.decode import (
    DecodedPhoto,
    DecodeError,
    decode_bytes,
    read_photo_file,
)
from faceorganizer.core.photos.discover import FoundFile
from faceorganizer.core.photos.taken import DateSource, ExifDates, Taken
from faceorganizer.core.records import NewFace
from faceorganizer.core.store.photos import PhotoRow

log = logging.getLogger(__name__)

UNREADABLE = "unreadable: "  # a photo skipped for this is tried again by every scan


@dataclass
class Loaded:
    found: FoundFile
    content_hash: str | None = None
    decoded: DecodedPhoto | None = None
    error: str | None = None
    moved_from: PhotoRow | None = None
    vanished: bool = False
    faces: list[NewFace] | None = None  # found by a worker; None: not analysed yet
    read_seconds: float = 0.0  # reading, hashing and decoding
    data: bytes | None = None  # read but not decoded yet (``_read(..., decode=False)``)
    taken: Taken | None = None  # when the photo was taken (read with the pixels)
    dates: DateSource | None = None  # reads ``taken`` once the photo is decoded


def decode_and_date(loaded: Loaded, data: bytes) -> None:
    """Decode ``data`` into ``loaded``, and read when it was taken (EXIF, XMP, sidecars)."""
    try:
        loaded.decoded = decode_bytes(data, name=loaded.found.path)
    except DecodeError as exc:
        loaded.error = str(exc)
        return
    d = loaded.decoded
    try:
        reader = loaded.dates or ExifDates()
        exif = (d.taken_at, d.taken_source)
        loaded.taken = reader.taken(loaded.found.path, data, exif, loaded.found.mtime_ns)
    except Exception as exc:  # noqa: BLE001 - a date is never worth a photo
        log.debug("no date for %s: %s", loaded.found.path, exc)


def read_photo(
    found: FoundFile,
    moved_candidates: dict[str, PhotoRow],
    decode: bool = True,
    dates: DateSource | None = None,
) -> Loaded:
    """Read, fingerprint and (unless not ``decode``) decode one file (runs in the decode pool)."""
    try:
        data = read_photo_file(found.path)  # a pipe or device swapped in is refused, not read
    except FileNotFoundError:
        return Loaded(found, vanished=True)
    except OSError as exc:
        return Loaded(found, error=f"{UNREADABLE}{exc.strerror or exc}")
    except DecodeError as exc:
        return Loaded(found, error=str(exc))
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if digest in moved_candidates:
        return Loaded(found, digest, moved_from=moved_candidates[digest])
    loaded = Loaded(found, digest, dates=dates)
    if not decode:
        loaded.data = data
        return loaded
    decode_and_date(loaded, data)
    return loaded


def timed_read(
    found: FoundFile,
    moved: dict[str, PhotoRow],
    decode: bool = True,
    dates: DateSource | None = None,
) -> Loaded:
    """``_read``, with the seconds it took (runs in the decode pool)."""
    start = time.perf_counter()
    loaded = read_photo(found, moved, decode, dates)
    loaded.read_seconds = time.perf_counter() - start
    return loaded


def decoded(loaded: Loaded) -> Loaded:
    """A photo read by the decode pool, decoded here (on the engine thread that analyses it)."""
    if loaded.data is None:
        return loaded
    start = time.perf_counter()
    data, loaded.data = loaded.data, None
    decode_and_date(loaded, data)
    loaded.read_seconds += time.perf_counter() - start
    return loaded


def decoded_result(job: Future[Loaded]) -> Loaded:
    return decoded(job.result())
