"""What each detector is shown: the pack's detector the decoded photo (its vectors stay as they
were), the second look a 1280-px reduction of a large photo, and nothing when it is off."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.small_faces import SmallFaceFinder, SmallFaceSpec


def _engine(look: bool) -> FaceEngine:
    engine = FaceEngine.__new__(FaceEngine)  # no models: only the choice of views runs
    spec = SmallFaceSpec(finder_pack="yunet-sface")
    engine.view_spec = spec
    engine.detector = SimpleNamespace(long_side=640)  # type: ignore[assignment]
    engine.small_faces = SmallFaceFinder(spec, None, None) if look else None
    return engine


def test_a_large_photo_gets_the_second_look_at_its_size_and_the_detector_the_photo() -> None:
    photo = np.zeros((1500, 2000, 3), np.uint8)
    for look in (True, False):
        view, second = _engine(look)._views(photo)
        # showing the detector the bilinear reduction moved the vectors (docs/detection.md)
        assert view is photo
        if look:
            assert second is not None and second.shape == (960, 1280, 3)
        else:
            assert second is None


def test_an_ordinary_photo_is_shown_as_it_is() -> None:
    photo = np.zeros((960, 1280, 3), np.uint8)
    for look in (True, False):
        view, second = _engine(look)._views(photo)
        assert view is photo and second is None


def test_a_pack_without_a_second_look_is_shown_the_decoded_photo() -> None:
    engine = _engine(False)
    engine.view_spec = None
    photo = np.zeros((1500, 2000, 3), np.uint8)
    view, second = engine._views(photo)
    assert view is photo and second is None
