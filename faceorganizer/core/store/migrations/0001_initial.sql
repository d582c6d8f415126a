-- Photos and the faces found in them.
CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    raw_path      BLOB    NOT NULL UNIQUE,      -- the exact path bytes: the identity of a file
    path          TEXT    NOT NULL,             -- printable form for people and for matching
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    content_hash  TEXT,                         -- blake2b of the bytes: finds moved files
    width         INTEGER,                      -- displayed orientation, full resolution
    height        INTEGER,
    orientation   INTEGER,
    taken_at      TEXT,
    format        TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('ok', 'skipped')),
    reason        TEXT,
    pack_id       TEXT,
    scanned_at    REAL    NOT NULL
);
CREATE INDEX photos_content_hash ON photos (content_hash);

CREATE TABLE faces (
    id         INTEGER PRIMARY KEY,
    photo_id   INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,                -- order within the photo (largest first)
    x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
    landmarks  TEXT    NOT NULL,                -- JSON [[x, y] x 5], full-resolution pixels
    det_score  REAL    NOT NULL,
    quality    REAL    NOT NULL,
    size_px    REAL    NOT NULL,
    blur       REAL    NOT NULL,
    yaw        REAL    NOT NULL,
    norm       REAL    NOT NULL,                -- embedding norm before L2 normalisation
    flags      INTEGER NOT NULL DEFAULT 0,      -- 1 too small, 2 blurry, 4 turned
    pack_id    TEXT    NOT NULL,
    dim        INTEGER NOT NULL,
    embedding  BLOB    NOT NULL,                -- float32 x dim, L2-normalised
    UNIQUE (photo_id, idx)
);
CREATE INDEX faces_photo ON faces (photo_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
