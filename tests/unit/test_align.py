from __future__ import annotations

import numpy as np

from faceorganizer.core.faces.align import ARCFACE_112, align_face, similarity_transform


def test_template_maps_to_itself() -> None:
    m = similarity_transform(ARCFACE_112)
    np.testing.assert_allclose(m, [[1, 0, 0], [0, 1, 0]], atol=1e-9)


def test_recovers_a_known_similarity() -> None:
    angle, scale, shift = 0.3, 2.5, np.array([40.0, -7.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    src = (ARCFACE_112 - shift) @ np.linalg.inv(rot).T  # points that map onto the template
    m = similarity_transform(src)
    mapped = src @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(mapped, ARCFACE_112, atol=1e-6)


def test_align_face_returns_112_crop() -> None:
    image = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    crop = align_face(image, ARCFACE_112 * 2 + 50)
    assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
