"""Scan control: start a scan in the background, show its progress, pause, resume, cancel.

The scan and its grouping run in a child process (``ScanRequest.child_process``): the job on
the worker thread only relays progress and people, so the window never waits for the scan's
Python code to hand back the interpreter lock. A folder added while a scan runs is scanned when
that scan ends.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

from faceorganizer.core.library import Library
from faceorganizer.gui.changed import Changed
from faceorganizer.gui.heap import freeze_heap
from faceorganizer.gui.window_base import WindowBase
from faceorganizer.gui.worker import Job, JobContext

LIVE_INTERVAL_S = 4.0
# the window shows a scan's progress four times a second: each showing repaints the status bar
# and the People page's placeholder (the child reports every 0.1 s)
PROGRESS_INTERVAL_S = 0.25
PACE_PHOTOS = 3  # photos timed after the first before the time left is estimated


@dataclasses.dataclass
class ScanOptions:
    """What a scan job needs from the settings (copied on the GUI thread)."""

    roots: list[str]
    device: str
    detect_score: float
    threads: int
    method: str
    threshold: float | None
    live_interval: float = LIVE_INTERVAL_S
    hidden: bool = False
    child_process: bool = True  # scan in a child process (False: on the job's thread)


def run_scan(ctx: JobContext, library: Library, opts: ScanOptions) -> Any:
    """The scan job (worker thread): the library's scan, then its grouping step; the outcome.

    Every ``opts.live_interval`` seconds the faces found so far are grouped and the people
    sent to the window as progress ``("people", items)``: people appear while the scan runs.
    """
    from faceorganizer.core.library.scanning import (
        ScanHooks,
        ScanRequest,
        incremental_grouping,
    )
    from faceorganizer.core.records import EngineOptions

    last = [0.0]

    def progress(p: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S or p.done >= p.total:
            last[0] = now
            ctx.progress(dataclasses.replace(p))

    request = ScanRequest(
        roots=opts.roots,
        engine=EngineOptions(
            device=opts.device, detect_score=opts.detect_score, threads=opts.threads
        ),
        grouping=incremental_grouping(opts.method, opts.threshold),
        live_interval=opts.live_interval,
        include_hidden=opts.hidden,
        thumbnails=True,
        child_process=opts.child_process,
    )
    hooks = ScanHooks(
        progress=progress,
        should_stop=ctx.should_stop,
        paused=lambda: ctx.paused,
        cancelled=lambda: ctx.cancelled,
        grouping=lambda: ctx.progress("grouping"),
        people=lambda items: ctx.progress(("people", items)),
    )
    return library.scan(request, hooks)


class ScanControl(WindowBase):
    """The window's scan: the status-bar widgets and what they do."""

    live_interval_s: float
    scan_in_child: bool  # the scan runs in a child process (the app's way)
    scan_queue: list[str]  # folders added while a scan ran: scanned when it ends
    scan_job: Job | None
    last_summary: Any
    last_scan_pid: int  # the process that scanned the photos last time
    scan_started: float
    scan_pace_from: tuple[int, float] | None  # (photos done, seconds) when the pace is timed from
    scan_heap_frozen: bool  # freeze_heap() ran since the scan started
    scan_label: QLabel
    scan_bar: QProgressBar
    pause_button: QPushButton
    cancel_button: QPushButton

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.scan_label = QLabel("", self)
        self.scan_bar = QProgressBar(self)
        self.scan_bar.setMaximumWidth(260)
        self.scan_bar.setTextVisible(True)
        self.pause_button = QPushButton("Pause", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button.clicked.connect(self.cancel_scan)
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            bar.addPermanentWidget(w)
            w.hide()
        # the scan's progress once: in the People placeholder while it shows, else the status bar
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(0)  # after the scan control has shown its widgets
        self._progress_timer.timeout.connect(self.progress_once)
        self.people_view.placeholder_changed.connect(self._progress_timer.start)
        self.stack.currentChanged.connect(lambda _i: self._progress_timer.start())

    def progress_once(self) -> None:
        """Show the scan's progress in one place: the status bar hides its label and bar while
        the People page's placeholder shows them (the first scan)."""
        view = self.people_view
        here = self.stack.currentWidget() is view and view.shows_scan_progress()
        running = bool(view.scan_status)  # set by the scan control from start to end
        for w in (self.scan_label, self.scan_bar):
            w.setVisible(running and not here)

    def scan_options(self) -> ScanOptions:
        """The scan's options from the settings."""
        s = self.settings
        return ScanOptions(
            roots=self.folders,
            device=s.device,
            detect_score=s.detect_score,
            threads=s.threads,
            method=s.method,
            threshold=s.threshold,
            live_interval=self.live_interval_s,
            hidden=self.show_hidden,
            child_process=self.scan_in_child,
        )

    def scanning(self) -> bool:
        """Whether a scan is under way."""
        return self.jobs.busy("scan")

    def start_scan(self) -> None:
        """Scan new and changed photos in the background, then group them."""
        self.scan_folders(self.folders)

    def scan_folders(self, roots: list[str]) -> None:
        """Scan new and changed photos of ``roots``; while a scan runs, queue them for after it."""
        if not self.ready or not roots:
            return
        if self.scanning():
            self.scan_queue.extend(r for r in roots if r not in self.scan_queue)
            return
        opts, library = self.scan_options(), self.library
        opts.roots = list(roots)
        self.scan_started = time.monotonic()
        self.scan_pace_from = None
        self.scan_heap_frozen = False
        self.scan_job = self.jobs.submit(
            lambda ctx: run_scan(ctx, library, opts),
            on_result=self._scan_done,
            on_error=self._scan_failed,
            on_progress=self._scan_progress,
            on_finished=self._scan_ended,
            channel="scan",
            name="scan",
        )
        self.scan_label.setText("Looking for photos…")
        self.people_view.set_scan_status("Looking for photos…")
        self.scan_bar.setRange(0, 0)
        self.pause_button.setText("Pause")
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            w.show()
        self.act_scan.setEnabled(False)

    def _scan_progress(self, p: Any) -> None:
        if not self.scan_heap_frozen:  # the scan's modules are imported by its first progress
            self.scan_heap_frozen = True
            freeze_heap()
        if isinstance(p, tuple) and p[0] == "people":
            self.people_model.set_people(p[1])
            return
        if p == "grouping":
            self.scan_label.setText("Grouping faces…")
            self.scan_bar.setRange(0, 0)
            self.people_view.set_scan_status("Grouping faces…")
            return
        self.scan_bar.setRange(0, max(1, p.total))
        self.scan_bar.setValue(p.done)
        self.scan_bar.setFormat(f"{p.done} / {p.total}")
        left = ""
        secs = self._time_left(p.done, p.total, p.elapsed)
        if secs is not None:
            left = f" · about {_duration(secs)} left"
        paused = " (paused)" if self.scan_job is not None and self.scan_job.ctx.paused else ""
        self.scan_label.setText(
            f"Scanning: {p.done} of {p.total} photos, {p.faces} faces{left}{paused}"
        )
        self.people_view.set_scan_status(self.scan_label.text(), p.done, p.total)

    def _time_left(self, done: int, total: int, elapsed: float) -> float | None:
        """Seconds left, from the pace since the first photo was done: the time before it
        (loading the models, walking the folders) is paid once, and counting it made the
        first estimate 8× too long (issue 31). None until a pace is known."""
        if not done or total <= done:
            return None
        if self.scan_pace_from is None or done < self.scan_pace_from[0]:
            self.scan_pace_from = (done, elapsed)
            return None
        first_done, first_elapsed = self.scan_pace_from
        if done - first_done < PACE_PHOTOS:
            return None
        per_photo = (elapsed - first_elapsed) / (done - first_done)
        return per_photo * (total - done)

    def _scan_done(self, outcome: Any) -> None:
        summary = outcome.summary
        self.last_summary = summary
        self.last_scan_pid = outcome.pid
        rows = list(summary.skipped) + [(w.path, w.reason) for w in summary.problems]
        self.add_errors(rows)
        self.statusBar().showMessage(
            f"Scan done: {summary.processed} new or changed photos, {summary.faces_found} faces"
            f" ({summary.elapsed:.1f} s)",
            10000,
        )

    def _scan_failed(self, exc: BaseException) -> None:
        kind = type(exc).__name__
        # the scan process's failure already names the child's error: "ModelError: …"
        self.add_errors([("(scan)", str(exc) if kind == "ScanFailed" else f"{kind}: {exc}")])
        self.statusBar().showMessage(f"Scan failed: {exc}", 10000)

    def _scan_ended(self) -> None:
        self.scan_job = None
        for w in (self.scan_label, self.scan_bar, self.pause_button, self.cancel_button):
            w.hide()
        self.act_scan.setEnabled(True)
        self.people_view.set_scan_status("")
        self.thumbs.forget_failures()
        queued, self.scan_queue = self.scan_queue, []
        folders = self.folders
        queued = [f for f in queued if f in folders]  # not removed in the meantime
        if queued:
            self.scan_folders(queued)  # first: the counts wait for its end
        # anything may have changed; the counts, not counted while the scan ran, are due now
        self.broadcast(Changed(everything=True, scan_ended=True))

    def toggle_pause(self) -> None:
        """Pause or resume the scan (between photos)."""
        job = self.scan_job
        if job is None:
            return
        if job.ctx.paused:
            job.resume()
            self.pause_button.setText("Pause")
        else:
            job.pause()
            self.pause_button.setText("Resume")
            self.scan_label.setText(self.scan_label.text() + " (paused)")

    def cancel_scan(self) -> None:
        """Stop the scan; what was scanned stays."""
        if self.scan_job is not None:
            self.scan_queue.clear()  # folders added meanwhile wait for the next scan too
            self.scan_job.cancel()
            self.statusBar().showMessage("Scan cancelled", 5000)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
