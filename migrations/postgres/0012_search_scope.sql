-- SQLite's search index gained a `scope` column (its 0012) so that a search
-- ranks only the documents it may show. PostgreSQL's GIN index needs no
-- change; this keeps both databases at the same schema version, which an
-- export names and an import checks.
SELECT 1;
