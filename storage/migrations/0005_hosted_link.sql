-- The service keeps a copy of every generated file (Link rel="enclosure", on
-- media.pollinations.ai, for about 30 days): an item remembers its address, so that reusing it
-- as a reference or start frame can send the address instead of uploading the file.
ALTER TABLE items ADD COLUMN hosted_url TEXT NOT NULL DEFAULT '';
-- A price estimate asks for the last real costs of one model (by either name it was stored under).
CREATE INDEX items_model_cost ON items(model_used, created_at DESC) WHERE cost_known = 1 AND trashed_at IS NULL;
