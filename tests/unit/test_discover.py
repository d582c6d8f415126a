from __future__ import annotations

import os
from pathlib import Path

from faceorganizer.core.photos.discover import WalkProblem, walk_photos


def test_walk_finds_photos_once_and_survives_loops_and_broken_links(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "a" / "b").mkdir(parents=True)
    (lib / ".thumbnails").mkdir()
    for rel in ("a/1.jpg", "a/b/2.PNG", "a/notes.txt", ".thumbnails/x.jpg", "a/.hidden.jpg"):
        (lib / rel).write_bytes(b"x")
    os.symlink(lib, lib / "a" / "b" / "loop")  # a directory symlink loop
    os.symlink(lib / "missing.jpg", lib / "broken.jpg")  # a broken symlink
    odd = os.fsencode(str(lib / "a")) + b"/caf\xe9.jpg"  # not valid UTF-8
    with open(odd, "wb") as fh:
        fh.write(b"x")
    problems: list[WalkProblem] = []
    found = list(walk_photos([str(lib)], problems))
    names = sorted(os.path.basename(os.fsencode(f.path)) for f in found)
    assert names == [b"1.jpg", b"2.PNG", b"caf\xe9.jpg"]
    assert any("broken.jpg" in p.path for p in problems)


def test_missing_root_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems: list[WalkProblem] = []
    assert list(walk_photos([str(tmp_path / "nope")], problems)) == []
    assert len(problems) == 1
