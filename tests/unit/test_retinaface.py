"""RetinaFace's two-pass detection: read from the manifest, and the faces a whole pass finds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from faceorganizer.core.models.manifest import ModelError, load_pack, models_root
from faceorganizer.core.models.retinaface import RetinaFaceDetector, _merged
from faceorganizer.core.photos.decode import decode_bytes
from tests.conftest import shared_set

PHOTOS = (
    ("celebrities", "couple.jpg"),
    ("celebrities", "selfie-many-people.jpg"),
    ("snapshots", "Male_24_1_7.jpg"),
    ("snapshots", "Male_24_13.jpg"),
    ("snapshots", "Male_24_3_1_1.jpg"),
    ("snapshots", "Female_40_1_1_1.jpg"),
    ("snapshots", "Mlae_43_2_1.jpg"),
)


def test_the_pack_manifest_asks_for_two_passes() -> None:
    refine = load_pack("retinaface-sface").detector.refine
    assert refine is not None
    assert 0 < refine.coarse_scale < 1 and refine.context >= 1
    assert load_pack("yunet-sface").detector.refine is None


def test_a_malformed_refine_entry_is_a_clear_error(tmp_path: Path) -> None:
    src = models_root() / "retinaface-sface" / "manifest.json"
    raw = json.loads(src.read_text(encoding="utf-8"))
    raw["detector"]["refine"] = {"coarse_scale": 2.0, "coarse_score": 0.2, "context": 2.0}
    (tmp_path / "retinaface-sface").mkdir()
    (tmp_path / "retinaface-sface" / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(ModelError, match="malformed"):
        load_pack("retinaface-sface", tmp_path)


def test_overlapping_windows_merge_and_apart_ones_stay() -> None:
    merged = _merged([[0, 0, 64, 64], [32, 32, 96, 96], [200, 200, 264, 264]])
    assert sorted(merged) == [[0, 0, 96, 96], [200, 200, 264, 264]]


@pytest.fixture(scope="module")
def detectors() -> tuple[RetinaFaceDetector, RetinaFaceDetector]:
    pack = load_pack("retinaface-sface")
    if pack.missing_files():
        pytest.fail("retinaface-sface model files are missing (run: faceorganizer models fetch)")
    twice = RetinaFaceDetector(pack.detector, "cpu", score_threshold=0.6)
    whole = RetinaFaceDetector(replace(pack.detector, refine=None), "cpu", score_threshold=0.6)
    return twice, whole


@pytest.mark.parametrize(("folder", "name"), PHOTOS)
def test_two_passes_find_the_faces_of_a_whole_pass_with_its_landmarks(
    detectors: tuple[RetinaFaceDetector, RetinaFaceDetector], folder: str, name: str
) -> None:
    twice, whole = detectors
    pixels = decode_bytes((shared_set(folder) / name).read_bytes()).pixels
    a, b = whole.detect(pixels), twice.detect(pixels)
    clear = np.nonzero(a.scores >= 0.9)[0]
    assert len(clear) > 0
    for i in clear:
        centre_a = a.boxes[i, :2] + a.boxes[i, 2:] / 2
        centres_b = b.boxes[:, :2] + b.boxes[:, 2:] / 2
        j = int(np.argmin(np.linalg.norm(centres_b - centre_a, axis=1)))
        eyes = float(np.linalg.norm(a.landmarks[i, 0] - a.landmarks[i, 1]))
        # the same anchors at the same scale: landmarks agree to a few hundredths of the eyes
        assert np.abs(b.landmarks[j] - a.landmarks[i]).max() <= 0.05 * eyes, (name, i)
