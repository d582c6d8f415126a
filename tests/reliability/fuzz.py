"""A time-bounded fuzzing harness (Hypothesis) over the product's parsers of outside input.

A :class:`Target` is one parser: seeds (real inputs, from the hostile corpus), a function that
feeds it one input, and the exceptions that count as a clean refusal. :func:`fuzz` runs a target
for a number of seconds on seeds, mutations of seeds and random inputs, and reports how many it
tried and which ended in anything else (a crash), or took too long (a hang).

To add a target (the XMP reader, for instance), define a ``Target`` and pass it to
:func:`register` in :func:`_builtin_targets`' style; ``test_fuzz.py`` runs every registered one.
The time per target is ``FACEORGANIZER_FUZZ_SECONDS`` (default 15).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

FUZZ_SECONDS = float(os.environ.get("FACEORGANIZER_FUZZ_SECONDS", "15"))
SLOW_INPUT_SECONDS = 10.0  # one input taking longer than this is reported as a hang
_CHUNK = 40  # examples per Hypothesis run; runs repeat with new seeds until the time is up


@dataclass
class Target:
    """One parser under fuzzing."""

    name: str
    seeds: Callable[[], Sequence[Any]]
    feed: Callable[[Any], None]
    allowed: tuple[type[BaseException], ...]
    inputs: Callable[[Sequence[Any]], st.SearchStrategy[Any]] | None = None  # default: bytes
    setup: Callable[[], None] | None = None


@dataclass
class FuzzReport:
    """What one fuzzing run did."""

    target: str
    inputs: int = 0
    refused: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    failures: list[str] = field(default_factory=list)


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    """Add a target to the fuzzing run."""
    TARGETS[target.name] = target
    return target


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    """A seed with a few bytes changed, cut, repeated or inserted (what a bad disk or an attacker
    does to a file)."""
    data = bytearray(draw(st.sampled_from(list(seeds))))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["set", "cut", "insert", "delete", "repeat", "header"]))
        at = draw(st.integers(0, max(0, len(data)))) if data else 0
        if op == "set" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 256))]
        elif op == "repeat" and data:
            chunk = bytes(data[at : at + draw(st.integers(1, 512))])
            data[at:at] = chunk * draw(st.integers(1, 8))
        elif op == "header" and len(data) > 8:
            # the first bytes hold sizes and counts: make them extreme
            pos = draw(st.integers(0, min(len(data) - 4, 64)))
            data[pos : pos + 4] = draw(st.sampled_from(_EXTREMES))
    return bytes(data)


def byte_inputs(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Seeds as they are, mutated seeds, and random bytes."""
    return st.one_of(
        st.sampled_from(list(seeds)), mutated(seeds), mutated(seeds), st.binary(max_size=2048)
    )


