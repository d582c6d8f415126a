"""The one place that checks command-line values: argparse ``type=`` functions.

Each turns the text a user typed into a value in range or raises ``ArgumentTypeError``, which
argparse shows as ``faceorganizer CMD: error: argument --x: MESSAGE`` and exit status 2. NaN,
infinities, negative and out-of-range numbers never reach the core.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

SQLITE_MAX_INT = 2**63 - 1  # the largest id SQLite can store


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _integer(text: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def float_in(
    low: float, high: float, *, low_open: bool = False, what: str = "a number"
) -> Callable[[str], float]:
    """A finite number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    shown = f"{'(' if low_open else '['}{low:g}, {high:g}]"

    def parse(text: str) -> float:
        value = _number(text)
        if value < low or value > high or (low_open and value == low):
            raise argparse.ArgumentTypeError(f"{what} must be in {shown}, not {text}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def int_in(low: int, high: int, *, what: str = "a whole number") -> Callable[[str], int]:
    """A whole number in ``[low, high]``."""

    def parse(text: str) -> int:
        value = _integer(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {text}")
        return value

    parse.__name__ = what
    return parse


detect_score = float_in(0.0, 1.0, low_open=True, what="a detector score")
"""``--detect-score``: a detector confidence, above 0 and at most 1."""

cosine_distance = float_in(0.0, 2.0, low_open=True, what="a cosine distance")
"""``--threshold`` of ``cluster``: a cosine distance, above 0 and at most 2."""

top_k = int_in(1, 10_000, what="a count")
"""``--top``: how many results, 1 to 10,000."""

face_id = int_in(1, SQLITE_MAX_INT, what="a face id")
"""``--face``: a face id as ``faces`` and ``people --json`` print it."""


def date_bound(text: str) -> str:
    """``--from`` / ``--to``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real calendar date."""
    from faceorganizer.core.library.photo_query import DateBoundError, period

    try:
        period(text)
    except DateBoundError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


date_bound.__name__ = "a date"
