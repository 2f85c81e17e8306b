-- Full-text search: one document per item, stage and locale, holding the
-- fallback-resolved text (shown in snippets) and a tsvector of the terms the
-- analyser in src/search made of it (title weighted A, the rest B), built
-- by the application so PostgreSQL does not analyse the text a second time.
CREATE TABLE search_docs (
    stage TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    terms TSVECTOR NOT NULL,
    PRIMARY KEY (stage, item_id, locale)
);
CREATE INDEX search_docs_item ON search_docs (item_id);
CREATE INDEX search_docs_terms ON search_docs USING GIN (terms);
