-- Chat messages become searchable, and the model filter gets an index.
CREATE VIRTUAL TABLE messages_fts USING fts4(content, tokenize=unicode61);
INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages;
CREATE INDEX items_model ON items(model_used, created_at DESC, id DESC) WHERE trashed_at IS NULL;
