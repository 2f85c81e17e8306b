-- Full-text search: one document per item, stage and locale, holding the
-- fallback-resolved text (shown in snippets) and the terms the analyser in
-- src/search made of it. FTS5 indexes the terms as given (they are already
-- folded and stemmed); triggers keep it in step with search_docs.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    stage TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    body_terms TEXT NOT NULL,
    UNIQUE (stage, item_id, locale)
);
CREATE INDEX search_docs_item ON search_docs (item_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title_terms, body_terms,
    content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.id, old.title_terms, old.body_terms);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms)
    VALUES ('delete', old.id, old.title_terms, old.body_terms);
    INSERT INTO search_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;
