-- An import asks "is this item already here?" by kind and creation time (for items without
-- media), whether trashed or not; the media lookups already have items_media.
CREATE INDEX items_kind_created ON items(kind, created_at);
