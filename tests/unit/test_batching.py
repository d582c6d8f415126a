"""Buckets, provider options, the auto device rule and the scan's layout, without a GPU."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from faceorganizer.core.faces import pipeline, scan
from faceorganizer.core.faces.scan import ScanOptions, plan_scan, scan_library
from faceorganizer.core.models import providers
from faceorganizer.core.models.detection import BUCKET, bucket_shape, on_canvas
from faceorganizer.core.photos.decode import DecodedPhoto
from faceorganizer.core.records import EngineOptions, NewFace
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.builders import new_face


def test_buckets_cover_the_input_and_are_few() -> None:
    shapes = set()
    for h in range(32, 641, 32):
        for w in (640,):
            bh, bw = bucket_shape(h, w)
            assert bh >= h and bw >= w and bh % BUCKET == 0 and bw % BUCKET == 0
            assert bh - h < BUCKET
            shapes.add((bh, bw))
            shapes.add(bucket_shape(w, h))
    assert len(shapes) == 19  # every photo resized to a long side of 640 lands in these


def test_on_canvas_pads_black_at_the_bottom_right() -> None:
    img = np.full((3, 5, 3), 7, np.uint8)
    out = on_canvas(img, (4, 8))
    assert out.shape == (4, 8, 3) and (out[:3, :5] == 7).all() and out[3:].sum() == 0
    assert on_canvas(img, (3, 5)) is img


def test_cuda_gets_options_that_search_no_algorithm_per_shape(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        providers, "available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    chosen = providers.provider_list("auto")
    assert chosen[0][0] == "CUDAExecutionProvider"
    assert chosen[0][1]["cudnn_conv_algo_search"] in ("DEFAULT", "HEURISTIC")
    assert chosen[1] == "CPUExecutionProvider"
    assert providers.provider_list("cpu") == ["CPUExecutionProvider"]


def test_auto_without_cuda_is_the_cpu_and_probes_nothing() -> None:
    def probe(device: str) -> float:
        raise AssertionError("no probe without a CUDA provider")

    assert providers.decide_auto(["CPUExecutionProvider"], probe) == ("cpu", None)


def test_auto_takes_cuda_only_when_it_is_faster() -> None:
    offered = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    fast = {"cuda": 0.01, "cpu": 0.2}
    assert providers.decide_auto(offered, fast.__getitem__) == ("cuda", None)
    slow = {"cuda": 0.5, "cpu": 0.2}
    device, why = providers.decide_auto(offered, slow.__getitem__)
    assert device == "cpu" and why is not None and "500 ms" in why and "\n" not in why


def test_auto_falls_back_with_a_reason_when_cuda_fails() -> None:
    def probe(device: str) -> float:
        if device == "cuda":
            raise RuntimeError("libcudnn.so.9: cannot open shared object file\nmore")
        return 0.1

    device, why = providers.decide_auto(["CUDAExecutionProvider", "CPUExecutionProvider"], probe)
    assert device == "cpu" and why is not None
    assert "libcudnn.so.9" in why and "\n" not in why


def test_pick_device_says_why_once_and_remembers(monkeypatch: Any, caplog: Any) -> None:
    monkeypatch.setattr(
        providers, "available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    calls: list[str] = []

    def probe(options: EngineOptions, device: str) -> float:
        calls.append(device)
        return {"cuda": 1.0, "cpu": 0.1}[device]

    monkeypatch.setattr(pipeline, "_probe", probe)
    monkeypatch.setattr(pipeline, "_chosen", {})
    options = EngineOptions(pack_id="fake-pack")
    with caplog.at_level("WARNING"):
        assert pipeline.pick_device(options) == "cpu"
        assert pipeline.pick_device(options) == "cpu"
    assert calls == ["cuda", "cpu"]
    assert [r.getMessage() for r in caplog.records if "scanning on the CPU" in r.getMessage()]
    assert pipeline.pick_device(EngineOptions(device="cuda")) == "cuda"  # asked: no rule


def test_cpu_scan_uses_every_core_without_a_cap(monkeypatch: Any) -> None:
    monkeypatch.setattr(pipeline, "pick_device", lambda options: "cpu")
    plan = plan_scan(EngineOptions(threads=16))
    assert (plan.engines, plan.threads, plan.batch) == (16, 1, scan.CPU_BATCH)
    one_core = plan_scan(EngineOptions(threads=1))  # the app's default: the scan on one core
    assert (one_core.engines, one_core.decoders) == (1, 0)  # reads in its own engine thread
    assert plan_scan(EngineOptions(threads=16), workers=4).threads == 4
    with pytest.raises(ValueError, match="workers"):
        plan_scan(EngineOptions(), workers=0)


def test_cuda_scan_feeds_one_batched_engine_from_many_decoders(monkeypatch: Any) -> None:
    monkeypatch.setattr(pipeline, "pick_device", lambda options: "cuda")
    plan = plan_scan(EngineOptions(threads=16))
    assert (plan.decoders, plan.engines, plan.batch, plan.device) == (16, 2, 16, "cuda")
    assert plan_scan(EngineOptions(threads=2)).engines == 1
    assert plan_scan(EngineOptions(threads=16), workers=4, engines=1).decoders == 4


class _FakeEngine:
    """Records how photos arrive; one 'face' per photo, its vector the photo's grey level."""

    def __init__(self, device: str = "cpu") -> None:
        self.pack = SimpleNamespace(id="retinaface-sface")
        self.device = device
        self.batches: list[int] = []
        self.timings: dict[str, float] | None = None

    def _face(self, photo: DecodedPhoto) -> NewFace:
        v = np.zeros(128, np.float32)
        v[int(photo.pixels[0, 0, 0]) % 128] = 1.0
        return new_face(
            v, box=(1.0, 1.0, 10.0, 10.0), landmarks=[[2.0, 2.0]] * 5, quality=0.5, size_px=10.0,
            blur=1.0, norm=1.0,
        )  # fmt: skip

    def analyse(self, photo: DecodedPhoto) -> list[NewFace]:
        self.batches.append(1)
        return [self._face(photo)]

    def analyse_batch(self, photos: list[DecodedPhoto]) -> list[list[NewFace]]:
        self.batches.append(len(photos))
        return [[self._face(p)] for p in photos]


