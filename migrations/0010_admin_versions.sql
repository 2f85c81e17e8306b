-- Administrative records carry a version, raised by every write, so that two
-- admins editing the same key, webhook or account cannot overwrite each other
-- unseen (a write naming an older version is refused).
ALTER TABLE api_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE webhooks ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
