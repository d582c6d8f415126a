"""A scan as a user asks for it: find faces in new or changed photos, then group them.

Grouping is an explicit step after a complete scan (``ScanRequest.group``), and optionally a
live step during it (``ScanRequest.live_interval``): between two photos, while the scan holds
no write transaction, the faces found so far are grouped and the people handed to
``ScanHooks.people``, so people appear while the scan runs.
"""

from __future__ import annotations

import logging
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


@dataclass
class ScanHooks:
    """Plain callbacks a face passes in (all optional, all called on the scanning thread)."""

    progress: Callable[[ScanProgress], None] | None = None
    should_stop: Callable[[], bool] | None = None  # may block while paused
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


def run_scan(db: Database, request: ScanRequest, hooks: ScanHooks | None = None) -> ScanOutcome:
    """Scan ``request.roots`` into ``db``; then, unless cancelled, group the new faces."""
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.metadata.names import import_names
    from faceorganizer.core.people.grouping import regroup
    from faceorganizer.core.store.people import PeopleRepository

    hooks = hooks or ScanHooks()
    stop = hooks.should_stop or (lambda: False)
    live = _LiveGrouping(db, request, hooks) if request.live_interval > 0 else None
    summary = scan_library(
        db,
        request.roots,
        options=request.engine,
        progress=hooks.progress,
        should_stop=(lambda: stop() or live.maybe()) if live is not None else stop,
        thumbnails=request.thumbnails,
        import_names=import_names,
        rescan=request.rescan,
    )
    changes = None
    cancelled = summary.cancelled or (hooks.cancelled is not None and hooks.cancelled())
    if request.group and not cancelled:
        if hooks.grouping is not None:
            hooks.grouping()
        changes = regroup(db, request.grouping)
    people = len(PeopleRepository(db).list_people(include_hidden=True))
    return ScanOutcome(summary, changes, people)


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
