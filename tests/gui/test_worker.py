"""The background-work helper: results on the GUI thread; stale and cancelled jobs are dropped."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from faceorganizer.gui.worker import JobContext, Jobs, running_jobs


@pytest.fixture()
def jobs(qapp: Any) -> Any:
    j = Jobs()
    yield j
    j.shutdown()


def test_result_arrives_on_the_gui_thread(qtbot: Any, jobs: Jobs) -> None:
    got: list[tuple[int, bool]] = []
    main = threading.get_ident()
    jobs.submit(
        lambda ctx: threading.get_ident() != main,
        on_result=lambda v: got.append((1, v and threading.get_ident() == main)),
    )
    qtbot.waitUntil(lambda: got == [(1, True)], timeout=5000)


def test_stale_result_is_dropped(qtbot: Any, jobs: Jobs) -> None:
    got: list[str] = []
    gate = threading.Event()

    def slow(ctx: JobContext) -> str:
        gate.wait(5)
        return "old"

    jobs.submit(slow, on_result=got.append, channel="c")
    jobs.submit(lambda ctx: "new", on_result=got.append, channel="c")
    qtbot.waitUntil(lambda: got == ["new"], timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: not jobs.active(), timeout=5000)
    assert got == ["new"]


def test_cancelled_job_delivers_nothing(qtbot: Any, jobs: Jobs) -> None:
    got: list[Any] = []
    ended: list[int] = []
    started = threading.Event()

    def loop(ctx: JobContext) -> str:
        started.set()
        while not ctx.should_stop():
            ctx.progress(1)
            time.sleep(0.01)
        return "finished"

    job = jobs.submit(
        loop, on_result=got.append, on_error=got.append, on_finished=lambda: ended.append(1)
    )
    assert started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: ended == [1], timeout=5000)
    assert got == []


def test_pause_waits_between_units_and_resume_goes_on(qtbot: Any, jobs: Jobs) -> None:
    done: list[int] = []
    count = [0]

    def units(ctx: JobContext) -> int:
        for _ in range(30):
            if ctx.should_stop():
                return -1
            count[0] += 1
            time.sleep(0.01)
        return count[0]

    job = jobs.submit(units, on_result=done.append)
    qtbot.waitUntil(lambda: count[0] >= 3, timeout=5000)
    job.pause()
    time.sleep(0.1)
    frozen = count[0]
    time.sleep(0.2)
    assert count[0] <= frozen + 1
    job.resume()
    qtbot.waitUntil(lambda: done == [30], timeout=5000)


def test_errors_are_delivered_not_raised(qtbot: Any, jobs: Jobs) -> None:
    errors: list[BaseException] = []

    def boom(ctx: JobContext) -> None:
        raise RuntimeError("no model")

    jobs.submit(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert str(errors[0]) == "no model"
    assert running_jobs() == 0
