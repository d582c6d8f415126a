-- People and what the user decided about faces. What the user decided (confirmed assignments,
-- rejections, ignores, names) is kept apart from what the machine guessed (confirmed = 0), and
-- re-clustering only ever rewrites guesses.
CREATE TABLE people (
    id             INTEGER PRIMARY KEY,
    name           TEXT,                        -- NULL: an unnamed group
    hidden         INTEGER NOT NULL DEFAULT 0,
    cover_face_id  INTEGER REFERENCES faces (id) ON DELETE SET NULL,
    created_at     REAL    NOT NULL
);
CREATE UNIQUE INDEX people_name ON people (name COLLATE NOCASE) WHERE name IS NOT NULL;

CREATE TABLE face_person (
    face_id    INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    confirmed  INTEGER NOT NULL DEFAULT 0       -- 1: the user put it there
);
CREATE INDEX face_person_person ON face_person (person_id);

-- "Not this person": the face never joins the person again.
CREATE TABLE rejections (
    face_id    INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
);

-- Not a face, or a stranger: never grouped, never suggested.
CREATE TABLE ignored_faces (
    face_id  INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE
);

-- "Not the same person" between two groups, kept as pairs of their representative faces so the
-- answer outlives the groups' ids.
CREATE TABLE cannot_link (
    face_a  INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    face_b  INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    PRIMARY KEY (face_a, face_b),
    CHECK (face_a < face_b)
);

-- Undo history: each user operation with the rows it touched, as they were before.
CREATE TABLE history (
    id          INTEGER PRIMARY KEY,
    op          TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    before      TEXT    NOT NULL,               -- JSON snapshot
    created_at  REAL    NOT NULL,
    undone      INTEGER NOT NULL DEFAULT 0
);
