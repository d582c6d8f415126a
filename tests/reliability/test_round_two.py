"""Reliability, round two (issue 19): hostile files, odd file types and bad arguments end cleanly.

Each test names the numbered point of the issue it proves. The XMP points (2, the 10 GB sidecar of
3, the FIFO sidecar of 4) are proved with the XMP reader, in its own tests.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from faceorganizer.cli.main import run
from faceorganizer.core.faces.scan import ScanOptions, scan_library
from faceorganizer.core.people.ops import NameTaken, PeopleError, PeopleOps
from faceorganizer.core.photos.decode import DecodeError, decode_bytes, read_photo_file
from faceorganizer.core.store.db import Database
from faceorganizer.core.store.people import PeopleRepository
from faceorganizer.core.store.photos import PhotoRepository
from tests.conftest import shared_set
from tests.reliability.fakes import FakeEngine, small_library
from tests.reliability.hostile import (
    EPS_ERROR,
    POSTSCRIPT_LOOP,
    CliRun,
    gif_many_frames,
    jpeg,
    png_one_bit,
    run_cli,
    shown,
    sparse_file,
    tiff_many_pages,
)

MAX_RSS_BYTES = int(1.5 * 1024**3)
FORGED = "evil\nsummary: seen=999 processed=999 status=done\n\x1b[2J\x1b]0;pwned\x07.jpg"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line in this process: (exit status, stdout, stderr)."""
    try:
        code = run(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *, status: int | tuple[int, ...] = (1, 2)) -> str:
    statuses = (status,) if isinstance(status, int) else status
    assert code in statuses, (code, err)
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert "error:" in last, err
    return last


# -- a hostile library of round two, scanned once by the command line ---------------------------


@dataclass
class RoundTwo:
    root: Path
    db: Path
    run: CliRun

    def reason(self, rel: str) -> str | None:
        head = f"skipped: {shown(self.root / rel)}: "
        found = [ln[len(head) :] for ln in self.run.stdout.splitlines() if ln.startswith(head)]
        return found[0] if found else None

    def status(self) -> dict[str, str]:
        with Database(self.db, readonly=True) as d:
            return {row.path: row.status for row in PhotoRepository(d).index().values()}


@pytest.fixture(scope="module")
def round_two(tmp_path_factory: pytest.TempPathFactory) -> RoundTwo:
    base = tmp_path_factory.mktemp("round2")
    root = base / "lib"
    for folder in ("real", "good", "ps", "big", "cost", "names"):
        (root / folder).mkdir(parents=True)
    shutil.copyfile(shared_set("celebrities") / "img1.jpg", root / "real" / "img1.jpg")
    (root / "good" / "a.jpg").write_bytes(jpeg(64, 48, seed=1))
    (root / "good" / "b.jpg").write_bytes(jpeg(64, 48, seed=2))
    (root / "ps" / "holiday.jpg").write_bytes(POSTSCRIPT_LOOP)
    (root / "ps" / "cover.jpg").write_bytes(EPS_ERROR)
    sparse_file(root / "big" / "sparse.jpg", 40 * 2**30)
    (root / "cost" / "pages.tiff").write_bytes(tiff_many_pages(150_000))
    (root / "cost" / "frames.gif").write_bytes(gif_many_frames(2000))
    (root / "cost" / "onebit.png").write_bytes(png_one_bit())
    (root / "names" / FORGED).write_bytes(b"not a photo")
    (root / "names" / "bidi-\u202egpj.exe.jpg").write_bytes(jpeg(32, 24, seed=3))
    db = base / "library.db"
    env = {"FACEORGANIZER_THREADS": "2", "FACEORGANIZER_HOME": str(base / "home")}
    result = run_cli("scan", str(root), "--db", str(db), "--no-progress", env=env, timeout=300)
    return RoundTwo(root, db, result)


def test_round_two_scan_ends_cleanly(round_two: RoundTwo) -> None:
    """Points 1, 3, 9: one scan over all of them exits 0 with a summary, within bounded memory."""
    r = round_two.run
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert r.summary()["status"] == "done"
    assert r.max_rss_bytes < MAX_RSS_BYTES, f"peak RSS {r.max_rss_bytes / 2**20:.0f} MiB"


