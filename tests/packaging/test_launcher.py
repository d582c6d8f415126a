"""The Linux launcher (packaging/launcher.sh, `faceorganizer` in the bundle): it checks glibc
before anything of the bundle loads, and puts a failure to start on the screen, on stderr and
in the log, naming missing libraries (issue 27, 1 and 2). Here with a stand-in program; the
real bundle on fresh Debian roots is tests/packaging/test_release_roots.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "packaging" / "launcher.sh"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux launcher")


def _bundle(tmp_path: Path, program: str, glibc: str = "2.17") -> Path:
    """A bundle folder: the launcher (glibc filled in as build.sh does) and a stand-in program."""
    app = tmp_path / "app"
    app.mkdir(parents=True)
    text = LAUNCHER.read_text().replace("@GLIBC_NEEDED@", glibc)
    (app / "faceorganizer").write_text(text)
    (app / "faceorganizer").chmod(0o755)
    (app / "faceorganizer-bin").write_text("#!/bin/sh\n" + program)
    (app / "faceorganizer-bin").chmod(0o755)
    return app


def _run(tmp_path: Path, app: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the launcher as a double-click would: a display, no terminal, and a recording
    xmessage as the only way to the screen."""
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    xmessage = stubs / "xmessage"
    xmessage.write_text(f'#!/bin/sh\n{{ echo "== $*"; cat; }} >>"{tmp_path}/shown.txt"\n')
    xmessage.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith("FACEORGANIZER_")}
    base.update(
        PATH=f"{stubs}:/usr/bin:/bin",
        DISPLAY=":99",
        HOME=str(tmp_path / "home"),
        FACEORGANIZER_HOME=str(tmp_path / "data"),
    )
    base.pop("WAYLAND_DISPLAY", None)
    base.update(env)
    return subprocess.run(
        [str(app / "faceorganizer"), *args],
        env=base,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _shown(tmp_path: Path) -> str:
    path = tmp_path / "shown.txt"
    return path.read_text() if path.exists() else ""


def _log(tmp_path: Path) -> str:
    path = tmp_path / "data" / "faceorganizer.log"
    return path.read_text() if path.exists() else ""


def test_too_old_a_glibc_is_told_before_the_program_loads(tmp_path: Path) -> None:
    app = _bundle(tmp_path, "echo loaded; exit 0\n", glibc="99.1")
    proc = _run(tmp_path, app)
    assert proc.returncode == 3
    assert "loaded" not in proc.stdout
    have = subprocess.run(["getconf", "GNU_LIBC_VERSION"], capture_output=True, text=True)
    version = have.stdout.split()[-1]
    line = f"This system has glibc {version}; FaceOrganizer needs glibc 99.1 or newer"
    for where in (proc.stderr, _shown(tmp_path), _log(tmp_path)):
        assert "FaceOrganizer needs a newer Linux" in where
        assert line in where.replace("\n", " ")


def test_a_new_enough_glibc_runs_the_program_and_the_command_line_is_untouched(
    tmp_path: Path,
) -> None:
    app = _bundle(tmp_path, 'echo "args: $*"; echo oops >&2; exit 4\n')
    proc = _run(tmp_path, app, "scan", "--help")
    assert proc.returncode == 4  # the command line's own status, nothing shown
    assert proc.stdout == "args: scan --help\n" and proc.stderr == "oops\n"
    assert _shown(tmp_path) == "" and _log(tmp_path) == ""


def test_a_window_that_cannot_start_is_shown_with_qts_words(tmp_path: Path) -> None:
    program = (
        'echo "qt.qpa.plugin: Could not find the Qt platform plugin \\"nonsense\\" in \\"\\"" >&2\n'
        'echo "This application failed to start because no Qt platform plugin could be '
        'initialized." >&2\nkill -ABRT $$\n'
    )
    app = _bundle(tmp_path, program)
    proc = _run(tmp_path, app)
    assert proc.returncode == 134
    assert "nonsense" in proc.stderr  # passed through as it came
    shown = _shown(tmp_path)
    assert "FaceOrganizer could not start" in shown
    assert "exited with status 134 before its window could open" in shown
    assert 'Could not find the Qt platform plugin "nonsense"' in shown
    assert "could not start" in _log(tmp_path)


def test_an_error_the_program_showed_itself_is_only_logged(tmp_path: Path) -> None:
    app = _bundle(tmp_path, 'printf "error shown" >"$FACEORGANIZER_LAUNCHER_STATE"; exit 1\n')
    proc = _run(tmp_path, app)
    assert proc.returncode == 1
    assert _shown(tmp_path) == ""
    assert "shown by the program" in _log(tmp_path)


def test_a_crash_after_the_window_opened_is_reported_as_such(tmp_path: Path) -> None:
    app = _bundle(tmp_path, 'printf window >"$FACEORGANIZER_LAUNCHER_STATE"; exit 139\n')
    assert _run(tmp_path, app).returncode == 139
    assert "stopped unexpectedly (status 139)" in _shown(tmp_path)
    assert _run(tmp_path, _bundle(tmp_path / "b", "exit 0\n")).returncode == 0


def test_the_missing_library_is_named(tmp_path: Path) -> None:
    """The xcb plugin links a library that is nowhere (as a bundled xcb library removed on a
    desktop without it): the launcher names it (ldd), where Qt itself blames xcb-cursor0."""
    gcc = shutil.which("gcc")
    if gcc is None or shutil.which("ldd") is None:
        pytest.skip("gcc and ldd needed to make a stand-in plugin")
    app = _bundle(tmp_path, 'echo "qt.qpa.plugin: xcb-cursor0 is needed" >&2; kill -ABRT $$\n')
    work = tmp_path / "work"
    work.mkdir()
    (work / "dep.c").write_text("int dep(void) { return 1; }\n")
    (work / "plugin.c").write_text("int dep(void); int plugin(void) { return dep(); }\n")
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-o", str(work / "libxcb-gone.so.4"), str(work / "dep.c")],
        check=True,
    )
    platforms = app / "_internal/PySide6/Qt/plugins/platforms"
    platforms.mkdir(parents=True)
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-o", str(platforms / "libqxcb.so"), str(work / "plugin.c")]
        + [f"-L{work}", "-l:libxcb-gone.so.4"],
        check=True,
    )
    (work / "libxcb-gone.so.4").unlink()  # "a bundled xcb library removed"
    proc = _run(tmp_path, app)
    assert proc.returncode == 134
    assert "Missing libraries: libxcb-gone.so.4" in _shown(tmp_path)
    assert "Missing libraries: libxcb-gone.so.4" in _log(tmp_path)
