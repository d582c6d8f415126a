"""Where things live and the defaults, in one place."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "FaceOrganizer"


def data_dir() -> Path:
    """The per-user data folder ($FACEORGANIZER_HOME overrides it)."""
    env = os.environ.get("FACEORGANIZER_HOME")
    if env:
        if os.path.exists(env) and not os.path.isdir(env):
            raise NotADirectoryError(
                f"FACEORGANIZER_HOME names {env}, which is a file: it must be a folder"
            )
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The library database used when ``--db`` is not given."""
    return data_dir() / "library.db"
