"""A scan as a user asks for it: find faces in new or changed photos, then group them.

Grouping is an explicit step after a complete scan (``ScanRequest.group``), and optionally a
live step during it (``ScanRequest.live_interval``): between two photos, while the scan holds
no write transaction, the faces found so far are grouped and the people handed to
``ScanHooks.people``, so people appear while the scan runs.

With ``ScanRequest.child_process`` (the app) the scan runs in a child process
(``core.faces.scan_process``), which writes the photos and faces and groups them, live and at
the end, itself: the caller's thread only relays its progress and people, so a window in the
caller's process never waits for the scan's or the grouping's Python code (or their imports)
to hand back the interpreter lock; it runs at a lower CPU priority, so the window gets a core
first when both want one. Pausing holds the child too.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faceorganizer.core.store.db import Database

if TYPE_CHECKING:
    from faceorganizer.core.faces.scan import ScanProgress, ScanSummary
    from faceorganizer.core.people.grouping import GroupingOptions
    from faceorganizer.core.records import Changes, EngineOptions, PersonItem

log = logging.getLogger(__name__)

LIVE_SHARE = 5  # live grouping never takes more than 1/LIVE_SHARE of a scan
POLL_S = 0.1  # how long the caller waits for the child's next progress before looking again
CANCEL_WAIT_S = 30.0  # a cancelled child that has not stopped by then is ended
CHILD_NICENESS = 10  # the child scans at a lower CPU priority: the window gets a core first


def incremental_grouping(
    method: str | None = None, threshold: float | None = None
) -> GroupingOptions:
    """The grouping a scan runs: new faces join people or form groups; nothing else moves."""
    from faceorganizer.core.people.grouping import GroupingOptions

    return GroupingOptions(incremental=True).with_method(method, threshold)


def prepare_scan() -> None:
    """Import now what a scan in a child process needs in the caller's process.

    Relaying a scan and reading its thumbnails import numpy, OpenCV, multiprocessing, the
    metadata readers and the grouping's modules here (about 90 modules); an import holds the
    interpreter lock, for tens of milliseconds at a time in an extension's initialisation. A
    window calls this before its first scan so that they load before the scan, not while the
    window paints the people the scan finds.
    """
    import faceorganizer.core.metadata.dates
    import faceorganizer.core.metadata.names
    import faceorganizer.core.people.grouping  # noqa: F401 - imported for its side effect
    from faceorganizer.core.faces import scan_process
    from faceorganizer.core.photos import thumbnails

    scan_process.prepare()
    thumbnails.preload()
    incremental_grouping()  # the grouping options a request builds (and what they import)


def regions_line(summary: ScanSummary) -> str:
    """The scan's ``regions:`` line: what the name import read (zeros when it read none)."""
    from faceorganizer.core.metadata.names import RegionCounts

    return (summary.regions or RegionCounts()).line()


@dataclass
class ScanRequest:
    """What to scan and what to do around it."""

    roots: list[str]
    engine: EngineOptions
    grouping: GroupingOptions = field(default_factory=incremental_grouping)
    group: bool = True  # group the new faces when a scan completes
    live_interval: float = 0.0  # seconds between live groupings during the scan; 0: none
    include_hidden: bool = False  # hidden people in the live people lists
    thumbnails: bool = False  # cache face thumbnails from the decoded photos (the app)
    rescan: bool = False  # read and analyse every photo found again, changed or not
    child_process: bool = False  # scan in a child process (the app), not on the calling thread


@dataclass
class ScanHooks:
    """Plain callbacks a face passes in (all optional, all called on the scanning thread)."""

    progress: Callable[[ScanProgress], None] | None = None
    should_stop: Callable[[], bool] | None = None  # may block while paused
    paused: Callable[[], bool] | None = None  # never blocks: a pause is asked for
    cancelled: Callable[[], bool] | None = None  # never blocks; asked before grouping
    grouping: Callable[[], None] | None = None  # the grouping step after the scan starts
    people: Callable[[list[PersonItem]], None] | None = None  # people after a live grouping


@dataclass
class ScanOutcome:
    """What a scan did, what its grouping changed (None when not run) and how many people
    the library holds at the end (hidden ones included)."""

    summary: ScanSummary
    changes: Changes | None
    people: int
    pid: int = 0  # the process that scanned the photos (a child's with ``child_process``)


def run_scan(db: Database, request: ScanRequest, hooks: ScanHooks | None = None) -> ScanOutcome:
    """Scan ``request.roots`` into ``db``; then, unless cancelled, group the new faces."""
    from faceorganizer.core.library.folders import add_folders

    hooks = hooks or ScanHooks()
    # The library knows its own folders: a library scanned from the command line opens in the
    # window with them (a root that is not a folder, or lies in a listed one, adds nothing).
    add_folders(db, [r for r in request.roots if os.path.isdir(r)])
    if request.child_process:
        return _scan_in_child(db, request, hooks)
    return _scan_here(db, request, hooks)


