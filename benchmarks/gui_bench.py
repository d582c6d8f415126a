"""GUI responsiveness: time to the first window, and event-loop stalls while a scan runs.

    .venv/bin/python benchmarks/gui_bench.py [--folders DIR ...]
        [--mode window|thread|process|bare-thread|bare-process] [--runs N]

``window`` (default): prints the start-up time (process start to window shown, before any
model is loaded), then opens the real window offscreen on a fresh database, lets the start-up
scan of the folders run in the background, and prints the scan's wall time and the longest gap
of a 10 ms heartbeat timer on the GUI thread while the scan (and its grouping) runs: the
longest the window could not react.

``thread`` and ``process``: the same real window and the app's own scan path (the scan control's
job, ``Library.scan`` with live grouping, thumbnails, one core), ``--runs`` times on a fresh
database each: ``process`` as the app ships it (the scan in a child process), ``thread`` with
the scan on the job's thread of the window's process (as before issue 16).

``bare-thread`` and ``bare-process``: no window, only a Qt event loop with the same heartbeat
while ``scan_library`` runs on a Python thread of this process, or in a child process
(``core.faces.scan_process``) whose progress the loop polls: what the interpreter lock alone
costs, without the app around it. No assertions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def startup_seconds(home: str, runs: int = 3) -> list[float]:
    """Wall time of ``faceorganizer`` (no arguments) until its window is shown."""
    env = dict(
        os.environ,
        FACEORGANIZER_HOME=home,
        FACEORGANIZER_GUI_SMOKE="1",
        QT_QPA_PLATFORM="offscreen",
    )
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "faceorganizer"], env=env, check=True, capture_output=True
        )
        out.append(time.perf_counter() - start)
    return out


def run_until(done: Callable[[], bool], every_ms: int = 5, timeout_s: float = 3600) -> None:
    """Run the Qt event loop until ``done()`` (checked every ``every_ms``).

    Not ``processEvents()`` in a Python loop: PySide6 6.12 on Python 3.11 drops a reference to
    ``None`` with every ``processEvents()`` call, and after a few thousand calls the interpreter
    aborts ("Fatal Python error: none_dealloc").
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    check = QTimer()
    check.setInterval(every_ms)

    def on_check() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(on_check)
    check.start()
    if not done():
        loop.exec()
    check.stop()


class StackSampler:
    """Samples the GUI thread's Python stack every ``every_s`` from a daemon thread, so that a
    long heartbeat gap can say what the GUI thread ran meanwhile (``--explain``)."""

    def __init__(self, every_s: float = 0.002) -> None:
        import threading

        self.every_s = every_s
        self.main = threading.main_thread().ident
        self.samples: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="stack-sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        if self.every_s <= 0:
            return
        while not self._stop.wait(self.every_s):
            frame = sys._current_frames().get(self.main)  # noqa: SLF001 - diagnosis only
            self.samples.append((time.monotonic(), _describe(frame)))

    def during(self, start: float, end: float) -> list[tuple[str, int]]:
        """The stacks seen between two monotonic times, most often first."""
        counts: dict[str, int] = {}
        for t, stack in self.samples:
            if start <= t <= end:
                counts[stack] = counts.get(stack, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])


