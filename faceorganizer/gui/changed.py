"""The window's one notification after a write: ``ChangeHub.broadcast(Changed)``.

Every write the window makes (a people operation through ``run_op``, undo, redo, a face
drawn by hand, an import of names, the end of a scan, the library's folders) ends in one
broadcast; every page and the undo history subscribe and each decides what to redraw
(Anki's ``operation_did_execute``: the operation does not know who shows what).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from faceorganizer.core.records import Changes, PersonItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changed:
    """What one write changed.

    ``people`` holds the changed people's rows, read in the write's own job so the People grid
    needs no second trip; ``everything`` (a scan, an import) means anything may have changed:
    re-read what is shown.
    """

    changes: Changes = field(default_factory=Changes)
    people: list[PersonItem] = field(default_factory=list)
    everything: bool = False
    scan_ended: bool = False  # the counts wait while a scan runs: due now
    folders: bool = False  # the library's folders changed (their photos stay until a scan)

    @classmethod
    def after(
        cls,
        changes: Changes | None,
        people: list[PersonItem] | None = None,
        *,
        everything: bool = False,
    ) -> Changed:
        """After a write that returned ``changes`` (None: it did nothing, as Undo with nothing
        to undo)."""
        return cls(changes if changes is not None else Changes(), people or [], everything)

    @property
    def label(self) -> str:
        """The write's name for Undo ("Named 5 faces Anna"), or ""."""
        return self.changes.label


class Subscriber(Protocol):
    """A page (or the undo history) told of every write."""

    def library_changed(self, change: Changed) -> None:
        """Redraw what ``change`` concerns, if shown."""


class ChangeHub:
    """The subscribers, told in the order they subscribed."""

    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Tell ``subscriber`` of every write from now on."""
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)

    def broadcast(self, change: Changed) -> None:
        """Tell every subscriber, once each."""
        log.debug("changed: %r", change.changes)
        for subscriber in list(self.subscribers):
            subscriber.library_changed(change)
