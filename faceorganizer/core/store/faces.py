"""Rows of the faces table: boxes, landmarks, quality and the vectors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from faceorganizer.core.records import FLAG_MANUAL, NewFace
from faceorganizer.core.store.db import Database

_CHUNK = 900  # ids per IN (...) list, under SQLite's variable limit


@dataclass(frozen=True)
class FaceRow:
    """A stored face with the path of its photo."""

    id: int
    photo_id: int
    path: str
    idx: int
    box: tuple[float, float, float, float]
    landmarks: list[list[float]]
    det_score: float
    quality: float
    size_px: float
    blur: float
    yaw: float
    norm: float
    flags: int
    pack_id: str
    taken: str | None = None  # when the photo was taken, ISO 8601 (core/metadata/dates.py)
    taken_source: str | None = None  # what said so; "file": only the file's time, a guess


@dataclass(frozen=True)
class FaceVectors:
    """Every face's vector at once, for clustering and search."""

    ids: np.ndarray  # (n,) int64
    photo_ids: np.ndarray  # (n,) int64
    vectors: np.ndarray  # (n, dim) float32, unit length
    quality: np.ndarray  # (n,) float32
    flags: np.ndarray  # (n,) int64


class FaceRepository:
    """Reads and writes the faces table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def replace_for_photo(self, photo_id: int, faces: list[NewFace], pack_id: str) -> list[int]:
        """Store the faces of a photo, replacing earlier ones. Call inside a transaction.

        A new face that overlaps an old one (IoU ≥ 0.5) keeps the old face's id, so whatever the
        user decided about that face survives re-processing the photo. A face the user drew by
        hand (FLAG_MANUAL) that no new face overlaps stays as it is, numbered after the new
        ones (its vector is the one made when it was drawn); one that a new face overlaps
        becomes that detected face, keeping its id.
        """
        conn = self.database.conn
        old = conn.execute(
            "SELECT id, x, y, w, h, flags FROM faces WHERE photo_id = ? ORDER BY idx", (photo_id,)
        ).fetchall()
        reuse = _match_boxes([f.box for f in faces], [tuple(r[1:5]) for r in old])
        kept = {old[j][0] for j in reuse.values()}
        drawn = [r[0] for r in old if r[0] not in kept and int(r[5]) & FLAG_MANUAL]
        stale = [r[0] for r in old if r[0] not in kept and r[0] not in drawn]
        conn.executemany("DELETE FROM faces WHERE id = ?", [(i,) for i in stale])
        # park kept rows on negative idx so the (photo_id, idx) key is free while renumbering
        conn.executemany(
            "UPDATE faces SET idx = -1 - idx WHERE id = ?", [(i,) for i in [*kept, *drawn]]
        )
        ids = []
        for idx, f in enumerate(faces):
            emb = np.ascontiguousarray(f.embedding, dtype=np.float32)
            values = (
                idx,
                *f.box,
                json.dumps(f.landmarks),
                f.det_score,
                f.quality,
                f.size_px,
                f.blur,
                f.yaw,
                f.norm,
                f.flags,
                pack_id,
                emb.shape[0],
                emb.tobytes(),
            )
            if idx in reuse:
                face_id = old[reuse[idx]][0]
                conn.execute(
                    """
                    UPDATE faces SET idx = ?, x = ?, y = ?, w = ?, h = ?, landmarks = ?,
                        det_score = ?, quality = ?, size_px = ?, blur = ?, yaw = ?, norm = ?,
                        flags = ?, pack_id = ?, dim = ?, embedding = ?
                    WHERE id = ?
                    """,
                    (*values, face_id),
                )
            else:
                cur = conn.execute(
                    """
                    INSERT INTO faces (photo_id, idx, x, y, w, h, landmarks, det_score, quality,
                                       size_px, blur, yaw, norm, flags, pack_id, dim, embedding)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    (photo_id, *values),
                )
                face_id = int(cur.lastrowid or 0)
            ids.append(face_id)
        conn.executemany(
            "UPDATE faces SET idx = ? WHERE id = ?",
            [(len(faces) + k, face_id) for k, face_id in enumerate(drawn)],
        )
        return ids

    def count(self) -> int:
        """How many faces are stored."""
        return int(self.database.conn.execute("SELECT count(*) FROM faces").fetchone()[0])

    def rows(self, photo_id: int | None = None) -> list[FaceRow]:
        """Stored faces (of one photo, or all) with their photo paths, in path order."""
        sql = """
            SELECT f.id, f.photo_id, p.path, f.idx, f.x, f.y, f.w, f.h, f.landmarks, f.det_score,
                   f.quality, f.size_px, f.blur, f.yaw, f.norm, f.flags, f.pack_id,
                   p.taken_at, p.taken_source
            FROM faces f JOIN photos p ON p.id = f.photo_id
        """
        args: tuple[int, ...] = ()
        if photo_id is not None:
            sql += " WHERE f.photo_id = ?"
            args = (photo_id,)
        sql += " ORDER BY p.path, f.idx"
        out = []
        for r in self.database.conn.execute(sql, args):
            out.append(
                FaceRow(
                    id=r[0],
                    photo_id=r[1],
                    path=r[2],
                    idx=r[3],
                    box=(r[4], r[5], r[6], r[7]),
                    landmarks=json.loads(r[8]),
                    det_score=r[9],
                    quality=r[10],
                    size_px=r[11],
                    blur=r[12],
                    yaw=r[13],
                    norm=r[14],
                    flags=r[15],
                    pack_id=r[16],
                    taken=r[17],
                    taken_source=r[18],
                )
            )
        return out

    def vectors(self, pack_id: str | None = None) -> FaceVectors:
        """All face vectors (of one pack) as arrays, ordered by face id."""
        sql = "SELECT id, photo_id, quality, flags, dim, embedding FROM faces"
        args: tuple[str, ...] = ()
        if pack_id:
            sql += " WHERE pack_id = ?"
            args = (pack_id,)
        total = self.database.conn.execute(
            "SELECT count(*) FROM faces" + (" WHERE pack_id = ?" if pack_id else ""), args
        ).fetchone()[0]
        return _stream_vectors(self.database.conn.execute(sql + " ORDER BY id", args), total)

    def vectors_of(self, face_ids: list[int]) -> FaceVectors:
        """The vectors of these faces (missing ids left out), ordered by face id."""
        rows = []
        for s in range(0, len(face_ids), _CHUNK):
            part = face_ids[s : s + _CHUNK]
            rows += self.database.conn.execute(
                "SELECT id, photo_id, quality, flags, dim, embedding FROM faces"
                f" WHERE id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return _vectors(sorted(rows))

    def ids(self) -> np.ndarray:
        """Every stored face id (int64), ascending."""
        rows = self.database.conn.execute("SELECT id FROM faces ORDER BY id").fetchall()
        return np.fromiter((r[0] for r in rows), np.int64, len(rows))

    def ids_of_photos(self, photo_ids: list[int]) -> list[int]:
        """The faces of these photos."""
        out: list[int] = []
        for s in range(0, len(photo_ids), _CHUNK):
            part = photo_ids[s : s + _CHUNK]
            out += [
                int(r[0])
                for r in self.database.conn.execute(
                    f"SELECT id FROM faces WHERE photo_id IN ({','.join('?' * len(part))})", part
                )
            ]
        return out

    def photos(self) -> dict[int, tuple[int, str]]:
        """face id -> (photo id, photo path), for every face."""
        rows = self.database.conn.execute(
            "SELECT f.id, f.photo_id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id"
        ).fetchall()
        return {int(fid): (int(pid), str(path)) for fid, pid, path in rows}

    def boxes_in_photos(self) -> list[tuple[int, str, float, float, float, float, int, int]]:
        """(face id, photo path, x, y, w, h, photo width, photo height) of every face."""
        return [
            (int(r[0]), str(r[1]), r[2], r[3], r[4], r[5], int(r[6] or 0), int(r[7] or 0))
            for r in self.database.conn.execute(
                "SELECT f.id, p.path, f.x, f.y, f.w, f.h, p.width, p.height FROM faces f "
                "JOIN photos p ON p.id = f.photo_id"
            )
        ]


def _stream_vectors(cursor: Any, expected: int, chunk: int = 4096) -> FaceVectors:
    """``_vectors`` of a cursor's rows, read a chunk at a time into arrays of ``expected``
    rows (grown if more come): 200,000 faces held as rows, then joined, then copied took three
    times their 100 MB at once (issue 30)."""
    first = cursor.fetchmany(chunk)
    if not first:
        return _vectors([])
    dim = int(first[0][4])
    size = max(expected, len(first))
    ids = np.empty(size, np.int64)
    photo_ids = np.empty(size, np.int64)
    quality = np.empty(size, np.float32)
    flags = np.empty(size, np.int64)
    vectors = np.empty((size, dim), np.float32)
    n = 0
    rows = first
    while rows:
        if n + len(rows) > size:  # faces added since they were counted
            size = max(2 * size, n + len(rows))
            ids = np.resize(ids, size)
            photo_ids = np.resize(photo_ids, size)
            quality = np.resize(quality, size)
            flags = np.resize(flags, size)
            vectors = np.resize(vectors, (size, dim))
        end = n + len(rows)
        ids[n:end] = [r[0] for r in rows]
        photo_ids[n:end] = [r[1] for r in rows]
        quality[n:end] = [r[2] for r in rows]
        flags[n:end] = [r[3] for r in rows]
        vectors[n:end] = np.frombuffer(b"".join(r[5] for r in rows), np.float32).reshape(-1, dim)
        n = end
        rows = cursor.fetchmany(chunk)
    if n < size:  # faces removed since they were counted
        ids, photo_ids, quality, flags = (
            ids[:n].copy(),
            photo_ids[:n].copy(),
            quality[:n].copy(),
            flags[:n].copy(),
        )
        vectors = vectors[:n].copy()
    return FaceVectors(ids, photo_ids, vectors, quality, flags)


def _vectors(rows: list[tuple[int, int, float, int, int, bytes]]) -> FaceVectors:
    """FaceVectors from (id, photo_id, quality, flags, dim, embedding) rows."""
    if not rows:
        return FaceVectors(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, 0), np.float32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int64),
        )
    dim = int(rows[0][4])
    buf = b"".join(r[5] for r in rows)
    return FaceVectors(
        ids=np.fromiter((r[0] for r in rows), np.int64, len(rows)),
        photo_ids=np.fromiter((r[1] for r in rows), np.int64, len(rows)),
        vectors=np.frombuffer(buf, np.float32).reshape(len(rows), dim).copy(),
        quality=np.fromiter((r[2] for r in rows), np.float32, len(rows)),
        flags=np.fromiter((r[3] for r in rows), np.int64, len(rows)),
    )


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _match_boxes(
    new: list[tuple[float, float, float, float]], old: list[tuple[float, ...]], min_iou: float = 0.5
) -> dict[int, int]:
    """Greedy best-overlap matching: new index -> old index."""
    pairs = sorted(
        ((iou(n, o), i, j) for i, n in enumerate(new) for j, o in enumerate(old)), reverse=True
    )
    out: dict[int, int] = {}
    used: set[int] = set()
    for score, i, j in pairs:
        if score < min_iou:
            break
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out
