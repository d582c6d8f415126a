"""A consistent copy of a library database (for work that must not touch the original)."""

from __future__ import annotations

from pathlib import Path

from faceorganizer.core.store.db import Database


def copy_database(source: str | Path, target: str | Path) -> None:
    """Write a consistent copy of ``source`` to ``target`` (which must not exist yet)."""
    with Database(source, readonly=True) as src:
        src.conn.execute("VACUUM INTO ?", (Path(target).as_posix(),))
