-- Search without ranking every match first: the stage, locales and type of
-- each document become terms of their own FTS5 column, `scope`, so that a
-- search matches only the documents it may show and FTS5 counts and ranks
-- those alone (joining every match to search_docs to filter it was what a
-- common word cost on a large index). The column is computed from
-- search_docs (`s<stage> l<locale>… t<type>`, lowercased by the tokenizer;
-- `-` is a token character so `pt-BR` stays one term) and weighs nothing in
-- the ranking.
ALTER TABLE search_docs ADD COLUMN scope TEXT GENERATED ALWAYS AS
    ('s' || stage || ' l' || replace(locale, ' ', ' l') || ' t' || item_type) VIRTUAL;

DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;
DROP TABLE search_fts;

CREATE VIRTUAL TABLE search_fts USING fts5(
    title_terms, body_terms, scope,
    content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0 tokenchars ''-'''
);

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title_terms, body_terms, scope)
    VALUES (new.id, new.title_terms, new.body_terms, new.scope);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms, scope)
    VALUES ('delete', old.id, old.title_terms, old.body_terms, old.scope);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_terms, body_terms, scope)
    VALUES ('delete', old.id, old.title_terms, old.body_terms, old.scope);
    INSERT INTO search_fts (rowid, title_terms, body_terms, scope)
    VALUES (new.id, new.title_terms, new.body_terms, new.scope);
END;

INSERT INTO search_fts (search_fts) VALUES ('rebuild');
