"""The one way the window runs background work: jobs on Qt thread pools, results by signal.

A job is a plain function ``fn(ctx) -> result`` run on a pool thread. ``ctx.progress(value)``
reports progress, ``ctx.should_stop()`` asks whether to stop (and waits while the job is
paused: a cooperative pause between units of work). Results, errors and progress arrive on the
GUI thread through queued signals.

Every job carries a generation stamp for its channel; submitting a newer job on the same
channel makes older results stale, and stale results are dropped. A cancelled job delivers no
result and no error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

JobFn = Callable[["JobContext"], Any]

_registry: weakref.WeakSet[Jobs] = weakref.WeakSet()
_running_lock = threading.Lock()
_running = 0  # job functions executing right now, over every Jobs instance


def running_jobs() -> int:
    """How many job functions are executing now (all pools)."""
    with _running_lock:
        return _running


def thumbnail_threads(cores: int | None = None) -> int:
    """Threads that load thumbnails: two, but one on a machine of two cores or fewer, where a
    second would take the CPU (and the interpreter lock) from the GUI thread while it paints
    the thumbnails the first one loaded (``benchmarks/gui_bench.py --explain``)."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return 1 if cores <= 2 else 2


def all_pools() -> list[QThreadPool]:
    """Every pool any live Jobs instance uses (the global one included)."""
    from shiboken6 import isValid

    pools = [QThreadPool.globalInstance()]
    for jobs in list(_registry):
        pools.extend(p for p in jobs.pools.values() if isValid(p) and p not in pools)
    return pools


class JobContext:
    """What a job function sees: progress, stop and pause."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._cancel = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled."""
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        """Whether the job is paused."""
        return not self._resume.is_set()

    def cancel(self) -> None:
        """Ask the job to stop; it delivers nothing."""
        self._cancel.set()
        self._resume.set()

    def pause(self) -> None:
        """Make ``should_stop`` wait until resumed or cancelled."""
        if not self._cancel.is_set():
            self._resume.clear()

    def resume(self) -> None:
        """Let a paused job go on."""
        self._resume.set()

    def should_stop(self) -> bool:
        """True when the job should end now; blocks while paused."""
        while not self._resume.wait(0.1):
            pass
        return self._cancel.is_set()

    def progress(self, value: object) -> None:
        """Report progress to the GUI thread (ignored once cancelled)."""
        if not self._cancel.is_set():
            self._job.signals.progress.emit(value)


class JobSignals(QObject):
    """Signals of one job, living on the GUI thread."""

    progress = Signal(object)
    done = Signal(object, object)  # result, exception (one of them is None)


class Job(QRunnable):
    """One function on a pool thread."""

    def __init__(self, fn: JobFn, channel: str | None, generation: int, name: str) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.channel = channel
        self.generation = generation
        self.name = name
        self.signals = JobSignals()
        self.ctx = JobContext(self)
        self.finished = threading.Event()

    def run(self) -> None:
        global _running
        with _running_lock:
            _running += 1
        result: Any = None
        error: BaseException | None = None
        try:
            if not self.ctx.cancelled:
                result = self.fn(self.ctx)
        except Exception as exc:  # noqa: BLE001 - delivered to the GUI as an error
            log.debug("job %s failed", self.name, exc_info=True)
            error = exc
        finally:
            with _running_lock:
                _running -= 1
            self.finished.set()
        with contextlib.suppress(RuntimeError):  # the receiver is gone (window closed)
            self.signals.done.emit(result, error)

    # -- control (GUI thread) ---------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the job; nothing will be delivered."""
        self.ctx.cancel()

    def pause(self) -> None:
        """Pause at the job's next ``should_stop``."""
        self.ctx.pause()

    def resume(self) -> None:
        """Continue a paused job."""
        self.ctx.resume()


class Jobs(QObject):
    """Submits jobs to named pools and delivers their results on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        work = QThreadPool.globalInstance()
        work.setMaxThreadCount(max(4, work.maxThreadCount()))
        ops = QThreadPool(self)
        ops.setMaxThreadCount(1)  # user operations run one after another, in order
        thumbs = QThreadPool(self)
        thumbs.setMaxThreadCount(thumbnail_threads())
        self.pools: dict[str, QThreadPool] = {"work": work, "ops": ops, "thumbs": thumbs}
        self._generation: dict[str, int] = {}
        self._active: set[Job] = set()
        self._closed = False
        _registry.add(self)

    # -- submit -----------------------------------------------------------------------------
    def submit(
        self,
        fn: JobFn,
        *,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        channel: str | None = None,
        replace: bool = False,
        pool: str = "work",
        priority: int = 0,
        name: str = "",
    ) -> Job:
        """Run ``fn(ctx)`` in the background; callbacks run on the GUI thread.

        ``channel``: results of older jobs on the same channel are dropped; with ``replace``
        the older ones are also cancelled. ``on_finished`` runs once the job ended, whatever
        happened (also when cancelled or stale).
        """
        generation = 0
        if channel is not None:
            generation = self._generation.get(channel, 0) + 1
            self._generation[channel] = generation
            if replace:
                for old in list(self._active):
                    if old.channel == channel:
                        old.cancel()
        job = Job(fn, channel, generation, name or getattr(fn, "__name__", "job"))
        if on_progress is not None:
            job.signals.progress.connect(lambda v, j=job: self._progress(j, v, on_progress))
        job.signals.done.connect(
            lambda r, e, j=job: self._done(j, r, e, on_result, on_error, on_finished)
        )
        if self._closed:  # the window is closing: nothing new starts (a late timer, say)
            job.cancel()
            return job
        self._active.add(job)
        self.pools[pool].start(job, priority)
        return job

    def is_current(self, job: Job) -> bool:
        """Whether no newer job was submitted on the job's channel."""
        return job.channel is None or self._generation.get(job.channel) == job.generation

    def _progress(self, job: Job, value: Any, cb: Callable[[Any], None]) -> None:
        if not job.ctx.cancelled and self.is_current(job):
            cb(value)

    def _done(
        self,
        job: Job,
        result: Any,
        error: BaseException | None,
        on_result: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_finished: Callable[[], None] | None,
    ) -> None:
        self._active.discard(job)
        try:
            if job.ctx.cancelled or not self.is_current(job) or self._closed:
                return
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log.warning("background job %s failed: %s", job.name, error)
            elif on_result is not None:
                on_result(result)
        finally:
            if on_finished is not None and not self._closed:
                on_finished()

    # -- state ------------------------------------------------------------------------------
    def active(self, channel: str | None = None) -> list[Job]:
        """Jobs submitted and not yet delivered (of one channel)."""
        return [j for j in self._active if channel is None or j.channel == channel]

    def busy(self, channel: str) -> bool:
        """Whether a job of this channel is still under way."""
        return any(j.channel == channel for j in self._active)

    def cancel(self, channel: str | None = None) -> None:
        """Cancel the jobs of one channel (or all)."""
        for job in self.active(channel):
            job.cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel everything and wait for the pools; True when every thread is idle."""
        self._closed = True
        self.cancel()
        ok = True
        for pool in self.pools.values():
            pool.clear()
            ok = pool.waitForDone(timeout_ms) and ok
        self._active.clear()
        return ok
