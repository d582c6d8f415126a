"""The pace report printed beside the journey's and the soak's figures."""

from __future__ import annotations

from tests.journey.pace import slowest_steps, waits_text


def test_slowest_steps_are_the_longest_gaps_of_the_step_log() -> None:
    steps = ["   4.3s window shown", "  66.0s scan settled\ntrace", "  67.1s name: F2", "junk"]
    assert slowest_steps(steps, 2) == "61.7 s to 'scan settled', 4.3 s to 'window shown'"


def test_waits_name_settling_and_activation() -> None:
    waits = {"settle_s": 12.5, "activation_s": 9.0, "activation_failures": 3}
    assert waits_text({"waits": waits}) == ("settling 12.5 s, window activation 9.0 s (3 failed)")


def test_the_drivers_wait_lets_the_windows_threads_run() -> None:
    """``QTest.qWait`` keeps Python's GIL while it waits: a worker thread got a few percent of
    its speed during it, so the driven window's loads ran many times slower than a user's.
    The drivers wait with ``pace.wait_ms`` and never call ``QTest.qWait``."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    for driver in ("drive_journey.py", "drive_soak.py"):
        assert "QTest.qWait(" not in (here / driver).read_text(), driver
    child = r"""
import sys, threading, time
from PySide6.QtWidgets import QApplication
from tests.journey.pace import wait_ms
app = QApplication([])
sys.setswitchinterval(0.0005)  # the window's (gui/main_window.py)
def spin(seconds, out):
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
    out.append(n)
def measure(wait):
    out = []
    t = threading.Thread(target=spin, args=(1.0, out))
    t.start()
    end = time.monotonic() + 1.1
    while time.monotonic() < end:
        wait()
    t.join()
    return out[0]
base = measure(lambda: time.sleep(0.02))
ours = measure(lambda: wait_ms(20))
print(ours / base)
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", child], env=env, cwd=here.parents[1],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    share = float(done.stdout.strip().splitlines()[-1])
    # qWait gave 0.03; an event loop that sleeps without the GIL about 1
    assert share > 0.3, f"a worker thread ran at {share:.0%} of its speed while the driver waited"
