"""The Unsorted page's pages by key: the same faces in the same order as one query, and a page
deep in a long list costs what the first one does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from faceorganizer.core.store.browse import unsorted_page
from faceorganizer.core.store.db import Database

FACES = 4000
PAGE = 100


def _library(path: Path) -> Path:
    """FACES unsorted faces on FACES // 4 photos, many with the same quality (ties)."""
    db_path = path / "library.db"
    vec = np.zeros(128, np.float32).tobytes()
    with Database(db_path) as db, db.transaction():
        db.conn.executemany(
            "INSERT INTO photos (id, raw_path, path, size, mtime_ns, content_hash, width,"
            " height, orientation, taken_at, taken_source, format, status, pack_id,"
            " scanned_at) VALUES (?, ?, ?, 1, 0, ?, 96, 96, 1, NULL, NULL, 'JPEG', 'ok',"
            " 'synthetic', 0)",
            [(i + 1, f"/p/{i}.jpg".encode(), f"/p/{i}.jpg", f"h{i}") for i in range(FACES // 4)],
        )
        db.conn.executemany(
            "INSERT INTO faces (id, photo_id, idx, x, y, w, h, landmarks, det_score, quality,"
            " size_px, blur, yaw, norm, flags, pack_id, dim, embedding) VALUES (?, ?, ?, 8, 8,"
            " 30, 30, '[]', 0.9, ?, 30, 100, 0, 20, 0, 'synthetic', 128, ?)",
            [(f + 1, f // 4 + 1, f % 4, ((f * 7919) % 50) / 50, vec) for f in range(FACES)],
        )
    return db_path


def test_pages_by_key_keep_the_order_and_cost_little(tmp_path: Path) -> None:
    with Database(_library(tmp_path)) as db:
        whole, total = unsorted_page(db, 0, FACES + 1)
        assert total == FACES and len(whole) == FACES
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        walked, after, costs = [], None, []
        while True:
            steps[0] = 0
            db.conn.set_progress_handler(count, 100)
            page, _ = unsorted_page(db, len(walked), PAGE, after=after)
            db.conn.set_progress_handler(None, 0)
            costs.append(steps[0])
            if not page:
                break
            walked += page
            after = (page[-1].quality, page[-1].id)
        assert [f.id for f in walked] == [f.id for f in whole]  # same faces, same order
        # every page reads about a page of rows, wherever it is (the old query read and
        # sorted every face below the last one shown: the second page cost 30 times the last)
        pages = costs[1:-1]  # by key, full ones
        assert max(pages) < 2 * min(pages), costs
