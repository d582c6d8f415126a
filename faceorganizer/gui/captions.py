"""People in words a user can tell apart: a name, or "an unnamed group of 5 photos",
"another unnamed group of 5 photos" (never an internal id, never a file name)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from faceorganizer.core.records import PersonItem

_ORDINALS = [
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def taken_text(taken: str | None) -> str:
    """ "3 May 2019, 14:22" from ISO 8601 text; "" when unknown."""
    if not taken or len(taken) < 10:
        return ""
    try:
        year, month, day = int(taken[:4]), int(taken[5:7]), int(taken[8:10])
    except ValueError:
        return ""
    clock = f", {taken[11:16]}" if len(taken) >= 16 and taken[11:16] != "00:00" else ""
    return f"{day} {_MONTHS[month - 1]} {year}{clock}" if 1 <= month <= 12 else ""


def age_on(born: str | None, taken: str | None) -> int | None:
    """Whole years from a birth date (YYYY-MM-DD) to when a photo was taken; None if unknown."""
    if not born or not taken or len(taken) < 10:
        return None
    try:
        by, bm, bd = int(born[:4]), int(born[5:7]), int(born[8:10])
        ty, tm, td = int(taken[:4]), int(taken[5:7]), int(taken[8:10])
    except ValueError:
        return None
    age = ty - by - ((tm, td) < (bm, bd))
    return age if age >= 0 else None


def age_text(age: int | None) -> str:
    """ "4 years old", "1 year old", "under 1 year old"; "" when unknown."""
    if age is None:
        return ""
    if age == 0:
        return "under 1 year old"
    return f"{age} year{'' if age == 1 else 's'} old"


def photos_text(n: int) -> str:
    """ "1 photo", "5 photos"."""
    return f"{n} photo{'' if n == 1 else 's'}"


def _nth(n: int) -> str:
    """The article for the n-th alike group (1-based): "An", "Another", "A third", …"""
    if n == 1:
        return "An"
    if n == 2:
        return "Another"
    if n - 3 < len(_ORDINALS):
        word = _ORDINALS[n - 3]
        return f"{'An' if word[0] in 'ae' else 'A'} {word}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    vowel = str(n).startswith("8") or n in (11, 18)  # "an 8th", "an 11th", "an 18th"
    return f"{'An' if vowel else 'A'} {n}{suffix}"


def unnamed_caption(photo_count: int, nth: int = 1) -> str:
    """ "An unnamed group of 5 photos" (nth=1), "Another unnamed group of 5 photos" (2), …"""
    return f"{_nth(nth)} unnamed group of {photos_text(photo_count)}"


def distinct_captions(items: Iterable[PersonItem]) -> dict[int, str]:
    """Each person's caption, in the order given: the name, or an unnamed group by its size;
    alike groups count on ("Another …", "A third …") so no two rows read the same."""
    seen: Counter[int] = Counter()
    out: dict[int, str] = {}
    for p in items:
        if p.name:  # names are unique (a name that exists merges)
            out[p.id] = p.name
        else:
            seen[p.photo_count] += 1
            out[p.id] = unnamed_caption(p.photo_count, seen[p.photo_count])
    return out


def side_captions(items: list[PersonItem | None]) -> list[str]:
    """Captions of people shown side by side (a "same person?" question, a merge):
    "Brad Pitt · 12 photos", "An unnamed group of 3 photos", "Another unnamed group of 3
    photos" (never the same words twice, never an id)."""
    captions = distinct_captions([p for p in items if p is not None])

    def one(p: PersonItem | None) -> str:
        if p is None:
            return "A group no longer there"
        if p.name:
            return f"{p.name} · {photos_text(p.photo_count)}"
        return captions[p.id]

    return [one(p) for p in items]


def pair_captions(a: PersonItem | None, b: PersonItem | None) -> tuple[str, str]:
    """The two sides of a "same person?" question (``side_captions``)."""
    first, second = side_captions([a, b])
    return first, second
