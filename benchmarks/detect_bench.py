"""Detection benchmark: recall by face size on composed group photos, false faces on photos
with no person, and time per photo, for each model pack and OpenCV's own YuNet.

The photos are composed at run time from the shared photos by ``tests/detect_corpus.py`` (the
golden tests use the same generator): group photos of many different people's faces pasted at
40–250 px on face-free parts of shared photos upscaled to 12–24 MP, and no-person images
(face-free strips of shared photos, fabric textures, and any folder of photos given with
``--extra``, e.g. scikit-image's CC0 / public-domain sample photos; see docs/detection.md).

Each image is written as a JPEG (quality 92) and goes through the scan's own path: the file's
bytes decoded by ``decode_bytes`` (DCT scaling of large JPEGs included) and
``FaceEngine.analyse``; boxes are compared in full-resolution pixels. A detection matches a
true face at IoU ≥ 0.5 (one to one, best first). ``fp/img`` counts detections matching no true
face; ``kept`` counts only faces a user sees by default (not flagged ``doubtful``).
The yardstick runs ``cv2.FaceDetectorYN`` (score ≥ 0.9) on ``cv2.imread`` pixels at full
resolution and at 1280 px on the long side.

    .venv/bin/python benchmarks/detect_bench.py [--groups 8] [--faces 30] [--strips 10]
        [--textures 10] [--extra DIR] [--packs retinaface-sface,yunet-sface] [--threads 2]
        [--no-yardstick] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests/detect_corpus.py: the generator the golden tests share

from tests import detect_corpus as corpus  # noqa: E402

DEFAULT_EXTRA = Path("/tmp/faceorganizer-skimage-data")


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _write(images: list[corpus.Composed], folder: Path) -> list[Path]:
    import cv2

    paths = []
    for c in images:
        p = folder / f"{c.name}.jpg"
        cv2.imwrite(str(p), c.pixels, [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(p)
    return paths


def run_pack(pack: str, paths: list[Path], threads: int) -> list[dict[str, Any]]:
    """Per image: boxes, doubtful mask, seconds (decode + analyse), decoded size."""
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import decode_bytes
    from faceorganizer.core.records import EngineOptions

    flag = _doubtful_bit()
    engine = FaceEngine(EngineOptions(pack_id=pack, device="cpu", threads=threads))
    out = []
    for p in paths:
        data = p.read_bytes()
        start, cpu = time.perf_counter(), time.process_time()
        photo = decode_bytes(data, name=str(p))
        faces = engine.analyse(photo)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        boxes = np.asarray([f.box for f in faces], np.float32).reshape(-1, 4)
        doubtful = np.asarray([bool(f.flags & flag) for f in faces], bool)
        out.append(
            {
                "boxes": boxes,
                "doubtful": doubtful,
                "s": seconds,
                "cpu": cpu,
                "seen": photo.pixels.shape[:2],
            }
        )
    return out


def _doubtful_bit() -> int:
    from faceorganizer.core.store import faces as store_faces

    return int(getattr(store_faces, "FLAG_DOUBTFUL", 0))


def run_yunet(paths: list[Path], long_side: int | None) -> list[dict[str, Any]]:
    """OpenCV's own FaceDetectorYN on the original ONNX file, at full size or ``long_side``."""
    import cv2

    det = cv2.FaceDetectorYN.create(str(corpus.YUNET_ONNX), "", (320, 320), 0.9)
    out = []
    for p in paths:
        start = time.perf_counter()
        image = cv2.imread(str(p))
        h, w = image.shape[:2]
        k = 1.0 if long_side is None else min(1.0, long_side / max(h, w))
        small = image if k == 1.0 else cv2.resize(image, (round(w * k), round(h * k)))
        det.setInputSize((small.shape[1], small.shape[0]))
        _, found = det.detect(small)
        seconds = time.perf_counter() - start
        boxes = np.zeros((0, 4), np.float32) if found is None else found[:, :4] / k
        out.append(
            {
                "boxes": boxes.astype(np.float32),
                "doubtful": np.zeros(len(boxes), bool),
                "s": seconds,
                "seen": small.shape[:2],
            }
        )
    return out


