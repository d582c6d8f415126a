"""Scan throughput: FaceOrganizer end to end, its stages one by one, and OpenCV as a yardstick.

For each photo set (``snapshots``, ``celebrities``, ``12mp``) this runs, each in its own
subprocess so that peak memory is measured separately:

* ``ours``: ``scan_library`` into a fresh temporary database on the CPU (model loading timed
  apart): photos/s, faces/s, wall seconds, CPU utilisation, peak RSS;
* ``stages``: the same work done sequentially by hand, each stage timed (read, hash, decode,
  detect — split into resize/pad, inference and decoding of the outputs — align, quality,
  embed, write);
* ``yardstick``: OpenCV's own ``FaceDetectorYN`` + ``FaceRecognizerSF`` on the original ONNX
  files, one photo at a time: ``cv2.imread`` (full decode, EXIF applied), resize so the long side
  is 1280, detect (score ≥ 0.9), ``alignCrop`` + ``feature`` for each face.

Nothing is asserted; figures are printed as measured, with the load average. The ``12mp`` set is
made by ``make_12mp.py`` (outside the repository) when missing.

    .venv/bin/python benchmarks/scan_bench.py [--sets snapshots,celebrities,12mp] [--limit N]
                                              [--threads N] [--packs yunet-sface,retinaface-sface]

With several ``--packs``, ``ours`` and ``stages`` run for each pack back to back on the same
photos (the yardstick once per set), and the packs' throughput ratio is printed, since the
machine's load can change between runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MODELS = REPO / "models" / "yunet-sface"
YUNET_ONNX = MODELS / "face_detection_yunet_2023mar.onnx"
SFACE_ONNX = MODELS / "face_recognition_sface_2021dec.onnx"
DEFAULT_DATA = Path("/work/shared/data")
DEFAULT_12MP = Path("/tmp/faceorganizer-12mp")
ALL_SETS = ("snapshots", "celebrities", "12mp")
YARDSTICK_LONG_SIDE = 1280
YARDSTICK_SCORE = 0.9
RESULT_PREFIX = "RESULT "
STAGES = (
    "read",
    "hash",
    "decode",
    "detect",
    "align",
    "quality",
    "embed",
    "write",
    "other",
)
DETECT_PARTS = ("detect: resize/pad", "detect: inference", "detect: blob+outputs+nms")
YARD_STAGES = ("imread", "resize", "detect", "align+feature")


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 if sys.platform != "darwin" else rss / 1024.0 / 1024.0


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def emit(result: dict[str, Any]) -> None:
    """Hand a child's result to the parent on one stdout line."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- children ----------------------------------------------------------------------------------


def child_ours(root: str, threads: int | None, pack: str | None) -> dict[str, Any]:
    """scan_library end to end into a fresh temporary database."""
    from faceorganizer.core.faces.pipeline import EngineOptions, FaceEngine
    from faceorganizer.core.faces.scan import inference_workers, scan_library
    from faceorganizer.core.store.db import Database

    load_avg = os.getloadavg()
    t0 = time.perf_counter()
    # the product's layout: several photos at once, an engine each (see inference_workers)
    options = EngineOptions(pack_id=pack, device="cpu", threads=threads)
    workers, per_engine = inference_workers(options)
    options.threads = per_engine
    engines = [FaceEngine(options) for _ in range(workers)]
    engine = engines[0]
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="fo-bench-") as tmp:
        db = Database(Path(tmp) / "bench.db")
        c0, w0 = cpu_seconds(), time.perf_counter()
        summary = scan_library(db, [root], engine=engines)
        wall = time.perf_counter() - w0
        cpu = cpu_seconds() - c0
        db.close()
    return {
        "photos": summary.processed,
        "faces": summary.faces_found,
        "skipped": len(summary.skipped),
        "wall_s": wall,
        "load_s": load_s,
        "cpu_s": cpu,
        "util": cpu / wall / cores() if wall > 0 else 0.0,
        "peak_mb": peak_mb(),
        "device": engine.device,
        "loadavg": load_avg,
        "workers": workers,
    }


