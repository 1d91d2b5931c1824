-- The library: every generation, its media, tags, collections, transcripts, chats and jobs.
CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'done',
    error           TEXT    NOT NULL DEFAULT '',
    prompt          TEXT    NOT NULL DEFAULT '',
    negative_prompt TEXT    NOT NULL DEFAULT '',
    params          TEXT    NOT NULL DEFAULT '{}',
    model_requested TEXT    NOT NULL DEFAULT '',
    model_used      TEXT    NOT NULL DEFAULT '',
    seed            INTEGER,
    width           INTEGER NOT NULL DEFAULT 0,
    height          INTEGER NOT NULL DEFAULT 0,
    duration_sec    REAL    NOT NULL DEFAULT 0,
    content_type    TEXT    NOT NULL DEFAULT '',
    media_hash      TEXT    NOT NULL DEFAULT '',
    media_size      INTEGER NOT NULL DEFAULT 0,
    text            TEXT    NOT NULL DEFAULT '',
    cost            REAL    NOT NULL DEFAULT 0,
    cost_known      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL, -- unix milliseconds
    finished_at     INTEGER NOT NULL DEFAULT 0,
    favourite       INTEGER NOT NULL DEFAULT 0,
    parent_id       INTEGER REFERENCES items(id) ON DELETE SET NULL,
    relation        TEXT    NOT NULL DEFAULT '',
    missing         INTEGER NOT NULL DEFAULT 0,
    trashed_at      INTEGER
);
-- Keyset pages walk these indexes: newest first, by kind, by favourite.
CREATE INDEX items_newest ON items(created_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX items_kind ON items(kind, created_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX items_fav ON items(favourite, created_at DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX items_trash ON items(trashed_at) WHERE trashed_at IS NOT NULL;
CREATE INDEX items_media ON items(media_hash) WHERE media_hash <> '';
CREATE INDEX items_parent ON items(parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE item_refs (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    pos     INTEGER NOT NULL,
    ref     TEXT    NOT NULL,
    PRIMARY KEY (item_id, pos)
);

CREATE TABLE tags (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    PRIMARY KEY (item_id, tag)
);
CREATE INDEX tags_tag ON tags(tag, item_id);

CREATE TABLE collections (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    PRIMARY KEY (item_id, name)
);
CREATE INDEX collections_name ON collections(name, item_id);

CREATE TABLE segments (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,
    start   REAL    NOT NULL,
    "end"   REAL    NOT NULL,
    text    TEXT    NOT NULL,
    speaker TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, idx)
);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    content     TEXT    NOT NULL DEFAULT '',
    reasoning   TEXT    NOT NULL DEFAULT '',
    model       TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'done',
    partial     INTEGER NOT NULL DEFAULT 0,
    cost        REAL    NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    attachments TEXT    NOT NULL DEFAULT '[]',
    selected    INTEGER NOT NULL DEFAULT 1 -- the sibling shown among regenerated replies
);
CREATE INDEX messages_chat ON messages(chat_id, id);
CREATE INDEX messages_parent ON messages(parent_id);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    request     TEXT    NOT NULL,
    prompt      TEXT    NOT NULL DEFAULT '',
    model       TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    item_id     INTEGER REFERENCES items(id) ON DELETE SET NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_status ON jobs(status, id);

-- Full text over prompts and item text (transcripts, completions). FTS4 is built into
-- go-sqlite3 by default: no build tag to forget.
CREATE VIRTUAL TABLE items_fts USING fts4(prompt, text, tokenize=unicode61);
