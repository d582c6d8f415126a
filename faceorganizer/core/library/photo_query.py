"""Ask by people and time: "photos with A and B, nobody else, in 2019, without C".

The command line's ``photos`` and the window ask through ``Library.find_photos``. Dates are
given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a bound covers its whole period, so
``to="2019"`` means through the last moment of 2019. A photo's date is compared as the local
time it was taken (what a person means by "in 2019"), whatever its time zone offset.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateBoundError(ValueError):
    """A date bound that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``str()`` says why."""


def period(text: str) -> tuple[date, date]:
    """The first day of a ``YYYY`` / ``YYYY-MM`` / ``YYYY-MM-DD`` period and the day after it."""
    match = _DATE.match(text.strip())
    if not match:
        raise DateBoundError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if not 1 <= year <= 9998:
        raise DateBoundError(f"{text!r}: the year is out of range")
    if month is not None and not 1 <= month <= 12:
        raise DateBoundError(f"{text!r}: there is no month {month}")
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateBoundError(f"{text!r}: that month has days 1 to {last}")
        first = date(year, month, day)
        return first, first + timedelta(days=1)
    if month is not None:
        first = date(year, month, 1)
        return first, date(year + (month == 12), month % 12 + 1, 1)
    return date(year, 1, 1), date(year + 1, 1, 1)


@dataclass(frozen=True)
class PhotoQuery:
    """Who must be in a photo, who must not, and when it was taken (bounds as typed)."""

    with_all: list[int] = field(default_factory=list)
    without: list[int] = field(default_factory=list)
    only: bool = False  # nobody else named in the photo
    taken_from: str | None = None
    taken_to: str | None = None

    def bounds(self) -> tuple[str | None, str | None]:
        """(first moment, the moment after the last) as ISO text; DateBoundError when the
        bounds are not dates or ``taken_from`` comes after ``taken_to``."""
        start = period(self.taken_from)[0] if self.taken_from else None
        end = period(self.taken_to)[1] if self.taken_to else None
        if start and end and start >= end:
            raise DateBoundError(f"--from {self.taken_from} is after --to {self.taken_to}")
        return (start.isoformat() if start else None, end.isoformat() if end else None)
