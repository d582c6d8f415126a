"""``faceorganizer import picasa|digikam|takeout PATH``: names tagged in other programs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown

MAX_LISTED = 200  # lines of each kind printed; the counts always cover everything


def register(sub: Any) -> None:
    """Add the ``import`` command to the parser."""
    p = sub.add_parser(
        "import",
        help="import face names tagged in Picasa, digiKam or Google Takeout",
        description="Name the library's faces as another program tagged them: Picasa's "
        ".picasa.ini files, digiKam's digikam4.db, or a Google Takeout folder's JSON sidecars. "
        "One undoable change; a face you already named otherwise is reported, never renamed.",
    )
    p.add_argument("source", choices=["picasa", "digikam", "takeout"], help="the program")
    p.add_argument(
        "path",
        type=Path,
        help="picasa: a folder (or one .picasa.ini); digikam: digikam4.db; takeout: a folder",
    )
    add_db_option(p)
    p.add_argument("--dry-run", action="store_true", help="show what would be imported")
    p.add_argument(
        "--contacts", type=Path, default=None, metavar="FILE", help="picasa: Picasa's contacts.xml"
    )
    p.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="digikam: the photos digiKam knew under OLD are now under NEW (repeatable)",
    )
    p.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Import; one line per decision (at most 200 of each kind), the regions and import lines."""
    from faceorganizer.core.library.importing import ImportRequest, SourceError

    if args.contacts is not None and args.source != "picasa":
        print("error: --contacts is for picasa", file=sys.stderr)
        return 2
    if args.root and args.source != "digikam":
        print("error: --root is for digikam", file=sys.stderr)
        return 2
    request = ImportRequest(args.source, args.path, args.contacts, args.root, args.dry_run)
    try:
        report = open_library(args).import_from(request)
    except SourceError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 2
    result = report.result
    verb = "would assign" if args.dry_run else "assigned"
    for path, name, face_id in result.assigned[:MAX_LISTED]:
        face = "a face from metadata" if face_id < 0 else f"face {face_id}"
        print(f"{verb}: {shown(path)}: {face} -> {shown(name)}")
    for path, name, face_id, reason in result.conflicts[:MAX_LISTED]:
        print(f"conflict: {shown(path)}: face {face_id} not named {shown(name)}: {shown(reason)}")
    for path, name in report.ambiguous[:MAX_LISTED]:
        print(f"ambiguous: {shown(path)}: which face is {shown(name)} is not certain")
    for path, name in report.unmatched[:MAX_LISTED]:
        print(f"unmatched: {shown(path)}: no face for {shown(name)}")
    for path in report.not_in_library[:MAX_LISTED]:
        print(f"not in library: {shown(path)}")
    for path, reason in report.skipped[:MAX_LISTED]:
        print(f"skipped: {shown(path)}: {shown(reason)}")
    print(report.counts.line())
    print(report.summary(args.source))
    return 0
