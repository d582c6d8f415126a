"""Pixels to faces: detect, align, assess, embed — one photo at a time, or a batch of photos."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from faceorganizer.core.faces.align import align_faces
from faceorganizer.core.faces.quality import FaceQuality, assess
from faceorganizer.core.faces.small_faces import SmallFaceFinder, SmallFaceSpec
from faceorganizer.core.models.detection import Detections
from faceorganizer.core.models.manifest import ModelPack, load_pack
from faceorganizer.core.models.registry import (
    Detector,
    Embedder,
    build_detector,
    build_embedder,
    check_pack,
)
from faceorganizer.core.photos.decode import DecodedPhoto
from faceorganizer.core.records import FLAG_DOUBTFUL, EngineOptions, NewFace

log = logging.getLogger(__name__)

RETRY_LONG_SIDE = 1280  # a photo with no face at the default size is tried once larger
# a face the second detector (YuNet, looking at the face alone, enlarged) scores below
# DOUBT_SCORE is flagged doubtful, unless the first was all but certain (SURE_SCORE): kept, but
# not grouped nor offered. On 1,011 faces of the shared sets this flags 2, both with a vector
# norm under 5 (docs/detection.md, *False faces*).
DOUBT_SCORE = 0.3
SURE_SCORE = 0.95
EMBED_BATCH = 64  # crops of several photos embedded in one call (32–64 keep a GPU busy)


class FaceEngine:
    """A loaded model pack that turns decoded photos into faces with vectors."""

    def __init__(self, options: EngineOptions | None = None) -> None:
        self.options = options or EngineOptions()
        if self.options.device == "auto":
            self.options = replace(self.options, device=pick_device(self.options))
        self.pack: ModelPack = load_pack(self.options.pack_id)
        check_pack(self.pack)
        self.detector: Detector = build_detector(
            self.pack, self.options.device, self.options.threads, self.options.detect_score
        )
        self.embedder: Embedder = build_embedder(
            self.pack, self.options.device, self.options.threads
        )
        self.small_faces = self._small_face_finder() if self.options.small_faces else None
        # seconds per stage, added up while not None (benchmarks set it to {})
        self.timings: dict[str, float] | None = None

    def _small_face_finder(self) -> SmallFaceFinder | None:
        """The pack's second look for small faces (None: its manifest has none, or the
        finder's model file is missing, which is said once in the log)."""
        spec = SmallFaceSpec.from_manifest(self.pack.detector.extra.get("small_faces"))
        if spec is None:
            return None
        finder_pack = self.pack if spec.finder_pack == self.pack.id else load_pack(spec.finder_pack)
        if not finder_pack.detector.is_present():
            log.warning(
                "no second look for small faces: %s is missing", finder_pack.detector.path.name
            )
            return None
        # the finder keeps weak faces too: a new face needs finder_score, a face of the first
        # pass only some agreement (``doubtful``)
        finder = build_detector(
            finder_pack, self.options.device, self.options.threads, min(spec.finder_score, 0.2)
        )
        return SmallFaceFinder(spec, finder, self.detector)

    def _second_look(
        self, image: np.ndarray, found: Detections
    ) -> tuple[Detections, Detections | None]:
        """``found`` plus the small faces of a photo the detector saw much reduced, and what
        the second detector saw there (None: it did not look). A photo decoded no larger than
        the look's ``min_long_side`` (and the detector's own size) gets none. The pack's
        detector always sees the decoded photo: showing it the look's bilinear reduction
        instead saved 13-15 ms a 12 MP photo but moved the vectors (docs/detection.md)."""
        finder = self.small_faces
        if finder is None or max(image.shape[:2]) <= max(
            finder.spec.min_long_side, self.detector.long_side
        ):
            return found, None
        return finder.add(image, found)

    @property
    def device(self) -> str:
        """Where inference runs: cuda or cpu."""
        from faceorganizer.core.models.providers import active_device

        return str(active_device(getattr(self.detector, "session", None) or _Cpu()))

    @contextmanager
    def _clock(self, stage: str) -> Iterator[None]:
        if self.timings is None:
            yield
            return
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start

    def analyse(self, photo: DecodedPhoto) -> list[NewFace]:
        """Every face of a photo, largest first, in full-resolution displayed coordinates."""
        pixels = photo.pixels
        with self._clock("detect"):
            found = self.detector.detect(pixels)
            if len(found) == 0 and max(pixels.shape[:2]) > self.detector.long_side:
                found = self.detector.detect(pixels, min(RETRY_LONG_SIDE, max(pixels.shape[:2])))
            found, seen = self._second_look(pixels, found)
        crops, boxes, marks, scores, quality = self._prepare(photo, found, seen)
        with self._clock("embed"):
            vectors, norms = self.embedder.embed(crops)
        return _faces(boxes, marks, scores, quality, vectors, norms)

    def analyse_batch(self, photos: list[DecodedPhoto]) -> list[list[NewFace]]:
        """``analyse`` for several photos: detected in batches of one input shape where the
        detector can (the same faces as one at a time), all their crops embedded together."""
        with self._clock("detect"):
            found = self._detect_all([p.pixels for p in photos])
        prepared = [self._prepare(p, f, s) for p, (f, s) in zip(photos, found, strict=True)]
        with self._clock("embed"):
            crops = [c for c, *_ in prepared]
            everything = np.concatenate(crops) if crops else np.zeros((0, 112, 112, 3), np.uint8)
            vectors_parts, norms_parts = [], []
            for start in range(0, len(everything), EMBED_BATCH):
                v, n = self.embedder.embed(everything[start : start + EMBED_BATCH])
                vectors_parts.append(v)
                norms_parts.append(n)
        out: list[list[NewFace]] = []
        at = 0
        if vectors_parts:
            vectors, norms = np.concatenate(vectors_parts), np.concatenate(norms_parts)
        for crops_i, boxes, marks, scores, quality in prepared:
            k = len(crops_i)
            if k == 0:
                out.append([])
                continue
            out.append(
                _faces(boxes, marks, scores, quality, vectors[at : at + k], norms[at : at + k])
            )
            at += k
        return out

    def _detect_all(self, images: list[np.ndarray]) -> list[tuple[Detections, Detections | None]]:
        """Detections for each image, with ``analyse``'s larger retry for photos without."""
        batched = getattr(self.detector, "detect_batch", None)
        if batched is None:
            found = [self.detector.detect(img) for img in images]
        else:
            found = list(batched(images))
        retry = [
            i
            for i, (img, f) in enumerate(zip(images, found, strict=True))
            if len(f) == 0 and max(img.shape[:2]) > self.detector.long_side
        ]
        if retry and batched is not None:
            again = batched([images[i] for i in retry], RETRY_LONG_SIDE)
            for i, f in zip(retry, again, strict=True):
                found[i] = f
        else:
            for i in retry:
                img = images[i]
                found[i] = self.detector.detect(img, min(RETRY_LONG_SIDE, max(img.shape[:2])))
        return [self._second_look(img, f) for img, f in zip(images, found, strict=True)]

    def _prepare(
        self, photo: DecodedPhoto, found: Detections, seen: Detections | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, FaceQuality | None]:
        """Crops, boxes, landmarks, scores and quality of a photo's faces, largest first."""
        if len(found) == 0:
            empty = np.zeros((0, 112, 112, 3), np.uint8)
            return empty, found.boxes, found.landmarks, found.scores, None
        order = np.argsort(-(found.boxes[:, 2] * found.boxes[:, 3]), kind="stable")
        boxes_w, marks_w, scores = found.boxes[order], found.landmarks[order], found.scores[order]
        with self._clock("align"):
            crops = align_faces(photo.pixels, marks_w)
        boxes = boxes_w * photo.scale
        marks = marks_w * photo.scale
        with self._clock("quality"):
            quality = assess(boxes, marks, crops, scores)
        if self.small_faces is not None:
            # a face the detector is all but sure of is never doubtful: only the others are
            # shown to the second detector (on the snapshots, most faces cost nothing)
            unsure = np.nonzero(scores < SURE_SCORE)[0]
            agree = np.ones(len(scores), np.float32)
            if len(unsure):
                with self._clock("doubt"):
                    agree[unsure] = self.small_faces.agreement(photo.pixels, boxes_w[unsure], seen)
            doubtful = ((agree < DOUBT_SCORE) & (scores < SURE_SCORE)) * FLAG_DOUBTFUL
            quality = replace(quality, flags=quality.flags | doubtful.astype(np.int64))
        return crops, boxes, marks, scores, quality


