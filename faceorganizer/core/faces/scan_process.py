"""A scan in its own process, so that it never holds the caller's interpreter lock.

The app's window must answer within a frame while a scan runs. A scan on a thread shares the
GUI's interpreter lock with every line of Python it runs between native calls (measured with
``benchmarks/gui_bench.py``: stalls of 44–147 ms). Here the scan runs in a child process
(``spawn`` by default: no inherited threads, locks or Qt state), writes its results to the
database itself, and tells the parent how far it is through a queue; the parent only reads.

    handle = start_scan(db_path, ["/photos"], ScanOptions(engine_options=EngineOptions(threads=1)))
    for state in handle.progress():      # or poll() from a timer
        show(state.done, state.total)
    summary = handle.wait()              # the ScanSummary, or ScanFailed

Work that belongs with the scan but above it (the app's grouping, which this layer may not
import) is passed in as picklable callables run in the child too: ``between(db)`` between two
photos (outside the scan's write transaction; what it returns, unless None, reaches the
parent through ``events()``) and ``after(db, summary)`` once the scan ends uncancelled (its
result is ``after_result``).

``pause()`` holds the child between photos (its write transaction committed first, so the
database stays open to other writers) until ``resume()``; ``cancel()`` asks the child to stop
between photos (what it wrote stays, as after any cancelled scan); ``terminate()`` ends it at
once (its open transaction is rolled back by SQLite, so no photo is half written; a next scan
resumes).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import queue as queue_module
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faceorganizer.core.faces.scan import NameImporter, ScanOptions, ScanProgress, ScanSummary

if TYPE_CHECKING:
    from faceorganizer.core.photos.taken import DateSource
    from faceorganizer.core.store.db import Database

log = logging.getLogger(__name__)


class ScanFailed(RuntimeError):
    """The scan process raised, or ended without a result; the message says why.

    ``detail`` holds the child's traceback when it raised.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class ScanProcess:
    """A running scan in a child process: its progress, its end, and a way to stop it."""

    def __init__(self, process: Any, messages: Any, stop: Any, running: Any = None) -> None:
        self._process = process
        self._messages = messages
        self._stop = stop
        self._running = running  # set: the child goes on; clear: it waits between photos
        self.latest: ScanProgress | None = None  # the newest progress received
        self.summary: ScanSummary | None = None  # set once the scan has finished
        self.warnings: list[str] = []  # the child's warnings (e.g. the device fallback)
        self.error: str | None = None  # one line: why the scan failed
        self.error_detail = ""  # the child's traceback
        self.after_result: Any = None  # what ``after`` returned (None: not run)
        self._fresh: list[ScanProgress] = []
        self._events: list[tuple[str, Any]] = []

    @property
    def pid(self) -> int | None:
        """The child's process id."""
        return int(self._process.pid) if self._process.pid is not None else None

    @property
    def finished(self) -> bool:
        """The scan has ended: with a summary, an error, or a dead process."""
        return self.summary is not None or self.error is not None

    def poll(self, wait: float = 0.0) -> list[ScanProgress]:
        """Progress received since the last call, oldest first.

        Never blocks unless ``wait`` > 0: then it waits up to ``wait`` seconds for a message.
        """
        if wait > 0 and not self.finished:
            self._take(block=True, timeout=wait)
        while self._take(block=False):
            pass
        self._check_alive()
        out, self._fresh = self._fresh, []
        return out

    def progress(self, timeout: float | None = None) -> Iterator[ScanProgress]:
        """Each progress as it arrives, until the scan ends (``timeout``: seconds in all)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.finished:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("the scan is still running")
            if not self._take(block=True):
                self._check_alive()
            out, self._fresh = self._fresh, []
            yield from out
        out, self._fresh = self._fresh, []
        yield from out

    def events(self) -> list[tuple[str, Any]]:
        """What the child told since the last call, oldest first: ``("between", value)`` for
        each result of ``between``, ``("after", None)`` when ``after`` starts."""
        out, self._events = self._events, []
        return out

    @property
    def paused(self) -> bool:
        """Whether the child is held (``pause``)."""
        return self._running is not None and not self._running.is_set()

    def pause(self) -> None:
        """Hold the child after the photo it is on (committing what it wrote) until resumed."""
        if self._running is not None and not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        """Let a paused child go on."""
        if self._running is not None:
            self._running.set()

    def cancel(self) -> None:
        """Ask the scan to stop after the photo it is on; ``wait`` returns its summary."""
        self._stop.set()
        self.resume()

    def terminate(self) -> None:
        """End the child now (a cancel that does not wait for the current photo)."""
        if self._process.is_alive():
            self._process.terminate()

    def wait(self, timeout: float | None = None) -> ScanSummary:
        """The scan's summary once it ends; raises ScanFailed or TimeoutError."""
        for _ in self.progress(timeout):
            pass
        self._process.join(timeout=10)
        if self.error is not None:
            raise ScanFailed(self.error, self.error_detail)
        assert self.summary is not None
        return self.summary

    def _take(self, block: bool, timeout: float = 0.1) -> bool:
        """Handle one message; False when none came (within ``timeout`` when blocking)."""
        try:
            kind, payload = self._messages.get(block, timeout if block else None)
        except queue_module.Empty:
            return False
        if kind == "progress":
            self.latest = payload
            self._fresh.append(payload)
        elif kind == "log":
            level, text = payload
            self.warnings.append(text)
            log.log(level, "%s", text)
        elif kind in ("between", "after"):
            self._events.append((kind, payload))
        elif kind == "done":
            self.summary, self.after_result = payload
        elif kind == "error":
            self.error, self.error_detail = payload
        return True

    def _check_alive(self) -> None:
        if self.finished or self._process.is_alive():
            return
        while self._take(block=False):  # what it sent just before it ended
            pass
        if not self.finished:
            code = self._process.exitcode
            self.error = f"the scan process ended without a result (exit code {code})"


