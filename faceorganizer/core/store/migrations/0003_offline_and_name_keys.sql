-- Issue 25. Photos: the device each was found on, and whether its folder is offline (an
-- unplugged drive, an unreachable NAS, an unreadable folder): such photos are kept, not
-- forgotten. People: names compared by full Unicode case folding (COLLATE NOCASE folds ASCII
-- only), through the same rule as every new name (faceorganizer_name_key, registered by the
-- store). Names imported from XMP before this were not cleaned: they are cleaned here.
ALTER TABLE photos ADD COLUMN dev INTEGER;
ALTER TABLE photos ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN name_key TEXT;
DROP INDEX people_name;
UPDATE people SET name = nullif(faceorganizer_clean_name(name), '') WHERE name IS NOT NULL;
UPDATE people SET name_key = faceorganizer_name_key(name) WHERE name IS NOT NULL;
-- two names that only now compare equal stay two people (the user may merge them); the later
-- one's key is made unique so the index holds, and finding by name finds the first
UPDATE people SET name_key = name_key || char(10) || id
    WHERE name_key IS NOT NULL
    AND id NOT IN (SELECT min(id) FROM people WHERE name_key IS NOT NULL GROUP BY name_key);
CREATE UNIQUE INDEX people_name_key ON people (name_key) WHERE name_key IS NOT NULL;
