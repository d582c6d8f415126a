"""The SQLite file: opening it safely, its pragmas, numbered migrations, one writer at a time."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from faceorganizer.core.store.names import clean_name, name_key
from faceorganizer.core.store.wal_guard import ForeignLog, guard_stray_log

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

APP_ID = 0x46614F72  # "FaOr": marks a database as ours


class StoreError(RuntimeError):
    """The database cannot be used (not ours, too new, damaged, busy)."""


class StoreWriteError(StoreError):
    """A write failed (disk full, read-only, I/O error); its transaction was rolled back."""


# the tables every FaceOrganizer database has, from its first schema on
_OUR_TABLES = frozenset({"photos", "faces"})


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    """One line a user understands for an SQLite failure, saying what became of the data."""
    text = str(exc)
    low = text.lower()
    whole = "the unfinished step was rolled back and the database is whole"
    if "full" in low:
        return f"the disk is full ({text}): {whole}; free some space and run it again"
    if "readonly" in low or "read-only" in low:
        return f"the database cannot be written any more ({text}): {whole}"
    if "disk i/o" in low:
        return f"the disk failed while writing ({text}): {whole}"
    if "locked" in low or "busy" in low:
        return f"the database is busy: another FaceOrganizer is writing to it ({text})"
    if is_damage(exc):
        return (
            f"the database is damaged ({text}): nothing was changed; restore a backup"
            " (library.db.vN.bak beside it) or scan into a new library"
        )
    return f"database error: {text}"


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether an SQLite failure says the file is damaged (a table dropped, pages corrupt)."""
    low = str(exc).lower()
    return any(w in low for w in ("no such table", "no such column", "malformed", "not a database"))


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered migration, in order."""
    out = []
    folder = resources.files("faceorganizer.core.store") / "migrations"
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def schema_version() -> int:
    """The schema version this build writes."""
    return _migrations()[-1][0]


class Database:
    """One connection to a FaceOrganizer database, migrated to the current schema."""

    def __init__(self, path: str | Path, *, readonly: bool = False, busy_timeout_s: float = 10.0):
        self.path = Path(path)
        self.readonly = readonly
        self.busy_timeout_ms = int(busy_timeout_s * 1000)
        if not readonly:
            _create_private(self.path)
        elif not self.path.exists():
            raise StoreError(f"no database at {self.path} (scan a folder first)")
        try:
            # a log copied in beside the database is never applied silently (wal_guard.py)
            self.notice = guard_stray_log(self.path, APP_ID, readonly=readonly)
        except ForeignLog as exc:
            raise StoreError(str(exc)) from exc
        uri = f"file:{self.path}?mode=ro" if readonly else f"file:{self.path}"
        try:
            self.conn = sqlite3.connect(
                uri,
                uri=True,
                timeout=busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            version = self._check_identity()  # before any pragma that would change the file
            # the one rule for names, usable by migrations (0003 cleans and keys stored names)
            self.conn.create_function("faceorganizer_clean_name", 1, clean_name, deterministic=True)
            self.conn.create_function("faceorganizer_name_key", 1, name_key, deterministic=True)
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(version)
        except StoreError:
            self.conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if _is_write_failure(exc):
                # a full disk is not a damaged library: say so, or a user may delete a good one
                raise StoreWriteError(describe_sqlite_error(exc)) from exc
            raise StoreError(f"{self.path} is not a usable FaceOrganizer database: {exc}") from exc
        self._utils: sqlite_utils.Database | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection as ``sqlite_utils`` sees it (imported on first use: importing it took
        a tenth of a second of every start, window and command line alike)."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    # -- schema -------------------------------------------------------------------------------
    def _check_identity(self) -> int:
        """The schema version of a database that is ours; StoreError, file untouched, if not.

        Ours: empty (new), or marked with our application id and holding our tables. Anything
        else (another program's SQLite file, whatever its ``user_version``) is refused before a
        single byte of it is written.
        """
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        app_id = int(self.conn.execute("PRAGMA application_id").fetchone()[0])
        names = {
            row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        objects = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and objects == 0 and version == 0:
            if self.readonly:
                raise StoreError(f"{self.path} is empty: not a FaceOrganizer library yet")
            return 0
        if app_id != APP_ID:
            raise StoreError(
                f"{self.path} is not a FaceOrganizer database (another program's SQLite file);"
                " it was left untouched"
            )
        if version > 0 and not names >= _OUR_TABLES:
            raise StoreError(
                f"{self.path} is damaged: tables {sorted(_OUR_TABLES - names)} missing"
            )
        return version

    def _migrate(self, version: int) -> None:
        target = schema_version()
        if version > target:
            raise StoreError(
                f"{self.path} was written by a newer FaceOrganizer (schema {version} > {target})"
            )
        if version == target:
            return
        if self.readonly:
            raise StoreError(f"{self.path} needs a schema upgrade; open it writable once")
        if version > 0:
            self._backup(version)
        for number, name, sql in _migrations():
            if number <= version:
                continue
            log.info("migrating %s to schema %d (%s)", self.path.name, number, name)
            with self.transaction():
                for statement in _split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
                self.conn.execute(f"PRAGMA application_id = {APP_ID}")

    def _backup(self, version: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(self.path, backup)
        os.chmod(backup, stat.S_IRUSR | stat.S_IWUSR)
        log.info("backed up %s to %s before migrating", self.path.name, backup.name)

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; waits for another writer."""
        start = time.monotonic()
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if _is_write_failure(exc):
                    raise StoreWriteError(describe_sqlite_error(exc)) from exc
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() - start > 60:
                    raise StoreError(
                        f"{self.path.name} is busy: another FaceOrganizer is writing to it"
                    ) from exc
                time.sleep(0.05)
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.OperationalError) and _is_write_failure(exc):
                raise StoreWriteError(describe_sqlite_error(exc)) from exc
            raise

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (a full disk, an I/O error)
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("rollback failed: %s", exc)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_write_failure(exc: sqlite3.Error) -> bool:
    low = str(exc).lower()
    return any(w in low for w in ("full", "readonly", "read-only", "disk i/o"))


def _split_sql(sql: str) -> list[str]:
    """Statements of a migration file (no semicolons inside strings in our migrations); a
    trigger's body (``BEGIN … END;``) stays one statement."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    out: list[str] = []
    pending = ""
    for part in "\n".join(lines).split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending.strip().rstrip(";").strip())
            pending = ""
    if pending.strip(" \n;"):
        out.append(pending.strip().rstrip(";").strip())
    return out


def _create_private(path: Path) -> None:
    """Create the database folder and file readable by the user only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
