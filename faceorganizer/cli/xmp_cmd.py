"""``faceorganizer xmp write|import``: face regions in XMP sidecars, for other photo tools."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown


def register(sub: Any) -> None:
    """Add the ``xmp`` command group to the parser."""
    p = sub.add_parser("xmp", help="write named faces to XMP sidecars, or import names from XMP")
    xsub = p.add_subparsers(dest="xmp_command", metavar="ACTION", required=True)

    w = xsub.add_parser("write", help="write MWG face regions and name keywords to sidecars")
    add_db_option(w)
    w.add_argument(
        "--person",
        action="append",
        dest="people",
        default=None,
        metavar="NAME",
        help="only this person (repeat for more); default: every named person",
    )
    w.add_argument("--dry-run", action="store_true", help="show what would be written")
    w.add_argument(
        "--naming",
        choices=["photo.jpg.xmp", "photo.xmp"],
        default="photo.jpg.xmp",
        help="sidecar name (default photo.jpg.xmp: digiKam, Immich, darktable)",
    )
    w.set_defaults(handler=cmd_write)

    i = xsub.add_parser("import", help="name faces from the regions in photos' XMP")
    add_db_option(i)
    i.set_defaults(handler=cmd_import)


def cmd_write(args: argparse.Namespace) -> int:
    """Write sidecars; one line per file and a summary line (exit 1 when a write failed)."""
    from faceorganizer.core.library.errors import XmpError

    def on_sigterm(signum: int, frame: object) -> None:
        # like Ctrl-C: the sidecar being written is removed, the written ones stay, and the
        # user is told (the default action would end the process silently, mid-write)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        report = open_library(args).write_xmp(
            person_names=args.people, naming=args.naming, dry_run=args.dry_run
        )
    except XmpError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 1
    for f in report.files:
        if f.action != "failed":
            names = ", ".join(shown(n) for n in f.names)
            print(f"{f.action}: {shown(f.sidecar)} ({f.regions} region(s): {names})")
    for path, reason in report.skipped:
        print(f"skipped: {shown(path)}: {shown(reason)}")
    for path, reason in report.failed:
        print(f"failed: {shown(path)}: {shown(reason)}")
    failed = f" failed={len(report.failed)}" if report.failed else ""
    print(
        f"xmp: files={len(report.written)} regions={report.regions}"
        f" skipped={len(report.skipped)} dry_run={'yes' if args.dry_run else 'no'}{failed}"
    )
    if report.failed:
        print(f"error: {len(report.failed)} sidecar(s) could not be written", file=sys.stderr)
        return 1
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import names from XMP regions; one line per decision, the regions line, a summary line."""
    report = open_library(args).import_names()
    result = report.result
    for path, name, face_id in result.assigned:
        print(f"assigned: {shown(path)}: face {face_id} -> {shown(name)}")
    for path, name, face_id, reason in result.conflicts:
        print(f"conflict: {shown(path)}: face {face_id} not named {shown(name)}: {shown(reason)}")
    for path, name in report.unmatched:
        print(f"unmatched: {shown(path)}: no face for {shown(name)}")
    for path, reason in report.skipped:
        print(f"skipped: {shown(path)}: {shown(reason)}")
    print(report.counts.line())
    print(
        f"xmp import: photos={report.photos} regions={report.regions}"
        f" assigned={len(result.assigned)} already={len(result.already)}"
        f" conflicts={len(result.conflicts)} unmatched={len(report.unmatched)}"
        f" new_people={len(result.created_people)}"
    )
    return 0
