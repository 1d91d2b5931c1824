-- Files the app put on the media host (media.pollinations.ai), by content hash (hex SHA-256),
-- so that the same file is uploaded once and its address reused while it is fresh (the host
-- keeps a file about 30 days after its last read).
CREATE TABLE uploads (
    hash        TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
