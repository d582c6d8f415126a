"""The People page: the grid of people (loaded in the background, updated in place after a
write) and its counts of unsorted faces and "same person?" questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from faceorganizer.core.records import PersonItem
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.page import Page
from faceorganizer.gui.people_view import PeopleView
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

COUNTS_DELAY_MS = 300  # writes in a row are counted once


class PeoplePage(Page):
    """The people grid and its counts."""

    view: PeopleView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, PeopleView(win.people_model, win))
        self.model = win.people_model
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_DELAY_MS)
        self._counts_timer.timeout.connect(self.refresh_counts)
        model = self.model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(lambda *_a: self._counts_timer.start())

    def library_changed(self, change: Changed) -> None:
        """The grid: the changed people's rows in place (everything: read again); the counts
        after a pause (at once when a scan ended: not counted while it ran)."""
        if change.everything:
            self.refresh_people()
        elif change.changes:
            self.model.apply(change.changes, change.people)
        if change.scan_ended:
            self.refresh_counts()
        elif not change.folders:
            self._counts_timer.start()

    # -- people ---------------------------------------------------------------------------------
    def refresh_people(self) -> None:
        """Reload the people grid in the background (older loads are dropped)."""
        library, hidden = self.win.library, self.win.show_hidden

        def load(_ctx: JobContext) -> list[PersonItem]:
            return library.people(include_hidden=hidden)

        self.win.jobs.submit(load, on_result=self.model.set_people, channel="people", replace=True)

    def people_items(self) -> list[PersonItem]:
        """People in the grid, in display order."""
        return [i for pid in self.model.ids() if (i := self.model.item(pid))]

    def show_people(self) -> None:
        """The people page."""
        win = self.win
        win.current_person = None
        if not win.folders and not self.model.rowCount():
            win.stack.setCurrentWidget(win.welcome)
        else:
            win.stack.setCurrentWidget(self.view)

    def selected_people(self) -> list[int]:
        """People the user points at: the grid's selection, or the person page's person."""
        win = self.win
        if win.stack.currentWidget() is win.person_view and win.current_person is not None:
            return [win.current_person]
        return self.view.selected_ids()

    def toggle_show_hidden(self) -> None:
        """Show or hide hidden people in the grid."""
        self.win.show_hidden = self.win.act_show_hidden.isChecked()
        self.refresh_people()

    # -- counts ---------------------------------------------------------------------------------
    def refresh_counts(self) -> None:
        """How many unsorted faces and questions there are (background)."""
        win = self.win
        if not win.ready or win.scanning():
            return  # while a scan runs people change every few seconds: counted at its end
        if win.jobs.busy("people"):
            # the People view first: the count (seconds for 20,000 groups) arrives after it
            self._counts_timer.start()
            return
        library = win.library

        def job(ctx: JobContext) -> tuple[int, int]:
            # exact (each answer is one); stops when a newer count replaces this one
            def replaced() -> bool:
                return ctx.cancelled

            return library.unsorted_count(), library.question_count(should_stop=replaced)

        win.jobs.submit(
            job,
            on_result=lambda v: self.view.set_extra_counts(*v),
            channel="extra-counts",
            replace=True,
        )

    def counts_due(self) -> bool:
        """Whether a count waits to be asked for (benchmarks wait for it)."""
        return self._counts_timer.isActive()
