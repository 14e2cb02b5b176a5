-- Indexes that let every listing order read only the page it returns.
--
-- "Newest first" orders by the instant, `unixepoch(created_at)`, not by the
-- text (RFC 3339 strings with and without fractional seconds do not sort as
-- instants do), so its index is on that expression. It replaces the index on
-- the text, which no query can use.
CREATE INDEX products_by_newest ON products (unixepoch(created_at), id);
DROP INDEX products_by_created;
