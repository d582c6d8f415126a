"""Rows of the library_folders table: the folders a library is made of."""

from __future__ import annotations

import time

from faceorganizer.core.store.db import Database


class FolderRepository:
    """Reads and writes the library's folders (paths as text, in the order they were added)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def paths(self) -> list[str]:
        """Every folder, oldest first."""
        rows = self.database.conn.execute(
            "SELECT path FROM library_folders ORDER BY added_at, rowid"
        )
        return [str(r[0]) for r in rows]

    def add(self, paths: list[str]) -> None:
        """Add folders (a folder already there keeps its place); one transaction."""
        now = time.time()
        with self.database.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO library_folders (path, added_at) VALUES (?, ?)",
                [(p, now) for p in paths],
            )

    def remove(self, paths: list[str]) -> None:
        """Forget folders (their photos stay in the library until a scan finds them gone)."""
        with self.database.transaction() as conn:
            conn.executemany("DELETE FROM library_folders WHERE path = ?", [(p,) for p in paths])
