"""Finding photo files under library folders: safe against loops, odd names and vanishing disks."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PHOTO_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".webp",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".gif",
        ".heic",
        ".heif",
        ".avif",
    }
)


@dataclass(frozen=True)
class FoundFile:
    """A candidate photo: its path and the stat facts that tell whether it changed."""

    path: str
    size: int
    mtime_ns: int
    dev: int | None = None  # the device it lies on (an unplugged drive's mount point differs)


@dataclass(frozen=True)
class ListedFolder:
    """A folder the walk listed: present and readable, so what it lacks is gone from it."""

    dev: int  # its device, to tell a drive's mount point from the drive
    entries: int  # names in it (0: perhaps the empty mount point of an unplugged drive)


@dataclass(frozen=True)
class WalkProblem:
    """A place under a root that could not be read."""

    path: str
    reason: str


def display_path(path: str) -> str:
    """A printable form of a path whose bytes may not be valid UTF-8."""
    return os.fsencode(path).decode("utf-8", "replace")


def raw_path(path: str) -> bytes:
    """The exact bytes of a path, the identity we store."""
    return os.fsencode(path)


def is_photo_name(name: str) -> bool:
    """Whether a file name carries a photo extension."""
    return os.path.splitext(name)[1].lower() in PHOTO_EXTENSIONS


def walk_photos(
    roots: list[str],
    problems: list[WalkProblem] | None = None,
    should_stop: Callable[[], bool] | None = None,
    listed: dict[str, ListedFolder] | None = None,
) -> Iterator[FoundFile]:
    """Every photo file under ``roots`` once, sorted per folder; hidden folders are skipped.

    Directory symlinks are followed, but each real directory is visited once, so a symlink loop
    ends. Problems (unreadable folders, broken links) are appended to ``problems``; every folder
    listed (present and readable) is put in ``listed`` by its path as walked.
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    problems = problems if problems is not None else []

    def on_error(err: OSError) -> None:
        problems.append(WalkProblem(display_path(str(err.filename)), err.strerror or str(err)))

    for root in roots:
        root = os.path.abspath(root)
        try:
            st = os.stat(root)
        except OSError as exc:
            problems.append(WalkProblem(display_path(root), exc.strerror or str(exc)))
            continue
        if stat.S_ISREG(st.st_mode):
            if is_photo_name(root):
                yield FoundFile(root, st.st_size, st.st_mtime_ns, st.st_dev)
            continue
        for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
            if should_stop and should_stop():
                return
            try:
                dst = os.stat(dirpath)
            except OSError as exc:
                problems.append(WalkProblem(display_path(dirpath), exc.strerror or str(exc)))
                dirnames[:] = []
                continue
            key = (dst.st_dev, dst.st_ino)
            if key in seen_dirs:
                dirnames[:] = []  # a loop or a second link to a folder already walked
                continue
            seen_dirs.add(key)
            if listed is not None:
                listed[dirpath] = ListedFolder(dst.st_dev, len(dirnames) + len(filenames))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or not is_photo_name(name):
                    continue
                full = os.path.join(dirpath, name)
                try:
                    fst = os.stat(full)
                except OSError as exc:
                    problems.append(WalkProblem(display_path(full), exc.strerror or str(exc)))
                    continue
                if not stat.S_ISREG(fst.st_mode):
                    continue
                fkey = (fst.st_dev, fst.st_ino)
                if fkey in seen_files:
                    continue
                seen_files.add(fkey)
                yield FoundFile(full, fst.st_size, fst.st_mtime_ns, fst.st_dev)


def under_any(path: str, roots: list[str]) -> bool:
    """Whether ``path`` lies under one of ``roots``."""
    p = Path(path)
    return any(p == Path(r) or Path(r) in p.parents for r in roots)
