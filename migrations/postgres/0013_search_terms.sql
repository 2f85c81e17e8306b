-- Schema 13 on both databases. SQLite's 0013 keeps document counts per search
-- term for its ranking function; PostgreSQL ranks with ts_rank over its GIN
-- index and needs nothing new (an archive's schema version is one number for
-- both databases, so each migration number exists on both).
SELECT 1;
