-- Persisted queries by SHA-256: learnt from clients (automatic persisted
-- queries) or registered by the operator (the allowlist).
CREATE TABLE persisted_queries (
    hash TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    registered INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
