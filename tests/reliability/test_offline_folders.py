"""Reliability, round three (issue 25), point 1: an offline folder is not a deleted folder.

A drive mounted inside the library and unplugged, a NAS folder linked in whose target is
offline, a subfolder that became unreadable: their photos are kept (marked offline), with every
decision on their faces, and come back unchanged. Simulated as a user meets them: a real mount
(a tmpfs, bind-mounted into the library, unmounted and mounted again), a real dangling symlink,
and a real ``chmod 000`` with the scan run as the user ``nobody`` (root reads any folder).
Point 2 (a photo skipped as unreadable is read again once readable) is proved here too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from faceorganizer.core.faces.scan import ScanSummary, scan_library
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.store.db import Database
from tests.reliability.fakes import FakeEngine
from tests.reliability.hostile import jpeg

REPO = Path(__file__).resolve().parents[2]


def _scan(db: Database, lib: Path) -> ScanSummary:
    return scan_library(db, [str(lib)], engine=[FakeEngine()])


def _photos(folder: Path, prefix: str, n: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}{i}.jpg").write_bytes(jpeg(40, 30, seed=seed + i))


def _faces_in(db: Database, folder: Path) -> list[int]:
    rows = db.conn.execute(
        "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE ? "
        "ORDER BY p.path",
        (f"{folder}/%",),
    )
    return [r[0] for r in rows]


def _decisions(db: Database) -> tuple[object, ...]:
    q = db.conn.execute
    return (
        q("SELECT face_id, person_id, confirmed FROM face_person ORDER BY face_id").fetchall(),
        q("SELECT id, name FROM people ORDER BY id").fetchall(),
        q("SELECT * FROM rejections ORDER BY face_id").fetchall(),
        q("SELECT * FROM ignored_faces ORDER BY face_id").fetchall(),
    )


def _decide(db: Database, away: Path, home: Path) -> None:
    """Name the faces in ``away``, merge, reject and ignore: every kind of user decision."""
    ops = PeopleOps(db)
    far, near = _faces_in(db, away), _faces_in(db, home)
    emile, _ = ops.create_person("Émile", far[:2])
    anna, _ = ops.create_person("Anna", [near[0]])
    other, _ = ops.create_person("Other", [far[2]])
    ops.merge(emile, [other])
    ops.reject([near[1]], emile)
    ops.reject([far[1]], anna)
    ops.ignore([far[-1]])


@pytest.fixture()
def mounted(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(library, its drive's mount point, the drive): a tmpfs bind-mounted inside the library."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting needs root")
    lib, usb = tmp_path / "lib", tmp_path / "usb"
    drive = lib / "drive"
    usb.mkdir()
    drive.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(usb)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        _photos(usb / "2019", "d", 4, seed=100)
        subprocess.run(["mount", "--bind", str(usb), str(drive)], check=True)
        yield lib, drive, usb
    finally:
        subprocess.run(["umount", "-l", str(drive)], capture_output=True)
        subprocess.run(["umount", "-l", str(usb)], capture_output=True)


def test_an_unplugged_drive_keeps_its_photos_and_every_decision(
    mounted: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib, drive, usb = mounted
    _photos(lib / "home", "h", 3, seed=1)
    with Database(tmp_path / "lib.db") as db:
        assert _scan(db, lib).processed == 7
        _decide(db, drive, lib / "home")
        decided = _decisions(db)
        faces = db.conn.execute("SELECT id, photo_id FROM faces ORDER BY id").fetchall()

        subprocess.run(["umount", str(drive)], check=True)  # unplugged: an empty folder
        assert os.listdir(drive) == []
        away = _scan(db, lib)
        assert (away.deleted, away.offline, away.unchanged) == (0, 4, 3)
        assert _decisions(db) == decided
        code = _cli_json(capsys, "faces", "--db", str(tmp_path / "lib.db"), "--json")
        offline = {Path(f["photo"]).parent.name: f["offline"] for f in code}
        assert offline == {"2019": True, "home": False}

        subprocess.run(["mount", "--bind", str(usb), str(drive)], check=True)  # plugged in again
        back = _scan(db, lib)
        assert (back.processed, back.unchanged, back.deleted, back.offline) == (0, 7, 0, 0)
        assert _decisions(db) == decided  # nothing asked again: faces keep their people
        assert db.conn.execute("SELECT id, photo_id FROM faces ORDER BY id").fetchall() == faces
        assert db.conn.execute("SELECT count(*) FROM photos WHERE offline = 1").fetchone()[0] == 0

        # a photo really deleted from the plugged-in drive, and a folder removed, are forgotten
        (usb / "2019" / "d0.jpg").unlink()
        shutil.rmtree(lib / "home")
        gone = _scan(db, lib)
        assert (gone.deleted, gone.offline) == (4, 0)


def test_the_windows_scan_with_the_drive_unplugged_forgets_nothing(
    mounted: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """The app's scan (in a child process, the real models) at start-up, drive unplugged."""
    from faceorganizer.core.library import Library
    from faceorganizer.core.library.scanning import ScanRequest
    from faceorganizer.core.records import EngineOptions

    lib, drive, _usb = mounted
    _photos(lib / "home", "h", 2, seed=1)
    library = Library(tmp_path / "lib.db")
    first = library.scan(ScanRequest([str(lib)], EngineOptions(threads=1), child_process=True))
    assert first.summary.processed == 6
    subprocess.run(["umount", str(drive)], check=True)
    again = library.scan(ScanRequest([str(lib)], EngineOptions(threads=1), child_process=True))
    assert (again.summary.deleted, again.summary.offline) == (0, 4)
    with Database(tmp_path / "lib.db") as db:
        assert db.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 6


