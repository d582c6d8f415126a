"""What a user can do with a photo library: the one layer the window and the command line call.

``Library`` is opened on a database file; each use case is a method that opens its own
connection (so any worker thread may call it), does one job through the core's pieces and
returns plain data. The pieces it composes live in ``scanning`` (scan, then group),
``finding`` (find by photo or by a stored face, with the engine and index kept warm) and
``albums`` (which photos go into which album).
"""

from faceorganizer.core.library.library import Library, PersonPage

# plain values and rules the faces show or follow: the app's name and data folder, the default
# library, and the one rule by which names compare (a picker sorts and matches by it)
from faceorganizer.core.people.text import name_key
from faceorganizer.core.settings import APP_NAME, check_data_dir, data_dir, default_db_path
from faceorganizer.core.store.db import (
    StoreError,
    StoreWriteError,
    describe_sqlite_error,
    is_damage,
)


def database_error_text(exc: BaseException) -> str | None:
    """One line for a failure of the database engine (disk full, busy, damaged), else None."""
    import sqlite3

    return describe_sqlite_error(exc) if isinstance(exc, sqlite3.Error) else None


def database_damaged(exc: BaseException) -> bool:
    """Whether a failure of the database engine says the file is damaged."""
    import sqlite3

    return isinstance(exc, sqlite3.Error) and is_damage(exc)


__all__ = [
    "APP_NAME",
    "Library",
    "PersonPage",
    "StoreError",
    "StoreWriteError",
    "check_data_dir",
    "data_dir",
    "database_damaged",
    "database_error_text",
    "default_db_path",
    "name_key",
]
