"""Are two faces the same person? A similarity, a verdict and a calibrated probability.

The constants below were measured on the shared labelled sets with SFace (the default pack);
how, and the false-match / false-non-match rates at each, are in docs/thresholds.md
(reproduce with ``benchmarks/search_bench.py --thresholds``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from faceorganizer.core.photos.decode import DecodedPhoto
    from faceorganizer.core.records import NewFace

# "same person" at or above: false-match rate ≤ 0.1 % on every measured set (docs/thresholds.md)
SAME_THRESHOLD = 0.38
# "different people" below: false-non-match rate 1.0 % on LFW fold-1 pairs, 0.07 % on all
# LFW fold-1 pairs, 0 % on celebrities; ~10 % on the hard celeba-wild set (docs/thresholds.md)
DIFFERENT_THRESHOLD = 0.28
# p(same | s) = 1 / (1 + exp(-(A s + B))): logistic fit on ~1.4 M labelled pairs (LFW fold 1
# and celeba-wild, every pair), the two classes weighted equally: a 50 % prior.
LOGIT_A = 18.675
LOGIT_B = -5.318

SAME = "same person"
POSSIBLY = "possibly"
DIFFERENT = "different people"


def verdict(similarity: float) -> str:
    """``same person``, ``possibly`` or ``different people`` for a cosine similarity."""
    if similarity >= SAME_THRESHOLD:
        return SAME
    if similarity < DIFFERENT_THRESHOLD:
        return DIFFERENT
    return POSSIBLY


def probability(similarity: float) -> float:
    """Calibrated probability that two faces are one person (equal prior), from the logistic fit."""
    z = LOGIT_A * similarity + LOGIT_B
    if z < -50:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def describe(similarity: float) -> str:
    """The verdict in words and its numbers, as ``compare`` prints them and the window shows
    them: ``same person  similarity=0.512  probability=98.3%``."""
    return (
        f"{verdict(similarity)}  similarity={similarity:.3f}"
        f"  probability={100 * probability(similarity):.1f}%"
    )


def thresholds_text() -> str:
    """What the numbers mean, the line ``compare`` prints under its verdicts."""
    return (
        f"(cosine similarity; same person ≥ {SAME_THRESHOLD}, "
        f"different people < {DIFFERENT_THRESHOLD}, possibly between; "
        "probability assumes even odds — see docs/thresholds.md)"
    )


def thresholds() -> dict[str, float]:
    """The stated thresholds, for printing beside a verdict."""
    return {
        "same_person_at_or_above": SAME_THRESHOLD,
        "different_people_below": DIFFERENT_THRESHOLD,
    }


@dataclass(frozen=True)
class PairComparison:
    """One face of photo A against one face of photo B."""

    index_a: int  # face index in photo A (0 = largest)
    index_b: int
    box_a: tuple[float, float, float, float]
    box_b: tuple[float, float, float, float]
    similarity: float
    verdict: str
    probability: float


class ComparedFace(Protocol):
    """What a comparison needs of a face: its vector and where it is (a ``NewFace``, or a
    stored face)."""

    @property
    def embedding(self) -> Any: ...

    @property
    def box(self) -> tuple[float, float, float, float]: ...


def compare_faces(
    faces_a: Sequence[ComparedFace | NewFace],
    faces_b: Sequence[ComparedFace | NewFace],
    *,
    all_pairs: bool = False,
) -> list[PairComparison]:
    """The largest face of each photo compared (or every pair, most similar first).

    Faces are expected largest first, as :meth:`FaceEngine.analyse` returns them. Empty when
    either list is empty. The command line's ``compare`` and the window's (two photos, or two
    stored faces) all answer through this function.
    """
    import numpy as np

    if not faces_a or not faces_b:
        return []
    pa = range(len(faces_a)) if all_pairs else range(1)
    pb = range(len(faces_b)) if all_pairs else range(1)
    va = np.stack([np.asarray(faces_a[i].embedding, np.float32) for i in pa])
    vb = np.stack([np.asarray(faces_b[j].embedding, np.float32) for j in pb])
    sims = va @ vb.T
    out = []
    for i in pa:
        for j in pb:
            s = float(sims[i, j])
            out.append(
                PairComparison(i, j, faces_a[i].box, faces_b[j].box, s, verdict(s), probability(s))
            )
    out.sort(key=lambda c: -c.similarity)
    return out


def load_photo(path: str | Path) -> DecodedPhoto:
    """Read and decode one photo; every failure (missing, unreadable, not an image) is a
    :class:`DecodeError` whose message names the file and the reason."""
    from faceorganizer.core.photos.decode import DecodeError, decode_bytes, read_photo_file

    p = Path(path)
    try:
        data = read_photo_file(p)  # a folder, pipe or device is refused before it is read
    except DecodeError as exc:
        raise DecodeError(f"{p}: {exc}") from exc
    except FileNotFoundError as exc:
        raise DecodeError(f"{p}: no such file") from exc
    except OSError as exc:
        raise DecodeError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return decode_bytes(data, name=str(p))
    except DecodeError as exc:
        raise DecodeError(f"{p}: {exc}") from exc