class _TimedSession:
    """Wraps an onnxruntime session so that the time spent in ``run`` is added up."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.seconds = 0.0

    def run(self, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return self._session.run(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def child_stages(files: list[str], threads: int | None, pack: str | None) -> dict[str, Any]:
    """The engine's stages done sequentially by hand, each timed (wall and CPU)."""
    import numpy as np

    from faceorganizer.core.faces.align import align_faces
    from faceorganizer.core.faces.pipeline import RETRY_LONG_SIDE, EngineOptions, FaceEngine
    from faceorganizer.core.faces.quality import assess
    from faceorganizer.core.photos.decode import DecodeError, decode_bytes
    from faceorganizer.core.photos.discover import display_path, raw_path
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository, NewFace
    from faceorganizer.core.store.photos import PhotoRepository

    load_avg = os.getloadavg()
    engine = FaceEngine(EngineOptions(pack_id=pack, device="cpu", threads=threads))
    detector: Any = engine.detector
    timed = _TimedSession(detector.session)
    detector.session = timed
    # time the detector's resize + pad where it happens (this process only)
    module = sys.modules[type(detector).__module__]
    prep = {"s": 0.0}
    real_padded_input = getattr(module, "padded_input")  # noqa: B009

    def timed_padded_input(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_padded_input(*a, **k)
        finally:
            prep["s"] += time.perf_counter() - t

    setattr(module, "padded_input", timed_padded_input)  # noqa: B010
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    n_photos = n_faces = n_retry = n_skipped = 0

    class clock:  # noqa: N801 - used as a context manager, reads like a statement
        def __init__(self, stage: str) -> None:
            self.stage = stage

        def __enter__(self) -> None:
            self.w, self.c = time.perf_counter(), time.process_time()

        def __exit__(self, *exc: object) -> None:
            wall[self.stage] += time.perf_counter() - self.w
            cpu[self.stage] += time.process_time() - self.c

    with tempfile.TemporaryDirectory(prefix="fo-bench-") as tmp:
        database = Database(Path(tmp) / "bench.db")
        photos, faces_repo = PhotoRepository(database), FaceRepository(database)
        in_txn = 0
        ctx = None
        c0, w0 = cpu_seconds(), time.perf_counter()
        for path in files:
            st = os.stat(path)
            with clock("read"), open(path, "rb") as fh:
                data = fh.read()
            with clock("hash"):
                digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            try:
                with clock("decode"):
                    d = decode_bytes(data)
            except DecodeError as exc:
                n_skipped += 1
                with clock("write"):
                    if ctx is None:
                        ctx = database.transaction()
                        ctx.__enter__()
                    photos.upsert(
                        raw_path=raw_path(path),
                        path=display_path(path),
                        size=st.st_size,
                        mtime_ns=st.st_mtime_ns,
                        content_hash=digest,
                        status="skipped",
                        reason=str(exc),
                    )
                continue
            pixels = d.pixels
            with clock("detect"):
                found = detector.detect(pixels)
                if len(found) == 0 and max(pixels.shape[:2]) > detector.long_side:
                    n_retry += 1
                    found = detector.detect(pixels, min(RETRY_LONG_SIDE, max(pixels.shape[:2])))
            new_faces: list[NewFace] = []
            if len(found):
                with clock("other"):
                    order = np.argsort(-(found.boxes[:, 2] * found.boxes[:, 3]), kind="stable")
                    boxes_w = found.boxes[order]
                    marks_w, scores = found.landmarks[order], found.scores[order]
                with clock("align"):
                    crops = align_faces(pixels, marks_w)
                with clock("other"):
                    boxes, marks = boxes_w * d.scale, marks_w * d.scale
                with clock("quality"):
                    quality = assess(boxes, marks, crops, scores)
                with clock("embed"):
                    vectors, norms = engine.embedder.embed(crops)
                with clock("other"):
                    for i in range(len(scores)):
                        x, y, w, h = (float(v) for v in boxes[i])
                        new_faces.append(
                            NewFace(
                                box=(x, y, w, h),
                                landmarks=[
                                    [round(float(a), 2), round(float(b), 2)] for a, b in marks[i]
                                ],
                                det_score=float(scores[i]),
                                quality=float(quality.score[i]),
                                size_px=float(quality.size_px[i]),
                                blur=float(quality.blur[i]),
                                yaw=float(quality.yaw[i]),
                                norm=float(norms[i]),
                                flags=int(quality.flags[i]),
                                embedding=vectors[i],
                            )
                        )
            with clock("write"):
                if ctx is None:
                    ctx = database.transaction()
                    ctx.__enter__()
                photo_id = photos.upsert(
                    raw_path=raw_path(path),
                    path=display_path(path),
                    size=st.st_size,
                    mtime_ns=st.st_mtime_ns,
                    content_hash=digest,
                    status="ok",
                    width=d.width,
                    height=d.height,
                    orientation=d.orientation,
                    taken_at=d.taken_at,
                    fmt=d.format,
                    pack_id=engine.pack.id,
                )
                faces_repo.replace_for_photo(photo_id, new_faces, engine.pack.id)
                in_txn += 1
                if in_txn >= 32:  # as the scan's writer does
                    ctx.__exit__(None, None, None)
                    ctx, in_txn = None, 0
            n_photos += 1
            n_faces += len(new_faces)
        with clock("write"):
            if ctx is not None:
                ctx.__exit__(None, None, None)
        total_wall = time.perf_counter() - w0
        total_cpu = cpu_seconds() - c0
        database.close()
    infer = timed.seconds
    parts = {
        "detect: resize/pad": prep["s"],
        "detect: inference": infer,
        "detect: blob+outputs+nms": max(0.0, wall["detect"] - infer - prep["s"]),
    }
    return {
        "photos": n_photos,
        "faces": n_faces,
        "skipped": n_skipped,
        "retries": n_retry,
        "wall": dict(wall),
        "cpu": dict(cpu),
        "detect_parts": parts,
        "total_wall_s": total_wall,
        "total_cpu_s": total_cpu,
        "peak_mb": peak_mb(),
        "loadavg": load_avg,
    }


def child_yardstick(files: list[str], threads: int | None) -> dict[str, Any]:
    """OpenCV's FaceDetectorYN + FaceRecognizerSF, one photo at a time, on the original files."""
    import cv2

    if threads:
        cv2.setNumThreads(threads)
    load_avg = os.getloadavg()
    t0 = time.perf_counter()
    detector = cv2.FaceDetectorYN.create(
        str(YUNET_ONNX), "", (320, 320), score_threshold=YARDSTICK_SCORE
    )
    recognizer = cv2.FaceRecognizerSF.create(str(SFACE_ONNX), "")
    load_s = time.perf_counter() - t0
    wall: dict[str, float] = defaultdict(float)
    n_photos = n_faces = n_skipped = 0
    c0, w0 = cpu_seconds(), time.perf_counter()
    for path in files:
        t = time.perf_counter()
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        wall["imread"] += time.perf_counter() - t
        if img is None:
            n_skipped += 1
            continue
        t = time.perf_counter()
        h, w = img.shape[:2]
        s = YARDSTICK_LONG_SIDE / max(h, w)
        size = (max(1, round(w * s)), max(1, round(h * s)))
        img = cv2.resize(img, size)
        wall["resize"] += time.perf_counter() - t
        t = time.perf_counter()
        detector.setInputSize(size)
        _, found = detector.detect(img)
        wall["detect"] += time.perf_counter() - t
        t = time.perf_counter()
        for face in found if found is not None else []:
            crop = recognizer.alignCrop(img, face)
            recognizer.feature(crop)
            n_faces += 1
        wall["align+feature"] += time.perf_counter() - t
        n_photos += 1
    total_wall = time.perf_counter() - w0
    cpu = cpu_seconds() - c0
    return {
        "photos": n_photos,
        "faces": n_faces,
        "skipped": n_skipped,
        "wall_s": total_wall,
        "load_s": load_s,
        "cpu_s": cpu,
        "util": cpu / total_wall / cores() if total_wall > 0 else 0.0,
        "cv2_threads": cv2.getNumThreads(),
        "wall": dict(wall),
        "peak_mb": peak_mb(),
        "loadavg": load_avg,
    }


# -- parent ------------------------------------------------------------------------------------


def set_files(name: str, data: Path, twelve: Path, twelve_count: int) -> tuple[str, list[str]]:
    """(root folder, photo files in scan order) of a named set."""
    from faceorganizer.core.photos.discover import walk_photos

    if name == "12mp":
        sys.path.insert(0, str(HERE))
        from make_12mp import ensure_12mp

        ensure_12mp(twelve, twelve_count)
        root = twelve
    else:
        root = data / name
    if not root.is_dir():
        raise SystemExit(f"set {name}: no folder {root}")
    return str(root), [f.path for f in walk_photos([str(root)])]


def run_child(
    kind: str, root: str, files: list[str], threads: int | None, pack: str | None = None
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"root": root, "files": files}, fh)
        spec = fh.name
    env = dict(os.environ)
    if threads:
        env["FACEORGANIZER_THREADS"] = str(threads)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--spec", spec]
    if threads:
        cmd += ["--threads", str(threads)]
    if pack:
        cmd += ["--pack", pack]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    finally:
        os.unlink(spec)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return dict(json.loads(line[len(RESULT_PREFIX) :]))
    raise RuntimeError(f"{kind} failed (rc {proc.returncode}):\n{proc.stderr[-3000:]}")


