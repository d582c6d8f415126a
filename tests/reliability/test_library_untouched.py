"""Scanning never changes the photo library: not a byte, a name, a mode or a modification time,
and a read-only library scans as well as a writable one."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set
from tests.reliability.hostile import copy_photos, is_root, jpeg, run_cli, shown

PHOTOS = ["img1.jpg", "img12.jpg", "couple.jpg"]

Snapshot = dict[str, tuple[object, ...]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (root included): type, mode, size, mtime and content hash."""
    out: Snapshot = {}

    def entry(path: str) -> tuple[object, ...]:
        st = os.lstat(path)
        facts: tuple[object, ...] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
        if stat.S_ISLNK(st.st_mode):
            return (*facts, os.readlink(path))
        facts = (*facts, st.st_mtime_ns)
        if stat.S_ISREG(st.st_mode):
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            return (*facts, st.st_size, digest)
        return facts

    top = os.fsencode(root)
    for dirpath, dirnames, filenames in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        out[os.fsdecode(rel)] = entry(os.fsdecode(dirpath))
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or name in filenames:
                out[os.fsdecode(os.path.relpath(full, top))] = entry(os.fsdecode(full))
    return out


def _library(tmp_path: Path) -> Path:
    """A few real photos, a subfolder, a non-UTF-8 name, a file to skip and a link."""
    lib = tmp_path / "lib"
    copy_photos(shared_set("celebrities"), lib, PHOTOS[:2])
    copy_photos(shared_set("celebrities"), lib / "trip", PHOTOS[2:])
    with open(os.fsencode(lib / "trip") + b"/\xe9t\xe9.jpg", "wb") as fh:
        fh.write(jpeg(64, 48))
    (lib / "notes.jpg").write_text("not a photo\n", encoding="utf-8")
    os.symlink("img1.jpg", lib / "again.jpg")
    os.symlink("trip", lib / "trip-link")
    # mtimes in the past, so a touch by the scan could not hide inside the same tick
    for path in sorted(lib.rglob("*"), reverse=True) + [lib]:
        os.utime(
            path, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000), follow_symlinks=False
        )
    return lib


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "FACEORGANIZER_HOME": str(tmp_path / "home"),
        "FACEORGANIZER_THREADS": os.environ.get("FACEORGANIZER_THREADS", "2"),
    }


