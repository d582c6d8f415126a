"""If the window ever dies, the user learns why.

``begin(log)`` (the window's start, ``__main__.main_gui``) points Python's ``faulthandler`` at
the log in the data folder, so a fatal error (a segmentation fault in a native library, an
abort such as ``Fatal Python error: none_dealloc``) writes its traceback there, and leaves a
marker file for this process that only a normal exit removes. The next start finds the
marker of a process that is gone and says, once, that the last session ended abnormally and
where the log is (a message box in the window, a line on stderr).
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import os
import time
from pathlib import Path
from typing import IO

SESSIONS = "sessions"  # a folder of markers in the data folder: one per running window
FATAL_MARKS = ("Fatal Python error", "Segmentation fault", "Aborted")

_log_file: IO[str] | None = None  # kept open: faulthandler writes to its file descriptor


def _boot_id() -> str:
    """This boot's id (Linux), so that a marker from before a reboot counts as ended."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _fatal_lines(log: Path, offset: int) -> list[str]:
    """The fatal-error lines written to ``log`` after ``offset`` (that session's)."""
    try:
        with log.open("rb") as fh:
            fh.seek(offset)
            text = fh.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return []
    return [ln.strip() for ln in text.splitlines() if ln.startswith(FATAL_MARKS)]


def abnormal_end(log: Path) -> str | None:
    """A message about earlier sessions that ended abnormally (their markers are removed), or
    None when every earlier session ended normally (or is still running)."""
    folder = log.parent / SESSIONS
    try:
        markers = sorted(folder.glob("*.running"))
    except OSError:
        return None
    ended: list[tuple[str, list[str]]] = []
    boot = _boot_id()
    for marker in markers:
        try:
            fields = dict(
                line.split("=", 1) for line in marker.read_text().splitlines() if "=" in line
            )
            pid = int(fields.get("pid", "0"))
        except (OSError, ValueError):
            continue
        same_boot = not boot or fields.get("boot", boot) == boot
        if same_boot and _alive(pid):
            continue  # another window, still open
        offset = int(fields.get("offset", "0") or 0)
        ended.append((fields.get("started", "?"), _fatal_lines(log, offset)))
        with contextlib.suppress(OSError):
            marker.unlink()
    if not ended:
        return None
    started, fatal = ended[-1]
    text = f"The last FaceOrganizer session (started {started}) ended abnormally."
    if fatal:
        text += f"\nIt stopped with: {fatal[0]}"
    text += f"\nWhat it wrote is in {log}"
    return text


def begin(log: Path) -> str | None:
    """Start a session: faulthandler writes to ``log``, a marker says this process runs.

    Returns the message about an earlier session that ended abnormally, or None. Never
    raises: a data folder that cannot be written only loses the crash report.
    """
    global _log_file
    notice = abnormal_end(log)
    try:
        log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fh = log.open("a", encoding="utf-8")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        fh.write(f"{stamp} session started (pid {os.getpid()})\n")
        fh.flush()
        offset = fh.tell()
        folder = log.parent / SESSIONS
        folder.mkdir(exist_ok=True, mode=0o700)
        marker = folder / f"{os.getpid()}.running"
        marker.write_text(
            f"pid={os.getpid()}\nstarted={stamp}\nboot={_boot_id()}\noffset={offset}\n"
        )
    except OSError:
        return notice
    _log_file = fh
    faulthandler.enable(file=fh, all_threads=True)
    atexit.register(_end, marker)
    return notice


def _end(marker: Path) -> None:
    """A normal exit: the marker goes, faulthandler stops writing to the log."""
    global _log_file
    with contextlib.suppress(OSError):
        marker.unlink()
    if faulthandler.is_enabled():
        faulthandler.disable()
    if _log_file is not None:
        with contextlib.suppress(OSError):
            _log_file.close()
        _log_file = None
