"""Scan throughput: FaceOrganizer end to end, its stages one by one, and OpenCV as a yardstick.

For each photo set (``snapshots``, ``celebrities``, ``12mp``) this runs, each in its own
subprocess so that peak memory is measured separately:

* ``ours``: ``scan_library`` into a fresh temporary database on ``--device`` with the product's
  layout (``plan_scan``: decode threads, engines, batches; model loading timed apart):
  photos/s, faces/s, wall seconds, CPU utilisation, peak RSS, the pipeline's own per-stage
  seconds (``timings=True``) and, where ``nvidia-smi`` exists, the GPU's busy share;
* ``stages``: the scan's own pieces (``scan._read``, ``FaceEngine.analyse``,
  ``scan.store_loaded`` and the scan's writer, imported, not copied) called one photo after
  another, each timed (read+hash+decode, detect — split into resize/pad, inference and
  decoding of the outputs — align, quality, embed, write);
* ``yardstick``: OpenCV's own ``FaceDetectorYN`` + ``FaceRecognizerSF`` on the original ONNX
  files, one photo at a time: ``cv2.imread`` (full decode, EXIF applied), resize so the long side
  is 1280, detect (score ≥ 0.9), ``alignCrop`` + ``feature`` for each face.

Nothing is asserted; figures are printed as measured, with the load average. The ``12mp`` set is
made by ``make_12mp.py`` (outside the repository) when missing.

    .venv/bin/python benchmarks/scan_bench.py [--sets snapshots,celebrities,12mp] [--limit N]
                                              [--threads N] [--packs yunet-sface,retinaface-sface]
                                              [--device cpu|cuda|auto] [--workers N]
                                              [--scaling 1,2,4,8,16] [--only ours]

``--scaling`` runs ``ours`` once per worker count (threads = workers, one per engine on the CPU;
decode threads on CUDA) and prints photos/s against workers. With ``--device cuda`` the CPU and
CUDA faces of a few photos are compared (per face cosine, box difference).

With several ``--packs``, ``ours`` and ``stages`` run for each pack back to back on the same
photos (the yardstick once per set), and the packs' throughput ratio is printed, since the
machine's load can change between runs.
"""

from __future__ import annotations

import argparse
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
YUNET_ONNX = "yunet-sface/face_detection_yunet_2023mar.onnx"  # under the models folder
SFACE_ONNX = "yunet-sface/face_recognition_sface_2021dec.onnx"
DEFAULT_DATA = REPO.parent / "shared" / "data"  # ../shared/data beside the checkout
DEFAULT_12MP = Path("/tmp/faceorganizer-12mp")
ALL_SETS = ("snapshots", "celebrities", "12mp")
YARDSTICK_LONG_SIDE = 1280
YARDSTICK_SCORE = 0.9
RESULT_PREFIX = "RESULT "
NO_SMALL_FACES_ENV = "FACEORGANIZER_BENCH_NO_SMALL_FACES"  # handed to the children
STAGES = (
    "read+decode",
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


class GpuSampler:
    """Samples ``nvidia-smi``'s GPU utilisation every 200 ms while a scan runs (if present)."""

    def __init__(self) -> None:
        import shutil

        self.proc: subprocess.Popen[str] | None = None
        if shutil.which("nvidia-smi"):
            self.proc = subprocess.Popen(
                [
                    "nvidia-smi",
                    "--query-gpu=utilization.gpu",
                    "--format=csv,noheader,nounits",
                    "-lms",
                    "200",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )

    def stop(self) -> dict[str, float] | None:
        """Mean utilisation and the share of samples with the GPU busy; None without a GPU."""
        if self.proc is None:
            return None
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        samples = [float(x) for x in out.split() if x.replace(".", "", 1).isdigit()]
        if not samples:
            return None
        return {
            "mean_util": sum(samples) / len(samples),
            "busy_share": sum(1 for x in samples if x > 0) / len(samples),
            "samples": float(len(samples)),
        }


def child_ours(
    root: str,
    threads: int | None,
    pack: str | None,
    device: str,
    workers: int | None,
    engines: int | None = None,
) -> dict[str, Any]:
    """scan_library end to end into a fresh temporary database, with the product's layout."""
    import dataclasses

    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.faces.scan import ScanOptions, plan_scan, scan_library
    from faceorganizer.core.records import EngineOptions
    from faceorganizer.core.store.db import Database

    load_avg = os.getloadavg()
    t0 = time.perf_counter()
    options = EngineOptions(pack_id=pack, device=device, threads=threads)
    if os.environ.get(NO_SMALL_FACES_ENV):  # --no-small-faces: scan --no-small-faces
        options = dataclasses.replace(options, small_faces=False)
    plan = plan_scan(options, workers, engines)  # scan_library's layout; models loaded here
    per_engine = dataclasses.replace(options, device=plan.device, threads=plan.threads)
    loaded = [FaceEngine(per_engine) for _ in range(plan.engines)]
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="fo-bench-") as tmp:
        db = Database(Path(tmp) / "bench.db")
        gpu = GpuSampler() if plan.device == "cuda" else None
        c0, w0 = cpu_seconds(), time.perf_counter()
        summary = scan_library(
            db,
            [root],
            ScanOptions(workers=plan.decoders, batch=plan.batch, timings=True),
            engine=loaded,
        )
        wall = time.perf_counter() - w0
        cpu = cpu_seconds() - c0
        busy = gpu.stop() if gpu else None
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
        "device": summary.device,
        "loadavg": load_avg,
        "workers": plan.engines,
        "decoders": plan.decoders,
        "batch": plan.batch,
        "threads": plan.threads,
        "stage_s": summary.stage_seconds,
        "gpu": busy,
    }


