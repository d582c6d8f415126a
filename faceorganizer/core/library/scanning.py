"""A scan as a user asks for it: find faces in new or changed photos, then group them.

Grouping is an explicit step after a complete scan (``ScanRequest.group``), and optionally a
live step during it (``ScanRequest.live_interval``): between two photos, while the scan holds
no write transaction, the faces found so far are grouped and the people handed to
``ScanHooks.people``, so people appear while the scan runs.

With ``ScanRequest.child_process`` (the app) the scan runs in a child process
(``core.faces.scan_process``), which writes the photos and faces itself: the caller's process
only relays its progress, groups live between two polls (reading what the child wrote; SQLite
lets one writer in at a time) and groups at the end, so a window in the caller's process never
waits for the scan's Python code to hand back the interpreter lock. Pausing holds the child too.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faceorganizer.core.store.db import Database

if TYPE_CHECKING:
    from faceorganizer.core.faces.pipeline import EngineOptions
    from faceorganizer.core.faces.scan import ScanProgress, ScanSummary
    from faceorganizer.core.people.changes import Changes
    from faceorganizer.core.people.grouping import GroupingOptions
    from faceorganizer.core.store.browse import PersonItem

log = logging.getLogger(__name__)

LIVE_SHARE = 5  # live grouping never takes more than 1/LIVE_SHARE of a scan
POLL_S = 0.1  # how long the caller waits for the child's next progress before looking again
CANCEL_WAIT_S = 30.0  # a cancelled child that has not stopped by then is ended


def incremental_grouping(
    method: str | None = None, threshold: float | None = None
) -> GroupingOptions:
    """The grouping a scan runs: new faces join people or form groups; nothing else moves."""
    from faceorganizer.core.people.grouping import GroupingOptions

    return GroupingOptions(incremental=True).with_method(method, threshold)


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
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.metadata.names import import_names

    hooks = hooks or ScanHooks()
    if request.child_process:
        summary, pid = _scan_in_child(db, request, hooks)
    else:
        stop = hooks.should_stop or (lambda: False)
        live = _LiveGrouping(db, request, hooks) if request.live_interval > 0 else None
        summary = scan_library(
            db,
            request.roots,
            options=request.engine,
            progress=hooks.progress,
            should_stop=(lambda: stop() or live.maybe()) if live is not None else stop,
            paused=hooks.paused,
            thumbnails=request.thumbnails,
            import_names=import_names,
            rescan=request.rescan,
        )
        pid = os.getpid()
    return _after_scan(db, request, hooks, summary, pid)


def _after_scan(
    db: Database, request: ScanRequest, hooks: ScanHooks, summary: ScanSummary, pid: int
) -> ScanOutcome:
    """The grouping step after a complete scan, and how many people there are."""
    from faceorganizer.core.people.grouping import regroup
    from faceorganizer.core.store.people import PeopleRepository

    changes = None
    cancelled = summary.cancelled or (hooks.cancelled is not None and hooks.cancelled())
    if request.group and not cancelled:
        if hooks.grouping is not None:
            hooks.grouping()
        changes = regroup(db, request.grouping)
    people = len(PeopleRepository(db).list_people(include_hidden=True))
    return ScanOutcome(summary, changes, people, pid)


def _scan_in_child(db: Database, request: ScanRequest, hooks: ScanHooks) -> tuple[ScanSummary, int]:
    """Scan in a child process; relay its progress, group live, pause and cancel it here.

    ``hooks.should_stop`` blocks while the caller pauses: the child is held first (when
    ``hooks.paused`` says a pause is asked for) and let go when it returns.
    """
    from faceorganizer.core.faces.scan_process import start_scan
    from faceorganizer.core.metadata.names import import_names

    stop = hooks.should_stop or (lambda: False)
    paused = hooks.paused or (lambda: False)
    live = _LiveGrouping(db, request, hooks) if request.live_interval > 0 else None
    handle = start_scan(
        db.path,
        request.roots,
        options=request.engine,
        thumbnails=request.thumbnails,
        import_names=import_names,
        rescan=request.rescan,
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
            if live is not None and not handle.finished:
                live.maybe()
        try:
            summary = handle.wait(timeout=CANCEL_WAIT_S)
        except TimeoutError:
            log.warning("the scan did not stop within %.0f s: ended", CANCEL_WAIT_S)
            handle.terminate()
            summary = handle.wait(timeout=CANCEL_WAIT_S)
    finally:
        if not handle.finished:  # the caller raised: never leave the child running
            handle.terminate()
    return summary, pid


class _LiveGrouping:
    """Groups the faces found so far every so often; always answers "do not stop"."""

    def __init__(self, db: Database, request: ScanRequest, hooks: ScanHooks) -> None:
        self.db, self.request, self.hooks = db, request, hooks
        self.at = time.monotonic()
        self.every = request.live_interval

    def maybe(self) -> bool:
        from faceorganizer.core.people.grouping import regroup
        from faceorganizer.core.store.browse import load_people

        if time.monotonic() - self.at < self.every or self.db.conn.in_transaction:
            return False
        started = time.monotonic()
        try:
            regroup(self.db, self.request.grouping)
            if self.hooks.people is not None:
                self.hooks.people(load_people(self.db, include_hidden=self.request.include_hidden))
        except Exception as exc:  # noqa: BLE001 - the final grouping reports errors
            log.warning("live grouping failed: %s", exc)
        self.at = time.monotonic()
        self.every = max(self.request.live_interval, LIVE_SHARE * (self.at - started))
        return False