def _schedstat() -> tuple[float, float]:
    """The GUI thread's time on a CPU and waiting for one (ms; Linux, else zeros)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            cpu, wait, _ = f.read().split()
    except OSError:
        return 0.0, 0.0
    return int(cpu) / 1e6, int(wait) / 1e6


def _threads_cpu() -> dict[str, float]:
    """CPU ms of each thread of this process but the GUI thread, by ``name/tid`` (Linux)."""
    out = {}
    me = os.getpid()
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return {}
    for tid in tids:
        if int(tid) == me:
            continue
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                out[f"{name}/{tid}"] = int(f.read().split()[0]) / 1e6
        except OSError:
            continue
    return out


def _describe(frame: Any, depth: int = 5) -> str:
    """The innermost ``depth`` frames of a stack as ``file:function:line`` (innermost last)."""
    parts: list[str] = []
    while frame is not None and len(parts) < depth:
        code = frame.f_code
        parts.append(f"{Path(code.co_filename).name}:{code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return " < ".join(parts) if parts else "(no Python frame)"


def scan_with_window(
    folders: list[str], home: str, child: bool = True, explain: int = 0, sample_ms: float = 0
) -> dict[str, Any]:
    """Scan ``folders`` from the open window (in a child process unless ``child`` is False);
    returns timings and the heartbeat's gaps while the scan and its grouping ran (with
    ``explain``, also the longest ``explain`` gaps and the GUI thread's stacks during each)."""
    os.environ["FACEORGANIZER_HOME"] = home
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from faceorganizer.gui.main_window import MainWindow
    from faceorganizer.gui.settings import AppSettings, open_qsettings

    _app = QApplication.instance() or QApplication([])  # kept alive while the loop runs
    settings = AppSettings(open_qsettings())
    settings.folders = folders
    settings.db_path = Path(home) / "library.db"
    gaps: list[int] = []
    spans: list[tuple[int, float, float, float, dict[str, float]]] = []
    # gap ms, its end, GUI thread on a CPU, waiting for a CPU (ms), CPU ms of the other threads
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(10)
    last = [0]
    win: Any = None
    sampler = StackSampler(sample_ms / 1000) if explain else None
    sched = [_schedstat()]
    threads = [_threads_cpu()]
    collections: list[tuple[float, float, int]] = []  # start, end, generation
    gc_start = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_start[0] = time.monotonic()
        else:
            collections.append((gc_start[0], time.monotonic(), info["generation"]))

    def tick() -> None:
        now = clock.elapsed()
        if win is not None and win.scanning():
            gaps.append(now - last[0])
            if sampler is not None:
                cpu, wait = _schedstat()
                ran, waited = cpu - sched[0][0], wait - sched[0][1]
                cpus = _threads_cpu()
                others = {
                    name: ms - threads[0].get(name, 0.0)
                    for name, ms in cpus.items()
                    if ms - threads[0].get(name, 0.0) >= 2
                }
                spans.append((now - last[0], time.monotonic(), ran, waited, others))
        if sampler is not None:
            sched[0] = _schedstat()
            threads[0] = _threads_cpu()
        last[0] = now

    beat.timeout.connect(tick)
    started = time.perf_counter()
    win = MainWindow(settings)
    win.scan_in_child = child
    win.resize(1280, 800)
    win.show()
    shown = time.perf_counter() - started
    clock.start()
    beat.start()
    if sampler is not None:
        import gc

        gc.callbacks.append(on_gc)
        sampler.start()
    run_until(win.scanning)
    scan_started = time.perf_counter()
    run_until(lambda: not (win.scanning() or win.jobs.active()))
    scan_s = time.perf_counter() - scan_started
    beat.stop()
    if sampler is not None:
        import gc

        sampler.stop()
        gc.callbacks.remove(on_gc)
    people = win.people_model.rowCount()
    summary = win.last_summary
    scanner = win.last_scan_pid
    win.close()
    gaps = gaps[1:]  # the first counted tick may span the scan's start
    gaps.sort()
    top = []
    if sampler is not None:
        for gap, end, ran, waited, others in sorted(spans[1:], key=lambda s: -s[0])[:explain]:
            start = end - gap / 1000
            gcs = [
                f"gen{g} {(b - a) * 1e3:.0f} ms"
                for a, b, g in collections
                if b >= start and a <= end
            ]
            top.append((gap, ran, waited, others, gcs, sampler.during(start, end)))
    return {
        "top_gaps": top,
        "window_shown_s": shown,
        "scan_and_group_s": scan_s,
        "people": float(people),
        "photos": float(summary.processed if summary is not None else 0),
        "in_child": float(scanner not in (0, os.getpid())),
        "longest_stall_ms": float(gaps[-1]) if gaps else 0.0,
        "p99_gap_ms": float(gaps[int(len(gaps) * 0.99)]) if gaps else 0.0,
    }


