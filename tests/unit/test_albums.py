"""Exporting albums: copies, hard links and symlinks, safely and incrementally."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faceorganizer.core.export import albums as albums_mod
from faceorganizer.core.export.albums import (
    MANIFEST_NAME,
    TEMP_PREFIX,
    Album,
    ExportMode,
    ExportResult,
    export_albums,
)

MODES: list[ExportMode] = ["copy", "hardlink", "symlink"]


def _symlinks_supported(tmp: Path) -> bool:
    try:
        os.symlink(tmp / "nowhere", tmp / "probe-link")
    except (OSError, NotImplementedError):
        return False
    os.unlink(tmp / "probe-link")
    return True


@pytest.fixture
def library(tmp_path: Path) -> dict[str, Path]:
    """A small fake photo library; two photos in different folders share a name."""
    root = tmp_path / "library"
    files = {
        "a1": root / "2020" / "IMG_0001.jpg",
        "a2": root / "2021" / "IMG_0001.jpg",
        "b": root / "2020" / "beach.png",
        "c": root / "2021" / "sub" / "cake.jpeg",
    }
    for i, (key, path) in enumerate(sorted(files.items())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"photo {key} ".encode() * (i + 1) + bytes(range(256)))
    # Distinct, old mtimes so a changed mtime would show.
    for i, path in enumerate(files.values()):
        os.utime(path, ns=(1_500_000_000_000_000_000 + i, 1_500_000_000_000_000_000 + i))
    return files


def _snapshot(paths: list[Path]) -> dict[Path, tuple[str, int, int]]:
    """Content hash, mtime and inode-independent size of each file."""
    out = {}
    for path in paths:
        st = path.stat()
        out[path] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size)
    return out


def _tree(root: Path) -> set[str]:
    """Every entry under root, as relative POSIX paths (links not followed)."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            out.add(Path(dirpath, name).relative_to(root).as_posix())
    return out


@pytest.fixture
def protected(library: dict[str, Path]) -> Iterator[dict[str, Path]]:
    """The library, checked unchanged (content, mtime, size) after the test."""
    before = _snapshot(list(library.values()))
    yield library
    assert _snapshot(list(library.values())) == before


def _skip_if_no_symlinks(mode: ExportMode, tmp_path: Path) -> None:
    if mode == "symlink" and not _symlinks_supported(tmp_path):
        pytest.skip("symbolic links not available")


def _albums(lib: dict[str, Path]) -> list[Album]:
    return [
        Album("Anna", [lib["a1"], lib["a2"], lib["b"]]),
        Album("Bob", [lib["c"], lib["a1"]]),
    ]


EXPECTED = {
    "Anna",
    "Anna/IMG_0001.jpg",
    "Anna/IMG_0001 (2).jpg",
    "Anna/beach.png",
    f"Anna/{MANIFEST_NAME}",
    "Bob",
    "Bob/IMG_0001.jpg",
    "Bob/cake.jpeg",
    f"Bob/{MANIFEST_NAME}",
}