def test_postscript_named_jpg_is_skipped_while_its_neighbours_are_stored(
    round_two: RoundTwo,
) -> None:
    """Point 1: PostScript/EPS files are refused by format, never interpreted."""
    for rel in ("ps/holiday.jpg", "ps/cover.jpg"):
        reason = round_two.reason(rel)
        assert reason is not None and "postscript" in reason.lower(), round_two.run.stdout
    status = round_two.status()
    for rel in ("real/img1.jpg", "good/a.jpg", "good/b.jpg"):
        assert status[str(round_two.root / rel)] == "ok"
    assert int(round_two.run.summary()["faces"]) >= 1


def test_no_decoder_ever_starts_a_program(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point 1: neither our decoder nor Pillow anywhere in the process may run Ghostscript."""
    from PIL import Image

    started: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        started.append(args)
        raise AssertionError(f"a program was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse, raising=False)
    monkeypatch.setattr(os, "system", refuse)
    for data in (POSTSCRIPT_LOOP, EPS_ERROR, b"%PDF-1.7\n%%EOF\n"):
        with pytest.raises(DecodeError, match="not an image"):
            decode_bytes(data, name="holiday.jpg")
        # other code in the process that opens a file with Pillow's defaults is safe too
        Image.init()
        with pytest.raises(Exception):  # noqa: B017 - any refusal, as long as no program runs
            Image.open(io.BytesIO(data)).load()
    assert not started


def test_file_larger_than_the_cap_is_skipped_unread(round_two: RoundTwo) -> None:
    """Point 3: a 40 GB (sparse) .jpg is refused from its size, not read into memory."""
    reason = round_two.reason("big/sparse.jpg")
    assert reason is not None and "too large" in reason, round_two.run.stdout


def test_many_pages_frames_and_one_bit_megapixels_are_cheap(round_two: RoundTwo) -> None:
    """Point 9: the 150,000-page TIFF, 2,000-frame GIF and 240-MP 1-bit PNG are processed."""
    status = round_two.status()
    for rel in ("cost/pages.tiff", "cost/frames.gif", "cost/onebit.png"):
        assert status[str(round_two.root / rel)] == "ok", rel
    assert float(round_two.run.summary()["seconds"]) < 60


def test_file_names_cannot_forge_lines_or_reach_the_terminal(round_two: RoundTwo) -> None:
    """Point 8: names with newlines, escapes or bidi overrides are printed escaped."""
    out = round_two.run.stdout
    assert len([ln for ln in out.splitlines() if ln.startswith("summary:")]) == 1
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "evil\\nsummary: seen=999" in out
    assert round_two.run.summary()["seen"] != "999"


# -- point 3 and 4: the opener ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.timeout(30)
def test_a_named_pipe_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Point 4: opening a FIFO never blocks; it is refused with a reason."""
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    with pytest.raises(DecodeError, match="named pipe"):
        read_photo_file(fifo)
    big = tmp_path / "big.jpg"
    sparse_file(big, 2**31)  # made outside the raises block: only the read may raise
    with pytest.raises(DecodeError, match="too large"):
        read_photo_file(big)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.timeout(60)
def test_photo_swapped_for_a_pipe_after_the_walk_is_skipped(tmp_path: Path) -> None:
    """Point 4: a photo replaced by a FIFO between the walk and its read is skipped, no hang."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(12):
        (lib / f"p{i:02d}.jpg").write_bytes(jpeg(32, 24, seed=i))
    victim = lib / "p11.jpg"
    swapped: list[int] = []

    def progress(state: object) -> None:
        if getattr(state, "done", 0) >= 1 and not swapped:
            victim.unlink()
            os.mkfifo(victim)
            swapped.append(1)

    with Database(tmp_path / "x.db") as db:
        summary = scan_library(db, [str(lib)], engine=[FakeEngine()], progress=progress)
    assert swapped
    reasons = dict(summary.skipped)
    assert "named pipe" in reasons[str(victim)], summary.skipped
    assert summary.processed == 11


@pytest.mark.timeout(60)
def test_no_write_transaction_is_held_while_a_photo_is_read(tmp_path: Path) -> None:
    """Point 4: while the scan waits for a photo, another writer gets the database at once."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(4):
        (lib / f"p{i}.jpg").write_bytes(jpeg(32, 24, seed=i))
    engine = FakeEngine(hold_at=2)  # the second photo's analysis waits until released
    db_path = tmp_path / "x.db"
    Database(db_path).close()
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            with Database(db_path) as db:
                scan_library(db, [str(lib)], ScanOptions(prefetch=1), engine=[engine])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=scan)
    worker.start()
    try:
        assert engine.holding.wait(30)
        time.sleep(0.2)  # the first photo is written by now
        other = sqlite3.connect(db_path, timeout=0.5, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # 'database is locked' if the scan held it
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        engine.release.set()
        worker.join(30)
    assert not errors, errors


def test_compare_on_a_pipe_ends_with_a_message(tmp_path: Path) -> None:
    """Point 4: ``compare`` on a FIFO exits 2 at once with a one-line reason."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "a.jpg"
    os.mkfifo(fifo)
    photo = tmp_path / "b.jpg"
    photo.write_bytes(jpeg(32, 24))
    r = run_cli("compare", str(fifo), str(photo), timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "named pipe" in r.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_a_scan_promptly_and_cleanly(tmp_path: Path, signum: int) -> None:
    """Point 4: SIGTERM or SIGINT stops the scan within seconds; what was done is stored."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(400):
        (lib / f"p{i:03d}.jpg").write_bytes(jpeg(48, 36, seed=i))
    db = tmp_path / "x.db"
    env = {**os.environ, "FACEORGANIZER_THREADS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "faceorganizer", "scan", str(lib), "--db", str(db), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and _stored(db) > 0:
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the scan ended before it could be signalled"
        sent = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
        ended = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert ended < 10, f"took {ended:.1f} s to stop"
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err, err
    summary = [ln for ln in out.splitlines() if ln.startswith("summary: ")]
    assert len(summary) == 1 and "status=cancelled" in summary[0].split(), out
    assert 0 < _stored(db) < 400
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM photos").fetchone()[0])
    except sqlite3.Error:
        return 0


# -- point 5: numbers are checked, and photos can be analysed again -----------------------------

BAD_NUMBERS = [
    ("scan", "/nonexistent", "--detect-score", "inf"),
    ("scan", "/nonexistent", "--detect-score", "nan"),
    ("scan", "/nonexistent", "--detect-score", "2"),
    ("scan", "/nonexistent", "--detect-score", "-0.5"),
    ("scan", "/nonexistent", "--detect-score", "0"),
    ("cluster", "--threshold", "-1"),
    ("cluster", "--threshold", "0"),
    ("cluster", "--threshold", "nan"),
    ("cluster", "--threshold", "inf"),
    ("find", "x.jpg", "--top", "0"),
    ("find", "x.jpg", "--top", "-3"),
    ("find", "x.jpg", "--top", "1e9"),
    ("move", "--face", "0", "--to", "Anna"),
    ("move", "--face", "-1", "--to", "Anna"),
    ("reject", "--face", str(2**63), "--from", "1"),
    ("ignore", "--face", "99999999999999999999999"),
    ("ignore", "--face", "abc"),
]


@pytest.mark.parametrize("argv", BAD_NUMBERS, ids=" ".join)
def test_bad_numbers_are_refused_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """Points 5 and 7: nan, inf, negative and out-of-range numbers: exit 2 and one reason."""
    db = tmp_path / "never.db"
    code, out, err = cli(capsys, *argv, "--db", str(db))
    last = assert_one_line_error(code, err, status=2)
    assert "argument" in last, last
    assert not db.exists()


def test_good_numbers_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    from faceorganizer.cli.main import build_parser

    args = build_parser().parse_args(["scan", "x", "--detect-score", "0.7", "--rescan"])
    assert args.detect_score == 0.7 and args.rescan
    args = build_parser().parse_args(["cluster", "--threshold", "0.55"])
    assert args.threshold == 0.55
    args = build_parser().parse_args(["move", "--face", str(2**63 - 1), "--to", "x"])
    assert args.faces == [2**63 - 1]


def test_rescan_analyses_stored_photos_again(tmp_path: Path) -> None:
    """Point 5: ``--rescan`` re-reads photos that a plain scan calls unchanged (all or a folder)."""
    lib = tmp_path / "lib"
    (lib / "a").mkdir(parents=True)
    (lib / "b").mkdir()
    for i in range(3):
        (lib / "a" / f"p{i}.jpg").write_bytes(jpeg(32, 24, seed=i))
        (lib / "b" / f"q{i}.jpg").write_bytes(jpeg(32, 24, seed=10 + i))
    with Database(tmp_path / "x.db") as db:
        first = scan_library(db, [str(lib)], engine=[FakeEngine()])
        plain = scan_library(db, [str(lib)], engine=[FakeEngine()])
        folder = scan_library(db, [str(lib / "a")], ScanOptions(rescan=True), engine=[FakeEngine()])
        everything = scan_library(db, [str(lib)], ScanOptions(rescan=True), engine=[FakeEngine()])
    assert first.processed == 6
    assert (plain.processed, plain.unchanged) == (0, 6)
    assert (folder.processed, folder.deleted) == (3, 0)
    assert (everything.processed, everything.unchanged, everything.deleted) == (6, 0, 0)


# -- point 6: a database that is not ours is refused, untouched -----------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "argv",
    [("people",), ("people", "--json"), ("faces", "--json"), ("name", "1", "Anna"), ("undo",)],
    ids=" ".join,
)
def test_a_foreign_database_is_refused_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...]
) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('mine')")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    before = _digest(other)
    code, out, err = cli(capsys, *argv, "--db", str(other))
    last = assert_one_line_error(code, err, status=2)
    assert "not a FaceOrganizer database" in last
    assert _digest(other) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_read_command_never_migrates_or_backs_up(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from faceorganizer.core.store.db import APP_ID, _migrations, _split_sql

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old, isolation_level=None)
    for statement in _split_sql(_migrations()[0][2]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APP_ID}")
    conn.close()
    before = _digest(old)
    for argv in (("people",), ("faces", "--json"), ("photos", "--person", "1")):
        code, out, err = cli(capsys, *argv, "--db", str(old))
        assert "schema upgrade" in assert_one_line_error(code, err, status=2)
    assert _digest(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


# -- point 7: messages, not tracebacks ---------------------------------------------------------


@pytest.fixture()
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "lib.db"
    db = small_library(path, photos=3)
    ops = PeopleOps(db)
    ops.create_person("Anna", [1])
    db.close()
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ("move", "--face", "999", "--to", "Anna"),
        ("move", "--face", str(2**63 - 1), "--to", "Someone New"),
        ("reject", "--face", "424242", "--from", "Anna"),
        ("ignore", "--face", "777"),
        ("ignore", "--face", "777", "--undo"),
    ],
    ids=" ".join,
)
def test_unknown_face_ids_give_a_message(
    capsys: pytest.CaptureFixture[str], small_db: Path, argv: tuple[str, ...]
) -> None:
    code, out, err = cli(capsys, *argv, "--db", str(small_db))
    assert "no face with id" in assert_one_line_error(code, err, status=1)


