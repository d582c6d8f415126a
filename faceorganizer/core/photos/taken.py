"""When a photo was taken, as far as its own pixels' file says: EXIF dates (with their offset)
and the file's time as a guess. The decoder reads EXIF here; ``core/metadata/dates.py`` adds
what XMP, sidecars and Google Takeout say (``DateReader``), and the scan is handed such a
reader by the use-case layer (a ``DateSource``), as it is handed its name importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

GUESSED = "file"  # the source of a date that is only the file's modification time
SURE_EXIF = ("exif", "exif-digitized")


@dataclass(frozen=True)
class Taken:
    """When a photo was taken (ISO 8601) and what said so (one of ``SOURCES``)."""

    when: str
    source: str

    @property
    def guessed(self) -> bool:
        """Only the file's time: the photo may be older."""
        return self.source == GUESSED


# (date tag, its offset tag, the source stored): the first one present wins. ModifyDate
# (0x0132, in IFD0) comes last, and in ``DateReader.taken`` after XMP and Takeout: editors
# rewrite it.
EXIF_DATE_TAGS = (
    (0x9003, 0x9011, "exif"),  # DateTimeOriginal, OffsetTimeOriginal
    (0x9004, 0x9012, "exif-digitized"),  # CreateDate (DateTimeDigitized), OffsetTimeDigitized
    (0x0132, 0x9010, "exif-modified"),  # ModifyDate (DateTime), OffsetTime
)


def _exif_text(raw: object) -> str | None:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if isinstance(raw, str):
        return raw.strip().strip("\x00").strip() or None
    return None


def exif_datetime(raw: object, raw_offset: object = None) -> str | None:
    """An EXIF ``YYYY:MM:DD HH:MM:SS`` (and ``±HH:MM`` offset) as ISO 8601; None if not a date.

    Cameras write ``0000:00:00 00:00:00`` or blanks when their clock was never set: no date.
    """
    value, offset = _exif_text(raw), _exif_text(raw_offset)
    if not value:
        return None
    try:
        when = datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if not 1826 <= when.year <= 2200:  # the first photograph was taken in 1826
        return None
    text = when.isoformat()
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        hours, minutes = offset[1:3], offset[4:6]
        if hours.isdigit() and minutes.isdigit() and int(hours) <= 14 and int(minutes) < 60:
            text += offset
    return text


def file_time(mtime_ns: int) -> str | None:
    """A file's modification time in this machine's time zone, ISO 8601 with its offset."""
    try:
        return (
            datetime.fromtimestamp(mtime_ns / 1e9).astimezone().replace(microsecond=0).isoformat()
        )
    except (OverflowError, OSError, ValueError):
        return None


class DateSource(Protocol):
    """Says when a photo was taken (``core.metadata.dates.DateReader``)."""

    def taken(
        self,
        photo: str,
        data: bytes | None,
        exif: tuple[str | None, str | None],
        mtime_ns: int,
    ) -> Taken | None: ...


class ExifDates:
    """A ``DateSource`` that knows only the file itself: its EXIF date, else its time."""

    def taken(
        self,
        photo: str,
        data: bytes | None,
        exif: tuple[str | None, str | None],
        mtime_ns: int,
    ) -> Taken | None:
        """``exif`` is (date, source) from decoding the photo; else the file's time."""
        when, source = exif
        if when and source:
            return Taken(when, source)
        guess = file_time(mtime_ns)
        return Taken(guess, GUESSED) if guess else None
