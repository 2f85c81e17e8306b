-- The editor's side: audit log, sessions, scheduled changes, preview links,
-- comments, soft locks, and what user management needs.

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    action TEXT NOT NULL,
    item_type TEXT,
    item_id TEXT,
    detail TEXT,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_item ON audit_log (item_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    action TEXT NOT NULL,
    run_at INTEGER NOT NULL,
    time_zone TEXT,
    status TEXT NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    error TEXT
);
CREATE INDEX schedules_due ON schedules (status, run_at);
CREATE INDEX schedules_item ON schedules (item_id);

CREATE TABLE preview_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    author_id TEXT,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_item ON comments (item_id, created_at);

CREATE TABLE locks (
    item_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    since INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE users ADD COLUMN invite_hash TEXT;
