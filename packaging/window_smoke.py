"""Window smoke test of a built program: start it on a virtual X display with Qt's xcb
platform (not offscreen) and wait until its window is on screen.

    python packaging/window_smoke.py dist/faceorganizer/faceorganizer [--runs 3]
        [--hide-system-libs]

Starts ``Xvfb`` on a free display, runs the program with no arguments and
``FACEORGANIZER_GUI_SMOKE=1`` (it closes the window once it is exposed and prints ``shown ...
platform=xcb epoch=...``), and prints the time from process start to the window on screen for
each run (the first run reads from a cold-ish cache, the others are warm). With
``--hide-system-libs`` (needs root and ``unshare``), the system's copies of the xcb libraries a
desktop may lack (libxcb-icccm, libxcb-keysyms) are hidden in a private mount namespace, so the
window opens only when the bundle carries its own. Exit status 1 when the window did not open.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HIDE = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """A running Xvfb and its display name (``:N``)."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        proc.kill()
        raise SystemExit("window smoke test: Xvfb did not start")
    return proc, f":{number}"


def system_copies() -> list[str]:
    """Real files of the system's copies of ``HIDE`` (via ldconfig's cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    paths = []
    for line in out.splitlines():
        name = line.strip().split(" ", 1)[0]
        if name in HIDE and "=>" in line:
            paths.append(os.path.realpath(line.split("=>", 1)[1].strip()))
    return sorted(set(paths))


def command(exe: str, hide: bool) -> tuple[list[str], list[str]]:
    """The command line, and the system files it hides."""
    if not hide:
        return [exe], []
    if os.geteuid() != 0 or not shutil.which("unshare"):
        raise SystemExit("--hide-system-libs needs root and unshare")
    hidden = system_copies()
    mounts = "".join(f"mount --bind /dev/null '{p}' && " for p in hidden)
    script = f"{mounts}exec '{exe}'"
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script], hidden


def run_once(cmd: list[str], display: str, home: str, timeout: float) -> tuple[float, str]:
    env = dict(os.environ)
    for key in ("WAYLAND_DISPLAY", "QT_DEBUG_PLUGINS"):
        env.pop(key, None)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        FACEORGANIZER_GUI_SMOKE="1",
        FACEORGANIZER_HOME=home,
        XDG_SESSION_TYPE="x11",
    )
    start = time.time()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("shown ")), "")
    if proc.returncode != 0 or "platform=xcb" not in line:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"window smoke test FAILED: exit {proc.returncode}, {line or 'no window'}")
    fields = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f)
    return float(fields["epoch"]) - start, line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exe")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hide-system-libs", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    exe = str(Path(args.exe).resolve())
    cmd, hidden = command(exe, args.hide_system_libs)
    if hidden:
        print(f"hidden system libraries: {' '.join(hidden)}")
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as home:
            times = []
            for i in range(args.runs):
                seconds, line = run_once(cmd, display, home, args.timeout)
                times.append(seconds)
                print(f"window smoke test run {i + 1}: window on screen {seconds:.2f} s ({line})")
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    warm = times[1:] or times
    print(
        f"window smoke test ok (Xvfb {display}, xcb): window on screen after "
        f"{min(warm):.2f}-{max(warm):.2f} s warm, {times[0]:.2f} s first run"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
