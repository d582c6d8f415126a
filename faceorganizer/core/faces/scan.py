"""A scan: walk the library, process what is new or changed, forget what is gone.

Resumable by construction: a photo's row and its faces are written in one transaction, and a
photo whose path, size and modification time are already stored is not read again. A killed
scan therefore resumes where it stopped, without duplicates.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from faceorganizer.core.faces.engines import EngineCache
from faceorganizer.core.faces.forget import forget_gone, record_walk, sort_missing
from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.faces.scan_read import (
    UNREADABLE,
    Loaded,
    decoded_result,
    read_photo,
    timed_read,
)
from faceorganizer.core.faces.scan_write import Writer
from faceorganizer.core.models.providers import opencv_threads, thread_budget
from faceorganizer.core.photos.discover import (
    FoundFile,
    ListedFolder,
    WalkProblem,
    display_path,
    raw_path,
    under_any,
    walk_photos,
)
from faceorganizer.core.photos.taken import DateSource
from faceorganizer.core.records import EngineOptions
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository
from faceorganizer.core.store.photos import PhotoRepository, PhotoRow

if TYPE_CHECKING:
    from faceorganizer.core.metadata.names import RegionCounts


class NameImporter(Protocol):
    """Names from the metadata of photos just stored (``core.metadata.names.import_names``)."""

    def __call__(
        self, database: Database, photo_ids: list[int], *, engine: FaceEngine | None
    ) -> Any: ...


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanOptions:
    """How a scan runs (``scan_library``); the defaults are the command line's."""

    engine_options: EngineOptions | None = None  # how faces are found (None: the defaults)
    workers: int | None = None  # photos read at once (None: ``plan_scan``'s)
    engines: int | None = None  # inference threads, one engine each (None: ``plan_scan``'s)
    batch: int | None = None  # photos per inference call (None: the device's)
    prefetch: int = 6  # photos read ahead of the engines (at least two per engine, and two)
    thumbnails: bool = False  # cache the faces' thumbnails from the decoded photo (the app)
    timings: bool = False  # ``ScanSummary.stage_seconds``: the seconds of each stage
    rescan: bool = False  # every photo found read and analysed again, changed or not


@dataclass
class ScanProgress:
    """Where a running scan is; passed to the progress callback after every photo."""

    total: int = 0
    done: int = 0
    processed: int = 0
    unchanged: int = 0
    moved: int = 0
    skipped: int = 0
    faces: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        """Seconds since the scan started."""
        return time.monotonic() - self.started


@dataclass
class ScanSummary:
    """What a scan did."""

    seen: int = 0
    processed: int = 0
    unchanged: int = 0
    moved: int = 0
    deleted: int = 0
    faces_found: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    offline: int = 0  # stored photos kept while their folder is offline (not known to be gone)
    cancelled: bool = False
    elapsed: float = 0.0
    device: str = "cpu"
    processed_ids: list[int] = field(default_factory=list)
    imported_names: int = 0
    regions: RegionCounts | None = None  # what the name import read (the ``regions:`` line)
    metadata_problems: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    workers: int = 1  # photos analysed at once (engines); see ``plan_scan``
    stage_seconds: dict[str, float] = field(default_factory=dict)  # with ``timings=True``

    @property
    def photos_per_second(self) -> float:
        """Processed photos per second of the whole scan."""
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True)
class ScanPlan:
    """How a scan spreads its work: decode threads, engines, photos per inference call."""

    decoders: int  # threads that read and hash, and on CUDA decode (OpenCV and Pillow release
    # the GIL; on the CPU each engine decodes its photos); 0: each engine thread reads its own
    # photos (a one-core scan stays on one core)
    engines: int  # inference threads, each with its own engine (models loaded once each)
    threads: int | None  # intra-op threads of each engine
    batch: int  # photos handed to an engine at once (``FaceEngine.analyse_batch``)
    device: str  # cpu or cuda


CUDA_BATCH = 16  # photos per GPU call: grouped by input bucket, their faces embedded together
# photos per engine call on the CPU: detected one by one, their faces embedded together (SFace
# on OpenCV's DNN took 15.8 ms a face alone, 14.5 in fours, on one core)
CPU_BATCH = 4


