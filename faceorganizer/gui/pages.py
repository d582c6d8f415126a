"""The window's pages, in one list: the window builds its stack from ``Pages`` and tells every
page of every write.

To add a page: write a ``page.Page`` subclass (its view, its loads, its ``library_changed``)
and add one line to ``Pages.__init__``. ``tests/gui/test_changed.py`` fails for a widget in
the stack that is no listed page, or a page that is not told of writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from faceorganizer.gui.changed import Changed, ChangeHub
from faceorganizer.gui.find_page import FindPage
from faceorganizer.gui.page import Page
from faceorganizer.gui.people_page import PeoplePage
from faceorganizer.gui.person_page import PersonPage
from faceorganizer.gui.photo_pages import PhotosPage, ViewerPage
from faceorganizer.gui.review_page import ReviewPage
from faceorganizer.gui.unsorted_page import UnsortedPage
from faceorganizer.gui.welcome_view import WelcomeView

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow


class WelcomePage(Page):
    """The first page of an empty library: add a folder."""

    view: WelcomeView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, WelcomeView(win))

    def library_changed(self, change: Changed) -> None:
        """Nothing: it shows no photo, face or person."""


class Pages:
    """Every page of the window, in the order of its stack."""

    def __init__(self, win: MainWindow, hub: ChangeHub) -> None:
        self.welcome = WelcomePage(win)
        self.people = PeoplePage(win)
        self.person = PersonPage(win)
        self.photos = PhotosPage(win)
        self.viewer = ViewerPage(win)
        self.find = FindPage(win)
        self.unsorted = UnsortedPage(win)
        self.review = ReviewPage(win)
        self.all: list[Page] = [p for p in vars(self).values() if isinstance(p, Page)]
        for page in self.all:
            win.stack.addWidget(page.view)
            hub.subscribe(page)
