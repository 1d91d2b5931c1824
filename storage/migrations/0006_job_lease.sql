-- A job belongs to the process that runs it: owner names that process (pid and a random id),
-- heartbeat is when it last said it was alive (unix milliseconds). A job whose heartbeat is
-- older than the lease is an orphan that another process may adopt; no other job is touched.
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN heartbeat INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_owner ON jobs(owner) WHERE status IN ('queued', 'running');
-- An import asks "is this item already here?" by kind, creation time and prompt: with the
-- prompt in the index, many items sharing kind and time no longer make it quadratic.
DROP INDEX items_kind_created;
CREATE INDEX items_kind_created ON items(kind, created_at, prompt);
