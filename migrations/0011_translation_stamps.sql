-- Translation status: for each item's working copy, each top-level localised
-- field and each locale in which that field is present, when that locale's
-- values last changed. A locale's field is outdated when the source (default)
-- locale's changed later; missing when another locale has it and it has not.
-- Written in the transaction of every write of a working copy; existing
-- items are stamped once at start (changed_at = their updated_at).
CREATE TABLE translation_stamps (
    item_id TEXT NOT NULL,
    field TEXT NOT NULL,
    locale TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, field, locale)
);
