-- The folders the library is made of. The window kept them in its own settings, so a library
-- scanned from the command line looked empty in the window; now `scan` records its roots here
-- and the window reads and edits the same list.
CREATE TABLE library_folders (
    path      TEXT PRIMARY KEY,          -- absolute, as the user gave it (symlinks kept)
    added_at  REAL NOT NULL
);
