"""Pieces every command shares: the --db option and opening the library."""

from __future__ import annotations

import argparse
from pathlib import Path

from faceorganizer.core.library import Library
from faceorganizer.core.settings import default_db_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db FILE``, defaulting to the per-user library."""
    parser.add_argument(
        "--db", type=Path, default=None, help=f"library database (default: {default_db_path()})"
    )


def open_library(args: argparse.Namespace, *, readonly: bool = False) -> Library:
    """The library named by ``--db`` (or the default one)."""
    return Library(args.db or default_db_path(), readonly=readonly)
