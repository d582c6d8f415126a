"""One window per user and library (issue 27, 4): opening a photo while the window runs hands
it to that window, which looks up who is in it; no second window, no second scan.

Two real processes on Qt's offscreen platform: the first is the program's window (run_app) with
a hook that reports what it shows; the second is ``python -m faceorganizer photo.jpg``, as a
desktop's "Open with" starts it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import shared_set

REPO = Path(__file__).resolve().parents[2]

# The first process: the window, reporting each window it makes, each scan it starts and each
# find it shows (the real models run on the real photo), then quitting after the find.
FIRST = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from faceorganizer.gui import app, find_view, main_window, single_instance

def say(text):
    print(text, flush=True)

made = main_window.MainWindow.__init__
def init(self, *a, **k):
    made(self, *a, **k)
    say("window")
main_window.MainWindow.__init__ = init
started = main_window.MainWindow.start_scan
def start_scan(self, *a, **k):
    say("scan")
    return started(self, *a, **k)
main_window.MainWindow.start_scan = start_scan
shown = find_view.FindView.set_results
def set_results(self, title, found):
    shown(self, title, found)
    say(f"found {title!r} faces={len(found)}")
    QTimer.singleShot(0, QApplication.quit)
find_view.FindView.set_results = set_results
listen = single_instance.Listener.__init__
def listening(self, *a, **k):
    listen(self, *a, **k)
    say(f"listening {self.listening}")
single_instance.Listener.__init__ = listening
sys.exit(app.run_app(["faceorganizer"]))
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FACEORGANIZER_HOME=str(home))
    env["PYTHONPATH"] = str(REPO)
    env.pop("FACEORGANIZER_GUI_SMOKE", None)
    env.pop("XDG_RUNTIME_DIR", None)  # the private temp folder: the test's own
    return env


class _Lines:
    """The first process's output lines, read by a thread, so that a wait ends at its
    deadline even when the process prints nothing."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout

        def pump() -> None:
            for line in stream:
                self.queue.put(line.strip())
            self.queue.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, word: str, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if line.startswith(word):
                return self.seen
        raise AssertionError(f"no {word!r} from the first window: {self.seen}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix sockets and flock")
def test_a_photo_opened_while_the_window_runs_goes_to_that_window(tmp_path: Path) -> None:
    photo = shared_set("celebrities") / "img1.jpg"
    home = tmp_path / "home"
    env = _env(home)
    first = subprocess.Popen(
        [sys.executable, "-c", FIRST],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    try:
        lines = _Lines(first)
        seen = lines.wait_for("listening", 120)
        assert seen.count("window") == 1 and "listening True" in seen
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "faceorganizer", str(photo)],
            env=dict(env, FACEORGANIZER_GUI_SMOKE="1"),  # a window of its own would say "shown"
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
        )
        handed_over_s = time.monotonic() - started
        assert second.returncode == 0, second.stderr
        assert "shown" not in second.stdout  # no second window
        seen = lines.wait_for("found", 300)
        first.wait(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0
    assert seen.count("window") == 1
    assert "scan" not in seen  # no scan: not in the first window, none in a second one
    assert seen[-1].startswith("found 'Find: img1.jpg' faces=") and not seen[-1].endswith("=0")
    print(f"second start handed the photo over and ended in {handed_over_s:.2f} s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix sockets and flock")
def test_another_library_keeps_its_own_window_and_a_dead_window_is_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faceorganizer.gui import single_instance

    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(single_instance, "WAIT_FOR_FIRST_S", 0.5)
    first = single_instance.claim(tmp_path / "a", [])
    assert first.first
    # the same library: the lock is held, nobody serves the socket -> a warning, own window
    # (not a hang), after the grace period given to a window that is still starting
    started = time.monotonic()
    second = single_instance.claim(tmp_path / "a", [])
    assert second.first and second.lock is None
    assert time.monotonic() - started < 5
    # another library: its own window at once
    other = single_instance.claim(tmp_path / "b", [])
    assert other.first and other.lock is not None
    first.release()
    other.release()
    # the lock went with its holder: the next start is the first again (no stale socket)
    again = single_instance.claim(tmp_path / "a", [])
    assert again.first and again.lock is not None
    again.release()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Unix sockets and flock")
def test_a_runtime_folder_too_deep_for_a_socket_still_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket path is at most 107 bytes: a deep ``$XDG_RUNTIME_DIR`` (seen under pytest's
    temp folders) left the window serving no socket, so a second start opened a second
    window. The socket then goes to the private temp folder."""
    import socket

    from faceorganizer.gui import single_instance

    deep = tmp_path / ("runtime-" + "r" * 90)
    deep.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    lock_path, sock_path = single_instance.paths(tmp_path / "library")
    assert len(os.fsencode(sock_path)) <= 107  # sun_path: 108 bytes with its NUL
    assert lock_path.parent == sock_path.parent  # the lock and its socket stay together
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(sock_path))  # "AF_UNIX path too long" before
    finally:
        server.close()
        sock_path.unlink(missing_ok=True)