def prepare(method: str = "spawn") -> None:
    """Import now what ``start_scan`` would import on its first call (the start method's
    machinery), and start the semaphore tracker its queue needs: a caller's warm-up."""
    import importlib
    from multiprocessing import resource_tracker

    kind = "win32" if os.name == "nt" else "posix"
    names = ["connection", "queues", "synchronize", "spawn", f"popen_{method}_{kind}"]
    for name in names:
        try:
            importlib.import_module(f"multiprocessing.{name}")
        except ImportError:  # a start method this system lacks: start_scan says so
            continue
    if os.name != "nt":
        resource_tracker.ensure_running()


def start_scan(
    db_path: str | Path,
    roots: list[str],
    options: ScanOptions | None = None,
    *,
    import_names: NameImporter | None = None,
    dates: Callable[[], DateSource] | None = None,
    between: Callable[[Database], Any] | None = None,
    after: Callable[[Database, ScanSummary], Any] | None = None,
    niceness: int = 0,
    progress_interval: float = 0.1,
    method: str = "spawn",
) -> ScanProcess:
    """Start ``scan_library`` of ``roots`` into the database at ``db_path`` in a new process.

    ``options``, ``import_names`` and ``dates`` (module-level, so that they can be sent to the
    child) are ``scan_library``'s; ``between`` and
    ``after`` (picklable) run in the child, between photos and after the scan (see above).
    ``niceness`` > 0 lowers the child's CPU priority (where the system has ``os.nice``), so a
    window in the parent, and whatever else the user runs, gets a core first when it needs one.
    Progress is sent at most every ``progress_interval`` seconds (and at the last photo).
    ``method`` is the multiprocessing start method: ``spawn`` (default, safe with threads
    and Qt in the parent) or ``forkserver``.
    """
    if progress_interval < 0:
        raise ValueError(f"progress_interval must be ≥ 0, not {progress_interval}")
    if not 0 <= niceness <= 19:
        raise ValueError(f"niceness must be 0 to 19, not {niceness}")
    interval = progress_interval
    context: Any = multiprocessing.get_context(method)
    messages = context.Queue()
    stop = context.Event()
    running = context.Event()
    running.set()
    kwargs = {"import_names": import_names, "dates": dates}
    # ``niceness`` travels with the steps: the child applies it before it starts a thread
    steps, control = (between, after, niceness), (stop, running)
    process = context.Process(
        target=_child,
        args=(str(db_path), list(roots), options, kwargs, steps, messages, control, interval),
        name="faceorganizer-scan",
        daemon=True,  # never outlives the app
    )
    process.start()
    return ScanProcess(process, messages, stop, running)


class _Forward(logging.Handler):
    """Sends the child's warnings to the parent."""

    def __init__(self, messages: Any) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.put(("log", (record.levelno, record.getMessage())))


def _child(
    db_path: str,
    roots: list[str],
    options: ScanOptions | None,
    kwargs: dict[str, Any],
    steps: tuple[Any, Any, int],
    messages: Any,
    events: tuple[Any, Any],
    interval: float,
) -> None:
    """The child process: scan, sending progress; the result or the error goes last."""
    between, after, niceness = steps
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)  # per thread on Linux: before any thread is started, so all inherit
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.store.db import Database

    logging.getLogger("faceorganizer").addHandler(_Forward(messages))
    stop, running = events
    last = [0.0]
    database: Database | None = None

    def should_stop() -> bool:
        while not running.wait(0.1):  # paused: wait here, between two photos
            if stop.is_set():
                break
        if stop.is_set():
            return True
        if between is not None and database is not None and not database.conn.in_transaction:
            value = between(database)
            if value is not None:
                messages.put(("between", value))
        return False

    def progress(state: ScanProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= interval or state.done >= state.total:
            last[0] = now
            messages.put(("progress", dataclasses.replace(state)))

    try:
        with Database(db_path) as database:
            summary = scan_library(
                database,
                roots,
                options,
                progress=progress,
                should_stop=should_stop,
                paused=lambda: not running.is_set(),
                **kwargs,
            )
            result = None
            if after is not None and not summary.cancelled and not stop.is_set():
                messages.put(("after", None))
                result = after(database, summary)
        messages.put(("done", (summary, result)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, with its cause
        detail = "".join(traceback.format_exception(exc)).rstrip()
        messages.put(("error", (f"{type(exc).__name__}: {exc}", detail)))
    finally:
        messages.close()
        messages.join_thread()  # everything sent reaches the parent before the exit