def limited_root(root: str, files: list[str], tmp: str) -> str:
    """A folder of symlinks to ``files`` (for --limit), so that scan_library sees only them."""
    folder = Path(tmp) / "photos"
    folder.mkdir()
    for i, f in enumerate(files):
        (folder / f"{i:05d}_{Path(f).name}").symlink_to(f)
    return str(folder)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table, columns right-aligned except the first."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        cells = [
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
            for i, c in enumerate(row)
        ]
        return " | ".join(cells)

    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(headers), sep, *(fmt(r) for r in rows)])


def rate(n: float, s: float) -> float:
    return n / s if s > 0 else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets", default=",".join(ALL_SETS), help="comma-separated: " + ", ".join(ALL_SETS)
    )
    parser.add_argument("--limit", type=int, default=None, help="photos per set (first N)")
    parser.add_argument(
        "--threads", type=int, default=None, help="onnxruntime intra-op (and OpenCV) threads"
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--twelve-dir", type=Path, default=DEFAULT_12MP, help="12mp set folder")
    parser.add_argument("--twelve-count", type=int, default=200, help="photos in the 12mp set")
    parser.add_argument(
        "--packs", default=None, help="comma-separated model pack ids (default: the default pack)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pack", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        spec = json.loads(Path(args.spec).read_text())
        if args.child == "ours":
            emit(child_ours(spec["root"], args.threads, args.pack))
        elif args.child == "stages":
            emit(child_stages(spec["files"], args.threads, args.pack))
        elif args.child == "yardstick":
            emit(child_yardstick(spec["files"], args.threads))
        else:
            raise SystemExit(f"unknown child {args.child}")
        return 0

    import cv2
    import onnxruntime

    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    for s in sets:
        if s not in ALL_SETS:
            raise SystemExit(f"unknown set {s!r}; choose from {', '.join(ALL_SETS)}")
    packs: list[str | None] = [p.strip() for p in (args.packs or "").split(",") if p.strip()]
    packs = packs or [None]
    la = os.getloadavg()
    print(
        f"scan_bench: {cores()} cores, load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} at start; "
        f"onnxruntime {onnxruntime.__version__}, OpenCV {cv2.__version__}, "
        f"threads {args.threads or 'default'}, limit {args.limit or 'none'}, "
        f"packs {', '.join(p or 'default' for p in packs)}",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    for name in sets:
        root, files = set_files(name, args.data, args.twelve_dir, args.twelve_count)
        if args.limit:
            files = files[: args.limit]
        with tempfile.TemporaryDirectory(prefix="fo-bench-set-") as tmp:
            scan_root = root if not args.limit else limited_root(root, files, tmp)
            yard: dict[str, Any] | None = None
            for pack in packs:
                label = name if len(packs) == 1 else f"{name} [{pack}]"
                res: dict[str, Any] = {"n": len(files)}
                for kind in ("ours", "stages", "yardstick"):
                    if kind == "yardstick" and yard is not None:
                        res[kind] = yard  # one yardstick per set: it does not use the packs
                        continue
                    la = os.getloadavg()
                    print(
                        f"[{label}] {kind}: {len(files)} photos (load {la[0]:.2f}) …",
                        end=" ",
                        flush=True,
                    )
                    res[kind] = run_child(kind, scan_root, files, args.threads, pack)
                    r = res[kind]
                    secs = r.get("wall_s", r.get("total_wall_s", 0.0))
                    print(
                        f"{secs:.1f} s, {r['photos']} photos, {r['faces']} faces, "
                        f"{rate(r['photos'], secs):.2f} photos/s",
                        flush=True,
                    )
                yard = res["yardstick"]
                results[label] = res
            if len(packs) > 1:
                first = results[f"{name} [{packs[0]}]"]["ours"]
                base = rate(first["photos"], first["wall_s"])
                for pack in packs[1:]:
                    o = results[f"{name} [{pack}]"]["ours"]
                    print(
                        f"[{name}] ours photos/s {pack} / {packs[0]}: "
                        f"{rate(rate(o['photos'], o['wall_s']), base):.2f}",
                        flush=True,
                    )

    print()
    print("== throughput (CPU; model loading excluded, reported below) ==")
    rows = []
    for name, r in results.items():
        o, y = r["ours"], r["yardstick"]
        ours_ps, yard_ps = rate(o["photos"], o["wall_s"]), rate(y["photos"], y["wall_s"])
        rows.append(
            [
                name,
                f"{ours_ps:.2f}",
                f"{rate(o['faces'], o['wall_s']):.2f}",
                f"{yard_ps:.2f}",
                f"{rate(ours_ps, yard_ps):.2f}",
                f"{o['peak_mb']:.0f}",
            ]
        )
    print(
        table(
            ["set", "ours photos/s", "ours faces/s", "yardstick photos/s", "ratio", "peak MB"],
            rows,
        )
    )

    print()
    print("== details ==")
    rows = []
    for name, r in results.items():
        o, y, s = r["ours"], r["yardstick"], r["stages"]
        rows.append(
            [
                name,
                str(o["photos"]),
                str(o["faces"]),
                f"{o['wall_s']:.1f}",
                f"{o['load_s']:.2f}",
                f"{100 * o['util']:.0f}%",
                f"{o['loadavg'][0]:.2f}",
                f"{rate(s['photos'], s['total_wall_s']):.2f}",
                str(y["faces"]),
                f"{rate(y['faces'], y['wall_s']):.2f}",
                f"{y['wall_s']:.1f}",
                f"{100 * y['util']:.0f}%",
                f"{y['peak_mb']:.0f}",
            ]
        )
    print(
        table(
            [
                "set",
                "photos",
                "ours faces",
                "ours wall s",
                "ours load s",
                "ours CPU",
                "load avg",
                "seq stages photos/s",
                "yard faces",
                "yard faces/s",
                "yard wall s",
                "yard CPU",
                "yard peak MB",
            ],
            rows,
        )
    )
    print(
        "CPU = process CPU time / wall / cores; load avg = 1-min load average when 'ours' started;"
        " seq stages = the stages below run one after another in one thread of Python."
    )

    print()
    print("== per-stage time of our pipeline, run sequentially (wall s, share of total, CPU s) ==")
    names = list(results)
    rows = []
    for stage in STAGES:
        row = [stage]
        for name in names:
            s = results[name]["stages"]
            w = s["wall"].get(stage, 0.0)
            c = s["cpu"].get(stage, 0.0)
            row.append(f"{w:6.2f} s {100 * w / s['total_wall_s']:5.1f}% (cpu {c:6.2f})")
        rows.append(row)
    for part in DETECT_PARTS:
        row = ["  " + part]
        for name in names:
            s = results[name]["stages"]
            w = s["detect_parts"][part]
            row.append(f"{w:6.2f} s {100 * w / s['total_wall_s']:5.1f}%            ")
        rows.append(row)
    total_row, ms_row, count_row = ["total"], ["ms per photo / face"], ["photos/faces/retried"]
    for name in names:
        s = results[name]["stages"]
        total_row.append(f"{s['total_wall_s']:6.2f} s 100.0% (cpu {s['total_cpu_s']:6.2f})")
        ms_row.append(
            f"{1000 * rate(s['total_wall_s'], s['photos']):.1f} / "
            f"{1000 * rate(s['wall'].get('embed', 0.0), s['faces']):.1f} embed"
        )
        count_row.append(f"{s['photos']} / {s['faces']} / {s['retries']}")
    rows += [total_row, ms_row, count_row]
    print(table(["stage", *names], rows))

    print()
    print("== yardstick stages (wall s, share) ==")
    rows = []
    for stage in YARD_STAGES:
        row = [stage]
        for name in names:
            y = results[name]["yardstick"]
            w = y["wall"].get(stage, 0.0)
            row.append(f"{w:7.2f} s {100 * w / y['wall_s']:5.1f}%")
        rows.append(row)
    rows.append(["cv2 threads", *(str(results[n]["yardstick"]["cv2_threads"]) for n in names)])
    print(table(["stage", *names], rows))
    la = os.getloadavg()
    print(f"\nload average at end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
