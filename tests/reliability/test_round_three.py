"""Reliability, round three (issue 25), points 3–11; points 1 and 2 are in
``test_offline_folders.py``. Each test names the numbered point of the issue it proves."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faceorganizer.cli.main import run
from faceorganizer.core.faces.scan import scan_library
from faceorganizer.core.metadata.names import MAX_NAMED_REGIONS, import_names
from faceorganizer.core.people.name_claims import NameClaim, import_claims
from faceorganizer.core.people.ops import NameTaken, PeopleOps
from faceorganizer.core.people.text import clean_text, name_key
from faceorganizer.core.store.db import Database
from tests.reliability.fakes import FakeEngine, small_library
from tests.reliability.hostile import jpeg

CMD = [sys.executable, "-m", "faceorganizer"]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command line in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    try:
        code = run(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def _mwg(regions: list[tuple[str, tuple[float, float, float, float]]]) -> str:
    """An XMP sidecar of named MWG face regions, boxes normalised (x, y, w, h)."""
    items = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f'<mwg-rs:Area stArea:x="{x + w / 2}" stArea:y="{y + h / 2}" stArea:w="{w}" '
        f'stArea:h="{h}" stArea:unit="normalized"/><mwg-rs:Name>{name}</mwg-rs:Name>'
        "<mwg-rs:Type>Face</mwg-rs:Type></rdf:li>"
        for name, (x, y, w, h) in regions
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions '
        f'rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag>'
        "</mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def _one_photo(tmp_path: Path, sidecar: str) -> Database:
    """A library of one 200×200 photo (one fake face at 10,10 20×20) with this sidecar."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "p.jpg").write_bytes(jpeg(200, 200, seed=3))
    (lib / "p.jpg.xmp").write_text(sidecar, encoding="utf-8")
    db = Database(tmp_path / "lib.db")
    scan_library(db, [str(lib)], engine=[FakeEngine()])
    return db


