"""The window's actions (menu items, shortcuts) and where they appear: menus, context menus,
the person page's toolbar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from faceorganizer.gui.changed import Changed
from faceorganizer.gui.window_base import WindowBase

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


PHOTOS_OF_SELECTED = "P&hotos of Selected People"


def _amp(text: str) -> str:
    """Text shown as is in a menu (a single & would mark a shortcut)."""
    return text.replace("&", "&&")


class WindowMenus(WindowBase):
    """Builds the actions; each calls the window method of the same job."""

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        *,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        w = cast("MainWindow", self)  # the slots live in the other parts of the window
        self.act_add_folder = a("&Add Photo Folder…", w.add_folder, "Ctrl+O")
        self.act_scan = a("&Scan for New Photos", w.start_scan, "Ctrl+R")
        self.act_find_photo = a("&Find by Photo…", w.find_by_photo, "Ctrl+F")
        self.act_compare_photos = a("&Compare Two Photos…", w.comparisons.compare_photos)
        self.act_compare_faces = a("&Same Person?", w.comparisons.compare_selected_faces)
        self.act_export = a("&Export Albums…", w.open_export, "Ctrl+E")
        self.act_import_names = a("&Import Names From…", self.open_import_names)
        self.act_settings = a("Se&ttings…", w.open_settings, QKeySequence.StandardKey.Preferences)
        self.act_quit = a("&Quit", w.close, QKeySequence.StandardKey.Quit)
        self.act_undo = a("&Undo", w.people_actions.undo, QKeySequence.StandardKey.Undo)
        self.act_undo.setObjectName("actUndo")
        self.act_redo = a("&Redo", w.history.redo, QKeySequence.StandardKey.Redo)
        self.act_redo.setObjectName("actRedo")
        self.act_rename = a("&Name / Rename…", w.people_actions.rename, "F2")
        self.act_merge = a("&Merge Selected People", w.people_actions.merge_selected, "Ctrl+M")
        self.act_hide = a("&Hide / Show Person", w.people_actions.toggle_hidden_person, "Ctrl+H")
        self.act_not_this = a("&Not This Person", w.people_actions.not_this_person, "Del")
        self.act_move = a("Mo&ve to Person…", w.people_actions.move_faces, "Ctrl+Shift+M")
        self.act_ignore = a("&Ignore Faces", w.people_actions.ignore_faces, "Ctrl+I")
        self.act_unignore = a("Stop &Ignoring", w.people_actions.unignore_faces)
        self.act_cover = a("Use as &Cover", w.people_actions.set_cover)
        self.act_people = a("&People", w.show_people, "Ctrl+1")
        self.act_unsorted = a("&Unsorted Faces", w.pages.unsorted.show_unsorted, "Ctrl+2")
        self.act_unsorted.setObjectName("actUnsorted")
        self.act_review = a("&Same Person? Questions", w.pages.review.show_review, "Ctrl+3")
        self.act_review.setObjectName("actReview")
        self.act_photos = a(PHOTOS_OF_SELECTED, w.pages.photos.show_photos, "Ctrl+P")
        self.act_show_hidden = a(
            "Show &Hidden People",
            w.pages.people.toggle_show_hidden,
            "Ctrl+Shift+H",
            checkable=True,
        )
        self.act_ignored = a("I&gnored Faces", w.pages.person.show_ignored)
        self.act_errors = self.errors_dock.toggleViewAction()
        self.act_errors.setText("P&roblems Panel")
        self.act_back = a("&Back", self.go_back)
        self.act_back.setObjectName("actBack")
        self.act_back.setShortcuts(
            [QKeySequence("Esc"), QKeySequence("Backspace"), QKeySequence("Alt+Left")]
        )
        self.act_back.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.act_shortcuts = a("&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.act_shortcuts.setObjectName("actShortcuts")
        self.act_about = a("&About FaceOrganizer", self.show_about)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for act in (
            self.act_add_folder,
            self.act_scan,
            self.act_find_photo,
            self.act_compare_photos,
            None,
            self.act_export,
            self.act_import_names,
            None,
        ):
            file_menu.addSeparator() if act is None else file_menu.addAction(act)
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = menu.addMenu("&Edit")
        for act in (
            self.act_undo,
            self.act_redo,
            None,
            self.act_rename,
            self.act_merge,
            self.act_hide,
            None,
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
            None,
            self.act_compare_faces,
        ):
            edit.addSeparator() if act is None else edit.addAction(act)
        view = menu.addMenu("&View")
        for act in (
            self.act_people,
            self.act_unsorted,
            self.act_review,
            self.act_photos,
            None,
            self.act_show_hidden,
            self.act_ignored,
            self.act_errors,
            None,
            self.act_back,
        ):
            view.addSeparator() if act is None else view.addAction(act)
        help_menu = menu.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

        self.people_view.menu_actions = [
            self.act_rename,
            self.act_merge,
            self.act_photos,
            None,
            self.act_hide,
            self.act_export,
        ]
        self.person_view.menu_actions = [
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
            None,
            self.act_compare_faces,  # two faces selected
        ]
        w.pages.unsorted.view.menu_actions = [self.act_compare_faces]  # two faces selected
        self._person_toolbar()
        # "Photos of NAME" / "Photos with all of them": the action says whose photos it shows
        self.people_view.list.selectionModel().selectionChanged.connect(
            lambda *_a: self.update_photos_action()
        )
        self.stack.currentChanged.connect(lambda _i: self.update_photos_action())
        self.people_model.dataChanged.connect(lambda *_a: self.update_photos_action())
        self.update_photos_action()

    def open_import_names(self) -> None:
        """File ▸ Import Names From…: Picasa, digiKam or Takeout names (preview, then import)."""
        from faceorganizer.gui.dialogs.import_dialog import ImportNamesDialog

        w = cast("MainWindow", self)

        def imported(changes: Any) -> None:
            # anything may have changed: every page reads again what it shows
            w.broadcast(Changed.after(changes, everything=True))

        self.import_dialog = ImportNamesDialog(w.jobs, w.library, imported, parent=self)
        self.import_dialog.open()

    def go_back(self) -> None:
        """Back from the page shown (Esc, Backspace, Alt+Left)."""
        page = self.stack.currentWidget()
        back = getattr(page, "back", None)
        if back is not None and hasattr(back, "emit"):
            back.emit()

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts."""
        from faceorganizer.gui.help_dialog import ShortcutsDialog

        actions = [a for a in self.actions() if isinstance(a, QAction)]
        self.shortcuts_dialog = ShortcutsDialog(actions, self)
        self.shortcuts_dialog.open()

    def show_about(self) -> None:
        """Help ▸ About."""
        from faceorganizer import __version__

        self.ask.info(
            self,
            "About FaceOrganizer",
            f"FaceOrganizer {__version__}: finds the faces in your photos and groups them by "
            "person, offline, on this computer. Your photos are only ever read.",
        )

    def update_photos_action(self) -> None:
        """Name the photos action after whom it shows: the person page's person, or the
        people selected in the grid."""
        w = cast("MainWindow", self)
        ids = w.selected_people()
        if len(ids) > 1:
            text = "P&hotos with All of Them"
        elif ids:
            item = self.people_model.item(ids[0])
            name = item.name if item is not None else None
            text = f"P&hotos of {_amp(name)}" if name else "P&hotos of This Group"
        else:
            text = PHOTOS_OF_SELECTED
        self.act_photos.setText(text)

    def _person_toolbar(self) -> None:
        tb = self.person_view.toolbar
        tb.clear()
        if self.face_mode == "ignored":
            tb.addAction(self.act_unignore)
            return
        for act in (
            self.act_rename,
            self.act_not_this,
            self.act_move,
            self.act_ignore,
            self.act_cover,
            self.act_photos,
        ):
            tb.addAction(act)