def scan_beside_loop(folders: list[str], home: str, mode: str) -> dict[str, float]:
    """The longest heartbeat gap of a bare event loop while a scan runs on a thread or process."""
    import threading

    os.environ["FACEORGANIZER_HOME"] = home
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from faceorganizer.core.faces.scan import ScanOptions, ScanSummary, scan_library
    from faceorganizer.core.faces.scan_process import start_scan
    from faceorganizer.core.records import EngineOptions
    from faceorganizer.core.store.db import Database

    _app = QApplication.instance() or QApplication([])  # kept alive while the loop runs
    db_path = Path(home) / "library.db"
    options = EngineOptions(threads=1)  # the app's default: one core for the scan
    gaps: list[int] = []
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(10)
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    beat.timeout.connect(tick)
    clock.start()
    beat.start()
    started = time.perf_counter()
    polls = [0]
    if mode == "process":
        handle = start_scan(db_path, folders, ScanOptions(engine_options=options, thumbnails=True))

        def finished() -> bool:
            polls[0] += len(handle.poll())  # what the window would do from a timer
            return handle.finished

        run_until(finished, every_ms=20)
        summary = handle.wait()
    else:
        result: list[ScanSummary] = []

        def work() -> None:
            with Database(db_path) as db:
                result.append(
                    scan_library(db, folders, ScanOptions(engine_options=options, thumbnails=True))
                )

        worker = threading.Thread(target=work)
        worker.start()
        run_until(lambda: not worker.is_alive(), every_ms=20)
        worker.join()
        summary = result[0]
    scan_s = time.perf_counter() - started
    beat.stop()
    gaps = gaps[1:]  # the first tick measures from clock start, not a gap
    gaps.sort()
    return {
        "scan_s": scan_s,
        "photos": float(summary.processed),
        "progress_messages": float(polls[0]),
        "longest_stall_ms": float(gaps[-1]) if gaps else 0.0,
        "p99_gap_ms": float(gaps[int(len(gaps) * 0.99)]) if gaps else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--folders",
        nargs="+",
        default=[str(SHARED / "celebrities"), str(SHARED / "snapshots")],
    )
    parser.add_argument(
        "--mode",
        choices=["window", "thread", "process", "bare-thread", "bare-process"],
        default="window",
    )
    parser.add_argument("--runs", type=int, default=1, help="scans in a row (not window)")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="thread/process: print the N longest gaps and what ran in them: the GUI thread's"
        " time on and waiting for a CPU, the other threads' CPU, garbage collections",
    )
    parser.add_argument(
        "--sample-ms",
        type=float,
        default=0,
        help="with --explain: also sample the GUI thread's stack this often (a sampling thread"
        " takes the interpreter lock, so it lengthens the gaps it explains; 0: off)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"folders: {', '.join(Path(f).name for f in args.folders)}")
    if args.mode in ("thread", "process"):
        stalls = []
        for run in range(1, args.runs + 1):
            load = os.getloadavg()[0]
            with tempfile.TemporaryDirectory() as home:
                r = scan_with_window(
                    args.folders,
                    home,
                    child=args.mode == "process",
                    explain=args.explain,
                    sample_ms=args.sample_ms,
                )
            stalls.append(r["longest_stall_ms"])
            where = "a child process" if r["in_child"] else "the window's process"
            print(
                f"[app {args.mode} {run}] {int(r['photos'])} photos scanned in {where},"
                f" scan + grouping {r['scan_and_group_s']:.1f} s, {int(r['people'])} people;"
                f" longest event-loop stall {r['longest_stall_ms']:.0f} ms, 99th percentile gap"
                f" {r['p99_gap_ms']:.0f} ms (heartbeat every 10 ms);"
                f" load {load:.2f} -> {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            for gap, ran, waited, others, gcs, stacks in r["top_gaps"]:
                busy = ", ".join(f"{n} {ms:.0f} ms" for n, ms in others.items()) or "none"
                print(
                    f"  gap {gap} ms: GUI thread on a CPU {ran:.0f} ms, waiting for a CPU"
                    f" {waited:.0f} ms; other threads on a CPU: {busy};"
                    f" garbage collections: {', '.join(gcs) or 'none'}"
                    + ("; GUI thread's stacks (innermost first):" if stacks else "")
                )
                for stack, n in stacks[:6]:
                    print(f"    {n:3d}x {stack}")
        print(f"longest stalls ({args.mode}): " + ", ".join(f"{s:.0f}" for s in stalls) + " ms")
        return
    if args.mode != "window":
        mode = args.mode.removeprefix("bare-")
        for run in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory() as home:
                r = scan_beside_loop(args.folders, home, mode)
            print(
                f"[bare {mode} {run}] {int(r['photos'])} photos in {r['scan_s']:.1f} s;"
                f" longest event-loop stall {r['longest_stall_ms']:.0f} ms, 99th percentile gap"
                f" {r['p99_gap_ms']:.0f} ms (heartbeat every 10 ms);"
                f" load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        return
    with tempfile.TemporaryDirectory() as home:
        starts = startup_seconds(home)
        print("start-up to window shown: " + ", ".join(f"{s:.2f} s" for s in starts))
    with tempfile.TemporaryDirectory() as home:
        r = scan_with_window(args.folders, home)
    print(f"window shown in {r['window_shown_s']:.2f} s (in-process)")
    print(
        f"scan + grouping with the window open: {r['scan_and_group_s']:.1f} s,"
        f" {int(r['people'])} people and groups"
    )
    print(
        f"longest event-loop stall: {r['longest_stall_ms']:.0f} ms,"
        f" 99th percentile gap {r['p99_gap_ms']:.0f} ms (heartbeat every 10 ms)"
    )


if __name__ == "__main__":
    main()
