"""Pieces every command shares: the --db option and opening the library."""

from __future__ import annotations

import argparse
from pathlib import Path

from faceorganizer.core.library import Library, StoreError, check_data_dir, default_db_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db FILE``, defaulting to the per-user library."""
    parser.add_argument(
        "--db", type=Path, default=None, help=f"library database (default: {default_db_path()})"
    )


def open_library(
    args: argparse.Namespace, *, readonly: bool = False, create: bool = False
) -> Library:
    """The library named by ``--db`` (or the default one).

    Only ``create`` (a scan) makes a new library: for any other command a mistyped ``--db``
    is refused, not answered with an empty library made there (and its folders).
    """
    if args.db is None:
        check_data_dir()
    path = args.db or default_db_path()
    if not create and not readonly and not Path(path).exists():
        raise StoreError(f"no library at {path} (scan a folder first, or check --db)")
    return Library(path, readonly=readonly)