def child_agree(files: list[str], pack: str | None) -> dict[str, Any]:
    """The faces of a few photos on the CPU and on CUDA: worst cosine, largest box difference."""
    import numpy as np

    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.decode import decode_bytes
    from faceorganizer.core.records import EngineOptions

    cpu = FaceEngine(EngineOptions(pack_id=pack, device="cpu"))
    gpu = FaceEngine(EngineOptions(pack_id=pack, device="cuda"))
    photos = [decode_bytes(Path(f).read_bytes(), name=f) for f in files[:32]]
    on_cpu = [cpu.analyse(p) for p in photos]
    on_gpu = gpu.analyse_batch(photos)
    worst_cos, worst_px, faces, count_mismatch = 1.0, 0.0, 0, 0
    for a_faces, b_faces in zip(on_cpu, on_gpu, strict=True):
        if len(a_faces) != len(b_faces):
            count_mismatch += 1
            continue
        for a, b in zip(a_faces, b_faces, strict=True):
            worst_cos = min(worst_cos, float(np.dot(a.embedding, b.embedding)))
            worst_px = max(worst_px, float(np.abs(np.subtract(a.box, b.box)).max()))
            faces += 1
    return {
        "photos": len(photos),
        "faces": faces,
        "worst_cosine": worst_cos,
        "worst_box_px": worst_px,
        "photos_with_other_face_count": count_mismatch,
        "gpu_device": gpu.device,
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
    """The scan's own pieces called one photo after another in one thread, each timed."""
    from faceorganizer.core.faces import scan
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.photos.discover import FoundFile
    from faceorganizer.core.records import EngineOptions
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository
    from faceorganizer.core.store.photos import PhotoRepository

    load_avg = os.getloadavg()
    engine = FaceEngine(EngineOptions(pack_id=pack, device="cpu", threads=threads))
    engine.timings = {}  # detect, align, quality, embed: added up by the engine itself
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
    n_photos = n_faces = n_skipped = 0

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
        writer = scan._Writer(database)  # the scan's own transaction batching
        c0, w0 = cpu_seconds(), time.perf_counter()
        for path in files:
            st = os.stat(path)
            found = FoundFile(path, st.st_size, st.st_mtime_ns)
            with clock("read+decode"):
                loaded = scan._read(found, {})
            if loaded.decoded is None:
                n_skipped += 1
            else:
                with clock("analyse"):
                    loaded.faces = engine.analyse(loaded.decoded)
                n_photos += 1
                n_faces += len(loaded.faces)
            with clock("write"):
                writer.begin()
                scan.store_loaded(photos, faces_repo, loaded, engine, set())
                writer.wrote_one()
        with clock("write"):
            writer.flush()
        total_wall = time.perf_counter() - w0
        total_cpu = cpu_seconds() - c0
        database.close()
    # the engine's own clocks split "analyse"; what they do not cover is bookkeeping
    for stage, secs in engine.timings.items():
        wall[stage] = secs
    wall["other"] = max(0.0, wall.pop("analyse", 0.0) - sum(engine.timings.values()))
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

    from faceorganizer.core.models.manifest import models_root

    if threads:
        cv2.setNumThreads(threads)
    load_avg = os.getloadavg()
    t0 = time.perf_counter()
    detector = cv2.FaceDetectorYN.create(
        str(models_root() / YUNET_ONNX), "", (320, 320), score_threshold=YARDSTICK_SCORE
    )
    recognizer = cv2.FaceRecognizerSF.create(str(models_root() / SFACE_ONNX), "")
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
    kind: str,
    root: str,
    files: list[str],
    threads: int | None,
    pack: str | None = None,
    device: str = "cpu",
    workers: int | None = None,
    engines: int | None = None,
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"root": root, "files": files}, fh)
        spec = fh.name
    env = dict(os.environ)
    if threads:
        env["FACEORGANIZER_THREADS"] = str(threads)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--spec", spec]
    cmd += ["--device", device]
    if engines:
        cmd += ["--engines", str(engines)]
    if threads:
        cmd += ["--threads", str(threads)]
    if workers:
        cmd += ["--workers", str(workers)]
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
    parser.add_argument(
        "--device", default="cpu", choices=["cpu", "cuda", "auto"], help="where 'ours' runs"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="engines on the CPU, decode threads on CUDA"
    )
    parser.add_argument(
        "--engines", type=int, default=None, help="inference engines on CUDA (default: plan)"
    )
    parser.add_argument(
        "--scaling", default=None, help="comma-separated worker counts: a photos/s table"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated: ours, stages, yardstick (default: all)"
    )
    parser.add_argument(
        "--no-small-faces",
        action="store_true",
        help="ours without the second look for small faces (scan --no-small-faces)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pack", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.no_small_faces:
        os.environ[NO_SMALL_FACES_ENV] = "1"

    if args.child:
        spec = json.loads(Path(args.spec).read_text())
        if args.child == "ours":
            emit(
                child_ours(
                    spec["root"], args.threads, args.pack, args.device, args.workers, args.engines
                )
            )
        elif args.child == "agree":
            emit(child_agree(spec["files"], args.pack))
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
    kinds = [k.strip() for k in (args.only or "ours,stages,yardstick").split(",") if k.strip()]
    for k in kinds:
        if k not in ("ours", "stages", "yardstick"):
            raise SystemExit(f"unknown measurement {k!r}; choose from ours, stages, yardstick")
    scaling = [int(w) for w in args.scaling.split(",")] if args.scaling else []
    if any(w < 1 for w in scaling) or (args.workers is not None and args.workers < 1):
        raise SystemExit("worker counts must be at least 1")
    results: dict[str, dict[str, Any]] = {}
    scaled: dict[str, list[dict[str, Any]]] = {}
    agree: dict[str, dict[str, Any]] = {}
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
                for kind in kinds:
                    if kind == "yardstick" and yard is not None:
                        res[kind] = yard  # one yardstick per set: it does not use the packs
                        continue
                    res[kind] = measure(kind, label, scan_root, files, args, pack)
                yard = res.get("yardstick")
                results[label] = res
                for n in scaling:
                    scaled.setdefault(label, []).append(
                        measure("ours", label, scan_root, files, args, pack, workers=n)
                    )
                if args.device == "cuda":
                    agree[label] = run_child("agree", scan_root, files, None, pack, "cuda")
            if len(packs) > 1 and "ours" in kinds:
                first = results[f"{name} [{packs[0]}]"]["ours"]
                base = rate(first["photos"], first["wall_s"])
                for pack in packs[1:]:
                    o = results[f"{name} [{pack}]"]["ours"]
                    print(
                        f"[{name}] ours photos/s {pack} / {packs[0]}: "
                        f"{rate(rate(o['photos'], o['wall_s']), base):.2f}",
                        flush=True,
                    )
    if "ours" in kinds:
        report_ours(results, args.device)
    if scaled:
        report_scaling(scaled)
    for label, a in agree.items():
        print(
            f"\n[{label}] CPU vs CUDA on {a['photos']} photos ({a['faces']} faces, CUDA engine on"
            f" {a['gpu_device']}): worst cosine {a['worst_cosine']:.5f}, largest box difference"
            f" {a['worst_box_px']:.2f} px, photos with another face count"
            f" {a['photos_with_other_face_count']}"
        )
    if "stages" in kinds:
        report_stages(results)
    if "yardstick" in kinds:
        report_yardstick(results)
    la = os.getloadavg()
    print(f"\nload average at end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    return 0


def measure(
    kind: str,
    label: str,
    root: str,
    files: list[str],
    args: argparse.Namespace,
    pack: str | None,
    workers: int | None = None,
) -> dict[str, Any]:
    """One child run, announced and summed up on one line."""
    la = os.getloadavg()
    workers = workers or args.workers
    threads = args.threads
    if kind == "ours" and workers and args.device != "cuda":
        threads = threads or workers  # on the CPU the budget follows the worker count
    what = f"{kind} ({workers} workers)" if kind == "ours" and workers else kind
    print(f"[{label}] {what}: {len(files)} photos (load {la[0]:.2f}) …", end=" ", flush=True)
    device = args.device if kind == "ours" else "cpu"
    ours = kind == "ours"
    r = run_child(kind, root, files, threads, pack, device, workers if ours else None, args.engines)
    secs = r.get("wall_s", r.get("total_wall_s", 0.0))
    print(
        f"{secs:.1f} s, {r['photos']} photos, {r['faces']} faces, "
        f"{rate(r['photos'], secs):.2f} photos/s",
        flush=True,
    )
    r["loadavg_before"] = la
    return r


def report_ours(results: dict[str, dict[str, Any]], device: str) -> None:
    """photos/s of the product's scan, its layout, its stages and the GPU's busy share."""
    print()
    print(f"== throughput of the scan on {device} (model loading excluded, reported below) ==")
    rows = []
    for name, r in results.items():
        o = r["ours"]
        y = r.get("yardstick")
        ours_ps = rate(o["photos"], o["wall_s"])
        yard_ps = rate(y["photos"], y["wall_s"]) if y else 0.0
        gpu = o.get("gpu")
        rows.append(
            [
                name,
                f"{ours_ps:.2f}",
                f"{1000 * o['cpu_s'] / max(1, o['photos']):.1f}",
                f"{rate(o['faces'], o['wall_s']):.2f}",
                f"{yard_ps:.2f}" if y else "-",
                f"{rate(ours_ps, yard_ps):.2f}" if y else "-",
                f"{o['wall_s']:.1f}",
                f"{o['load_s']:.2f}",
                f"{100 * o['util']:.0f}%",
                f"{o['decoders']}/{o['workers']}x{o['threads'] or '-'}/{o['batch']}",
                o["device"],
                f"{100 * gpu['busy_share']:.0f}% ({gpu['mean_util']:.0f}%)" if gpu else "n/a",
                f"{o['loadavg'][0]:.2f}",
                f"{o['peak_mb']:.0f}",
            ]
        )
    print(
        table(
            [
                "set",
                "photos/s",
                "CPU ms/photo",
                "faces/s",
                "yardstick photos/s",
                "ratio",
                "wall s",
                "load s",
                "CPU",
                "decode/engines x threads/batch",
                "device",
                "GPU busy (mean util)",
                "load avg",
                "peak MB",
            ],
            rows,
        )
    )
    print(
        "CPU ms/photo = the scan's process CPU time (user + system, all threads) a photo:"
        " steadier than photos/s on a shared machine; CPU = process CPU time / wall / cores;"
        " GPU busy = share of 200 ms nvidia-smi samples with the GPU working (n/a: no nvidia-smi)."
    )
    print()
    print("== the scan's own stage seconds (added over its threads; wait = writer idle) ==")
    names = list(results)
    stages = sorted({k for n in names for k in results[n]["ours"]["stage_s"]})
    rows = []
    for stage in stages:
        row = [stage]
        for n in names:
            o = results[n]["ours"]
            secs = o["stage_s"].get(stage, 0.0)
            row.append(f"{secs:7.2f} s  {1000 * rate(secs, o['photos']):6.1f} ms/photo")
        rows.append(row)
    print(table(["stage", *names], rows))


def report_scaling(scaled: dict[str, list[dict[str, Any]]]) -> None:
    """photos/s against the number of workers."""
    print()
    print("== scaling: photos/s by workers (CPU: engines, one thread each; CUDA: decoders) ==")
    rows = []
    for name, runs in scaled.items():
        base = rate(runs[0]["photos"], runs[0]["wall_s"])
        for o in runs:
            ps = rate(o["photos"], o["wall_s"])
            rows.append(
                [
                    name,
                    str(o["workers"] if o["device"] != "cuda" else o["decoders"]),
                    f"{ps:.2f}",
                    f"{rate(ps, base):.2f}",
                    f"{100 * o['util']:.0f}%",
                    f"{o['loadavg_before'][0]:.2f}",
                    f"{o['peak_mb']:.0f}",
                ]
            )
    print(table(["set", "workers", "photos/s", "vs first", "CPU", "load avg", "peak MB"], rows))


def report_stages(results: dict[str, dict[str, Any]]) -> None:
    """The sequential stage table."""
    print()
    print("== per-stage time of our pipeline, run sequentially (wall s, share of total, CPU s) ==")
    names = [n for n in results if "stages" in results[n]]
    rows = []
    for stage in STAGES:
        row = [stage]
        for name in names:
            s = results[name]["stages"]
            w = s["wall"].get(stage, 0.0)
            c = s["cpu"].get(stage, 0.0)
            share = 100 * w / s["total_wall_s"]
            row.append(f"{w:6.2f} s {share:5.1f}%" + (f" (cpu {c:6.2f})" if c else " " * 13))
        rows.append(row)
    for part in DETECT_PARTS:
        row = ["  " + part]
        for name in names:
            s = results[name]["stages"]
            w = s["detect_parts"][part]
            row.append(f"{w:6.2f} s {100 * w / s['total_wall_s']:5.1f}%" + " " * 13)
        rows.append(row)
    total_row, ms_row, count_row = ["total"], ["ms per photo / face"], ["photos/faces"]
    for name in names:
        s = results[name]["stages"]
        total_row.append(f"{s['total_wall_s']:6.2f} s 100.0% (cpu {s['total_cpu_s']:6.2f})")
        ms_row.append(
            f"{1000 * rate(s['total_wall_s'], s['photos']):.1f} / "
            f"{1000 * rate(s['wall'].get('embed', 0.0), s['faces']):.1f} embed"
        )
        count_row.append(f"{s['photos']} / {s['faces']}")
    rows += [total_row, ms_row, count_row]
    print(table(["stage", *names], rows))
    print("detect, align, quality, embed: the engine's own clocks; other: the rest of analyse.")


def report_yardstick(results: dict[str, dict[str, Any]]) -> None:
    """OpenCV's loop, stage by stage."""
    print()
    print("== yardstick stages (wall s, share) ==")
    names = [n for n in results if "yardstick" in results[n]]
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


if __name__ == "__main__":
    sys.exit(main())
