"""``faceorganizer export --person NAME ... --to DIR``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from faceorganizer.cli.common import add_db_option, open_db
from faceorganizer.cli.text import shown
from faceorganizer.core.export.albums import Album, export_albums
from faceorganizer.core.people.ops import PeopleError, PeopleOps


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("export", help="copy or link a person's photos into album folders")
    add_db_option(p)
    p.add_argument("--person", action="append", required=True, dest="people")
    p.add_argument("--to", required=True, type=Path)
    p.add_argument("--mode", choices=["copy", "hardlink", "symlink"], default="copy")
    p.add_argument("--together", action="store_true", help="one album: photos with all of them")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export albums."""
    with open_db(args) as db:
        ops = PeopleOps(db)
        try:
            people = [ops.resolve(p) for p in args.people]
        except PeopleError as exc:
            print(f"error: {shown(exc)}", file=sys.stderr)
            return 1
        label = [p.name or f"group {p.id}" for p in people]
        if args.together:
            photos = ops.repo.photos_with_all([p.id for p in people])
            albums = [Album(" & ".join(label), [Path(path) for _i, path in photos])]
        else:
            albums = [
                Album(name, [Path(path) for _i, path in ops.repo.photos_with_all([p.id])])
                for name, p in zip(label, people, strict=True)
            ]
    result = export_albums(albums, args.to, mode=args.mode)
    for src, reason in result.failed:
        print(f"failed: {shown(src)}: {shown(reason)}")
    print(
        f"export: albums={len(albums)} written={len(result.written)}"
        f" already_there={len(result.skipped_existing)} failed={len(result.failed)}"
        f" to={shown(args.to)}"
    )
    return 0 if not result.failed else 1