@pytest.mark.parametrize("mode", MODES)
def test_export_each_mode(protected: dict[str, Path], tmp_path: Path, mode: ExportMode) -> None:
    _skip_if_no_symlinks(mode, tmp_path)
    lib = protected
    target = tmp_path.resolve() / "out"
    calls: list[tuple[int, int]] = []
    result = export_albums(
        _albums(lib), target, mode=mode, progress=lambda i, n: calls.append((i, n))
    )

    assert result.failed == []
    assert not result.cancelled
    assert result.skipped_existing == []
    assert len(result.written) == 5
    assert _tree(target) == EXPECTED
    assert calls == [(i, 5) for i in range(1, 6)]

    # Collisions follow the sorted full paths: 2020/ before 2021/.
    anna = target / "Anna"
    assert (anna / "IMG_0001.jpg").read_bytes() == lib["a1"].read_bytes()
    assert (anna / "IMG_0001 (2).jpg").read_bytes() == lib["a2"].read_bytes()
    assert (target / "Bob" / "cake.jpeg").read_bytes() == lib["c"].read_bytes()

    dest = anna / "beach.png"
    if mode == "copy":
        assert not dest.is_symlink()
        assert not os.path.samefile(dest, lib["b"])
        assert dest.stat().st_mtime_ns == lib["b"].stat().st_mtime_ns
    elif mode == "hardlink":
        assert os.path.samefile(dest, lib["b"])
        assert result.copied_instead_of_linked == []
    else:
        assert dest.is_symlink()
        link = os.readlink(dest)
        assert os.path.isabs(link)
        assert Path(link) == lib["b"].absolute()

    manifest = json.loads((anna / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["album"] == "Anna"
    assert manifest["files"] == {
        "IMG_0001.jpg": str(lib["a1"].absolute()),
        "IMG_0001 (2).jpg": str(lib["a2"].absolute()),
        "beach.png": str(lib["b"].absolute()),
    }


@pytest.mark.parametrize("mode", MODES)
def test_reexport_adds_nothing_then_exactly_the_new_photo(
    protected: dict[str, Path], tmp_path: Path, mode: ExportMode
) -> None:
    _skip_if_no_symlinks(mode, tmp_path)
    lib = protected
    target = tmp_path.resolve() / "out"
    export_albums(_albums(lib), target, mode=mode)
    before = _tree(target)
    stats_before = {p: os.lstat(target / p).st_mtime_ns for p in before}

    again = export_albums(_albums(lib), target, mode=mode)
    assert again.written == []
    assert again.failed == []
    assert len(again.skipped_existing) == 5
    assert _tree(target) == before
    assert {p: os.lstat(target / p).st_mtime_ns for p in before} == stats_before

    # One new photo with a name that collides with both earlier ones.
    new = tmp_path / "library" / "2022" / "IMG_0001.jpg"
    new.parent.mkdir()
    new.write_bytes(b"a brand new photo")
    albums = _albums(lib)
    albums[0] = Album("Anna", [new, *albums[0].photos])  # order of the input does not matter
    third = export_albums(albums, target, mode=mode)
    assert third.written == [target / "Anna" / "IMG_0001 (3).jpg"]
    assert len(third.skipped_existing) == 5
    assert _tree(target) == before | {"Anna/IMG_0001 (3).jpg"}
    assert (target / "Anna" / "IMG_0001 (3).jpg").read_bytes() == b"a brand new photo"


def test_reexport_keeps_collision_names_when_sources_come_and_go(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    export_albums([Album("Anna", [lib["a2"]])], target)
    assert (target / "Anna" / "IMG_0001.jpg").read_bytes() == lib["a2"].read_bytes()
    # a1 sorts first now, but a2 keeps the name the manifest gave it.
    result = export_albums([Album("Anna", [lib["a1"], lib["a2"]])], target)
    assert result.written == [target / "Anna" / "IMG_0001 (2).jpg"]
    assert (target / "Anna" / "IMG_0001.jpg").read_bytes() == lib["a2"].read_bytes()
    assert (target / "Anna" / "IMG_0001 (2).jpg").read_bytes() == lib["a1"].read_bytes()


def test_reexport_without_manifest_claims_matching_copies(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    export_albums(_albums(lib), target)
    for name in ("Anna", "Bob"):
        (target / name / MANIFEST_NAME).unlink()
    result = export_albums(_albums(lib), target)
    assert result.written == []
    assert len(result.skipped_existing) == 5
    assert _tree(target) == EXPECTED


def test_changed_source_replaces_its_copy(library: dict[str, Path], tmp_path: Path) -> None:
    lib = library
    target = tmp_path.resolve() / "out"
    export_albums([Album("Anna", [lib["b"]])], target)
    lib["b"].write_bytes(b"edited")
    result = export_albums([Album("Anna", [lib["b"]])], target)
    assert result.written == [target / "Anna" / "beach.png"]
    assert (target / "Anna" / "beach.png").read_bytes() == b"edited"
    assert _tree(target) == {"Anna", "Anna/beach.png", f"Anna/{MANIFEST_NAME}"}


def test_evil_names_stay_inside_target(protected: dict[str, Path], tmp_path: Path) -> None:
    lib = protected
    target = tmp_path / "deep" / "out"
    names = ["../evil", "..", "/abs/path", "..\\win", "CON", "a/../../b"]
    result = export_albums([Album(n, [lib["b"]]) for n in names], target)
    assert result.failed == []
    outside = _tree(tmp_path) - {f"deep/out/{p}" for p in _tree(target)}
    outside -= {"deep", "deep/out"}
    assert all(p.startswith("library") for p in outside), outside
    folders = {p for p in _tree(target) if "/" not in p}
    assert len(folders) == len(names)
    for folder in folders:
        assert (target / folder).resolve().parent == target.resolve()
    assert "_evil" in folders
    assert "CON_" in folders


def test_same_name_albums_are_merged_and_case_collisions_split(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    albums = [Album("Anna", [lib["b"]]), Album("anna", [lib["c"]]), Album("Anna", [lib["a1"]])]
    export_albums(albums, target)
    assert _tree(target) == {
        "Anna",
        "Anna/beach.png",
        "Anna/IMG_0001.jpg",
        f"Anna/{MANIFEST_NAME}",
        "anna (2)",
        "anna (2)/cake.jpeg",
        f"anna (2)/{MANIFEST_NAME}",
    }
    # Re-export in another order: each album finds its own folder again.
    again = export_albums(list(reversed(albums)), target)
    assert again.written == []
    assert len(again.skipped_existing) == 3


def test_album_keeps_its_folder_when_an_earlier_folder_belongs_to_another(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    export_albums([Album("anna", [lib["c"]])], target)
    result = export_albums([Album("Anna", [lib["b"]])], target)
    assert result.written == [target / "Anna (2)" / "beach.png"]
    assert sorted(p.name for p in target.iterdir()) == ["Anna (2)", "anna"]


def test_missing_and_unreadable_sources_are_reported(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    missing = tmp_path / "library" / "gone.jpg"
    folder = tmp_path / "library" / "2020"
    result = export_albums([Album("Anna", [missing, lib["b"], folder])], target)
    assert [p.name for p in result.written] == ["beach.png"]
    failed = dict(result.failed)
    assert set(failed) == {missing, folder}
    assert "missing" in failed[missing]
    assert "not a regular file" in failed[folder]
    assert _tree(target) == {"Anna", "Anna/beach.png", f"Anna/{MANIFEST_NAME}"}


def test_unreadable_source_is_reported(
    protected: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = protected
    locked = tmp_path / "library" / "locked.jpg"
    locked.write_bytes(b"secret")
    real_open = open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # Works as root too, where chmod 0 would not stop reading.
    monkeypatch.setattr(albums_mod, "open", guarded_open, raising=False)
    result = export_albums([Album("Anna", [locked, lib["b"]])], tmp_path / "out")
    assert [p for p, _ in result.failed] == [locked]
    assert "unreadable" in result.failed[0][1]
    assert len(result.written) == 1


def test_cancel_leaves_only_complete_files(protected: dict[str, Path], tmp_path: Path) -> None:
    lib = protected
    target = tmp_path.resolve() / "out"
    done: list[int] = []
    result = export_albums(
        _albums(lib),
        target,
        progress=lambda i, n: done.append(i),
        should_stop=lambda: len(done) >= 2,
    )
    assert result.cancelled
    assert done == [1, 2]
    assert len(result.written) == 2
    files = [target / p for p in _tree(target) if (target / p).is_file()]
    assert not any(f.name.startswith(TEMP_PREFIX) for f in files)
    for dest in result.written:
        assert dest.read_bytes() in {p.read_bytes() for p in lib.values()}
    # The cancelled export's manifest is written; finishing adds the rest.
    rest = export_albums(_albums(lib), target)
    assert len(rest.written) == 3
    assert len(rest.skipped_existing) == 2
    assert _tree(target) == EXPECTED


def test_cancel_before_start_writes_nothing(protected: dict[str, Path], tmp_path: Path) -> None:
    result = export_albums(_albums(protected), tmp_path.resolve() / "out", should_stop=lambda: True)
    assert result.cancelled
    assert result.written == []
    assert _tree(tmp_path.resolve() / "out") == set()


def test_failed_copy_leaves_no_partial_file(
    protected: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_copy(src: str, dst: os.PathLike[str]) -> None:
        Path(dst).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(albums_mod.shutil, "copy2", broken_copy)
    target = tmp_path.resolve() / "out"
    result = export_albums([Album("Anna", [protected["b"]])], target)
    assert result.written == []
    assert result.failed == [(Path(os.path.abspath(protected["b"])), "No space left on device")]
    assert _tree(target) == {"Anna", f"Anna/{MANIFEST_NAME}"}


def test_hardlink_falls_back_to_copy_across_devices(
    protected: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(albums_mod.os, "link", no_link)
    lib = protected
    target = tmp_path.resolve() / "out"
    result = export_albums(_albums(lib), target, mode="hardlink")
    assert result.failed == []
    assert len(result.written) == 5
    assert sorted(result.copied_instead_of_linked) == sorted(result.written)
    assert _tree(target) == EXPECTED
    dest = target / "Anna" / "beach.png"
    assert not os.path.samefile(dest, lib["b"])
    assert dest.read_bytes() == lib["b"].read_bytes()
    # The fallback copies count as already exported next time.
    again = export_albums(_albums(lib), target, mode="hardlink")
    assert again.written == [] and len(again.skipped_existing) == 5


def test_switching_mode_replaces_existing_exports(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    _skip_if_no_symlinks("symlink", tmp_path)
    lib = protected
    target = tmp_path.resolve() / "out"
    export_albums(_albums(lib), target, mode="copy")
    result = export_albums(_albums(lib), target, mode="symlink")
    assert len(result.written) == 5
    assert _tree(target) == EXPECTED
    assert (target / "Anna" / "beach.png").is_symlink()


def test_target_is_created(protected: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "does" / "not" / "exist"
    result = export_albums([Album("Anna", [protected["b"]])], target)
    assert target.is_dir()
    assert result.written == [target.resolve() / "Anna" / "beach.png"]


def test_target_that_is_a_file_is_refused(protected: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"")
    with pytest.raises(OSError):
        export_albums([Album("Anna", [protected["b"]])], target)


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_albums([], tmp_path, mode="move")  # type: ignore[arg-type]


def test_album_folder_symlinked_outside_is_refused(
    protected: dict[str, Path], tmp_path: Path
) -> None:
    _skip_if_no_symlinks("symlink", tmp_path)
    target = tmp_path.resolve() / "out"
    target.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (target / "Anna").symlink_to(elsewhere, target_is_directory=True)
    result = export_albums([Album("Anna", [protected["b"]])], target)
    # A symlink is not an album folder: the album gets a folder of its own.
    assert result.failed == []
    assert list(elsewhere.iterdir()) == []
    assert result.written == [target / "Anna (2)" / "beach.png"]


def test_album_folder_inside_target_is_checked(
    protected: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _skip_if_no_symlinks("symlink", tmp_path)
    target = tmp_path.resolve() / "out"
    target.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The folder is swapped for a link after planning (a race): still never written through.
    real_plan = albums_mod._plan_folders

    def plan_then_swap(albums: list[Album], root: Path) -> list[albums_mod._AlbumPlan]:
        plans = real_plan(albums, root)
        (root / "Anna").symlink_to(elsewhere, target_is_directory=True)
        return plans

    monkeypatch.setattr(albums_mod, "_plan_folders", plan_then_swap)
    result = export_albums([Album("Anna", [protected["b"]])], target)
    assert result.written == []
    assert len(result.failed) == 1 and "outside the target" in result.failed[0][1]
    assert list(elsewhere.iterdir()) == []


def test_source_inside_target_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path.resolve() / "out"
    (target / "Anna").mkdir(parents=True)
    photo = target / "Anna" / "me.jpg"
    photo.write_bytes(b"original")
    other = tmp_path / "me.jpg"
    other.write_bytes(b"different")
    result = export_albums([Album("Anna", [photo, other])], target)
    assert photo.read_bytes() == b"original"
    assert target / "Anna" / "me.jpg" in result.skipped_existing
    assert result.written == [target / "Anna" / "me (2).jpg"]
    assert (target / "Anna" / "me (2).jpg").read_bytes() == b"different"


def test_result_defaults() -> None:
    result = ExportResult()
    assert (result.written, result.skipped_existing, result.failed) == ([], [], [])
    assert not result.cancelled
