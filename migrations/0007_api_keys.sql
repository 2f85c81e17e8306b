-- Partner API keys. Only a SHA-256 of the secret is kept (the secret is 32
-- random bytes, so a fast hash is enough); scopes, restrictions and origins
-- are JSON lists.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    restrictions TEXT NOT NULL,
    origins TEXT NOT NULL,
    rate_per_minute BIGINT NOT NULL,
    page_pattern TEXT,
    expires_at BIGINT,
    revoked_at BIGINT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    use_count BIGINT NOT NULL DEFAULT 0
);