def _people(db: Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT name FROM people ORDER BY id")]


# -- point 3: two long names sharing their first 200 characters ---------------------------------


def test_long_names_sharing_200_characters_import_as_one_person(tmp_path: Path) -> None:
    db = small_library(tmp_path / "lib.db", photos=2)
    long = "A" * 200
    result = import_claims(
        PeopleOps(db),
        [NameClaim(1, "/lib/p0.jpg", long + "x", 1), NameClaim(2, "/lib/p1.jpg", long + "y", 2)],
    )
    assert len(result.assigned) == 2
    assert _people(db) == [long]
    db.close()


# -- point 4: export of a file whose name is not UTF-8 -------------------------------------------


def test_export_handles_a_file_name_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    name = b"bad\xff.jpg"
    with open(os.path.join(os.fsencode(lib), name), "wb") as fh:
        fh.write(jpeg(40, 30, seed=1))
    with Database(tmp_path / "lib.db") as db:
        scan_library(db, [str(lib)], engine=[FakeEngine()])
        PeopleOps(db).create_person("Anna", [1])
    code, out, err = cli(
        capsys, "export", "--db", str(tmp_path / "lib.db"), "--person", "Anna", "--to",
        str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, out + err
    assert "failed=0" in out
    assert name in os.listdir(os.fsencode(tmp_path / "out" / "Anna"))


# -- point 5: a huge folder, a sidecar of thousands of names ------------------------------------


def test_sidecar_lookups_in_a_huge_folder_take_linear_time(tmp_path: Path) -> None:
    from faceorganizer.core.metadata.regions import SidecarFinder

    n = 20_000
    for i in range(n):
        (tmp_path / f"p{i:05d}.jpg").touch()
    (tmp_path / "p00007.CR2.xmp").touch()
    finder = SidecarFinder()
    start = time.perf_counter()
    found = [finder.sidecars(tmp_path / f"p{i:05d}.jpg") for i in range(n)]
    took = time.perf_counter() - start
    assert found[7] == [tmp_path / "p00007.CR2.xmp"]
    assert sum(map(len, found)) == 1
    assert took < 10, f"{took:.1f} s for {n} lookups (quadratic: minutes)"  # ~0.3 s idle


def test_a_sidecar_of_thousands_of_names_reads_a_bounded_number(tmp_path: Path) -> None:
    regions = [(f"Person {i}", (0.01 * (i % 90), 0.01 * (i // 90 % 90), 0.04, 0.05)) for i in
               range(3000)]  # fmt: skip
    db = _one_photo(tmp_path, _mwg(regions))
    start = time.perf_counter()
    report = import_names(db)  # no engine: regions with no detected face stay unmatched
    assert time.perf_counter() - start < 30
    assert report.counts.named == MAX_NAMED_REGIONS
    assert any("3000 named regions" in why for _p, why in report.skipped)
    db.close()


# -- point 6: names that look the same are one person -------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Émile", "E\u0301mile"),  # NFC and NFD
        ("Émile", "émile"),  # non-ASCII case
        ("Straße", "STRASSE"),  # full case folding
        ("Anna", "An\u200bna"),  # a zero-width space
        ("ǅemal", "ǆemal"),  # title case
    ],
)
def test_names_that_look_the_same_are_one_person(tmp_path: Path, a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    db = small_library(tmp_path / "lib.db", photos=3)
    ops = PeopleOps(db)
    ops.create_person(a, [1])
    with pytest.raises(NameTaken):
        ops.create_person(b, [2])  # the command line and the window
    result = import_claims(ops, [NameClaim(3, "/lib/p2.jpg", b, 3)])  # names from XMP
    assert result.created_people == []
    assert _people(db) == [clean_text(a)]
    db.close()


def test_xmp_names_are_cleaned_like_typed_names(tmp_path: Path) -> None:
    regions = [("Zo\u200be\u0308", (0.05, 0.05, 0.1, 0.1)), ("ZOË", (0.6, 0.6, 0.1, 0.1))]
    db = _one_photo(tmp_path, _mwg(regions))
    import_names(db)
    report = import_names(db)
    assert report.counts.named == 1  # one person, named once per photo
    assert _people(db) == ["Zoë"]
    db.close()


def test_an_older_library_gets_folded_unique_names(tmp_path: Path) -> None:
    """Migration 0003: stored names cleaned and keyed; two that now compare equal stay two
    people (the user may merge them) and finding by name finds the first."""
    from faceorganizer.core.store.db import APP_ID, _migrations, _split_sql

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for _n, _name, sql in _migrations()[:2]:
        for statement in _split_sql(sql):
            conn.execute(statement)
    for name in ("Émile", "e\u0301mile", "Zo\u200bë", "Bob"):
        conn.execute("INSERT INTO people (name, created_at) VALUES (?, 0)", (name,))
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APP_ID}")
    conn.close()
    with Database(path) as db:
        assert _people(db) == ["Émile", "émile", "Zoë", "Bob"]
        ops = PeopleOps(db)
        assert ops.resolve("ÉMILE").id == 1
        assert ops.resolve("zoë").id == 3
        with pytest.raises(NameTaken):
            ops.create_person("BOB", [])
    assert (tmp_path / "old.db.v2.bak").exists()


# -- point 7: the change is saved, and the message says so --------------------------------------


@pytest.fixture()
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "lib.db"
    db = small_library(path, photos=3)
    PeopleOps(db).create_person("Anna", [1])
    db.close()
    return path


def _names(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM people ORDER BY id")]


@pytest.mark.parametrize("output", ["/dev/full", "closed"])
def test_an_unwritable_output_does_not_say_the_change_failed(small_db: Path, output: str) -> None:
    argv = [*CMD, "name", "Anna", "Zoë", "--db", str(small_db)]
    if output == "closed":
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              pass_fds=(), preexec_fn=lambda: os.close(1))  # fmt: skip
    else:
        with open(output, "w") as full:
            proc = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    assert "the output could not be written" in proc.stderr
    assert "nothing half-written" not in proc.stderr
    assert _names(small_db) == ["Zoë"]


def test_a_latin1_terminal_gets_escapes_not_an_error(small_db: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    proc = subprocess.run([*CMD, "name", "Anna", "日本", "--db", str(small_db)],
                          capture_output=True, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert b"\\u65e5\\u672c" in proc.stdout
    assert _names(small_db) == ["日本"]


# -- point 8: a mistyped --db is refused, never created -----------------------------------------


@pytest.mark.parametrize(
    "argv",
    [("undo",), ("xmp", "write"), ("xmp", "import"), ("name", "1", "Anna"), ("cluster",),
     ("ignore", "--face", "1"), ("export", "--person", "A", "--to", "out")],
    ids=" ".join,
)  # fmt: skip
def test_a_mistyped_db_is_refused_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    os.chdir(tmp_path)
    code, out, err = cli(capsys, *argv, "--db", str(tmp_path / "typo" / "libary.db"))
    assert code == 2
    assert "no library at" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# -- point 9: a full disk is not a damaged library ----------------------------------------------


def test_a_full_disk_is_not_called_an_unusable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
        ).returncode
    ):
        pytest.skip("needs root to mount a small disk")
    try:
        db_path = disk / "lib.db"
        db = small_library(db_path, photos=3)
        PeopleOps(db).create_person("Anna", [1])
        db.close()
        # fill the disk to the last byte (unbuffered: nothing left to flush on close)
        with open(disk / "filler", "wb", buffering=0) as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 65536)
        for argv in (("name", "Anna", "Bea"), ("people",)):
            code, out, err = cli(capsys, *argv, "--db", str(db_path))
            assert "not a usable" not in err, err
            assert "Traceback" not in err
            if code != 0:
                assert code == 1 and ("full" in err or "disk" in err), err
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- point 10: hard links across file systems ---------------------------------------------------


def test_hardlink_across_file_systems_says_it_copied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(other)], capture_output=True
        ).returncode
    ):
        pytest.skip("needs root to mount a second file system")
    try:
        lib = tmp_path / "lib"
        lib.mkdir()
        (lib / "a.jpg").write_bytes(jpeg(40, 30, seed=1))
        with Database(tmp_path / "lib.db") as db:
            scan_library(db, [str(lib)], engine=[FakeEngine()])
            PeopleOps(db).create_person("Anna", [1])
        code, out, err = cli(capsys, "export", "--db", str(tmp_path / "lib.db"), "--person",
                             "Anna", "--to", str(other), "--mode", "hardlink")  # fmt: skip
        assert code == 0, err
        assert "copied: " in out and "copied instead" in out
        assert "copied_instead_of_linked=1" in out
    finally:
        subprocess.run(["umount", "-l", str(other)], capture_output=True)


