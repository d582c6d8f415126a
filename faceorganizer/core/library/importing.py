"""Import the names a user gave faces in another program: Picasa, digiKam, Google Takeout.

``import_from`` is the one use case the window and the command line call: read the source
(``core/metadata``: ``picasa``, ``digikam``, ``takeout``), place its names on the library's
faces as XMP names are placed (``names.import_foreign``), in one people operation (one
transaction, one undo step), or with ``dry_run`` decide everything and write nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faceorganizer.core.metadata.foreign import SOURCES, ForeignRead, SourceError
from faceorganizer.core.metadata.names import NamesImport
from faceorganizer.core.store.db import Database

__all__ = ["SOURCES", "ImportRequest", "SourceError", "import_from", "read_source"]


@dataclass
class ImportRequest:
    """Which program's names to import, from where, and how."""

    source: str  # "picasa", "digikam" or "takeout"
    path: Path  # a folder (Picasa, Takeout), an ini file (Picasa) or digikam4.db
    contacts: Path | None = None  # Picasa's contacts.xml
    roots: list[str] = field(default_factory=list)  # digiKam: OLD=NEW path prefixes
    dry_run: bool = False


def read_source(request: ImportRequest) -> ForeignRead:
    """The source's records; SourceError (one line) when it cannot be used at all."""
    if request.source == "picasa":
        from faceorganizer.core.metadata.picasa import read_picasa

        return read_picasa(request.path, request.contacts)
    if request.source == "digikam":
        from faceorganizer.core.metadata.digikam import parse_roots, read_digikam

        try:
            roots = parse_roots(request.roots)
        except ValueError as exc:
            raise SourceError(str(exc)) from exc
        return read_digikam(request.path, roots)
    if request.source == "takeout":
        from faceorganizer.core.metadata.takeout import read_takeout

        return read_takeout(request.path)
    raise SourceError(f"unknown source {request.source!r} (one of {', '.join(SOURCES)})")


def import_from(
    connect: Callable[[bool], Database],
    request: ImportRequest,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> NamesImport:
    """Read the source, then place and store its names (see the module docstring).

    ``connect(readonly)`` opens the library; a dry run opens it read-only. Faces from metadata
    load the models only when a box has no detected face and it is not a dry run.
    """
    from faceorganizer.core.faces.engines import shared_engine
    from faceorganizer.core.metadata.names import import_foreign

    started = time.monotonic()
    read = read_source(request)
    with connect(request.dry_run) as db:
        report = import_foreign(
            db,
            read,
            engine_factory=lambda: shared_engine(None),
            dry_run=request.dry_run,
            should_stop=should_stop,
            progress=progress,
        )
    report.seconds = time.monotonic() - started
    return report
