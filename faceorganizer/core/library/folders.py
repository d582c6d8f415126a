"""The folders a library is made of, kept in the library itself.

``scan FOLDER`` records its roots and the window adds and removes folders through the same
rule, so the window and the command line see one library. A folder inside one already listed
adds nothing (its photos are already scanned with it: ``scan --rescan`` of one folder of the
library must not list it twice); a folder that holds listed ones takes their place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from faceorganizer.core.store.db import Database
from faceorganizer.core.store.folders import FolderRepository


def normalised(path: str) -> str:
    """A folder as the library lists it: absolute, ``~`` expanded, symlinks kept."""
    return os.path.abspath(os.path.expanduser(path))


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it."""
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives (Windows)
        return False


def library_folders(db: Database) -> list[str]:
    """The library's folders, in the order they were added."""
    return FolderRepository(db).paths()


def add_folders(db: Database, paths: Iterable[str]) -> list[str]:
    """Add folders (see the module's rule); the library's folders afterwards."""
    repo = FolderRepository(db)
    known = repo.paths()
    added: list[str] = []
    for path in (normalised(p) for p in paths):
        if any(_inside(path, k) for k in [*known, *added]):
            continue
        added = [a for a in added if not _inside(a, path)]
        added.append(path)
    if not added:
        return known
    covered = [k for k in known if any(_inside(k, a) for a in added)]
    if covered:
        repo.remove(covered)
    repo.add(added)
    return repo.paths()


def remove_folders(db: Database, paths: Iterable[str]) -> list[str]:
    """Forget folders (their photos stay until a scan of the library); the folders afterwards."""
    repo = FolderRepository(db)
    gone = {normalised(p) for p in paths}
    repo.remove([k for k in repo.paths() if k in gone])
    return repo.paths()