def _faces(
    boxes: np.ndarray,
    marks: np.ndarray,
    scores: np.ndarray,
    quality: FaceQuality | None,
    vectors: np.ndarray,
    norms: np.ndarray,
) -> list[NewFace]:
    """The rows of a photo's faces."""
    if len(scores) == 0 or quality is None:
        return []
    q = quality
    faces = []
    for i in range(len(scores)):
        x, y, w, h = (float(v) for v in boxes[i])
        faces.append(
            NewFace(
                box=(x, y, w, h),
                landmarks=[[round(float(a), 2), round(float(b), 2)] for a, b in marks[i]],
                det_score=float(scores[i]),
                quality=float(q.score[i]),
                size_px=float(q.size_px[i]),
                blur=float(q.blur[i]),
                yaw=float(q.yaw[i]),
                norm=float(norms[i]),
                flags=int(q.flags[i]),
                embedding=vectors[i],
            )
        )
    return faces


class _Cpu:
    def get_providers(self) -> list[str]:
        return ["CPUExecutionProvider"]


_chosen: dict[tuple[str | None, int | None], str] = {}
_choosing = threading.Lock()
PROBE_PHOTOS = 4  # the first batch ``--device auto`` times on each device


def pick_device(options: EngineOptions) -> str:
    """``cuda`` or ``cpu`` for ``options.device`` (``auto`` measured once per process).

    ``auto`` takes CUDA only when onnxruntime offers it, a first batch runs there, and runs
    faster than on this machine's CPU; otherwise it says why, on one line, and uses the CPU.
    """
    if options.device != "auto":
        return options.device
    from faceorganizer.core.models.providers import available_providers, decide_auto

    key = (options.pack_id, options.threads)
    with _choosing:
        if key not in _chosen:
            device, why = decide_auto(available_providers(), lambda d: _probe(options, d))
            if why:
                log.warning("%s", why)
            _chosen[key] = device
        return _chosen[key]


def _probe(options: EngineOptions, device: str) -> float:
    """Seconds a warmed-up engine on ``device`` takes for a batch of blank 640×480 photos."""
    engine = FaceEngine(replace(options, device=device))
    if engine.device != device:
        raise RuntimeError(f"onnxruntime could not start its {device.upper()} provider")
    pixels = np.full((480, 640, 3), 127, np.uint8)
    photos = [DecodedPhoto(pixels, 640, 480, 1.0, 1, None, "probe")] * PROBE_PHOTOS
    crops = np.full((PROBE_PHOTOS * 4, 112, 112, 3), 127, np.uint8)
    engine.analyse_batch(photos)  # warm-up: kernels, memory, algorithm choice
    engine.embedder.embed(crops)
    start = time.perf_counter()
    engine.analyse_batch(photos)
    engine.embedder.embed(crops)  # blank photos have no faces: time the recogniser too
    return time.perf_counter() - start
