-- Idempotency keys: a retried mutation applies once. Each write's audit entry
-- carries the request's key (in the write's own transaction), and the answer
-- is kept so that a retry gets it again.
ALTER TABLE audit_log ADD COLUMN request_key TEXT;
CREATE INDEX audit_log_request_key ON audit_log (request_key) WHERE request_key IS NOT NULL;
CREATE TABLE idempotent_requests (
    scope_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status INT,
    body TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotent_requests_created ON idempotent_requests (created_at);