def score(
    images: list[corpus.Composed], results: list[dict[str, Any]], kept_only: bool
) -> dict[str, Any]:
    """Recall per size band, false positives per image on group and no-person images."""
    hits = np.zeros(len(corpus.BANDS), int)
    totals = np.zeros(len(corpus.BANDS), int)
    fp_group = fp_none = n_group = n_none = 0
    for img, r in zip(images, results, strict=True):
        boxes = r["boxes"][~r["doubtful"]] if kept_only else r["boxes"]
        hit, fp = corpus.match(img.boxes, boxes)
        for box, h in zip(img.boxes, hit, strict=True):
            b = corpus.band_of(float(max(box[2], box[3])))
            if b >= 0:
                totals[b] += 1
                hits[b] += int(h)
        if len(img.boxes):
            fp_group += fp
            n_group += 1
        else:
            fp_none += fp
            n_none += 1
    return {
        "recall": {corpus.band_name(i): (int(hits[i]), int(totals[i])) for i in range(len(hits))},
        "found": int(hits.sum()),
        "faces": int(totals.sum()),
        "fp_group": fp_group / max(n_group, 1),
        "fp_none": fp_none / max(n_none, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=8, help="group photos (4 size bands)")
    parser.add_argument("--faces", type=int, default=30, help="faces per group photo")
    parser.add_argument("--strips", type=int, default=10, help="face-free strips of snapshots")
    parser.add_argument("--textures", type=int, default=10)
    parser.add_argument("--extra", type=Path, default=DEFAULT_EXTRA, help="no-person photos")
    parser.add_argument("--packs", default="retinaface-sface,yunet-sface")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-yardstick", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)

    print(f"load average before: {_load()}", flush=True)
    t0 = time.perf_counter()
    groups = corpus.group_set(args.groups, args.faces)
    none = corpus.no_person_set(args.strips, args.textures)
    if args.extra.is_dir():
        none += corpus.image_folder(args.extra)
    images = groups + none
    print(
        f"composed {len(groups)} group photos ({sum(len(g.boxes) for g in groups)} faces) and"
        f" {len(none)} no-person images in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="faceorganizer-detect-") as tmp:
        paths = _write(images, Path(tmp))
        for pack in [p for p in args.packs.split(",") if p]:
            runs[pack] = run_pack(pack, paths, args.threads)
            print(f"ran {pack} (load {_load()})", flush=True)
        if not args.no_yardstick:
            runs["cv2 YuNet full"] = run_yunet(paths, None)
            runs["cv2 YuNet 1280"] = run_yunet(paths, 1280)
            print(f"ran yardstick (load {_load()})", flush=True)

    bands = [corpus.band_name(i) for i in range(len(corpus.BANDS))]
    head = "| detector | " + " | ".join(f"recall {b} px" for b in bands)
    head += " | all | FP/img group | FP/img no-person | s/photo (group) | photos/s |"
    head += " CPU s/photo (group) | CPU s/image (no-person) |"
    print("\n" + head)
    print("|" + "---|" * (head.count("|") - 1))
    figures: dict[str, Any] = {"load": _load()}
    group_n = len(groups)
    for name, results in runs.items():
        variants = [(name, False)]
        if results and any(r["doubtful"].any() for r in results):
            variants = [(f"{name} (all)", False), (f"{name} (kept)", True)]
        for label, kept in variants:
            s = score(images, results, kept)
            secs = [r["s"] for r in results[:group_n]]
            all_secs = sum(r["s"] for r in results)
            cells = [f"{h}/{t} ({h / max(t, 1):.2f})" for h, t in s["recall"].values()]
            print(
                f"| {label} | "
                + " | ".join(cells)
                + f" | {s['found']}/{s['faces']} | {s['fp_group']:.2f} | {s['fp_none']:.2f}"
                + f" | {np.mean(secs):.2f} | {len(results) / all_secs:.2f} |"
                + f" {_mean_cpu(results[:group_n])} | {_mean_cpu(results[group_n:])} |"
            )
            figures[label] = {**s, "s_per_group_photo": float(np.mean(secs))}
    seen = {r["seen"] for r in runs[next(iter(runs))][:group_n]} if runs else set()
    print(f"\ndecoded sizes the detector saw (group photos): {sorted(seen)}")
    print(f"load average after: {_load()}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


def _mean_cpu(results: list[dict[str, Any]]) -> str:
    """Mean CPU seconds (user + system, all threads) of the images timed by CPU, else '-'."""
    cpu = [r["cpu"] for r in results if "cpu" in r]
    return f"{np.mean(cpu):.2f}" if cpu else "-"


if __name__ == "__main__":
    raise SystemExit(main())
