"""``faceorganizer export --person NAME ... --to DIR``"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown
from faceorganizer.core.library.errors import PeopleError


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("export", help="copy or link a person's photos into album folders")
    add_db_option(p)
    p.add_argument("--person", action="append", required=True, dest="people")
    p.add_argument("--to", required=True, type=Path)
    p.add_argument("--mode", choices=["copy", "hardlink", "symlink"], default="copy")
    p.add_argument("--together", action="store_true", help="one album: photos with all of them")
    p.add_argument(
        "--by-date",
        choices=["year", "month"],
        help="one folder per year or month taken ('Anna 2019'; 'Anna undated')",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export albums."""
    library = open_library(args)
    try:
        people = library.resolve(args.people)
    except PeopleError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 1
    albums = [(p.id, p.name or f"group {p.id}") for p in people]
    done = library.export_albums(
        albums, args.to, together=args.together, mode=args.mode, by_date=args.by_date
    )
    result = done.result
    for src, reason in result.failed:
        print(f"failed: {shown(_display(src))}: {shown(reason)}")
    for dest in result.copied_instead_of_linked:
        # asked for hard links (no extra space) and got copies: say so
        print(f"copied: {shown(_display(dest))}: a hard link is not possible there; copied instead")
    print(
        f"export: albums={len(done.albums)} written={len(result.written)}"
        f" already_there={len(result.skipped_existing)} failed={len(result.failed)}"
        f" to={shown(args.to)} copied_instead_of_linked={len(result.copied_instead_of_linked)}"
    )
    return 0 if not result.failed else 1


def _display(path: Path) -> str:
    """A path printable whatever its bytes (a name that is not UTF-8 shows U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")
