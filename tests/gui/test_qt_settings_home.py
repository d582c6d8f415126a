"""Qt's own settings stay in the data folder: a folder picked in a file dialog must not leave
``~/.config/QtProject.conf`` behind (no file outside the data folder), and the window's own
settings file stays where it always was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication, QFileDialog
from faceorganizer.gui.app import keep_qt_settings_in
from faceorganizer.gui.settings import open_qsettings

if sys.argv[1] == "fixed":
    keep_qt_settings_in(Path(sys.argv[2]))
app = QApplication([])
dialog = QFileDialog(None, "Add a folder", sys.argv[3])
dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
dialog.setFileMode(QFileDialog.FileMode.Directory)
dialog.show()
app.processEvents()
dialog.close()
del dialog  # the dialog writes its last folder when it is destroyed
store = open_qsettings()
store.setValue("probe", 1)
store.sync()
print(store.fileName())
"""


def _run(tmp_path: Path, mode: str) -> tuple[list[str], str]:
    home = tmp_path / mode
    data = home / "data"
    photos = home / "photos"
    photos.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("FACEORGANIZER_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(data), str(photos)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = sorted(
        str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and data not in p.parents
    )
    return written, done.stdout.strip()


def test_a_file_dialog_leaves_no_qt_file_outside_the_data_folder(tmp_path: Path) -> None:
    written, settings = _run(tmp_path, "fixed")
    # the window's own settings: the file QSettings("FaceOrganizer", "FaceOrganizer") used
    assert settings == str(tmp_path / "fixed" / ".config" / "FaceOrganizer" / "FaceOrganizer.conf")
    assert written == [".config/FaceOrganizer/FaceOrganizer.conf"], written


def test_without_it_qt_writes_its_own_file_into_the_users_config(tmp_path: Path) -> None:
    """The defect the fix answers, so the first test cannot pass for a wrong reason."""
    written, _ = _run(tmp_path, "plain")
    assert ".config/QtProject.conf" in written, written
