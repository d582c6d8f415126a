"""A face drawn by hand on a real photo, embedded with the real models."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import shared_set

pytestmark = pytest.mark.golden


def test_a_drawn_face_matches_the_detected_one_and_a_drawn_wall_never_seeds(
    tmp_path: Path,
) -> None:
    from faceorganizer.core.faces.scan import scan_library
    from faceorganizer.core.people.grouping import seed_mask
    from faceorganizer.core.people.manual import add_face
    from faceorganizer.core.people.ops import PeopleOps
    from faceorganizer.core.records import FLAG_BOX_ALIGNED, FLAG_MANUAL
    from faceorganizer.core.store.db import Database
    from faceorganizer.core.store.faces import FaceRepository

    lib = tmp_path / "lib"
    lib.mkdir()
    photo = lib / "img1.jpg"
    shutil.copyfile(shared_set("celebrities") / "img1.jpg", photo)
    with Database(tmp_path / "lib.db") as db:
        scan_library(db, [str(lib)], import_names=False)
        faces = FaceRepository(db)
        [detected] = sorted(faces.rows(), key=lambda f: -f.box[2] * f.box[3])[:1]
        width, height = db.conn.execute("SELECT width, height FROM photos").fetchone()
        x, y, w, h = detected.box
        # a box drawn loosely by hand around the same face
        drawn = add_face(db, detected.photo_id, (x - 0.05 * w, y - 0.08 * h, 1.1 * w, 1.12 * h))
        # and one on a corner of the photo, where there is no face
        side = 0.15 * min(width, height)
        wall = add_face(db, detected.photo_id, (2.0, height - side - 2, side, side))
        with pytest.raises(ValueError, match="outside the photo"):
            add_face(db, detected.photo_id, (width + 5, 10, 50, 50))
        with pytest.raises(ValueError, match="too small"):
            add_face(db, detected.photo_id, (10, 10, 4, 30))
        rows = {r.id: r for r in faces.rows()}
        vec = faces.vectors()
        at = {int(f): i for i, f in enumerate(vec.ids)}
        cosine = float(vec.vectors[at[drawn]] @ vec.vectors[at[detected.id]])
        print(f"drawn face cosine to the detected one: {cosine:.3f}")
        assert cosine >= 0.9
        assert rows[drawn].flags & FLAG_MANUAL and not rows[drawn].flags & FLAG_BOX_ALIGNED
        assert rows[wall].flags & FLAG_MANUAL and rows[wall].flags & FLAG_BOX_ALIGNED
        assert rows[wall].quality == 0.0
        seeds = seed_mask(vec)
        assert not seeds[at[wall]]
        assert PeopleOps(db).undo_label() == "Add a face by hand"

        # the photo changes on disk and is analysed again: both drawn faces stay
        st = photo.stat()
        os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
        summary = scan_library(db, [str(lib)], import_names=False)
        assert summary.processed == 1
        after = {r.id: r for r in faces.rows()}
        assert {drawn, wall, detected.id} <= set(after)
        assert after[wall].flags & FLAG_MANUAL and after[wall].box == rows[wall].box
        # Undo takes the last drawn face away again
        ops = PeopleOps(db)
        ops.undo()
        assert wall not in {r.id for r in faces.rows()}
