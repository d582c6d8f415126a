"""File ▸ Import Names From…: a dry-run preview off the GUI thread, then one undoable import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faceorganizer.core.store.db import Database
from tests import import_fixtures as fx
from tests.conftest import shared_set


def _names(win: Any) -> set[str]:
    return {p.name for p in win.people_items() if p.name}


def test_import_names_dialog_previews_then_imports_and_undo_takes_it_back(
    qtbot: Any, library_window: Any, tmp_path: Path
) -> None:
    win = library_window
    wanted = {"couple.jpg": ["Alice", "Bob"], "img1.jpg": ["Anna"]}
    tags, sizes = [], {}
    with Database(win.library.db_path, readonly=True) as db:
        for photo, names in wanted.items():
            rows = db.conn.execute(
                "SELECT p.width, p.height, f.x, f.y, f.w, f.h FROM faces f JOIN photos p"
                " ON p.id = f.photo_id WHERE p.path = ? ORDER BY f.idx",
                (str(shared_set("celebrities") / photo),),
            ).fetchall()
            for name, (w, h, x, y, fw, fh) in zip(names, rows, strict=True):
                tags.append(fx.Tag(photo, name, (x / w, y / h, fw / w, fh / h)))
                sizes[photo] = (w, h)
    (tmp_path / "dk").mkdir()
    source = tmp_path / "dk" / "digikam4.db"
    fx.write_digikam(source, "/home/old/Pictures", "/celebrities", tags, sizes)
    assert not _names(win) & {"Alice", "Bob", "Anna"}

    win.act_import_names.trigger()
    dialog = win.import_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.source.setCurrentIndex(dialog.source.findData("digikam"))
    dialog.path.setText(str(source))
    dialog.root_old.setText("/home/old/Pictures")
    dialog.root_new.setText(str(shared_set("celebrities").parent))
    dialog.preview_button.click()
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=20000)
    text = dialog.summary.text()
    assert text.startswith("Would import 3 face name(s): 3 people (3 new), in 2 photo(s)"), text
    assert "Ambiguous (left aside): 0; conflicts with names you gave: 0" in text
    assert not _names(win) & {"Alice", "Bob", "Anna"}  # a preview writes nothing

    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.summary.text().startswith("Imported 3"), timeout=20000)
    qtbot.waitUntil(lambda: {"Alice", "Bob", "Anna"} <= _names(win), timeout=10000)
    # the Edit menu names the import as what Undo would undo
    qtbot.waitUntil(lambda: "Import 3 names" in win.act_undo.text(), timeout=10000)
    win.people_actions.undo()
    qtbot.waitUntil(lambda: not _names(win) & {"Alice", "Bob", "Anna"}, timeout=10000)
    dialog.close()
