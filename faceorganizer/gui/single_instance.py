"""One window per user and data folder: a second start hands its photos to the running one.

Opening a photo ("Open with FaceOrganizer") while the window is open would otherwise start a
second window on the same library, which opens the database again and rescans. ``claim``
decides at start-up, before the window exists:

* the first process takes an exclusive lock (``flock``; the system releases it when the process
  ends, however it ends) and serves a Unix socket beside it: ``Listener``;
* a later process cannot take the lock, so it connects to that socket, sends its photos and
  exits (``hand_over``); the running window shows "who is in this photo" for the first one.

Both files live in ``$XDG_RUNTIME_DIR`` (else a private folder in the temp folder) and are named
by a digest of the user and the data folder, so two libraries under different
``FACEORGANIZER_HOME`` folders each keep their own window. The message is one line of JSON,
``{"photos": [absolute paths]}``; the answer is ``ok``. Python's own sockets, not QtNetwork:
the bundle leaves QtNetwork (and the Kerberos libraries it links) out. Where Unix sockets or
``flock`` are missing (Windows), every start opens its own window, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)

ANSWER_S = 3.0
WAIT_FOR_FIRST_S = 5.0  # the first window may still be starting when the second start comes
MAX_MESSAGE = 1 << 20

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def supported() -> bool:
    """Whether this platform has what the single window needs."""
    return fcntl is not None and hasattr(socket, "AF_UNIX")


# A Unix socket's path is at most 107 bytes (sun_path is 108 with its NUL) on Linux
SOCKET_PATH_MAX = 107


def _folder() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return Path(runtime)
    return _private_temp()


def _private_temp() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"faceorganizer-{uid}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.stat()
    if info.st_uid != uid or info.st_mode & 0o077:
        raise OSError(f"{folder} is not private to this user")
    return folder


def paths(data_dir: Path) -> tuple[Path, Path]:
    """(lock file, socket) for this user and data folder (short: a socket path is limited to
    107 bytes, so a runtime folder too deep for one gives way to a private temp folder)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    name = f"faceorganizer-{digest}"
    folder = _folder()
    if len(os.fsencode(folder / f"{name}.sock")) > SOCKET_PATH_MAX:
        folder = _private_temp()
    return folder / f"{name}.lock", folder / f"{name}.sock"


def hand_over(path: Path, photos: list[str], timeout: float = ANSWER_S) -> bool:
    """Give ``photos`` (none: the window is only raised) to the window serving ``path``; True
    when it took them."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps({"photos": photos}).encode() + b"\n")
            answer = b""
            while b"\n" not in answer:
                chunk = sock.recv(64)
                if not chunk:
                    break
                answer += chunk
    except OSError as exc:
        log.debug("single window: no answer on %s: %s", path, exc)
        return False
    return answer.strip() == b"ok"


class Claim:
    """What ``claim`` decided: ``first`` (this process keeps the window) or handed over."""

    def __init__(self, first: bool, lock: IO[bytes] | None, sock_path: Path | None) -> None:
        self.first = first
        self.lock = lock
        self.sock_path = sock_path

    def release(self) -> None:
        """Give up the lock (the socket file is removed by the listener)."""
        if self.lock is not None:
            with contextlib.suppress(OSError):
                self.lock.close()
            self.lock = None


def claim(data_dir: Path, photos: list[str]) -> Claim:
    """Become the window for ``data_dir``, or hand ``photos`` to the window that is.

    ``Claim.first`` is False when a running window took the photos (this process should exit).
    When the running window does not answer within ``WAIT_FOR_FIRST_S`` (hung, or a platform
    without the means), this process opens its own window without serving the socket.
    """
    if not supported():
        return Claim(True, None, None)
    try:
        lock_path, sock_path = paths(data_dir)
        lock = open(lock_path, "ab")  # noqa: SIM115 - held for the life of the window
    except OSError as exc:
        log.warning("single window: %s; this start opens its own window", exc)
        return Claim(True, None, None)
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Claim(True, lock, sock_path)
        except OSError:
            pass  # another window holds it
        if hand_over(sock_path, photos):
            lock.close()
            return Claim(False, None, None)
        if time.monotonic() > deadline:
            lock.close()
            log.warning("single window: the running window does not answer; opening another")
            return Claim(True, None, None)
        time.sleep(0.1)


class Listener(QObject):
    """Serves the socket for the running window: ``on_photos(photos)`` for each later start.

    Non-blocking throughout (``QSocketNotifier``): a client that connects and sends nothing
    never stalls the window."""

    def __init__(
        self,
        claimed: Claim,
        on_photos: Callable[[list[str]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.claimed = claimed
        self.on_photos = on_photos
        self.server: socket.socket | None = None
        self.notifier: QSocketNotifier | None = None
        self.clients: dict[int, tuple[socket.socket, bytearray, QSocketNotifier]] = {}
        path = claimed.sock_path
        if path is None or claimed.lock is None:
            return
        try:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # left by a window that ended: the lock says none runs now
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(path))
            os.chmod(path, 0o600)
            server.listen(8)
            server.setblocking(False)
        except OSError as exc:
            log.warning("single window: cannot serve %s: %s", path, exc)
            return
        self.server = server
        self.notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._accept)

    @property
    def listening(self) -> bool:
        return self.server is not None

    def close(self) -> None:
        """Stop serving: the socket file goes, then the lock."""
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        for fd in list(self.clients):
            self._drop(fd)
        if self.server is not None:
            self.server.close()
            self.server = None
            if self.claimed.sock_path is not None:
                with contextlib.suppress(OSError):
                    self.claimed.sock_path.unlink()
        self.claimed.release()

    def _accept(self, *_args: Any) -> None:
        if self.server is None:
            return
        try:
            conn, _addr = self.server.accept()
        except OSError:
            return
        conn.setblocking(False)
        notifier = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self.clients[conn.fileno()] = (conn, bytearray(), notifier)
        fd = conn.fileno()
        notifier.activated.connect(lambda *_a: self._read(fd))

    def _read(self, fd: int) -> None:
        entry = self.clients.get(fd)
        if entry is None:
            return
        conn, buffer, _notifier = entry
        try:
            chunk = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._drop(fd)
            return
        buffer += chunk
        if not chunk or len(buffer) > MAX_MESSAGE:
            self._drop(fd)  # closed before a whole message, or far too long
            return
        if b"\n" not in buffer:
            return
        photos = _photos(bytes(buffer).split(b"\n", 1)[0])
        with contextlib.suppress(OSError):
            conn.setblocking(True)
            conn.settimeout(1.0)
            conn.sendall(b"ok\n")
        self._drop(fd)
        self.on_photos(photos)

    def _drop(self, fd: int) -> None:
        conn, _buffer, notifier = self.clients.pop(fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        conn.close()


def _photos(line: bytes) -> list[str]:
    """The photo paths of a message; bad input is logged and gives none."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("single window: a bad message from a second start: %s", exc)
        return []
    photos = message.get("photos", []) if isinstance(message, dict) else []
    return [p for p in photos if isinstance(p, str) and p] if isinstance(photos, list) else []
