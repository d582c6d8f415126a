"""What every detector returns, and the helpers the detector families share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Detections:
    """Faces found in one image, in that image's pixel coordinates.

    ``boxes`` is (n, 4) x, y, w, h; ``landmarks`` (n, 5, 2) in the manifest's landmark order
    (subject's right eye, left eye, nose tip, right and left mouth corners); ``scores`` (n,).
    """

    boxes: np.ndarray
    landmarks: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    @staticmethod
    def empty() -> Detections:
        """No faces."""
        return Detections(
            np.zeros((0, 4), np.float32), np.zeros((0, 5, 2), np.float32), np.zeros(0, np.float32)
        )

    def scaled(self, factor: float) -> Detections:
        """The same faces in an image ``factor`` times larger."""
        return Detections(self.boxes * factor, self.landmarks * factor, self.scores)


def nms(boxes: np.ndarray, scores: np.ndarray, score_threshold: float, iou: float) -> np.ndarray:
    """Indices kept by non-maximum suppression, best first."""
    import cv2

    if len(scores) == 0:
        return np.zeros(0, np.int64)
    keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), score_threshold, iou)
    return np.asarray(keep, dtype=np.int64).reshape(-1)


def padded_input(image: np.ndarray, long_side: int, multiple: int) -> tuple[np.ndarray, float]:
    """Resize so the long side is at most ``long_side`` and pad to a multiple; returns the scale.

    The returned scale maps detector coordinates back to ``image`` coordinates.
    """
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resized = image if scale == 1.0 else cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    ph, pw = -(-nh // multiple) * multiple, -(-nw // multiple) * multiple
    if (ph, pw) == (nh, nw):  # nothing to pad (a 1280×960 look): no copy
        return resized, (w / nw if nw else 1.0)
    padded = np.zeros((ph, pw, 3), np.uint8)
    padded[:nh, :nw] = resized
    return padded, (w / nw if nw else 1.0)


def nchw_blob(images: list[np.ndarray], mean: np.ndarray | None = None) -> np.ndarray:
    """HWC uint8 images of one shape as an NCHW float32 batch, minus ``mean`` per channel.

    The same numbers as ``cv2.dnn.blobFromImages`` (no scaling, no swap), in under two thirds
    of its time: 2.8 against 4.9 ms for a 1280×960 image on one core (docs/detection.md).
    """
    h, w = images[0].shape[:2]
    out = np.empty((len(images), 3, h, w), np.float32)
    for i, image in enumerate(images):
        out[i] = image.transpose(2, 0, 1)
    if mean is not None:
        out -= mean.reshape(1, 3, 1, 1)
    return out


BUCKET = 64  # detector inputs are padded so that both sides are a multiple of this


def bucket_shape(height: int, width: int, bucket: int = BUCKET) -> tuple[int, int]:
    """The (height, width) a detector input of ``height``×``width`` is padded to.

    Both sides rounded up to a multiple of ``bucket``: a photo resized to a long side of 640
    falls into one of 19 shapes (640 × 64…640 either way round) instead of one per aspect
    ratio, so a GPU meets each shape once (cuDNN prepares per shape) and photos of one shape
    run as one batch. Every path pads the same way, so a photo's faces do not depend on
    whether it was detected alone or in a batch, nor on the device.
    """
    return -(-height // bucket) * bucket, -(-width // bucket) * bucket


def on_canvas(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``image`` in the top-left corner of a black canvas of ``shape`` (itself if it fits)."""
    if image.shape[:2] == shape:
        return image
    canvas = np.zeros((shape[0], shape[1], 3), np.uint8)
    canvas[: image.shape[0], : image.shape[1]] = image
    return canvas