def test_an_empty_folder_of_the_same_device_keeps_its_photos(tmp_path: Path) -> None:
    """A bind mount of the same file system keeps its device number: an emptied mount point
    is recognised by being empty (the folder itself removed forgets them)."""
    lib = tmp_path / "lib"
    _photos(lib / "a", "p", 2, seed=1)
    _photos(lib / "b", "q", 2, seed=5)
    with Database(tmp_path / "lib.db") as db:
        _scan(db, lib)
        for p in (lib / "b").iterdir():
            p.unlink()
        emptied = _scan(db, lib)
        assert (emptied.deleted, emptied.offline) == (0, 2)
        (lib / "b").rmdir()
        assert _scan(db, lib).deleted == 2


def test_a_nas_folder_linked_in_and_offline_keeps_its_photos(tmp_path: Path) -> None:
    lib, nas = tmp_path / "lib", tmp_path / "nas"
    _photos(lib / "home", "h", 2, seed=1)
    _photos(nas / "share", "n", 3, seed=50)
    (lib / "nas").symlink_to(nas / "share")
    with Database(tmp_path / "lib.db") as db:
        assert _scan(db, lib).processed == 5
        _decide(db, lib / "nas", lib / "home")
        decided = _decisions(db)
        nas.rename(tmp_path / "nas-offline")  # the link dangles
        away = _scan(db, lib)
        assert (away.deleted, away.offline) == (0, 3)
        assert _decisions(db) == decided
        (tmp_path / "nas-offline").rename(nas)
        back = _scan(db, lib)
        assert (back.processed, back.unchanged, back.deleted) == (0, 5, 0)
        assert _decisions(db) == decided


def test_a_folder_replaced_by_a_file_forgets_what_was_in_it(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    _photos(lib / "a", "p", 2, seed=1)
    _photos(lib / "b", "q", 2, seed=5)
    with Database(tmp_path / "lib.db") as db:
        _scan(db, lib)
        shutil.rmtree(lib / "b")
        (lib / "b").write_bytes(b"not a folder")
        assert _scan(db, lib).deleted == 2


_AS_NOBODY = r"""
import json, os, sys
sys.path.insert(0, sys.argv[2])
from faceorganizer.core.faces.scan import scan_library
from faceorganizer.core.people.ops import PeopleOps
from faceorganizer.core.store.db import Database
from tests.reliability.fakes import FakeEngine

base = sys.argv[1]
lib, sub = os.path.join(base, "lib"), os.path.join(base, "lib", "sub")
out = {}
with Database(os.path.join(base, "lib.db")) as db:
    def scan():
        s = scan_library(db, [lib], engine=[FakeEngine()])
        return {"processed": s.processed, "unchanged": s.unchanged, "deleted": s.deleted,
                "offline": s.offline, "skipped": [r for _p, r in s.skipped],
                "problems": [p.reason for p in s.problems]}
    def decisions():
        q = db.conn.execute
        return [q("SELECT face_id, person_id, confirmed FROM face_person ORDER BY 1").fetchall(),
                q("SELECT id, name FROM people ORDER BY id").fetchall()]
    out["first"] = scan()
    ops = PeopleOps(db)
    faces = [r[0] for r in db.conn.execute(
        "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE ?",
        (sub + "/%",))]
    ops.create_person("Zoë", faces)
    before = decisions()
    os.chmod(sub, 0)
    out["locked"] = scan()
    out["kept"] = decisions() == before
    os.chmod(sub, 0o755)
    out["open"] = scan()
    out["still"] = decisions() == before
    # point 2: a photo that cannot be opened is skipped, then read once it can be
    lone = os.path.join(lib, "lone.jpg")
    os.rename(os.path.join(base, "lone.jpg"), lone)
    os.chmod(lone, 0)
    out["lone_locked"] = scan()
    os.chmod(lone, 0o644)
    out["lone_open"] = scan()
print(json.dumps(out))
"""


def test_an_unreadable_folder_keeps_its_photos_and_an_unreadable_photo_is_read_later() -> None:
    """``chmod 000`` on a subfolder, scanned as ``nobody`` (root would read it anyway)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to scan as another user")
    base = Path(tempfile.mkdtemp(prefix="fo-nobody-"))
    try:
        _photos(base / "lib" / "sub", "s", 3, seed=10)
        _photos(base / "lib", "top", 1, seed=20)
        (base / "lone.jpg").write_bytes(jpeg(40, 30, seed=30))
        (base / "script.py").write_text(_AS_NOBODY)
        subprocess.run(["chown", "-R", "nobody:nogroup", str(base)], check=True)
        base.chmod(0o755)
        proc = subprocess.run(
            [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable,
             str(base / "script.py"), str(base), str(REPO)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "HOME": str(base), "FACEORGANIZER_HOME": str(base / "home")},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert out["first"]["processed"] == 4
    assert out["locked"]["problems"] == ["Permission denied"]
    assert (out["locked"]["deleted"], out["locked"]["offline"]) == (0, 3)
    assert out["kept"] and out["still"]
    assert (out["open"]["processed"], out["open"]["unchanged"], out["open"]["offline"]) == (0, 4, 0)
    assert out["lone_locked"]["skipped"] == ["unreadable: Permission denied"]
    assert (out["lone_open"]["processed"], out["lone_open"]["skipped"]) == (1, [])


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    from faceorganizer.cli.main import run

    capsys.readouterr()
    assert run(list(argv)) == 0
    out: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return out
