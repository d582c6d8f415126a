-- When each photo was taken, and where that came from; a person's birth date.
-- taken_source: 'exif' (DateTimeOriginal), 'exif-digitized' (CreateDate), 'xmp' (the photo's
-- own packet), 'xmp-sidecar', 'takeout' (a Google Takeout JSON), 'exif-modified' (ModifyDate),
-- 'file' (the file's modification time: a guess). NULL: nothing known.
ALTER TABLE photos ADD COLUMN taken_source TEXT;
UPDATE photos SET taken_source = 'exif' WHERE taken_at IS NOT NULL;
CREATE INDEX photos_taken ON photos (taken_at);
-- A person's birth date (YYYY-MM-DD); faces in photos taken before it are never theirs.
ALTER TABLE people ADD COLUMN born TEXT;
-- The Unsorted page pages by quality (a library of 50,000 unsorted faces).
CREATE INDEX faces_quality ON faces (quality);
