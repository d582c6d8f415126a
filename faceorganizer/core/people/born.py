"""Birthdays as a constraint: a face in a photo taken before a person was born is never theirs.

Like "not this person", but for every such face at once: clustering and a scan's join never
put it in that person, suggestions never offer it, and naming or moving it there is refused
with the reason. A photo's date is compared as the local day it was taken; a date that is
only the file's time (a guess) still counts, since a file is never older than its photo.
The day of the birth itself is allowed.
"""

from __future__ import annotations

import re
from datetime import date

from faceorganizer.core.store.people import PeopleRepository

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BirthDateError(ValueError):
    """A birth date that is not a real YYYY-MM-DD day; ``str()`` says why."""


def parse_birth(text: str) -> str:
    """A birth date as ``YYYY-MM-DD`` (a real day, not in the future); BirthDateError if not."""
    text = text.strip()
    if not _DAY.match(text):
        raise BirthDateError(f"{text!r} is not a birth date: use YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise BirthDateError(f"{text!r} is not a day of the calendar ({exc})") from None
    if day.year < 1800 or day > date.today():
        raise BirthDateError(f"{text!r}: a birth date lies between 1800 and today")
    return day.isoformat()


def forbidden_pairs(repo: PeopleRepository) -> set[tuple[int, int]]:
    """(face, person) pairs a birth date rules out, added to the user's rejections by the
    grouping and the suggestions."""
    out: set[tuple[int, int]] = set()
    for person, born in repo.born_dates().items():
        out.update((face, person) for face in repo.faces_taken_before(born))
    return out


def faces_before(repo: PeopleRepository, day: str, face_ids: list[int]) -> list[int]:
    """Those of ``face_ids`` in photos taken before ``day`` (YYYY-MM-DD)."""
    wanted = set(face_ids)
    return [f for f in repo.faces_taken_before(day) if f in wanted] if wanted else []


def faces_before_birth(repo: PeopleRepository, person_id: int, face_ids: list[int]) -> list[int]:
    """Those of ``face_ids`` in photos taken before ``person_id`` was born."""
    born = repo.born_dates().get(person_id)
    return faces_before(repo, born, face_ids) if born else []
