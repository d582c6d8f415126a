"""The window's settings in QSettings (organisation "FaceOrganizer").

With ``$FACEORGANIZER_HOME`` set, settings live in ``$FACEORGANIZER_HOME/settings.ini`` (tests
and portable installs); ``$FACEORGANIZER_DB`` overrides the library database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from faceorganizer.core.library import APP_NAME, data_dir, default_db_path

DEVICES = ("auto", "cpu", "cuda")
METHODS = ("agglomerative", "hdbscan")


def open_qsettings() -> QSettings:
    """The QSettings store for this user (or for $FACEORGANIZER_HOME)."""
    if os.environ.get("FACEORGANIZER_HOME"):
        path = data_dir() / "settings.ini"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return QSettings(str(path), QSettings.Format.IniFormat)
    # the file QSettings(APP_NAME, APP_NAME) always used, named: Qt's own settings are sent to
    # the data folder (gui/app.keep_qt_settings_in), ours stay where users have them
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return QSettings(str(config / APP_NAME / f"{APP_NAME}.conf"), QSettings.Format.IniFormat)


class AppSettings:
    """Typed access to the settings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or open_qsettings()

    def _get(self, key: str, default: Any) -> Any:
        value = self.store.value(key, default)
        return default if value is None else value

    # -- library ----------------------------------------------------------------------------
    @property
    def folders(self) -> list[str]:
        """Library folders."""
        value = self._get("library/folders", [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in value]

    @folders.setter
    def folders(self, value: list[str]) -> None:
        self.store.setValue("library/folders", list(value))

    @property
    def db_path(self) -> Path:
        """The library database ($FACEORGANIZER_DB, else the last one, else the default)."""
        env = os.environ.get("FACEORGANIZER_DB")
        if env:
            return Path(env)
        value = self._get("library/db", "")
        return Path(str(value)) if value else default_db_path()

    @db_path.setter
    def db_path(self, value: Path) -> None:
        self.store.setValue("library/db", str(value))

    # -- engine -----------------------------------------------------------------------------
    @property
    def device(self) -> str:
        """auto, cpu or cuda."""
        value = str(self._get("engine/device", "auto"))
        return value if value in DEVICES else "auto"

    @device.setter
    def device(self, value: str) -> None:
        self.store.setValue("engine/device", value)

    @property
    def detect_score(self) -> float:
        """Detection threshold."""
        from faceorganizer.core.records import DEFAULT_DETECT_SCORE

        return float(self._get("engine/detect_score", DEFAULT_DETECT_SCORE))

    @detect_score.setter
    def detect_score(self, value: float) -> None:
        self.store.setValue("engine/detect_score", float(value))

    @property
    def threads(self) -> int:
        """Inference threads of the scan inside the window (few, so the window stays fluid)."""
        return max(1, int(self._get("engine/threads", 1)))

    @property
    def method(self) -> str:
        """Clustering method."""
        value = str(self._get("grouping/method", "agglomerative"))
        return value if value in METHODS else "agglomerative"

    @method.setter
    def method(self, value: str) -> None:
        self.store.setValue("grouping/method", value)

    @property
    def threshold(self) -> float | None:
        """Clustering strictness (cosine distance); None: the measured default."""
        value = self._get("grouping/threshold", "")
        return float(value) if value not in ("", None) else None

    @threshold.setter
    def threshold(self, value: float | None) -> None:
        self.store.setValue("grouping/threshold", "" if value is None else float(value))

    @property
    def scan_on_start(self) -> bool:
        """Scan new and changed photos when the window opens."""
        value = self._get("library/scan_on_start", True)
        return value in (True, "true", "1", 1)

    @scan_on_start.setter
    def scan_on_start(self, value: bool) -> None:
        self.store.setValue("library/scan_on_start", bool(value))

    def sync(self) -> None:
        """Write to disk."""
        self.store.sync()
