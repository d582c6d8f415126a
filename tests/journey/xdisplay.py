"""A private X display (Xvfb) for tests that open the real window with Qt's xcb platform."""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCREEN = "1600x1000x24"
# What Xvfb, xwininfo and Qt's xcb platform need on Debian/Ubuntu (``ldd libQt6XcbQpa.so.6``);
# scripts/install-system-deps.sh installs them.
XCB_PACKAGES = (
    "xvfb x11-utils libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 "
    "libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 "
    "libxcb-xkb1 libxkbcommon-x11-0"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def need_program(name: str) -> str:
    """The path of a program the real-window tests need; skipped without it, except in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install {XCB_PACKAGES})"
        if in_ci():
            pytest.fail(f"{message}: CI must run the real-window tests")
        pytest.skip(message)
    return path


@contextmanager
def xvfb(screen: str = SCREEN) -> Iterator[str]:
    """Start Xvfb on a free display number (it picks one: -displayfd); yield ``:N``."""
    exe = need_program("Xvfb")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        if not number:
            proc.kill()
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"Xvfb did not start: {err[-500:]}")
        _wait_for_server(proc, number)
        yield f":{number}"
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_server(proc: subprocess.Popen[bytes], number: str, timeout: float = 20.0) -> None:
    """Wait until a client can connect to the display's socket (fail if Xvfb died)."""
    path = f"/tmp/.X11-unix/X{number}"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"Xvfb :{number} exited with {proc.returncode}: {err[-500:]}")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.connect(path)
                return
            except OSError:
                time.sleep(0.1)
    pytest.fail(f"Xvfb :{number} accepts no connection on {path}")


def xcb_env(display: str, home: Path) -> dict[str, str]:
    """The environment of an app run on ``display`` with the xcb platform and an own home."""
    env = dict(os.environ)
    for key in ("WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "XAUTHORITY",
                "QT_QPA_PLATFORMTHEME", "QT_SCALE_FACTOR"):  # fmt: skip
        env.pop(key, None)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        FACEORGANIZER_HOME=str(home),
        XDG_RUNTIME_DIR=str(home / "runtime"),
    )
    (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env
