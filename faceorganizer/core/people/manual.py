"""A face the user drew by hand around a face the detector missed.

``add_face`` decodes the photo again (the project's one decoder), embeds the box with the engine
of the model pack the photo was analysed with (``from_region``: landmarks from the detector
inside the box when it finds a face there, else aligned by the box, a weak vector of quality 0
that never seeds a group), and stores it in one undoable people operation ("Add a face by
hand"). The face is flagged FLAG_MANUAL; a re-scan of the photo keeps it (see
``FaceRepository.replace_for_photo``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from faceorganizer.core.records import FLAG_MANUAL
from faceorganizer.core.store.db import Database

if TYPE_CHECKING:
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.records import Changes

Box = tuple[float, float, float, float]
MIN_SIDE_PX = 8.0  # a drawn box's shorter side, in the photo's full-size pixels
MIN_INSIDE = 0.5  # at least this fraction of a drawn box lies inside the photo


def check_box(box: Box, width: int, height: int) -> Box:
    """The box clipped to the photo; ValueError (a message for the user) when it cannot be a
    face: not four finite numbers, mostly outside the photo, or too small."""
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError) as exc:
        raise ValueError("a face box is four numbers: x, y, width, height") from exc
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
        raise ValueError("a face box needs a positive width and height")
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(width), x + w), min(float(height), y + h)
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) < MIN_INSIDE * w * h:
        raise ValueError(f"the box is outside the photo ({width}×{height} pixels)")
    if min(x1 - x0, y1 - y0) < MIN_SIDE_PX:
        raise ValueError(
            f"the box is too small to be a face (at least {MIN_SIDE_PX:.0f}×{MIN_SIDE_PX:.0f}"
            " pixels of the photo)"
        )
    return (x0, y0, x1 - x0, y1 - y0)


def add_face(
    database: Database, photo_id: int, box: Box, *, engine: FaceEngine | None = None
) -> int:
    """Embed and store the face in ``box`` (full-size displayed pixels) of a stored photo.

    Returns the new face's id; it belongs to no person yet. Undo deletes it. ``engine``
    defaults to the shared engine of the photo's model pack. Raises ValueError with a
    message for a photo that is not stored or analysed, or a box outside it or too small.
    """
    face_id, _changes = add_face_op(database, photo_id, box, engine=engine)
    return face_id


def add_face_op(
    database: Database, photo_id: int, box: Box, *, engine: FaceEngine | None = None
) -> tuple[int, Changes]:
    """``add_face``, also returning the operation's Changes (for views)."""
    from faceorganizer.core.faces.engines import shared_engine, shared_lock
    from faceorganizer.core.faces.from_region import face_from_region, read_photo
    from faceorganizer.core.people.ops import PeopleOps
    from faceorganizer.core.store.photos import PhotoRepository

    row = PhotoRepository(database).analysed(photo_id)
    if row is None:
        raise ValueError(f"no photo {photo_id} in this library")
    path, width, height, status, pack_id = row
    if status != "ok" or not width or not height:
        raise ValueError("this photo was not analysed, so a face cannot be added to it")
    clipped = check_box(box, width, height)
    try:
        decoded = read_photo(path)
    except Exception as exc:  # noqa: BLE001 - said to the user in one line
        raise ValueError(f"cannot read the photo again: {exc}") from exc
    with shared_lock:
        the_engine = engine or shared_engine(pack_id or None)
        face = face_from_region(the_engine, decoded, clipped, 1, source=FLAG_MANUAL)
    return PeopleOps(database).add_face(photo_id, face, the_engine.pack.id)