def _scan_here(db: Database, request: ScanRequest, hooks: ScanHooks) -> ScanOutcome:
    """Scan and group on the calling thread (the command line)."""
    from faceorganizer.core.faces.scan import ScanOptions, scan_library
    from faceorganizer.core.metadata.dates import DateReader
    from faceorganizer.core.metadata.names import import_names

    stop = hooks.should_stop or (lambda: False)
    live = _LiveGrouping(request) if request.live_interval > 0 else None

    def stop_or_group() -> bool:
        if stop():
            return True
        found = live(db) if live is not None else None
        if found is not None and hooks.people is not None:
            hooks.people(found)
        return False

    summary = scan_library(
        db,
        request.roots,
        ScanOptions(
            engine_options=request.engine, thumbnails=request.thumbnails, rescan=request.rescan
        ),
        progress=hooks.progress,
        should_stop=stop_or_group,
        paused=hooks.paused,
        import_names=import_names,
        dates=DateReader,
    )
    cancelled = summary.cancelled or (hooks.cancelled is not None and hooks.cancelled())
    group = request.group and not cancelled
    if group and hooks.grouping is not None:
        hooks.grouping()
    changes, people = _group_after(db, summary, request.grouping, group)
    return ScanOutcome(summary, changes, people, os.getpid())


def _group_after(
    db: Database, summary: ScanSummary, grouping: GroupingOptions, group: bool
) -> tuple[Changes | None, int]:
    """The grouping step after a complete scan, and how many people there are at the end."""
    from faceorganizer.core.store.people import PeopleRepository

    changes = None
    if group and not summary.cancelled:
        from faceorganizer.core.people.grouping import regroup

        changes = regroup(db, grouping)
    return changes, len(PeopleRepository(db).list_people(include_hidden=True))


def _scan_in_child(db: Database, request: ScanRequest, hooks: ScanHooks) -> ScanOutcome:
    """Scan and group in a child process; relay its progress and people, pause and cancel it.

    ``hooks.should_stop`` blocks while the caller pauses: the child is held first (when
    ``hooks.paused`` says a pause is asked for) and let go when it returns.
    """
    from faceorganizer.core.faces.scan import ScanOptions
    from faceorganizer.core.faces.scan_process import start_scan
    from faceorganizer.core.metadata.dates import DateReader
    from faceorganizer.core.metadata.names import import_names

    stop = hooks.should_stop or (lambda: False)
    paused = hooks.paused or (lambda: False)
    handle = start_scan(
        db.path,
        request.roots,
        ScanOptions(
            engine_options=request.engine, thumbnails=request.thumbnails, rescan=request.rescan
        ),
        import_names=import_names,
        dates=DateReader,
        between=_LiveGrouping(request) if request.live_interval > 0 else None,
        after=functools.partial(_group_after, grouping=request.grouping, group=request.group),
        niceness=CHILD_NICENESS,
    )
    pid = handle.pid or 0
    try:
        while not handle.finished:
            if paused():
                handle.pause()
            if stop():  # blocks while paused
                handle.cancel()
                break
            if handle.paused:
                handle.resume()
            for state in handle.poll(wait=POLL_S):
                if hooks.progress is not None:
                    hooks.progress(state)
            _relay(handle.events(), hooks)
        try:
            summary = handle.wait(timeout=CANCEL_WAIT_S)
        except TimeoutError:
            log.warning("the scan did not stop within %.0f s: ended", CANCEL_WAIT_S)
            handle.terminate()
            summary = handle.wait(timeout=CANCEL_WAIT_S)
    finally:
        if not handle.finished:  # the caller raised: never leave the child running
            handle.terminate()
    if handle.after_result is not None:
        changes, people = handle.after_result
    else:  # cancelled: no grouping
        changes, people = _group_after(db, summary, request.grouping, group=False)
    return ScanOutcome(summary, changes, people, pid)


def _relay(events: list[tuple[str, Any]], hooks: ScanHooks) -> None:
    """The child's people (after a live grouping) and its grouping step, to the hooks."""
    for kind, value in events:
        if kind == "between" and hooks.people is not None:
            hooks.people(value)
        elif kind == "after" and hooks.grouping is not None:
            hooks.grouping()


class _LiveGrouping:
    """Groups the faces found so far every so often; the people then, or None when not due.

    Picklable: in the app it runs in the scan's child process (``ScanProcess`` ``between``).
    """

    def __init__(self, request: ScanRequest) -> None:
        self.grouping = request.grouping
        self.include_hidden = request.include_hidden
        self.interval = request.live_interval
        self.every = request.live_interval
        self.at: float | None = None  # the clock starts at the first call, in the scanner

    def __call__(self, db: Database) -> list[PersonItem] | None:
        from faceorganizer.core.people.grouping import regroup
        from faceorganizer.core.store.browse import load_people

        now = time.monotonic()
        if self.at is None:
            self.at = now
        if now - self.at < self.every or db.conn.in_transaction:
            return None
        people = None
        try:
            regroup(db, self.grouping)
            people = load_people(db, include_hidden=self.include_hidden)
        except Exception as exc:  # noqa: BLE001 - the final grouping reports errors
            log.warning("live grouping failed: %s", exc)
        self.at = time.monotonic()
        self.every = max(self.interval, LIVE_SHARE * (self.at - now))
        return people
