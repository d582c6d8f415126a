"""Where a window driver's time went: printed beside the journey's and the soak's figures.

A run of the real window that is much slower than usual then says whether the driver waited
for background work, for the window to become active, or in which step. The drivers wait with
``wait_ms``: the slow runs (a journey of 312 s against 43-111, a soak round of 100-137 s
against 15) were the drivers' own ``QTest.qWait``, which starved the window's worker threads
of the GIL.
"""

from __future__ import annotations

from typing import Any


def wait_ms(ms: int) -> None:
    """Let the window run for ``ms``: an event loop of its own, which lets go of Python's GIL
    while it sleeps.

    ``QTest.qWait`` keeps the GIL while it waits for events, so the window's worker threads
    (every load, count and thumbnail) ran only in the moments between two waits: a thread
    counting in a loop got 2.8 % of its speed during ``qWait(20)`` (0.5 ms switch interval,
    the window's) against 93-100 % here. The drivers wait in loops, so the window looked busy,
    idle and 5-40 times slower than for a user: the slow journeys and soaks of issue 24/28.
    """
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(0, int(ms)), loop.quit)
    loop.exec()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as qWait does


def waits_text(result: dict[str, Any]) -> str:
    """Where a window driver's time went (a slow run says whether it waited, and for what)."""
    w = result.get("waits") or {}
    return (
        f"settling {w.get('settle_s')} s, window activation {w.get('activation_s')} s "
        f"({w.get('activation_failures')} failed)"
    )


def slowest_steps(steps: list[str], n: int = 3) -> str:
    """The ``n`` longest gaps of a driver's step log (``"  12.3s text"`` lines)."""
    gaps = []
    last = 0.0
    for line in steps:
        stamp, _, text = line.strip().partition("s ")
        try:
            at = float(stamp)
        except ValueError:
            continue
        gaps.append((at - last, text.splitlines()[0][:60]))
        last = at
    gaps.sort(reverse=True)
    return ", ".join(f"{gap:.1f} s to {text!r}" for gap, text in gaps[:n])