# -- point 11: the smaller ones ------------------------------------------------------------------


def test_a_dropped_table_says_damaged(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(small_db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP TABLE face_person")
    code, out, err = cli(capsys, "people", "--db", str(small_db))
    assert code == 2
    assert "damaged" in err and "Traceback" not in err


def test_the_start_up_log_and_its_folder_are_user_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faceorganizer.__main__ import write_log

    monkeypatch.setenv("FACEORGANIZER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(os, "umask", os.umask)  # the usual 022
    path = write_log("start-up failed: test")
    assert path is not None
    assert oct(os.stat(tmp_path / "home").st_mode & 0o777) == "0o700"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_a_photo_replaced_by_a_folder_is_forgotten(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(2):
        (lib / f"p{i}.jpg").write_bytes(jpeg(40, 30, seed=i))
    with Database(tmp_path / "lib.db") as db:
        scan_library(db, [str(lib)], engine=[FakeEngine()])
        (lib / "p1.jpg").unlink()
        (lib / "p1.jpg").mkdir()
        again = scan_library(db, [str(lib)], engine=[FakeEngine()])
        assert again.deleted == 1
        assert [r[0] for r in db.conn.execute("SELECT path FROM photos")] == [str(lib / "p0.jpg")]


def test_one_box_with_two_names_stays_one_face(tmp_path: Path) -> None:
    box = (0.3, 0.3, 0.2, 0.2)  # no detected face there: it becomes a face from metadata
    db = _one_photo(tmp_path, _mwg([("Anna", box), ("Bea", box)]))
    report = import_names(db)
    assert report.counts.named == 1
    assert any("named twice" in why for _p, why in report.skipped)
    db.close()


def test_home_naming_a_file_gets_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "home").write_text("a file")
    monkeypatch.setenv("FACEORGANIZER_HOME", str(tmp_path / "home"))
    code, out, err = cli(capsys, "people")
    assert code == 2
    assert "FACEORGANIZER_HOME" in err and "File exists" not in err


def test_thirty_thousand_face_options_parse_in_moments() -> None:
    from faceorganizer.cli.main import _joined, build_parser

    argv = ["ignore"] + [x for i in range(1, 30_001) for x in ("--face", str(i))]
    start = time.perf_counter()
    args = build_parser().parse_args(_joined(argv, "--face"))
    assert time.perf_counter() - start < 5  # 19 s before (argparse is quadratic in options)
    assert args.faces == list(range(1, 30_001))


def test_sigterm_ends_xmp_write_with_a_message_and_no_temporary_file(tmp_path: Path) -> None:
    """The write is held in fsync (as a slow disk would), then SIGTERM arrives."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.jpg").write_bytes(jpeg(40, 30, seed=1))
    with Database(tmp_path / "lib.db") as db:
        scan_library(db, [str(lib)], engine=[FakeEngine()])
        PeopleOps(db).create_person("Anna", [1])
    slow = (
        "import os, sys, time\n"
        "os.fsync = lambda fd: time.sleep(60)\n"
        "from faceorganizer.cli.main import run\n"
        "sys.exit(run(sys.argv[1:]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow, "xmp", "write", "--db", str(tmp_path / "lib.db")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not [p for p in lib.iterdir() if p.name.endswith(".tmp")]:
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "interrupted" in err
    assert sorted(p.name for p in lib.iterdir()) == ["a.jpg"]


def test_a_killed_xmp_writes_leftovers_are_removed_by_the_next(tmp_path: Path) -> None:
    from faceorganizer.core.export.xmp import TEMP_PREFIX, write_sidecars

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.jpg").write_bytes(jpeg(40, 30, seed=1))
    with Database(tmp_path / "lib.db") as db:
        scan_library(db, [str(lib)], engine=[FakeEngine()])
        PeopleOps(db).create_person("Anna", [1])
        left = lib / f"{TEMP_PREFIX}a.jpg.xmp.k1ll3d.tmp"  # what SIGKILL leaves
        left.write_text("<half")
        os.utime(left, (time.time() - 3600, time.time() - 3600))
        write_sidecars(db)
    assert sorted(p.name for p in lib.iterdir()) == ["a.jpg", "a.jpg.xmp"]
