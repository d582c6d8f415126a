"""Which photos missing from a scan are gone, and which are only offline.

A photo is forgotten (with its faces and every decision on them) only when its folder is
present, readable and says the photo is gone: the walk listed the folder (or the nearest folder
above it, which no longer holds the photo's subfolder), on the device the photo was found on.
Everything else keeps the photo, marked offline: a drive mounted inside the library and
unplugged (its mount point is then an empty folder on another device), a folder linked in by a
symlink whose target is unreachable (a NAS), a folder that became unreadable, a root that is
missing. When they come back their photos are unchanged rows: nothing is read or asked again.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from faceorganizer.core.photos.discover import FoundFile, ListedFolder, raw_path, under_any
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.photos import PhotoRepository, PhotoRow

log = logging.getLogger(__name__)


@dataclass
class Missing:
    """Stored photos the walk did not find: ``gone`` (may be forgotten) and ``offline``."""

    gone: list[PhotoRow] = field(default_factory=list)
    offline: list[PhotoRow] = field(default_factory=list)


def sort_missing(
    rows: Iterable[PhotoRow],
    roots: list[str],
    listed: dict[str, ListedFolder],
    found: list[FoundFile],
) -> Missing:
    """Split stored photos under ``roots`` that the walk did not find into gone and offline."""
    seen_in = {os.path.dirname(f.path) for f in found}  # folders that hold photos found now
    out = Missing()
    for row in rows:
        path = os.fsdecode(row.raw_path)
        if not under_any(path, roots):
            continue
        (out.gone if _folder_says_gone(path, row, roots, listed, seen_in) else out.offline).append(
            row
        )
    return out


def _folder_says_gone(
    path: str,
    row: PhotoRow,
    roots: list[str],
    listed: dict[str, ListedFolder],
    seen_in: set[str],
) -> bool:
    """Whether the nearest listed folder above ``path`` shows the photo is gone."""
    here = path
    while True:
        folder = os.path.dirname(here)
        if folder == here or not under_any(folder, roots):
            return False  # no folder of the library could be read: offline
        info = listed.get(folder)
        if info is None:
            here = folder
            continue
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            pass  # the listed folder no longer holds it
        except OSError as exc:
            log.info("%s is kept: %s", path, exc.strerror or exc)
            return False
        else:
            if here == path:
                if stat.S_ISREG(st.st_mode):
                    return False  # there, only not walked (hidden, renamed extension): keep
                if stat.S_ISLNK(st.st_mode):
                    return False  # a link to a file that cannot be reached now: offline
                # a folder (or pipe) now stands where the photo was: the photo is gone
            elif not stat.S_ISREG(st.st_mode):
                # a subfolder that is there but was not listed: unreadable, or a link whose
                # target is offline (a NAS)
                return False
            # else a file replaced the subfolder: what was in it is gone
        if info.entries == 0:
            # an empty folder that held photos: the mount point of an unplugged drive (a bind
            # mount's has even the same device number); kept until the folder itself is removed
            return False
        if row.dev is None:
            return info.entries > 0  # stored before devices were recorded
        return info.dev == row.dev or folder in seen_in


def record_walk(
    database: Database,
    photos: PhotoRepository,
    known: dict[bytes, PhotoRow],
    found: list[FoundFile],
    missing: Missing,
) -> None:
    """Note each photo's device, and which photos are offline now (and which are back)."""
    devices: list[tuple[int, int]] = []
    back: list[int] = []
    for f in found:
        row = known.get(raw_path(f.path))
        if row is None:
            continue
        if f.dev is not None and row.dev != f.dev:
            devices.append((row.id, f.dev))
        if row.offline:
            back.append(row.id)
    newly = [r.id for r in missing.offline if not r.offline]
    if devices or back or newly:
        with database.transaction():
            photos.set_devices(devices)
            photos.set_offline(back, False)
            photos.set_offline(newly, True)


def forget_gone(
    database: Database,
    photos: PhotoRepository,
    gone: list[PhotoRow],
    claimed: set[int],
) -> int:
    """Delete the rows of photos gone from their folder (checked once more: still not there)."""
    doomed = [row.id for row in gone if row.id not in claimed and not _still_there(row)]
    if doomed:
        with database.transaction():
            photos.delete(doomed)
    return len(doomed)


def _still_there(row: PhotoRow) -> bool:
    try:
        return stat.S_ISREG(os.stat(os.fsdecode(row.raw_path)).st_mode)
    except OSError as exc:
        # a file that cannot be looked at now (EACCES, EIO) is not known to be gone
        return exc.errno not in (errno.ENOENT, errno.ENOTDIR)
