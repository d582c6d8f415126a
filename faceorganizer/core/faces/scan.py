"""A scan: walk the library, process what is new or changed, forget what is gone.

Resumable by construction: a photo's row and its faces are written in one transaction, and a
photo whose path, size and modification time are already stored is not read again. A killed
scan therefore resumes where it stopped, without duplicates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from faceorganizer.core.faces.pipeline import EngineOptions, FaceEngine
from faceorganizer.core.photos.decode import (
    DecodedPhoto,
    DecodeError,
    decode_bytes,
    read_photo_file,
)
from faceorganizer.core.photos.discover import (
    FoundFile,
    WalkProblem,
    display_path,
    raw_path,
    under_any,
    walk_photos,
)
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.faces import FaceRepository, NewFace
from faceorganizer.core.store.photos import PhotoRepository, PhotoRow

log = logging.getLogger(__name__)


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
    cancelled: bool = False
    elapsed: float = 0.0
    device: str = "cpu"
    processed_ids: list[int] = field(default_factory=list)
    imported_names: int = 0

    @property
    def photos_per_second(self) -> float:
        """Processed photos per second of the whole scan."""
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class _Loaded:
    found: FoundFile
    content_hash: str | None = None
    decoded: DecodedPhoto | None = None
    error: str | None = None
    moved_from: PhotoRow | None = None
    vanished: bool = False
    faces: list[NewFace] | None = None  # found by a worker; None: not analysed yet


def _read(found: FoundFile, moved_candidates: dict[str, PhotoRow]) -> _Loaded:
    """Read, fingerprint and decode one file (runs in the decode pool)."""
    try:
        data = read_photo_file(found.path)  # a pipe or device swapped in is refused, not read
    except FileNotFoundError:
        return _Loaded(found, vanished=True)
    except OSError as exc:
        return _Loaded(found, error=f"unreadable: {exc.strerror or exc}")
    except DecodeError as exc:
        return _Loaded(found, error=str(exc))
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if digest in moved_candidates:
        return _Loaded(found, digest, moved_from=moved_candidates[digest])
    try:
        return _Loaded(found, digest, decoded=decode_bytes(data, name=found.path))
    except DecodeError as exc:
        return _Loaded(found, digest, error=str(exc))


def inference_workers(options: EngineOptions) -> tuple[int, int | None]:
    """How many photos are analysed at once, and the intra-op threads of each engine.

    Small networks use two cores poorly for one photo, and decoding needs a core too: measured
    on this 2-core machine, analysing two photos at once with one thread each gave 53 photos/s
    on the shared snapshots (retinaface-sface) against 40–45 for one photo on two threads.
    On CUDA one engine feeds the GPU. ``options.threads`` (or ``FACEORGANIZER_THREADS``) is the
    whole budget; 1 keeps a scan to one core (the app's default, so the window stays fluid).
    """
    from faceorganizer.core.models.providers import choose_providers, thread_budget

    budget = thread_budget(options.threads)
    try:
        cuda = choose_providers(options.device)[0] == "CUDAExecutionProvider"
    except Exception:  # noqa: BLE001 - the engine reports a device error itself
        cuda = False
    if cuda or budget <= 1:
        return 1, options.threads
    workers = min(budget, MAX_WORKERS)
    return workers, max(1, budget // workers)


MAX_WORKERS = 4  # each holds its own copy of the models


class _Engines:
    """One engine per worker thread: the caller's, else loaded on a worker's first photo."""

    def __init__(
        self, options: EngineOptions | None, threads: int | None, given: list[FaceEngine]
    ) -> None:
        self.options = dataclasses.replace(options or EngineOptions(), threads=threads)
        self.spare = list(given)  # each given engine serves one worker thread only
        self.local = threading.local()
        self.lock = threading.Lock()
        self.first: FaceEngine | None = given[0] if given else None

    def get(self) -> FaceEngine:
        engine: FaceEngine | None = getattr(self.local, "engine", None)
        if engine is None:
            with self.lock:
                engine = self.spare.pop() if self.spare else None
            engine = engine or FaceEngine(self.options)  # loading runs outside the lock
            self.local.engine = engine
            with self.lock:
                self.first = self.first or engine
        return engine


def _process(
    found: FoundFile, moved: dict[str, PhotoRow], engines: _Engines, thumbnails: bool = False
) -> _Loaded:
    """Read, decode and analyse one photo (runs on a worker thread)."""
    loaded = _read(found, moved)
    if loaded.decoded is not None and loaded.moved_from is None:
        loaded.faces = engines.get().analyse(loaded.decoded)
        if thumbnails and loaded.faces:
            from faceorganizer.core.photos.thumbnails import store_face_thumbnails

            try:
                store_face_thumbnails(found.path, loaded.decoded, [f.box for f in loaded.faces])
            except Exception as exc:  # noqa: BLE001 - a thumbnail is never worth a photo
                log.debug("no thumbnails for %s: %s", found.path, exc)
    return loaded


class _Writer:
    """Groups photo writes into short transactions (one photo is always all-or-nothing)."""

    def __init__(self, database: Database, max_photos: int = 32, max_seconds: float = 1.0):
        self.database = database
        self.max_photos = max_photos
        self.max_seconds = max_seconds
        self._open = False
        self._count = 0
        self._since = 0.0

    def begin(self) -> None:
        if not self._open:
            self._ctx = self.database.transaction()
            self._ctx.__enter__()
            self._open, self._count, self._since = True, 0, time.monotonic()

    def wrote_one(self) -> None:
        self._count += 1
        if self._count >= self.max_photos or time.monotonic() - self._since > self.max_seconds:
            self.flush()

    def flush(self) -> None:
        if self._open:
            self._open = False
            self._ctx.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        if self._open:
            self._open = False
            self._ctx.__exit__(type(exc), exc, exc.__traceback__)


def scan_library(
    database: Database,
    roots: list[str],
    *,
    options: EngineOptions | None = None,
    engine: FaceEngine | Sequence[FaceEngine] | None = None,
    progress: Callable[[ScanProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    workers: int | None = None,
    prefetch: int = 6,
    import_names: bool = True,
    thumbnails: bool = False,
    rescan: bool = False,
) -> ScanSummary:
    """Scan ``roots`` into ``database``; photos are only read, never written.

    Photos are read, decoded and analysed on ``workers`` threads at once (default: see
    ``inference_workers``, or one for each engine given), each with its own engine; this
    thread writes them in walk order.
    With ``thumbnails``, the faces' thumbnails are cached from the decoded photo on the way
    (the app asks for them, so it never decodes a photo again to show a face).
    With ``import_names``, names that other tools wrote as face regions (MWG or Microsoft, in
    the file or its XMP sidecar) become user-confirmed assignments of the matching faces.
    With ``rescan``, every photo found is read and analysed again, changed or not.
    """
    started = time.monotonic()
    summary = ScanSummary()
    stop = should_stop or (lambda: False)
    roots = [os.path.abspath(r) for r in roots]
    photos, faces = PhotoRepository(database), FaceRepository(database)
    known = photos.index()

    found_files = list(walk_photos(roots, summary.problems, stop))
    summary.seen = len(found_files)
    seen_raw = {raw_path(f.path) for f in found_files}
    todo: list[FoundFile] = []
    for f in found_files:
        row = known.get(raw_path(f.path))
        if row and row.size == f.size and row.mtime_ns == f.mtime_ns and not rescan:
            summary.unchanged += 1
        else:
            todo.append(f)

    # Stored photos that are gone from their place may have moved: match them by content.
    moved_candidates: dict[str, PhotoRow] = {}
    gone: list[PhotoRow] = []
    for raw, row in known.items():
        if raw in seen_raw:
            continue
        if not os.path.lexists(os.fsdecode(raw)):
            gone.append(row)
            if row.content_hash and row.status == "ok":
                moved_candidates.setdefault(row.content_hash, row)

    state = ScanProgress(total=len(todo), unchanged=summary.unchanged)
    state.started = started
    if progress:
        progress(state)

    given = [] if engine is None else [engine] if isinstance(engine, FaceEngine) else list(engine)
    threads: int | None = None
    if given:
        workers = len(given)  # an engine is never shared between threads
    else:
        auto, threads = inference_workers(options or EngineOptions())
        workers = workers or auto
    engines = _Engines(options, threads, given)
    claimed: set[int] = set()
    writer = _Writer(database)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[_Loaded]] = deque()
            queue = iter(todo)

            def refill() -> None:
                while len(pending) < max(prefetch, 2 * workers + 2):
                    nxt = next(queue, None)
                    if nxt is None:
                        return
                    job = pool.submit(_process, nxt, moved_candidates, engines, thumbnails)
                    pending.append(job)

            refill()
            while pending:
                if not pending[0].done():
                    writer.flush()  # never hold the write lock while waiting for a photo
                if stop():
                    summary.cancelled = True
                    for fut in pending:
                        fut.cancel()
                    break
                loaded = pending.popleft().result()
                refill()
                found = loaded.found
                state.current = display_path(found.path)
                if loaded.moved_from is not None and loaded.moved_from.id in claimed:
                    loaded = pool.submit(_process, found, {}, engines, thumbnails).result()
                writer.begin()
                if loaded.vanished:
                    summary.vanished.append(display_path(found.path))
                elif loaded.moved_from is not None:
                    claimed.add(loaded.moved_from.id)
                    photos.move(
                        loaded.moved_from.id,
                        raw_path(found.path),
                        display_path(found.path),
                        found.size,
                        found.mtime_ns,
                    )
                    summary.moved += 1
                    state.moved += 1
                elif loaded.error is not None or loaded.decoded is None:
                    reason = loaded.error or "could not be decoded"
                    photos.upsert(
                        raw_path=raw_path(found.path),
                        path=display_path(found.path),
                        size=found.size,
                        mtime_ns=found.mtime_ns,
                        content_hash=loaded.content_hash,
                        status="skipped",
                        reason=reason,
                    )
                    summary.skipped.append((display_path(found.path), reason))
                    state.skipped += 1
                else:
                    the_engine = engines.first
                    assert the_engine is not None and loaded.faces is not None
                    d = loaded.decoded
                    new_faces = loaded.faces
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
                        taken_at=d.taken_at,
                        fmt=d.format,
                        pack_id=the_engine.pack.id,
                    )
                    faces.replace_for_photo(photo_id, new_faces, the_engine.pack.id)
                    summary.processed_ids.append(photo_id)
                    summary.processed += 1
                    summary.faces_found += len(new_faces)
                    state.processed += 1
                    state.faces += len(new_faces)
                writer.wrote_one()
                state.done += 1
                if progress:
                    progress(state)
        writer.flush()
        if engines.first is not None:
            summary.device = engines.first.device
        if not summary.cancelled:
            summary.deleted = _forget_gone(database, photos, gone, claimed, roots, found_files)
        if import_names and summary.processed_ids:
            summary.imported_names = _import_names(database, summary.processed_ids)
    except BaseException as exc:
        writer.abort(exc)
        raise
    summary.elapsed = time.monotonic() - started
    return summary


def _import_names(database: Database, photo_ids: list[int]) -> int:
    """Names from face regions in the photos' metadata; a bad sidecar never fails a scan."""
    from faceorganizer.core.export.xmp import import_regions

    try:
        report = import_regions(database, photo_ids=photo_ids)
    except Exception:  # noqa: BLE001 - metadata is a bonus; the scan's work is already stored
        log.warning("importing face names from metadata failed", exc_info=True)
        return 0
    return len(report.assigned)


def _forget_gone(
    database: Database,
    photos: PhotoRepository,
    gone: list[PhotoRow],
    claimed: set[int],
    roots: list[str],
    found: list[FoundFile],
) -> int:
    """Delete rows of files that vanished from a scanned root that is still there.

    A root that is missing, or present but empty while we know photos in it (the mount point of
    an unplugged drive), is offline: nothing of it is forgotten.
    """
    live_roots = [
        r for r in roots if os.path.isdir(r) and any(under_any(f.path, [r]) for f in found)
    ]
    doomed = [
        row.id
        for row in gone
        if row.id not in claimed
        and under_any(os.fsdecode(row.raw_path), live_roots)
        and not os.path.lexists(os.fsdecode(row.raw_path))
    ]
    if doomed:
        with database.transaction():
            photos.delete(doomed)
    return len(doomed)