def plan_scan(
    options: EngineOptions, workers: int | None = None, engines: int | None = None
) -> ScanPlan:
    """The layout of a scan on this machine.

    On the CPU every core analyses photos: ``workers`` engines (default: one per core of the
    thread budget, no cap) with the budget shared between them, each fed by a thread that
    reads ahead (the engine decodes a photo just before it detects faces in it: measured on
    the 12 MP set, 68 ms of CPU a photo against 71 when the reading thread also decoded).
    Measured on this 2-core machine, two photos at once with one thread each gave 53 photos/s on
    the shared snapshots against 40–45 for one photo on two threads: small networks use several
    cores poorly for one photo. On CUDA ``engines`` engines (default: two where there are four
    cores or more, so that one prepares its batch on the CPU while the other's runs on the GPU;
    not yet measured on a GPU) take batches of ``CUDA_BATCH`` photos from ``workers`` decode
    threads (default: one per core), so the GPU waits for no single decode. On the CPU an
    engine takes ``CPU_BATCH`` photos at a time, so that their faces are embedded together.
    ``options.threads`` (or ``FACEORGANIZER_THREADS``) is the CPU budget; 1 keeps a scan to one
    core (the app's default, so the window stays fluid).
    """
    from faceorganizer.core.faces.pipeline import pick_device

    for name, value in (("workers", workers), ("engines", engines)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    budget = thread_budget(options.threads)
    device = pick_device(options)
    if device == "cuda":
        on_gpu = engines or (2 if budget >= 4 else 1)
        return ScanPlan(workers or budget, on_gpu, options.threads, CUDA_BATCH, device)
    if budget <= 1 and workers is None and engines is None:
        return ScanPlan(0, 1, options.threads, CPU_BATCH, device)
    n = engines or workers or budget
    return ScanPlan(workers or n, n, max(1, budget // n), CPU_BATCH, device)


class _Engines:
    """One engine per inference thread, each a slot of this scan's ``EngineCache``: the
    caller's engines fill the first slots, the others load on their thread's first photo."""

    def __init__(
        self, options: EngineOptions | None, threads: int | None, given: list[FaceEngine]
    ) -> None:
        self.options = dataclasses.replace(options or EngineOptions(), threads=threads)
        # FaceEngine looked up when called: a test may stand a fake in for it
        self.cache = EngineCache(lambda o: FaceEngine(o))
        for slot, engine in enumerate(given):  # each given engine serves one thread only
            self.cache.put(self.options, slot, engine)
        self.local = threading.local()
        self.lock = threading.Lock()
        self.slots = 0  # threads that took a slot
        self.first: FaceEngine | None = given[0] if given else None
        self.timed = False  # engines add up their stage seconds (``ScanSummary.stage_seconds``)
        self.used: list[FaceEngine] = []  # the engines this scan ran (a given one may idle)

    def get(self) -> FaceEngine:
        engine: FaceEngine | None = getattr(self.local, "engine", None)
        if engine is None:
            with self.lock:
                slot, self.slots = self.slots, self.slots + 1
            engine = self.cache.get(self.options, slot)  # loading runs outside our lock
            if self.timed and engine.timings is None:
                engine.timings = {}
            self.local.engine = engine
            with self.lock:
                self.first = self.first or engine
                self.used.append(engine)
        return engine

    def stage_seconds(self) -> dict[str, float]:
        """Seconds each stage took, added over the engines."""
        out: dict[str, float] = {}
        for engine in self.used:
            for stage, secs in (engine.timings or {}).items():
                out[stage] = out.get(stage, 0.0) + secs
        return out


def _analyse(
    chunk: list[Callable[[], Loaded]], engines: _Engines, thumbnails: bool = False
) -> list[Loaded]:
    """Analyse a chunk of photos with this thread's engine (runs on an engine thread).

    ``chunk`` gives each photo read and decoded: a decode job's result, or the reading itself.
    """
    loaded = [get() for get in chunk]
    todo = [x for x in loaded if x.decoded is not None and x.moved_from is None]
    if not todo:
        return loaded
    engine = engines.get()
    photos = [x.decoded for x in todo if x.decoded is not None]
    found = engine.analyse_batch(photos) if len(photos) > 1 else [engine.analyse(photos[0])]
    for x, faces in zip(todo, found, strict=True):
        x.faces = faces
        if thumbnails and faces and x.decoded is not None:
            from faceorganizer.core.photos.thumbnails import store_face_thumbnails

            try:
                store_face_thumbnails(x.found.path, x.decoded, [f.box for f in faces])
            except Exception as exc:  # noqa: BLE001 - a thumbnail is never worth a photo
                log.debug("no thumbnails for %s: %s", x.found.path, exc)
    return loaded


def _plan(
    options: EngineOptions,
    workers: int | None,
    given: list[FaceEngine],
    batch: int | None,
    needed: bool,
    engines: int | None = None,
) -> ScanPlan:
    """``plan_scan``, or the layout the given engines imply; no device probe when idle."""

    if batch is not None and batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    if given:
        device = given[0].device
        n = len(given)  # an engine is never shared between threads
        if workers is None:
            decoders = thread_budget(options.threads) if device == "cuda" else n
        else:
            decoders = workers  # 0: each engine thread reads its own photos
        default = CUDA_BATCH if device == "cuda" else 1
        return ScanPlan(decoders, n, None, batch or default, device)
    if not needed:
        return ScanPlan(1, 1, options.threads, 1, "cpu")
    plan = plan_scan(options, workers, engines)
    return plan if batch is None else dataclasses.replace(plan, batch=batch)


def store_loaded(
    photos: PhotoRepository,
    faces: FaceRepository,
    loaded: Loaded,
    engine: FaceEngine | None,
    claimed: set[int],
) -> tuple[str, int | None]:
    """Write one read (and analysed) photo inside the caller's transaction.

    Returns what it was (``vanished``, ``moved``, ``skipped`` or ``ok``) and the photo's id.
    """
    found = loaded.found
    if loaded.vanished:
        return "vanished", None
    if loaded.moved_from is not None:
        claimed.add(loaded.moved_from.id)
        photos.move(
            loaded.moved_from.id,
            raw_path(found.path),
            display_path(found.path),
            found.size,
            found.mtime_ns,
            found.dev,
        )
        return "moved", loaded.moved_from.id
    if loaded.error is not None or loaded.decoded is None:
        loaded.error = loaded.error or "could not be decoded"
        photos.upsert(
            raw_path=raw_path(found.path),
            path=display_path(found.path),
            size=found.size,
            mtime_ns=found.mtime_ns,
            content_hash=loaded.content_hash,
            status="skipped",
            reason=loaded.error,
            dev=found.dev,
        )
        return "skipped", None
    assert engine is not None and loaded.faces is not None
    d = loaded.decoded
    photo_id = photos.upsert(
        raw_path=raw_path(found.path),
        path=display_path(found.path),
        size=found.size,
        mtime_ns=found.mtime_ns,
        content_hash=loaded.content_hash,
        status="ok",
        width=d.width,
        height=d.height,
        orientation=d.orientation,
        taken_at=loaded.taken.when if loaded.taken else None,
        taken_source=loaded.taken.source if loaded.taken else None,
        fmt=d.format,
        pack_id=engine.pack.id,
        dev=found.dev,
    )
    faces.replace_for_photo(photo_id, loaded.faces, engine.pack.id)
    return "ok", photo_id


def scan_library(
    database: Database,
    roots: list[str],
    options: ScanOptions | None = None,
    *,
    engine: FaceEngine | Sequence[FaceEngine] | None = None,
    progress: Callable[[ScanProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    paused: Callable[[], bool] | None = None,
    import_names: NameImporter | None = None,
    dates: Callable[[], DateSource] | None = None,
) -> ScanSummary:
    """Scan ``roots`` into ``database``; photos are only read, never written.

    ``options`` says how (``ScanOptions``). Decode threads read, fingerprint and decode photos;
    engine threads analyse them (``workers`` engines on the CPU, one batched engine on CUDA; see
    ``plan_scan``; one thread for each engine given), ``batch`` photos at a time; this thread
    writes them in walk order. With ``timings``, ``ScanSummary.stage_seconds`` holds the seconds
    of each stage, added over the threads (read+decode, detect, align, quality, embed, write,
    wait for the engines).
    With ``thumbnails``, the faces' thumbnails are cached from the decoded photo on the way
    (the app asks for them, so it never decodes a photo again to show a face).
    ``dates`` makes the reader of when each photo was taken (``core.metadata.dates.DateReader``,
    passed in by the use-case layer; without it, EXIF dates and file times). With
    ``import_names`` (``core.metadata.names.import_names``, passed in by the use-case
    layer: a people operation is above the scan), names that other tools wrote as face regions
    (MWG or Microsoft, in the file or its XMP sidecar) become user-confirmed faces of them.
    With ``rescan``, every photo found is read and analysed again, changed or not.
    ``should_stop`` may block while the scan is paused; ``paused`` (never blocking) says a pause
    is asked for, so that what was written is committed first and other writers get in.
    """
    how = options or ScanOptions()
    found_by, workers, engines, batch = how.engine_options, how.workers, how.engines, how.batch
    prefetch, thumbnails, timings, rescan = how.prefetch, how.thumbnails, how.timings, how.rescan
    started = time.monotonic()
    summary = ScanSummary()
    stop = should_stop or (lambda: False)
    roots = [os.path.abspath(r) for r in roots]
    photos, faces = PhotoRepository(database), FaceRepository(database)
    known = photos.index()

    listed: dict[str, ListedFolder] = {}
    found_files = list(walk_photos(roots, summary.problems, stop, listed))
    summary.seen = len(found_files)
    summary.cancelled = stop()  # a walk cut short is a cancelled scan, even with nothing to do
    seen_raw = {raw_path(f.path) for f in found_files}
    todo: list[FoundFile] = []
    for f in found_files:
        row = known.get(raw_path(f.path))
        if row and row.size == f.size and row.mtime_ns == f.mtime_ns and not rescan:
            if row.status == "skipped" and (row.reason or "").startswith(UNREADABLE):
                todo.append(f)  # it could not be opened (permissions): perhaps it can now
            else:
                summary.unchanged += 1
        elif not summary.cancelled:
            todo.append(f)

    # Stored photos the walk did not find: gone from a folder that says so, or offline.
    unseen = [row for raw, row in known.items() if raw not in seen_raw]
    missing = sort_missing(unseen, roots, listed, found_files)
    summary.offline = len(missing.offline)
    if not summary.cancelled:
        record_walk(database, photos, known, found_files, missing)
    # Photos gone from their place may have moved: match them by content. (Not an offline
    # photo: a copy of it elsewhere must not take its faces and names away from it.)
    moved_candidates: dict[str, PhotoRow] = {}
    outside = [r for r in unseen if not under_any(os.fsdecode(r.raw_path), roots)]
    for row in [*missing.gone, *outside]:
        there = os.path.lexists(os.fsdecode(row.raw_path))
        if row.content_hash and row.status == "ok" and not there:
            moved_candidates.setdefault(row.content_hash, row)

    state = ScanProgress(total=len(todo), unchanged=summary.unchanged)
    state.started = started
    if progress:
        progress(state)

    given = [] if engine is None else [engine] if isinstance(engine, FaceEngine) else list(engine)
    plan = _plan(found_by or EngineOptions(), workers, given, batch, bool(todo), engines)
    summary.workers = plan.engines
    budget = thread_budget(found_by.threads if found_by else None)
    analysers = _Engines(found_by, plan.threads, given)
    analysers.timed = timings
    stages: dict[str, float] = {"read+decode": 0.0, "write": 0.0, "wait": 0.0}
    claimed: set[int] = set()
    # a new reader per scan (``core.metadata.dates.DateReader``, handed in by the use-case
    # layer): a sidecar added since the last scan is seen; without one, EXIF and file times
    reader = dates() if dates is not None else None
    writer = Writer(database)
    try:
        with (
            opencv_threads(max(1, budget // plan.engines) if plan.device == "cpu" else None),
            ThreadPoolExecutor(max(1, plan.decoders), thread_name_prefix="decode") as decoding,
            ThreadPoolExecutor(plan.engines, thread_name_prefix="engine") as analysing,
        ):
            pending: deque[Future[list[Loaded]]] = deque()
            queued: deque[Future[Loaded]] = deque()  # decode jobs, to cancel on stop
            queue = iter(todo)
            # chunks in flight: each engine's, and one or two waiting (decoded photos take
            # memory: 9 MB each for a 12 MP photo, so a CPU scan keeps one chunk waiting)
            if plan.batch == 1:
                ahead = max(prefetch, 2 * plan.engines + 2)
            else:
                ahead = plan.engines + (2 if plan.device == "cuda" else 1)

            def refill() -> None:
                while len(pending) < ahead:
                    files = list(itertools.islice(queue, plan.batch))
                    if not files:
                        return
                    chunk: list[Callable[[], Loaded]]
                    if plan.decoders and plan.device == "cpu":
                        # the pool reads ahead; the engine decodes just before it detects, while
                        # the pixels are in its core's cache
                        jobs = [
                            decoding.submit(timed_read, f, moved_candidates, False, reader)
                            for f in files
                        ]
                        queued.extend(jobs)
                        chunk = [functools.partial(decoded_result, job) for job in jobs]
                    elif plan.decoders:
                        jobs = [
                            decoding.submit(timed_read, f, moved_candidates, True, reader)
                            for f in files
                        ]
                        queued.extend(jobs)
                        chunk = [job.result for job in jobs]
                    else:
                        chunk = [
                            functools.partial(timed_read, f, moved_candidates, True, reader)
                            for f in files
                        ]
                    pending.append(analysing.submit(_analyse, chunk, analysers, thumbnails))
                while queued and queued[0].done():
                    queued.popleft()

            refill()
            ready: deque[Loaded] = deque()
            while pending or ready:
                if (not ready and not pending[0].done()) or (paused is not None and paused()):
                    writer.flush()  # never hold the write lock while waiting for a photo
                if stop():
                    summary.cancelled = True
                    for job in pending:
                        job.cancel()
                    for decode in queued:
                        decode.cancel()
                    break
                if not ready:
                    waited = time.perf_counter()
                    ready.extend(pending.popleft().result())
                    stages["wait"] += time.perf_counter() - waited
                    refill()
                loaded = ready.popleft()
                stages["read+decode"] += loaded.read_seconds
                found = loaded.found
                state.current = display_path(found.path)
                if loaded.moved_from is not None and loaded.moved_from.id in claimed:
                    again = functools.partial(read_photo, found, {}, True, reader)
                    loaded = analysing.submit(_analyse, [again], analysers, thumbnails).result()[0]
                writing = time.perf_counter()
                writer.begin()
                kind, photo_id = store_loaded(photos, faces, loaded, analysers.first, claimed)
                if kind == "vanished":
                    summary.vanished.append(display_path(found.path))
                elif kind == "moved":
                    summary.moved += 1
                    state.moved += 1
                elif kind == "skipped":
                    summary.skipped.append((display_path(found.path), loaded.error or ""))
                    state.skipped += 1
                elif photo_id is not None:
                    n_faces = len(loaded.faces or [])
                    summary.processed_ids.append(photo_id)
                    summary.processed += 1
                    summary.faces_found += n_faces
                    state.processed += 1
                    state.faces += n_faces
                writer.wrote_one()
                stages["write"] += time.perf_counter() - writing
                state.done += 1
                if progress:
                    progress(state)
        writer.flush()
        if analysers.first is not None:
            summary.device = analysers.first.device
        if timings:
            summary.stage_seconds = {**stages, **analysers.stage_seconds()}
        if not summary.cancelled:
            summary.deleted = forget_gone(database, photos, missing.gone, claimed)
        if import_names is not None and summary.processed_ids:
            summary.imported_names = _import_names(
                import_names, database, summary.processed_ids, summary, analysers.first
            )
    except BaseException as exc:
        writer.abort(exc)
        raise
    summary.elapsed = time.monotonic() - started
    return summary


def _import_names(
    import_names: NameImporter,
    database: Database,
    photo_ids: list[int],
    summary: ScanSummary,
    engine: FaceEngine | None,
) -> int:
    """Names from face regions in the photos' metadata; a bad sidecar never fails a scan."""
    try:
        report = import_names(database, photo_ids, engine=engine)
    except Exception:  # noqa: BLE001 - metadata is a bonus; the scan's work is already stored
        log.warning("importing face names from metadata failed", exc_info=True)
        return 0
    summary.regions = report.counts
    summary.metadata_problems = report.skipped + [
        (p, f"no face for {n}") for p, n in report.unmatched
    ]
    return len(report.result.assigned)
