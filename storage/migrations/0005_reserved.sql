-- Placeholder for the items column another change adds as 0005; replaced by it on merge.
SELECT 1;