def fuzz(target: Target, seconds: float = FUZZ_SECONDS) -> FuzzReport:
    """Feed ``target`` inputs for ``seconds``; every input is fed in this process."""
    report = FuzzReport(target.name)
    if target.setup is not None:
        target.setup()
    seeds = list(target.seeds())
    strategy = (target.inputs or byte_inputs)(seeds)
    start = time.monotonic()

    def one(value: Any) -> None:
        t0 = time.monotonic()
        try:
            target.feed(value)
        except target.allowed:
            report.refused += 1
        except BaseException as exc:  # noqa: BLE001 - every other outcome is a finding
            report.failures.append(f"{type(exc).__name__}: {exc} <- {_short(value)}")
        finally:
            took = time.monotonic() - t0
            report.inputs += 1
            report.slowest = max(report.slowest, took)
            if took > SLOW_INPUT_SECONDS:
                report.failures.append(f"took {took:.1f} s <- {_short(value)}")

    for value in seeds:  # every seed once, as it is
        one(value)
    run = 0
    while time.monotonic() - start < seconds and len(report.failures) < 5:
        run += 1

        @seed(run)
        @settings(
            max_examples=_CHUNK,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def chunk(value: Any) -> None:
            one(value)

        chunk()
    report.seconds = time.monotonic() - start
    return report


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "…"


_EXTREMES = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff", b"\x00\x00\xff\xff"]


# -- the photo opener ---------------------------------------------------------------------------


def _photo_seeds() -> list[bytes]:
    from tests.reliability.hostile import seed_corpus

    return list(seed_corpus().values())


def _feed_photo(data: bytes) -> None:
    from faceorganizer.core.photos.decode import decode_bytes

    decode_bytes(data, work_long_side=256)


def _photo_target() -> Target:
    from faceorganizer.core.photos.decode import DecodeError

    return Target("photo opener", _photo_seeds, _feed_photo, (DecodeError,))


# -- the command line's arguments ---------------------------------------------------------------

# commands run for real, in this process, on a small database (nothing outside it is written)
_RUN = {
    "people": ["--json", "--hidden"],
    "name": ["--merge"],
    "merge": [],
    "move": ["--face", "--to"],
    "reject": ["--face", "--from"],
    "ignore": ["--face", "--undo"],
    "hide": [],
    "unhide": [],
    "undo": [],
    "photos": ["--person", "--json"],
    "faces": ["--json"],
}
# commands only parsed: they load models, write files or reach the network when run
_PARSE = {
    "scan": ["--detect-score", "--rescan", "--device", "--pack", "--no-progress"],
    "cluster": ["--threshold", "--method", "--incremental"],
    "find": ["--top", "--json", "--device"],
    "compare": ["--all", "--json", "--device"],
    "eval": ["--labels", "--pairs", "--compare", "--simulate-user", "--json"],
    "export": ["--person", "--to", "--mode", "--together"],
    "xmp": ["write", "import", "--dry-run", "--naming", "--person"],
    "models": ["list", "verify"],
}
_VALUES = [
    "nan", "inf", "-inf", "-1", "0", "1", "2", "3", "0.5", "1e309", "-0", "1_000",
    str(2**63 - 1), str(2**63), str(-(2**63)), "9" * 40, "#1", "#0", "#-1", "#", "##2",
    "", " ", "--", "-", "Anna", "anna", "ANNA ", "\u202eannA", "An\u200bna", "a\nsummary: x",
    "\x1b[2J", "\x00", "\udcff", "1" + "\u0663",
]  # fmt: skip


@st.composite
def _argv(draw: st.DrawFn, _seeds: Sequence[Any]) -> list[str]:
    commands = {**_RUN, **_PARSE}
    command = draw(st.sampled_from(sorted(commands)))
    value = st.one_of(
        st.sampled_from(_VALUES),
        st.text(max_size=12),
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )
    token = st.one_of(st.sampled_from(commands[command] or ["--json"]), value)
    return [command, *draw(st.lists(token, max_size=6))]


@dataclass
class _CliState:
    db: str = ""


_cli = _CliState()


def _cli_setup() -> None:
    import atexit
    import shutil
    import tempfile

    from tests.reliability.fakes import small_library

    folder = tempfile.mkdtemp(prefix="faceorganizer-fuzz-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["FACEORGANIZER_HOME"] = os.path.join(folder, "home")
    _cli.db = os.path.join(folder, "lib.db")
    db = small_library(_cli.db, photos=6)  # type: ignore[arg-type]
    from faceorganizer.core.people.ops import PeopleOps

    ops = PeopleOps(db)
    ops.create_person("Anna", [1, 2])
    ops.create_person("3", [3])
    db.close()


class CliFailure(AssertionError):
    """The command line ended in a way a user should never see."""


def _feed_cli(argv: list[str]) -> None:
    import contextlib
    import io

    from faceorganizer.cli.main import build_parser, run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if argv[0] in _RUN:
                code = run([argv[0], "--db", _cli.db, *argv[1:]])
            else:
                build_parser().parse_args(argv)
                code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2 if exc.code else 0
    text = err.getvalue()
    if code not in (0, 1, 2):
        raise CliFailure(f"exit status {code}: {text[-300:]}")
    if "Traceback" in text or "error: unexpected" in text:
        raise CliFailure(text[-500:])
    if code != 0 and "error" not in text:
        raise CliFailure(f"exit {code} without a message")


def _cli_target() -> Target:
    return Target(
        "command-line arguments", lambda: [["people"], ["undo"]], _feed_cli, (), _argv, _cli_setup
    )


# -- the scan under a file system that changes (issue 25) ----------------------------------------

_FS_OPS = ("vanish", "unreadable", "file", "dangling", "empty")
_FS_FOLDERS = ("a", "b", "a/sub", "c")


@dataclass
class _FsState:
    template: str = ""


_fs = _FsState()


def _fs_setup() -> None:
    import atexit
    import shutil
    import tempfile

    from tests.reliability.hostile import jpeg

    folder = tempfile.mkdtemp(prefix="faceorganizer-fuzz-fs-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _fs.template = os.path.join(folder, "template")
    for i, sub in enumerate(_FS_FOLDERS):
        os.makedirs(os.path.join(_fs.template, sub))
        for k in range(2):
            with open(os.path.join(_fs.template, sub, f"p{k}.jpg"), "wb") as fh:
                fh.write(jpeg(24, 16, seed=10 * i + k))


@st.composite
def _fs_changes(draw: st.DrawFn, _seeds: Sequence[Any]) -> list[tuple[str, str, str]]:
    """(operation, folder, when): ``walk`` before the walk, ``read`` between walk and read."""
    change = st.tuples(
        st.sampled_from(_FS_OPS), st.sampled_from(_FS_FOLDERS), st.sampled_from(["walk", "read"])
    )
    return draw(st.lists(change, min_size=1, max_size=3, unique_by=lambda c: c[1]))


class FsFailure(AssertionError):
    """A scan under a changing file system lost or invented something."""


def _feed_fs(changes: list[tuple[str, str, str]]) -> None:
    import contextlib
    import shutil
    import stat
    import tempfile
    from unittest import mock

    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.people.ops import PeopleOps
    from faceorganizer.core.store.db import Database
    from tests.reliability.fakes import FakeEngine

    work = tempfile.mkdtemp(prefix="faceorganizer-fuzz-fs-run-")
    lib = os.path.join(work, "lib")
    shutil.copytree(_fs.template, lib)
    locked: set[str] = set()  # unreadable folders (chmod 000; as root, os.scandir refuses too)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if isinstance(path, str | bytes | os.PathLike) and os.fspath(path) in locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def apply(op: str, sub: str) -> None:
        path = os.path.join(lib, sub)
        if not os.path.isdir(path) or os.path.islink(path):
            return
        if op == "vanish":
            shutil.rmtree(path)
        elif op == "unreadable":
            os.chmod(path, 0)
            locked.add(path)
        elif op == "file":
            shutil.rmtree(path)
            with open(path, "wb") as fh:
                fh.write(b"now a file")
        elif op == "dangling":
            shutil.rmtree(path)
            os.symlink(os.path.join(work, "offline-nas", sub), path)
        elif op == "empty":  # an unplugged drive's mount point
            shutil.rmtree(path)
            os.mkdir(path)

    def stored(db: Database) -> dict[str, tuple[int, ...]]:
        rows = db.conn.execute(
            "SELECT p.path, f.id, coalesce(fp.person_id, 0) FROM photos p "
            "JOIN faces f ON f.photo_id = p.id LEFT JOIN face_person fp ON fp.face_id = f.id"
        )
        return {os.path.relpath(r[0], lib): (r[1], r[2]) for r in rows}

    try:
        with Database(os.path.join(work, "lib.db")) as db:
            scan_library(db, [lib], engine=[FakeEngine()])
            faces = [r[0] for r in db.conn.execute("SELECT id FROM faces")]
            PeopleOps(db).create_person("Anna", faces)
            before = stored(db)
            early = [(op, sub) for op, sub, when in changes if when == "walk"]
            late = [(op, sub) for op, sub, when in changes if when == "read"]
            for op, sub in early:
                apply(op, sub)
            applied: list[bool] = []

            def between(_state: Any) -> None:
                if not applied:
                    applied.append(True)
                    for op, sub in late:
                        apply(op, sub)

            with mock.patch("os.scandir", scandir):
                scan_library(db, [lib], engine=[FakeEngine()], progress=between)
            after = stored(db)
            # only a folder that its parent, read before the walk, showed gone may lose photos
            gone_early = {sub for op, sub in early if op in ("vanish", "file")}
            for rel in before:
                if rel not in after and not any(rel.startswith(g + "/") for g in gone_early):
                    raise FsFailure(f"{rel} forgotten after {changes}")
            # everything comes back: the tree restored, nothing is asked again
            for path in sorted(locked):
                with contextlib.suppress(OSError):  # gone with its parent (or under a file)
                    os.chmod(path, stat.S_IRWXU)
            locked.clear()
            for _op, sub, _when in changes:
                path = os.path.join(lib, sub)
                if os.path.islink(path) or os.path.isfile(path):
                    os.unlink(path)
                elif os.path.isdir(path):
                    shutil.rmtree(path)
            shutil.rmtree(lib)
            shutil.copytree(_fs.template, lib)
            scan_library(db, [lib], engine=[FakeEngine()])
            back = stored(db)
            if set(back) != set(before):
                raise FsFailure(f"photos {set(before) ^ set(back)} differ after {changes}")
            for rel, row in after.items():
                if back[rel] != row:
                    raise FsFailure(f"{rel} lost its face or person after {changes}")
            if db.conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise FsFailure("the database is damaged")
    finally:
        for path in locked:
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IRWXU)
        shutil.rmtree(work, ignore_errors=True)


def _fs_target() -> Target:
    return Target(
        "scan under a changing file system",
        lambda: [[("vanish", "a", "read")], [("unreadable", "b", "walk")]],
        _feed_fs,
        (),
        _fs_changes,
        _fs_setup,
    )


def _builtin_targets() -> None:
    register(_photo_target())
    register(_cli_target())
    register(_fs_target())


_builtin_targets()