@pytest.mark.parametrize("kind", ["binary", "utf16", "missing", "folder", "columns", "values"])
def test_bad_label_and_pairs_files_give_a_message(
    capsys: pytest.CaptureFixture[str], small_db: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "labels.csv"
    option = "--labels"
    if kind == "binary":
        path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    elif kind == "utf16":
        path.write_text("file,person\nimg1.jpg,Anna\n", encoding="utf-16")
    elif kind == "folder":
        path.mkdir()
    elif kind == "columns":
        path.write_text("a,b\nx.jpg,y.jpg\n", encoding="utf-8")
        option = "--pairs"
    elif kind == "values":
        path.write_text("file_a,file_b,same\np0.jpg,p1.jpg,maybe\n", encoding="utf-8")
        option = "--pairs"
    code, out, err = cli(capsys, "eval", option, str(path), "--db", str(small_db))
    assert str(path) in assert_one_line_error(code, err, status=2)


def test_broken_pipe_ends_quietly(small_db: Path) -> None:
    """``faceorganizer people | head``: the reader went away; no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "faceorganizer", "people", "--db", str(small_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # closed before the command writes a byte
    err = proc.stderr.read().decode()
    proc.wait(60)
    assert proc.returncode in (0, 1), err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# -- point 8: names that look alike, names that are numbers ------------------------------------


def test_a_name_made_of_digits_is_never_mistaken_for_an_id(tmp_path: Path) -> None:
    db = small_library(tmp_path / "lib.db", photos=4)
    ops = PeopleOps(db)
    anna, _ = ops.create_person("Anna", [1])
    bob, _ = ops.create_person("Bob", [2])
    three, _ = ops.create_person(str(anna), [3])  # a person named like Anna's id
    with pytest.raises(PeopleError, match=f"#{anna}.*#{three}"):
        ops.resolve(str(anna))
    assert ops.resolve(f"#{anna}").name == "Anna"
    assert ops.resolve(f"#{three}").name == str(anna)
    assert ops.resolve(str(bob)).name == "Bob"  # no one is named like Bob's id
    assert ops.resolve("anna").id == anna
    with pytest.raises(PeopleError, match="no person"):
        ops.resolve("#999")
    with pytest.raises(PeopleError, match="no person"):
        ops.resolve(str(2**70))
    db.close()


def test_merge_by_a_digit_name_asks_instead_of_guessing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = small_library(tmp_path / "lib.db", photos=4)
    ops = PeopleOps(db)
    one, _ = ops.create_person("One", [1])
    ops.create_person("Two", [2])
    ops.create_person("Three", [3])
    named, _ = ops.create_person("3", [4])  # person 4, named "3"
    db.close()
    code, out, err = cli(capsys, "merge", str(one), "3", "--db", str(tmp_path / "lib.db"))
    assert "#3" in assert_one_line_error(code, err, status=1)
    code, out, err = cli(capsys, "merge", str(one), f"#{named}", "--db", str(tmp_path / "lib.db"))
    assert code == 0, err
    with Database(tmp_path / "lib.db", readonly=True) as d:
        names = {p.name for p in PeopleRepository(d).list_people(include_hidden=True)}
    assert names == {"One", "Two", "Three"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("An\u200bna", "Anna"),
        ("\u202eannA", "annA"),
        ("Anna\u2066\u2069", "Anna"),
        ("A\u200dnna", "Anna"),
        ("Ann\u00ada\ufeff", "Anna"),
        ("Ann\x1b[31ma", "Ann[31ma"),
        ("Anna\nSmith", "Anna Smith"),
        ("👩\u200d👧", "👩\u200d👧"),  # an emoji sequence keeps its joiner
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian keeps its non-joiner
    ],
)
def test_invisible_characters_are_stripped_from_names(
    tmp_path: Path, typed: str, stored: str
) -> None:
    from faceorganizer.core.export.names import safe_folder_name

    db = small_library(tmp_path / "lib.db", photos=2)
    ops = PeopleOps(db)
    pid, _ = ops.create_person(typed, [1])
    assert ops.repo.get(pid).name == stored  # type: ignore[union-attr]
    assert safe_folder_name(typed) == safe_folder_name(stored)
    if stored == "Anna":
        with pytest.raises(NameTaken):
            ops.create_person("Anna", [2])
    db.close()


# -- point 9: first frame only, memory bounded per photo ---------------------------------------


def test_only_the_first_frame_or_page_is_visited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point 9: no frame or page but the first is ever sought (its cost grew with their square)."""
    from PIL import GifImagePlugin, TiffImagePlugin

    sought: list[int] = []
    for cls in (GifImagePlugin.GifImageFile, TiffImagePlugin.TiffImageFile):
        real = cls._seek

        def spy(self: object, frame: int, *args: object, _real: object = real) -> object:
            sought.append(frame)
            return _real(self, frame, *args)  # type: ignore[operator]

        monkeypatch.setattr(cls, "_seek", spy)
    for data in (gif_many_frames(300, (64, 48)), tiff_many_pages(3000)):
        photo = decode_bytes(data)
        assert photo.pixels.shape[:2] == (48, 64)
    assert max(sought, default=0) == 0, f"frames up to {max(sought)} were read"


def test_one_bit_megapixels_decode_in_bounded_memory(tmp_path: Path) -> None:
    """Point 9: a 240-megapixel 1-bit PNG (was 2.65 GB) decodes within 800 MB, whole process."""
    path = tmp_path / "onebit.png"
    path.write_bytes(png_one_bit())
    code = (
        "import sys\n"
        "from faceorganizer.core.photos.decode import read_and_decode\n"
        "p = read_and_decode(sys.argv[1])\n"
        # VmHWM is this process's own peak (ru_maxrss would carry the forking parent's peak)
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')]\n"
        "print(p.width, p.height, int(hwm[0].split()[1]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    width, height, rss_kib = (int(v) for v in out.stdout.split())
    assert (width, height) == (15_492, 15_492)
    assert rss_kib * 1024 < 800 * 2**20, f"peak {rss_kib / 1024:.0f} MiB"
