"""A write-ahead log that lies beside the database before we open it.

SQLite applies whatever ``library.db-wal`` it finds, and it cannot tell whether that log was
written for this database: a log copied in from another library is applied silently and
mixes the two. Our own logs come with their index (``-shm``): a running FaceOrganizer keeps
both, and one that was killed leaves both behind. So before the database is opened:

- a log whose frames rewrite the database's first page with another program's application id
  belongs to another database: the library is refused, untouched, with the reason;
- a log without its index is not known to be ours: the database file is copied aside first
  (``library.db.before-wal.bak``) and the user is told, so applying it is never silent and
  can be taken back.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import struct
from pathlib import Path

log = logging.getLogger(__name__)

_WAL_MAGIC = (0x377F0682, 0x377F0683)
_HEADER = 32
_FRAME_HEADER = 24
_MAX_FRAMES = 1_000_000  # a log is read only until its frames stop matching its header


class ForeignLog(Exception):
    """The write-ahead log beside the database was written for another database."""


def _first_page_app_ids(wal: Path) -> list[int]:
    """The application ids written by the log's valid frames of page 1 (SQLite's own rule for
    which frames count: their salts equal the header's)."""
    ids: list[int] = []
    with open(wal, "rb") as f:
        header = f.read(_HEADER)
        if len(header) < _HEADER:
            return ids
        magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", header[:24])
        if magic not in _WAL_MAGIC or page_size < 512 or page_size & (page_size - 1):
            return ids  # not a log SQLite would apply
        for _ in range(_MAX_FRAMES):
            frame = f.read(_FRAME_HEADER)
            if len(frame) < _FRAME_HEADER:
                break
            page_no, _commit, s1, s2 = struct.unpack(">4I", frame[:16])
            if (s1, s2) != (salt1, salt2):
                break
            if page_no == 1:
                page = f.read(page_size)
                if len(page) < 72:
                    break
                if page[:16] == b"SQLite format 3\x00":
                    ids.append(struct.unpack(">I", page[68:72])[0])
            else:
                f.seek(page_size, os.SEEK_CUR)
    return ids


def guard_stray_log(path: Path, app_id: int, *, readonly: bool = False) -> str | None:
    """Check ``path``'s write-ahead log before SQLite applies it (see the module's docstring).

    Raises ForeignLog for another database's log; returns a notice (already logged) when the
    database was copied aside before a log without its index is applied; else None. A
    read-only opening writes nothing, so it copies nothing either (it never folds the log in).
    """
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    try:
        if not path.exists() or wal.stat().st_size <= _HEADER:
            return None
        ids = _first_page_app_ids(wal)
    except OSError:
        return None  # SQLite will say what is wrong with it
    foreign = [i for i in ids if i not in (0, app_id)]
    if foreign:
        raise ForeignLog(
            f"{wal} was written for another database (application id {foreign[0]:#x}), not this"
            " library: move it away and the library opens as it is; nothing was changed"
        )
    if shm.exists() or readonly:
        return None  # our own: a running FaceOrganizer, or one that was stopped mid-write
    backup = path.with_name(path.name + ".before-wal.bak")
    shutil.copy2(path, backup)
    os.chmod(backup, stat.S_IRUSR | stat.S_IWUSR)
    notice = (
        f"a write-ahead log without its index lay beside {path.name} ({wal.name}) and was"
        f" applied; if it came from another library, the library as it was is kept in"
        f" {backup.name}"
    )
    log.warning("%s", notice)
    return notice
