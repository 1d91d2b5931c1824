-- Indexes for the cost sort, for asking whether a reference image is still used, and for
-- finding the rows marked missing (reconcile), so none of these scans the library.
CREATE INDEX items_cost ON items(cost DESC, id DESC) WHERE trashed_at IS NULL;
CREATE INDEX item_refs_ref ON item_refs(ref);
CREATE INDEX items_missing ON items(media_hash) WHERE missing = 1;
-- The kind + favourite filter of the gallery walks this one newest first.
CREATE INDEX items_kind_fav ON items(kind, favourite, created_at DESC, id DESC) WHERE trashed_at IS NULL;