def test_scan_and_rescan_leave_the_library_byte_for_byte_identical(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    db = tmp_path / "library.db"
    before = snapshot(lib)
    assert len(before) >= 9

    first = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=_env(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.summary()["processed"] == "4" and first.summary()["skipped"] == "1"
    assert snapshot(lib) == before

    again = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=_env(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.summary()["unchanged"] == again.summary()["seen"] == "5"
    assert snapshot(lib) == before
    assert not any(p.name.startswith("library.db") for p in lib.rglob("*"))


# Records, from inside the child, every open of a path under the library (with its flags) and
# every other call that could change the file system there.
AUDIT = """
import os as _os
import sys as _sys

_lib = _os.environ.get("LIBRARY_AUDIT_ROOT")
if _lib:
    _fd = _os.open(_os.environ["LIBRARY_AUDIT_LOG"], _os.O_WRONLY | _os.O_CREAT | _os.O_APPEND)
    _roots = tuple({_lib, _os.path.realpath(_lib)})
    _WRITE = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_TRUNC | _os.O_APPEND
    _CHANGES = frozenset({
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.chflags",
        "os.utime", "os.truncate", "os.symlink", "os.link", "os.setxattr", "os.removexattr",
        "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.move", "shutil.rmtree",
        "sqlite3.connect",
    })

    def _under(p):
        if isinstance(p, int) or p is None:
            return None
        try:
            p = _os.fsdecode(_os.fspath(p))
        except TypeError:
            return None
        p = _os.path.abspath(p)
        for r in _roots:
            if p == r or p.startswith(r + _os.sep):
                return p
        return None

    def _hook(event, args, _write=_os.write):
        try:
            if event == "open":
                p = _under(args[0])
                if p is not None:
                    flags = args[2] if isinstance(args[2], int) else 0
                    kind = "W" if flags & _WRITE else "R"
                    _write(_fd, f"{kind} {flags} {args[1]!r} {p!r}\\n".encode("utf-8", "replace"))
            elif event in _CHANGES:
                for a in args:
                    p = _under(a)
                    if p is not None:
                        _write(_fd, f"C {event} {p!r}\\n".encode("utf-8", "replace"))
        except Exception:
            pass

    _sys.addaudithook(_hook)
    _os.write(_fd, b"ready\\n")
"""


def _audited_env(tmp_path: Path, lib: Path) -> tuple[dict[str, str], Path]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(AUDIT, encoding="utf-8")
    log = tmp_path / "opens.log"
    env = {
        **_env(tmp_path),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(hooks), os.environ.get("PYTHONPATH", "")) if p
        ),
        "LIBRARY_AUDIT_ROOT": str(lib),
        "LIBRARY_AUDIT_LOG": str(log),
    }
    return env, log


def test_the_audit_hook_sees_reads_and_writes(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.jpg").write_bytes(b"x")
    env, log = _audited_env(tmp_path, lib)
    code = (
        "import os, sys\n"
        "lib = sys.argv[1]\n"
        "open(os.path.join(lib, 'a.jpg'), 'rb').close()\n"
        "open(os.path.join(lib, 'a.jpg'), 'ab').close()\n"
        "os.close(os.open(os.path.join(lib, 'b.jpg'), os.O_WRONLY | os.O_CREAT))\n"
        "os.utime(os.path.join(lib, 'b.jpg'))\n"
        "os.chdir(lib); open('c.jpg', 'w').close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(lib)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    kinds = [
        r.split()[0] + (" " + r.split()[1] if r.startswith("C ") else "")
        for r in log.read_text(encoding="utf-8").splitlines()
    ]
    assert kinds == ["ready", "R", "W", "W", "C os.utime", "W"], kinds


@pytest.fixture()
def read_only(tmp_path: Path):
    """Make a folder tree read-only (a-w) and give write access back afterwards."""
    made: list[Path] = []

    def apply(root: Path) -> None:
        made.append(root)
        top = os.fsencode(root)
        for dirpath, dirnames, filenames in os.walk(top, topdown=False):
            for name in filenames + dirnames:
                full = os.path.join(dirpath, name)
                if not os.path.islink(full):
                    os.chmod(full, stat.S_IMODE(os.lstat(full).st_mode) & ~0o222)
            os.chmod(dirpath, stat.S_IMODE(os.lstat(dirpath).st_mode) & ~0o222)

    yield apply
    for root in made:
        top = os.fsencode(root)
        os.chmod(top, 0o755)
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                if not os.path.islink(full):
                    os.chmod(full, 0o755 if os.path.isdir(full) else 0o644)


def test_read_only_library_scans_and_is_only_ever_opened_for_reading(
    tmp_path: Path, read_only
) -> None:
    lib = _library(tmp_path)
    read_only(lib)
    if not is_root():  # the permissions really bite: writing must fail
        with pytest.raises(PermissionError):
            (lib / "probe.txt").write_bytes(b"x")
    before = snapshot(lib)

    env, log = _audited_env(tmp_path, lib)
    db = tmp_path / "library.db"
    run = run_cli("scan", str(lib), "--db", str(db), "--no-progress", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    s = run.summary()
    assert (s["processed"], s["skipped"], s["status"]) == ("4", "1", "done"), run.stdout
    assert f"skipped: {shown(lib / 'notes.jpg')}: not an image" in run.stdout

    records = log.read_text(encoding="utf-8").splitlines()
    assert records and records[0] == "ready", "the audit hook did not run in the child"
    writes = [r for r in records if r.startswith(("W ", "C "))]
    assert writes == [], writes
    reads = [r for r in records if r.startswith("R ")]
    assert len(reads) >= 5, records  # every photo file was read through the audited open
    assert snapshot(lib) == before


def test_every_command_and_thumbnailing_leave_the_library_identical(tmp_path: Path) -> None:
    """Scan, cluster, people operations, thumbnails, export and undo: not a byte changes."""
    import json

    from faceorganizer.core.photos.thumbnails import face_thumbnail, photo_thumbnail
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    lib = _library(tmp_path)
    db = tmp_path / "library.db"
    env = _env(tmp_path)
    before = snapshot(lib)

    def ok(*args: str) -> str:
        result = run_cli(*args, "--db", str(db), env=env)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return str(result.stdout)

    ok("scan", str(lib), "--no-progress")
    ok("cluster")
    people = json.loads(ok("people", "--json"))
    faces = [f for p in people for f in p["faces"]]
    with Database(db, readonly=True) as conn:
        rows = FaceRepository(conn).rows()
    assert rows
    if people:
        ok("name", str(people[0]["id"]), "Anna")
        ok("export", "--person", "Anna", "--to", str(tmp_path / "albums"))
        ok("export", "--person", "Anna", "--to", str(tmp_path / "links"), "--mode", "symlink")
        ok("reject", "--face", str(people[0]["faces"][0]), "--from", "Anna")
        ok("undo")
    if faces:
        ok("ignore", "--face", str(faces[-1]))
    ok("cluster", "--incremental")
    for row in rows:  # thumbnails are cached in the data folder, never beside the photos
        assert face_thumbnail(row.path, row.box, 96).shape[:2] == (96, 96)
        assert photo_thumbnail(row.path, 128).size > 0
    assert snapshot(lib) == before