def _library(folder: Path, n: int) -> list[Path]:
    from PIL import Image

    folder.mkdir()
    out = []
    for i in range(n):
        path = folder / f"p{i:02d}.png"
        Image.new("RGB", (40, 30), (i, i, i)).save(path)
        out.append(path)
    (folder / "broken.jpg").write_bytes(b"not a photo")
    return out


def test_batched_scan_writes_every_photo_in_walk_order(tmp_path: Path) -> None:
    paths = _library(tmp_path / "lib", 21)
    fake = _FakeEngine("cuda")
    with Database(tmp_path / "t.db") as db:
        seen: list[str] = []
        summary = scan_library(
            db,
            [str(tmp_path / "lib")],
            ScanOptions(workers=4, batch=8, timings=True),
            engine=[fake],
            progress=lambda p: seen.append(p.current),
        )
        rows = FaceRepository(db).rows()
        stored = PhotoRepository(db).index()
    assert summary.processed == 21 and len(summary.skipped) == 1 and summary.faces_found == 21
    assert max(fake.batches) == 8 and sum(fake.batches) == 21
    assert [Path(p).name for p in seen[1:]] == sorted(Path(p).name for p in seen[1:])
    assert len(rows) == 21 and len(stored) == 22
    assert {"read+decode", "write", "wait"} <= set(summary.stage_seconds)
    # each photo got its own face back (the vector marks its grey level)
    by_path = {r.path: r for r in rows}
    assert set(by_path) == {str(p) for p in paths}


def test_a_stop_mid_scan_keeps_what_was_written(tmp_path: Path) -> None:
    _library(tmp_path / "lib", 12)
    fake = _FakeEngine("cuda")
    with Database(tmp_path / "t.db") as db:
        done = [0]

        def progress(p: scan.ScanProgress) -> None:
            done[0] = p.done

        summary = scan_library(
            db,
            [str(tmp_path / "lib")],
            ScanOptions(batch=4),
            engine=[fake],
            progress=progress,
            should_stop=lambda: done[0] >= 5,
        )
        stored = len(PhotoRepository(db).index())
    assert summary.cancelled and stored == 5


def test_cpu_scan_keeps_opencv_to_each_engines_share_of_the_cores(tmp_path: Path) -> None:
    import cv2

    _library(tmp_path / "lib", 6)
    engines = [_FakeEngine("cpu"), _FakeEngine("cpu")]
    during: list[int] = []
    for fake in engines:
        real = fake.analyse

        def analyse(photo: DecodedPhoto, real: Any = real) -> list[NewFace]:
            during.append(cv2.getNumThreads())
            return real(photo)

        fake.analyse = analyse  # type: ignore[method-assign]
    before = cv2.getNumThreads()
    with Database(tmp_path / "t.db") as db:
        summary = scan_library(
            db,
            [str(tmp_path / "lib")],
            ScanOptions(engine_options=EngineOptions(threads=6)),
            engine=engines,
        )
    assert summary.processed == 6
    assert set(during) == {3}  # 6 cores, 2 engines: OpenCV's pool is each engine's share
    assert cv2.getNumThreads() == before  # and as it was afterwards
