"""Detection test photos composed at run time from the shared photos, with their true face boxes.

Shared by ``tests/golden/test_detect_golden.py`` and ``benchmarks/detect_bench.py`` (which puts
the repository root on ``sys.path``): it lives under ``tests/`` because tests must not import
benchmarks, and it is not product code (nothing in the app composes photos).

* **Group photos**: faces of many different people (one photo per person from lfw-fold1,
  lfw-folds2-4 and celeba-wild) pasted at 40–250 px on a real background: a shared photo in
  which no face is found, upscaled to 12–24 megapixels. Each face is cut as a square 1.8 times
  its box around the box and pasted through a feathered ellipse, so no seam looks like an edge.
* **No-person images**: the face-free part of shared photos (the largest strip beside all the
  faces found in them, at the size it has and upscaled to 12 MP) and procedural textures
  (patterned fabric: florals, polka dots, plaid, paisley-like blobs, animal print).

A source face's true box is where OpenCV's own YuNet (``cv2.FaceDetectorYN``, the original
ONNX file) and RetinaFace (the default pack, one whole-image pass) agree on it (IoU ≥ 0.5),
the mean of the two boxes: neither detector's box convention is favoured, and only faces
both call clear faces at their own size are used, so what changes is only size and context.
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FACEORGANIZER_SHARED", REPO.parent / "shared")) / "data"
YUNET_ONNX = REPO / "models" / "yunet-sface" / "face_detection_yunet_2023mar.onnx"
BANDS = ((40, 64), (64, 100), (100, 160), (160, 251))  # face size (longer box side), px
PATCH = 1.8  # a pasted face's square, in box sizes


@dataclass(frozen=True)
class Composed:
    """One test image: BGR pixels and the true face boxes (x, y, w, h), none for no-person."""

    name: str
    pixels: np.ndarray
    boxes: np.ndarray


@dataclass(frozen=True)
class SourceFace:
    """A face in a shared photo, with its true box in that photo's pixels."""

    path: Path
    box: tuple[float, float, float, float]


def band_of(size: float) -> int:
    """Index into BANDS of a face of ``size`` px (longer box side); -1 outside them all."""
    for i, (lo, hi) in enumerate(BANDS):
        if lo <= size < hi:
            return i
    return -1


