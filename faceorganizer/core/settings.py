"""Where things live and the defaults, in one place."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "FaceOrganizer"


def data_dir() -> Path:
    """The per-user data folder ($FACEORGANIZER_HOME overrides it)."""
    env = os.environ.get("FACEORGANIZER_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def check_data_dir() -> None:
    """NotADirectoryError, in words, when the data folder's path names a file (a mistyped
    ``FACEORGANIZER_HOME``) rather than the bare "File exists" of making a folder there."""
    folder = data_dir()
    if folder.exists() and not folder.is_dir():
        env = " (FACEORGANIZER_HOME)" if os.environ.get("FACEORGANIZER_HOME") else ""
        raise NotADirectoryError(f"the data folder {folder}{env} is a file: it must be a folder")


def default_db_path() -> Path:
    """The library database used when ``--db`` is not given."""
    return data_dir() / "library.db"
