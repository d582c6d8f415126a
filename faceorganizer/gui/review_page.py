"""The "Same person?" page: the questions the library asks, one at a time (yes, no, or
someone new)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faceorganizer.gui.captions import pair_captions
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.page import Page
from faceorganizer.gui.review_view import Question, ReviewView
from faceorganizer.gui.worker import JobContext

if TYPE_CHECKING:
    from faceorganizer.gui.main_window import MainWindow

REVIEW_FACES = 5


class ReviewPage(Page):
    """The "same person?" questions."""

    view: ReviewView

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win, ReviewView(win.thumbs, win))
        self.view.answered.connect(self._answered)
        self.view.someone_new.connect(self._someone_new)

    def library_changed(self, change: Changed) -> None:
        """Shown: the questions asked again (an answer, a name or a merge settles some)."""
        if self.is_shown():
            self.load_review()

    def show_review(self) -> None:
        """The "same person?" questions page."""
        self.win.current_person = None
        self.win.stack.setCurrentWidget(self.view)
        self.view.setFocus()
        self.load_review()

    def load_review(self) -> None:
        library = self.win.library

        def job(_ctx: JobContext) -> list[Question]:
            # all of them: the page's count is the number of answers it will ask for
            return [
                Question(q.suggestion, *pair_captions(q.person_a, q.person_b), q.faces_a, q.faces_b)
                for q in library.questions(faces_per_side=REVIEW_FACES)
            ]

        self.win.jobs.submit(job, on_result=self.view.set_questions, channel="review", replace=True)

    def _answered(self, question: Question, what: str) -> None:
        s = question.suggestion
        if what == "yes":
            self.win.run_op(lambda lib: lib.answer_question(s, True), label="same person")
        elif what == "no":
            self.win.run_op(lambda lib: lib.answer_question(s, False), label="not the same person")

    def _someone_new(self, question: Question) -> None:
        """ "Someone new — name them": the unnamed group gets a name of its own (a name that
        exists offers the merge, as naming does everywhere)."""
        group = int(question.suggestion.b)
        name = self.win.ask.text(self.win, "Someone new", "Who is this?", "")
        if name and name.strip():
            self.win.people_actions.name_person(group, name.strip())
