-- Each person's counts, kept between reads (issue 30): counting 150,000 faces of 20,000 groups
-- took 1.1 s on every People view load. Triggers mark the people whose faces changed in
-- people_dirty; a read recomputes only those (core/store/people_summary.py). Names, hidden,
-- birth dates and covers are read live from people, never copied here.
CREATE TABLE people_summary (
    person_id    INTEGER PRIMARY KEY,
    face_count   INTEGER NOT NULL,
    photo_count  INTEGER NOT NULL,
    confirmed    INTEGER NOT NULL,
    latest       TEXT,                -- when their most recent photo was taken
    best_face    INTEGER              -- their best face (the avatar when no cover is set)
);
CREATE TABLE people_dirty (
    person_id  INTEGER PRIMARY KEY
);
INSERT INTO people_dirty (person_id) SELECT id FROM people;
-- Bumped by every change a "same person?" question or a row of the People list depends on: a
-- remembered count or list is used only while it is unchanged (core/library/people.py,
-- question_count; core/library/library.py, people).
CREATE TABLE change_count (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO change_count (id, n) VALUES (1, 0);
CREATE TABLE remembered (
    key    TEXT PRIMARY KEY,
    stamp  INTEGER NOT NULL,          -- change_count.n when it was worked out
    value  INTEGER NOT NULL
);
-- Each trigger marks a person once (NOT IN): an outer statement's conflict clause (an upsert's,
-- for one) overrides a trigger's own. INSERT OR REPLACE deletes the face's old row without
-- delete triggers: its person is marked before the insert.
CREATE TRIGGER face_person_before_insert BEFORE INSERT ON face_person BEGIN
    INSERT INTO people_dirty (person_id)
        SELECT person_id FROM face_person WHERE face_id = NEW.face_id
        AND person_id NOT IN (SELECT person_id FROM people_dirty);
END;
CREATE TRIGGER face_person_insert AFTER INSERT ON face_person BEGIN
    INSERT INTO people_dirty (person_id) SELECT NEW.person_id
        WHERE NEW.person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER face_person_delete AFTER DELETE ON face_person BEGIN
    INSERT INTO people_dirty (person_id) SELECT OLD.person_id
        WHERE OLD.person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER face_person_update AFTER UPDATE ON face_person BEGIN
    INSERT INTO people_dirty (person_id) SELECT OLD.person_id
        WHERE OLD.person_id NOT IN (SELECT person_id FROM people_dirty);
    INSERT INTO people_dirty (person_id) SELECT NEW.person_id
        WHERE NEW.person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER faces_before_delete BEFORE DELETE ON faces BEGIN
    INSERT INTO people_dirty (person_id)
        SELECT person_id FROM face_person WHERE face_id = OLD.id
        AND person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER faces_update AFTER UPDATE ON faces BEGIN
    INSERT INTO people_dirty (person_id)
        SELECT person_id FROM face_person WHERE face_id = NEW.id
        AND person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER photos_taken_update AFTER UPDATE OF taken_at ON photos BEGIN
    INSERT INTO people_dirty (person_id)
        SELECT DISTINCT fp.person_id FROM faces f JOIN face_person fp ON fp.face_id = f.id
        WHERE f.photo_id = NEW.id AND fp.person_id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
-- a photo moved: the People list's avatars name its path (core/library/library.py, people)
CREATE TRIGGER photos_path_update AFTER UPDATE OF path ON photos BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER people_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_dirty (person_id) SELECT NEW.id
        WHERE NEW.id NOT IN (SELECT person_id FROM people_dirty);
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER people_delete AFTER DELETE ON people BEGIN
    DELETE FROM people_summary WHERE person_id = OLD.id;
    DELETE FROM people_dirty WHERE person_id = OLD.id;
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER people_update AFTER UPDATE ON people BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER rejections_insert AFTER INSERT ON rejections BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER rejections_delete AFTER DELETE ON rejections BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER cannot_link_insert AFTER INSERT ON cannot_link BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER cannot_link_delete AFTER DELETE ON cannot_link BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER ignored_insert AFTER INSERT ON ignored_faces BEGIN
    UPDATE change_count SET n = n + 1;
END;
CREATE TRIGGER ignored_delete AFTER DELETE ON ignored_faces BEGIN
    UPDATE change_count SET n = n + 1;
END;
