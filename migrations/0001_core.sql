-- Reference data, identity, the link table shared by every many-to-many
-- relation, and revisions. Ids are UUIDv7 text; times are Unix milliseconds.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE countries (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Ordered many-to-many relations of every type (field names from the model),
-- per stage so that the live copy keeps its own relations while a draft changes.
CREATE TABLE links (
    stage TEXT NOT NULL,
    source_id TEXT NOT NULL,
    field TEXT NOT NULL,
    target_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    role TEXT,
    PRIMARY KEY (stage, source_id, field, target_id)
);
CREATE INDEX links_target ON links (stage, field, target_id, source_id);

CREATE TABLE revisions (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    author_id TEXT,
    message TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (item_id, number)
);
