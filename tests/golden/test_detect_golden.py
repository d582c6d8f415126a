"""Detection floors on photos composed from the shared photos (``tests/detect_corpus.py``).

Group photos of different people's faces pasted at 64–159 px on face-free parts of shared
photos upscaled to 16 and 24 MP, and photos with no person (face-free strips, fabric
textures), go through the scan's own path: JPEG bytes, ``decode_bytes`` (DCT scaling of large
JPEGs included) and ``FaceEngine.analyse`` with the default pack. A true face is found at
IoU ≥ 0.5. ``benchmarks/detect_bench.py`` prints the full table (docs/detection.md).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.photos.decode import decode_bytes
from faceorganizer.core.records import FLAG_DOUBTFUL, EngineOptions
from tests import detect_corpus as corpus
from tests.conftest import shared_set

pytestmark = pytest.mark.golden


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    shared_set("lfw-fold1")  # fails loudly when the shared photos are missing
    return FaceEngine(EngineOptions(device="cpu"))


def _faces(engine: FaceEngine, image: corpus.Composed) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (full-resolution pixels) of the faces the scan finds, and which are doubtful."""
    ok, data = cv2.imencode(".jpg", image.pixels, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    faces = engine.analyse(decode_bytes(data.tobytes(), name=f"{image.name}.jpg"))
    boxes = np.asarray([f.box for f in faces], np.float32).reshape(-1, 4)
    return boxes, np.asarray([bool(f.flags & FLAG_DOUBTFUL) for f in faces], bool)


def _group(k: int, band: tuple[int, int], megapixels: float) -> corpus.Composed:
    pool = [*corpus.source_faces("lfw-fold1", 24), *corpus.source_faces("celeba-wild", 20)]
    small = [f for f in pool if max(f.box[2:]) < 110]
    big = [f for f in pool if max(f.box[2:]) >= 110]
    rng = np.random.default_rng(k)
    sizes = rng.uniform(band[0], band[1], 20).tolist()
    faces = [(big if s >= 130 and big else small)[i % 20] for i, s in enumerate(sizes)]
    back = corpus.backgrounds(2)[k % 2]
    return corpus.group_photo(f"golden{k}", back, faces, sizes, megapixels, seed=k)


@pytest.mark.parametrize(
    ("k", "band", "megapixels", "floor"),
    [
        # a class photo: 20 people at 64-99 px on a 16 MP photo (the old detector found 1 of 30)
        (0, (64, 100), 16.0, 0.9),
        # 20 people at 100-159 px on a 24 MP photo (the old detector found half)
        (1, (100, 160), 24.0, 0.9),
    ],
)
def test_every_face_of_a_group_photo_is_found(
    engine: FaceEngine, k: int, band: tuple[int, int], megapixels: float, floor: float
) -> None:
    image = _group(k, band, megapixels)
    boxes, doubtful = _faces(engine, image)
    hit, false = corpus.match(image.boxes, boxes[~doubtful])
    assert hit.mean() >= floor, f"{hit.sum()} of {len(hit)} faces found in {image.name}"
    assert false <= 1, f"{false} false faces kept in {image.name}"


def test_no_face_is_kept_where_there_is_no_person(engine: FaceEngine) -> None:
    images = corpus.no_person_set(strips=4, textures=5)
    kept = {}
    for image in images:
        boxes, doubtful = _faces(engine, image)
        if (~doubtful).any():
            kept[image.name] = int((~doubtful).sum())
    # a false face kept would be grouped and offered on the Unsorted page
    assert sum(kept.values()) <= 1, kept


def test_without_the_second_look_the_class_photo_loses_its_faces() -> None:
    """``scan --no-small-faces`` is the setting's documented cost: the first pass alone sees
    few of the 64–99 px faces of a 16 MP class photo (1 of 60 in docs/detection.md)."""
    image = _group(0, (64, 100), 16.0)
    boxes, doubtful = _faces(FaceEngine(EngineOptions(device="cpu", small_faces=False)), image)
    hit, _ = corpus.match(image.boxes, boxes[~doubtful])
    assert hit.mean() < 0.5, f"{hit.sum()} of {len(hit)} faces found without the second look"
