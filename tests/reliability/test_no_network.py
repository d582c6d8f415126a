"""The app works offline: a scan and a listing make no network call of any kind.

The children run with a ``sitecustomize`` (found first on ``PYTHONPATH``, so it also reaches any
Python child they start) that records every ``socket.*`` audit event to a file and makes
``socket.socket`` refuse to be created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import shared_set
from tests.reliability.hostile import copy_photos, run_cli

PHOTOS = ["img1.jpg", "img12.jpg", "couple.jpg"]

SITECUSTOMIZE = """
import os as _os
import socket as _socket
import sys as _sys

_log = _os.environ.get("NO_NETWORK_LOG")
if _log:
    _fd = _os.open(_log, _os.O_WRONLY | _os.O_CREAT | _os.O_APPEND, 0o600)

    def _hook(event, args, _fd=_fd, _write=_os.write, _pid=_os.getpid):
        if event.startswith("socket."):
            try:
                line = f"{_pid()} {event} {args!r:.300}\\n"
            except Exception:
                line = f"{_pid()} {event} ?\\n"
            _write(_fd, line.encode("utf-8", "replace"))

    _sys.addaudithook(_hook)

    class _NoSocket(_socket.socket):
        def __init__(self, *args, **kwargs):
            raise OSError("network access is forbidden in this test")

    _socket.socket = _NoSocket
    _os.write(_fd, f"{_os.getpid()} wrapper-ready\\n".encode())
"""

FORBIDDEN = (
    "socket.__new__",
    "socket.connect",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "socket.sendmsg",
)


def _guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    wrapper = tmp_path / "wrapper"
    wrapper.mkdir(exist_ok=True)
    (wrapper / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    path = os.pathsep.join(p for p in (str(wrapper), os.environ.get("PYTHONPATH", "")) if p)
    env = {
        "PYTHONPATH": path,
        "NO_NETWORK_LOG": str(log),
        "FACEORGANIZER_HOME": str(tmp_path / "home"),
        "FACEORGANIZER_THREADS": os.environ.get("FACEORGANIZER_THREADS", "2"),
    }
    return env, log


def _events(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_the_guard_itself_sees_and_stops_network_use(tmp_path: Path) -> None:
    env, log = _guarded_env(tmp_path)
    code = (
        "import socket\n"
        "try:\n    socket.getaddrinfo('localhost', 80)\nexcept OSError:\n    pass\n"
        "try:\n    socket.socket()\nexcept OSError as e:\n    print('refused:', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "refused: network access is forbidden" in result.stdout
    events = _events(log)
    assert any("wrapper-ready" in e for e in events)
    assert any(" socket.getaddrinfo " in e for e in events), events


def test_scan_and_listing_make_no_network_call(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    copy_photos(shared_set("celebrities"), lib, PHOTOS)
    db = tmp_path / "library.db"
    env, log = _guarded_env(tmp_path)

    scan = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=env)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    summary = scan.summary()
    assert summary["processed"] == str(len(PHOTOS)) and int(summary["faces"]) >= 1

    listing = run_cli("faces", "--json", "--db", str(db), env=env)
    assert listing.returncode == 0, listing.stderr
    faces = json.loads(listing.stdout)
    assert len(faces) == int(summary["faces"])

    events = _events(log)
    assert sum("wrapper-ready" in e for e in events) >= 2, "the guard did not run in the children"
    used = [e for e in events if any(f" {name} " in e for name in FORBIDDEN)]
    assert used == [], used
    assert [e for e in events if "wrapper-ready" not in e] == []


def test_people_commands_make_no_network_call(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    copy_photos(shared_set("celebrities"), lib, PHOTOS)
    db = tmp_path / "library.db"
    env, log = _guarded_env(tmp_path)
    labels = tmp_path / "labels.csv"
    labels.write_text("file,person\n" + "".join(f"{p},X\n" for p in PHOTOS), encoding="utf-8")
    for args in (
        ["scan", str(lib), "--no-progress"],
        ["cluster"],
        ["people", "--json"],
        ["eval", "--labels", str(labels)],
        ["undo"],
    ):
        result = run_cli(*args, "--db", str(db), env=env)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    events = _events(log)
    assert sum("wrapper-ready" in e for e in events) >= 5
    assert [e for e in events if "wrapper-ready" not in e] == []
