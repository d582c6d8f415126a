"""A face from a region another tool drew (or the user drew by hand) where our detector found
none: crop, stand upright, find landmarks in the crop when the detector can, else align by the
box; then embed. ``read_photo`` is how both callers get the pixels (and ``engines.shared_engine``
a loaded engine)."""

from __future__ import annotations

import numpy as np

from faceorganizer.core.faces.align import ARCFACE_112, align_faces
from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.quality import assess
from faceorganizer.core.photos.decode import DecodedPhoto, decode_bytes, read_photo_file
from faceorganizer.core.photos.orientation import INVERSE, map_point, orient, stored_to_displayed
from faceorganizer.core.records import FLAG_BOX_ALIGNED, FLAG_FROM_METADATA, NewFace

Box = tuple[float, float, float, float]
_MARGIN = 0.6  # context around the region, as a fraction of its longer side
_MIN_FACE_PX = 96.0  # a small region is enlarged so the detector sees a face this large
MAX_PHOTO_BYTES = 2 * 1024**3  # a photo read again to embed a region is at most this large


def read_photo(path: str) -> DecodedPhoto:
    """A stored photo decoded again (the project's one decoder, size-limited read) to embed a
    region of it; raises DecodeError or OSError with a readable reason."""
    return decode_bytes(read_photo_file(path, max_bytes=MAX_PHOTO_BYTES), name=path)


def face_from_region(
    engine: FaceEngine,
    photo: DecodedPhoto,
    box: Box,
    upright: int,
    source: int = FLAG_FROM_METADATA,
) -> NewFace:
    """The face in ``box`` (full-size displayed pixels) of ``photo``; flagged ``source``
    (FLAG_FROM_METADATA, or FLAG_MANUAL for a box the user drew).

    ``upright`` is the orientation that turns the region's content upright. A face found by
    the detector inside the crop gives the landmarks; otherwise the ArcFace template is laid on
    the box, the vector is weak and the face gets quality 0 (it never seeds a group).
    """
    import cv2

    upright = upright if upright in INVERSE else 1
    s = photo.scale
    bx, by, bw, bh = (v / s for v in box)
    pad = _MARGIN * max(bw, bh)
    height, width = photo.pixels.shape[:2]
    x0, y0 = max(0, int(bx - pad)), max(0, int(by - pad))
    x1, y1 = min(width, int(np.ceil(bx + bw + pad))), min(height, int(np.ceil(by + bh + pad)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError("region is outside the photo")
    crop = photo.pixels[y0:y1, x0:x1]
    grow = min(4.0, max(1.0, _MIN_FACE_PX / max(1.0, min(bw, bh))))
    if grow > 1.0:
        size = (round(crop.shape[1] * grow), round(crop.shape[0] * grow))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
    ch, cw = crop.shape[:2]
    up = orient(crop, upright)
    uh, uw = up.shape[:2]
    # the region in the upright crop's normalised frame
    region = ((bx - x0) * grow / cw, (by - y0) * grow / ch, bw * grow / cw, bh * grow / ch)
    ru = stored_to_displayed(region, upright)
    found = engine.detector.detect(up)
    best, best_score = None, 0.0
    for i in range(len(found)):
        fx, fy, fw, fh = (float(v) for v in found.boxes[i])
        cx, cy = (fx + fw / 2) / uw, (fy + fh / 2) / uh
        inside = ru[0] <= cx <= ru[0] + ru[2] and ru[1] <= cy <= ru[1] + ru[3]
        if inside and float(found.scores[i]) > best_score:
            best, best_score = i, float(found.scores[i])
    if best is not None:
        marks_up = found.landmarks[best].astype(np.float64)
        det_score = best_score
        flags = source
    else:
        rx, ry, rw, rh = ru[0] * uw, ru[1] * uh, ru[2] * uw, ru[3] * uh
        # the template's points sit in a 112-pixel square around a face about that size
        side = max(rw, rh)
        ox, oy = rx + (rw - side) / 2, ry + (rh - side) / 2
        marks_up = np.array([[ox + p[0] / 112 * side, oy + p[1] / 112 * side] for p in ARCFACE_112])
        det_score = 0.0
        flags = source | FLAG_BOX_ALIGNED
    crops = align_faces(up, marks_up[None].astype(np.float32))
    vectors, norms = engine.embedder.embed(crops)
    # landmarks back in the photo's full-size displayed frame
    marks = []
    for u, v in marks_up:
        cu, cv_ = map_point(u / uw, v / uh, INVERSE[upright])
        marks.append([(x0 + cu * cw / grow) * s, (y0 + cv_ * ch / grow) * s])
    marks_arr = np.asarray(marks, np.float32)
    quality = assess(
        np.asarray([box], np.float32), marks_arr[None], crops, np.asarray([det_score], np.float32)
    )
    return NewFace(
        box=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
        landmarks=[[round(float(a), 2), round(float(b), 2)] for a, b in marks_arr],
        det_score=det_score,
        quality=float(quality.score[0]) if best is not None else 0.0,
        size_px=float(quality.size_px[0]),
        blur=float(quality.blur[0]),
        yaw=float(quality.yaw[0]),
        norm=float(norms[0]),
        flags=int(quality.flags[0]) | flags,
        embedding=vectors[0],
    )