def band_name(i: int) -> str:
    """``40-64`` etc. for band ``i``."""
    lo, hi = BANDS[i]
    return f"{lo}-{hi - 1}"


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of boxes ``a`` (n, 4) and ``b`` (m, 4), both x, y, w, h."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    ax1, ay1 = a[:, 0:1], a[:, 1:2]
    ax2, ay2 = ax1 + a[:, 2:3], ay1 + a[:, 3:4]
    bx1, by1 = b[None, :, 0], b[None, :, 1]
    bx2, by2 = bx1 + b[None, :, 2], by1 + b[None, :, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    inter = iw * ih
    union = a[:, 2:3] * a[:, 3:4] + b[None, :, 2] * b[None, :, 3] - inter
    return (inter / np.maximum(union, 1e-6)).astype(np.float32)


def match(truth: np.ndarray, found: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, int]:
    """Which true faces were found (greedy one-to-one by IoU ≥ ``threshold``), and how many
    detections matched no true face (false positives)."""
    hit = np.zeros(len(truth), bool)
    used = np.zeros(len(found), bool)
    m = iou(truth, found)
    for flat in np.argsort(-m, axis=None):
        i, j = divmod(int(flat), max(len(found), 1))
        if m.size == 0 or m[i, j] < threshold:
            break
        if not hit[i] and not used[j]:
            hit[i] = used[j] = True
    return hit, int((~used).sum())


def _labelled(name: str) -> list[Path]:
    """One photo per person of a labelled shared set, in file order."""
    folder = SHARED / name
    seen: set[str] = set()
    out = []
    with open(folder / "labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["person"] and row["person"] not in seen:
                seen.add(row["person"])
                out.append(folder / row["file"])
    return out


class _Truth:
    """The two detectors that must agree on a source face (loaded once per process)."""

    def __init__(self) -> None:
        import cv2

        from faceorganizer.core.models.manifest import load_pack
        from faceorganizer.core.models.retinaface import RetinaFaceDetector

        self.yunet = cv2.FaceDetectorYN.create(str(YUNET_ONNX), "", (320, 320), 0.6)
        spec = replace(load_pack("retinaface-sface").detector, refine=None)  # whole passes
        self.retina = RetinaFaceDetector(spec, "cpu", score_threshold=0.6, threads=1)

    def faces(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(YuNet boxes, RetinaFace boxes) on ``image`` at its own size, whole-image passes."""
        h, w = image.shape[:2]
        self.yunet.setInputSize((w, h))
        _, found = self.yunet.detect(image)
        yb = np.zeros((0, 4), np.float32) if found is None else found[:, :4].astype(np.float32)
        side = -(-max(h, w) // 32) * 32
        rb = self.retina.detect(image, side).boxes
        return yb, rb

    def agreed(self, image: np.ndarray, scale: float) -> np.ndarray:
        """Boxes both detectors find on ``image`` upscaled ``scale`` times (in its pixels)."""
        import cv2

        big = image if scale == 1 else cv2.resize(image, None, fx=scale, fy=scale)
        yb, rb = self.faces(big)
        m = iou(yb, rb)
        out = [
            (yb[i] + rb[int(m[i].argmax())]) / 2 / scale
            for i in range(len(yb))
            if m.shape[1] and m[i].max() >= 0.5
        ]
        return np.asarray(out, np.float32).reshape(-1, 4)

    def any_face(self, image: np.ndarray) -> np.ndarray:
        """Every box either detector finds on ``image`` (at its size and twice it if small)."""
        import cv2

        boxes = list(np.concatenate(self.faces(image)))
        if max(image.shape[:2]) <= 800 and not boxes:
            big = cv2.resize(image, None, fx=2, fy=2)
            boxes += list(np.concatenate(self.faces(big)) / 2)
        return np.asarray(boxes, np.float32).reshape(-1, 4)


@functools.cache
def _truth() -> _Truth:
    return _Truth()


@functools.cache
def source_faces(set_name: str, limit: int) -> tuple[SourceFace, ...]:
    """Up to ``limit`` clear faces of different people from ``set_name`` with true boxes.

    The face kept from a photo is the one nearest its centre (the labelled person of an LFW
    crop); a photo with no agreed face is passed over.
    """
    import cv2

    out: list[SourceFace] = []
    for path in _labelled(set_name):
        if len(out) >= limit:
            break
        image = cv2.imread(str(path))
        if image is None:
            continue
        scale = 2.0 if max(image.shape[:2]) < 300 else 1.0
        boxes = _truth().agreed(image, scale)
        if len(boxes) == 0:
            continue
        centre = np.array([image.shape[1] / 2, image.shape[0] / 2])
        near = np.linalg.norm(boxes[:, :2] + boxes[:, 2:] / 2 - centre, axis=1)
        x, y, w, h = (float(v) for v in boxes[int(near.argmin())])
        out.append(SourceFace(path, (x, y, w, h)))
    return tuple(out)


def _patch(face: SourceFace, size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The face's square scaled so its box's longer side is ``size``: pixels, alpha, box."""
    import cv2

    image = cv2.imread(str(face.path))
    x, y, w, h = face.box
    side = PATCH * max(w, h)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    s = max(1, round(side))
    # replicate the border where the square runs off the source photo
    pad = max(0, -x0, -y0, x0 + s - image.shape[1], y0 + s - image.shape[0])
    src = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    square = src[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    k = size / max(w, h)
    out = max(2, round(s * k))
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
    pixels = cv2.resize(square, (out, out), interpolation=interp)
    yy, xx = np.mgrid[0:out, 0:out].astype(np.float32)
    r = np.hypot(xx - out / 2, yy - out / 2) / (out / 2)
    alpha = np.clip((1.0 - r) / 0.25, 0, 1)[..., None]  # opaque to 75 % of the radius
    box = np.array([(x - x0) * k, (y - y0) * k, w * k, h * k], np.float32)
    return pixels, alpha, box


@functools.cache
def backgrounds(limit: int) -> tuple[np.ndarray, ...]:
    """Up to ``limit`` face-free strips of shared photos (snapshots) at least 300 px a side."""
    out: list[np.ndarray] = []
    for path in sorted((SHARED / "snapshots").glob("*.jpg")):
        if len(out) >= limit:
            break
        strip = face_free_strip(path)
        if strip is not None and min(strip.shape[:2]) >= 300:
            out.append(strip)
    return tuple(out)


def _upscaled(image: np.ndarray, megapixels: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    k = (megapixels * 1e6 / (h * w)) ** 0.5
    return cv2.resize(image, (round(w * k), round(h * k)), interpolation=cv2.INTER_CUBIC)


def group_photo(
    name: str,
    background: np.ndarray,
    faces: list[SourceFace],
    sizes: list[float],
    megapixels: float,
    seed: int,
) -> Composed:
    """``faces`` pasted at ``sizes`` (px, longer box side) in rows on ``background`` upscaled to
    ``megapixels``, like a class photo: each in its own cell, jittered, none overlapping."""
    canvas = _upscaled(background, megapixels).astype(np.float32)
    h, w = canvas.shape[:2]
    rng = np.random.default_rng(seed)
    n = len(faces)
    cell = PATCH * max(sizes) * 1.05
    cols = max(1, int(w // cell))
    rows = -(-n // cols)
    if rows * cell > h:
        raise ValueError(f"{n} faces of up to {max(sizes):.0f} px do not fit {w}×{h}")
    top = (h - rows * cell) / 2
    boxes = []
    for k, (face, size) in enumerate(zip(faces, sizes, strict=True)):
        pixels, alpha, box = _patch(face, size)
        ph = pixels.shape[0]
        r, c = divmod(k, cols)
        slack = cell - ph
        x0 = round(c * cell + rng.uniform(0, max(slack, 0)))
        y0 = round(top + r * cell + rng.uniform(0, max(slack, 0)))
        region = canvas[y0 : y0 + ph, x0 : x0 + ph]
        region[:] = region * (1 - alpha) + pixels.astype(np.float32) * alpha
        boxes.append(box + np.array([x0, y0, 0, 0], np.float32))
    return Composed(name, canvas.astype(np.uint8), np.asarray(boxes, np.float32))


def face_free_strip(path: Path) -> np.ndarray | None:
    """The largest strip of a shared photo beside every face found in it (None: under 120 px)."""
    import cv2

    image = cv2.imread(str(path))
    if image is None:
        return None
    found = _truth().any_face(image)
    h, w = image.shape[:2]
    if len(found) == 0:
        return image
    margin = 0.5 * found[:, 2:].max(axis=1)  # hair and chin lie outside the box
    left = int(max(0, (found[:, 0] - margin).min()))
    right = int(min(w, (found[:, 0] + found[:, 2] + margin).max()))
    above = int(max(0, (found[:, 1] - margin).min()))
    below = int(min(h, (found[:, 1] + found[:, 3] + margin).max()))
    strips = [image[:, :left], image[:, right:], image[:above], image[below:]]
    best = max(strips, key=lambda s: s.shape[0] * s.shape[1])
    if min(best.shape[:2]) < 120:
        return None
    return best


def texture(kind: str, width: int, height: int, seed: int) -> np.ndarray:
    """A procedural fabric-like texture: floral, dots, plaid, paisley or leopard."""
    import cv2

    rng = np.random.default_rng(seed)
    base = rng.integers(60, 230, 3).tolist()
    img = np.full((height, width, 3), base, np.uint8)
    dark = (int(rng.integers(0, 60)),) * 3
    if kind == "plaid":
        for step, thick in ((90, 18), (37, 5)):
            col = rng.integers(0, 255, 3).tolist()
            for x in range(0, width, step):
                cv2.line(img, (x, 0), (x, height), col, thick)
            for y in range(0, height, step):
                cv2.line(img, (0, y), (width, y), col, thick)
    elif kind == "dots":
        step = int(rng.integers(40, 90))
        r = step // 4
        for y in range(0, height + step, step):
            for x in range((y // step % 2) * step // 2, width + step, step):
                cv2.circle(img, (x, y), r, dark, -1, cv2.LINE_AA)
    else:
        n = width * height // (3000 if kind == "leopard" else 6000)
        for _ in range(n):
            cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
            a, b = int(rng.integers(6, 40)), int(rng.integers(6, 40))
            col = dark if kind == "leopard" else rng.integers(0, 255, 3).tolist()
            angle = float(rng.uniform(0, 180))
            if kind == "floral":
                for p in range(5):  # petals around a centre, with a dark centre
                    t = p * 2 * np.pi / 5
                    c2 = (int(cx + a * np.cos(t)), int(cy + a * np.sin(t)))
                    cv2.ellipse(img, c2, (a // 2 + 2, b // 3 + 2), angle, 0, 360, col, -1)
                cv2.circle(img, (cx, cy), max(2, a // 4), dark, -1, cv2.LINE_AA)
            else:
                cv2.ellipse(img, (cx, cy), (a, b), angle, 0, 360, col, -1, cv2.LINE_AA)
                if kind == "leopard":
                    inner = (max(1, a // 2), max(1, b // 2))
                    cv2.ellipse(img, (cx, cy), inner, angle, 0, 360, base, -1, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (3, 3), 0)


TEXTURES = ("floral", "dots", "plaid", "paisley", "leopard")


def group_set(
    count: int,
    faces_per_photo: int,
    megapixels: tuple[float, ...] = (12.0, 16.0, 24.0),
    sets: tuple[str, ...] = ("lfw-fold1", "lfw-folds2-4", "celeba-wild"),
    seed: int = 26,
) -> list[Composed]:
    """``count`` group photos of ``faces_per_photo`` different people each, every face size
    band equally often; large faces come from the larger source photos (celeba-wild)."""
    need = count * faces_per_photo
    pool: list[SourceFace] = []
    for s in sets:  # only as many sources as the photos need: each costs two detections
        pool += source_faces(s, 60 if s == "celeba-wild" else max(0, need - len(pool)))
    big = [f for f in pool if max(f.box[2:]) >= 110]
    small = [f for f in pool if max(f.box[2:]) < 110]
    rng = np.random.default_rng(seed)
    backs = backgrounds(max(count, 1))
    out = []
    used_small = used_big = 0
    for k in range(count):
        band = BANDS[k % len(BANDS)]
        # a class photo has faces of about one size: one band a photo, sizes spread inside it
        sizes = rng.uniform(band[0], band[1] - 1, faces_per_photo).tolist()
        chosen = []
        for size in sizes:
            if size >= 130 and big:
                chosen.append(big[used_big % len(big)])
                used_big += 1
            else:
                chosen.append(small[used_small % len(small)])
                used_small += 1
        mp = megapixels[k % len(megapixels)]
        out.append(
            group_photo(
                f"group{k:02d}-{band_name(k % len(BANDS))}px-{mp:.0f}mp",
                backs[k % len(backs)],
                chosen,
                sizes,
                mp,
                seed + k,
            )
        )
    return out


def no_person_set(strips: int, textures: int, megapixels: float = 12.0) -> list[Composed]:
    """Face-free strips of shared photos (as they are and upscaled) and fabric textures."""
    import cv2

    out = []
    empty = np.zeros((0, 4), np.float32)
    paths = sorted((SHARED / "snapshots").glob("*.jpg"))
    for path in paths:
        if len(out) >= strips:
            break
        strip = face_free_strip(path)
        if strip is None:
            continue
        out.append(Composed(f"strip-{path.stem}", strip, empty))
        if len(out) % 2 == 0:
            k = (megapixels * 1e6 / (strip.shape[0] * strip.shape[1])) ** 0.5
            big = cv2.resize(strip, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
            out.append(Composed(f"strip-{path.stem}-{megapixels:.0f}mp", big, empty))
    side = round((megapixels * 1e6 * 3 / 4) ** 0.5)
    for i in range(textures):
        kind = TEXTURES[i % len(TEXTURES)]
        w, h = (side * 4 // 3, side) if i % 2 else (1600, 1200)
        out.append(Composed(f"texture-{kind}-{i}", texture(kind, w, h, 100 + i), empty))
    return out


def image_folder(folder: Path) -> list[Composed]:
    """Every image in ``folder`` as a no-person image (e.g. scikit-image's sample photos)."""
    import cv2

    out = []
    empty = np.zeros((0, 4), np.float32)
    for path in sorted(folder.iterdir()):
        image = cv2.imread(str(path))
        if image is not None:
            out.append(Composed(f"extra-{path.stem}", image, empty))
    return out
