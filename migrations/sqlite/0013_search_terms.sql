-- How many documents hold each term, kept by triggers as documents come
-- and go. Search reads it to rank without FTS5 counting a phrase's documents
-- through its whole posting list (src/store/fts.rs), and to expand the word
-- being typed into its most common completions instead of merging every
-- completion's posting list. Terms are letters and digits only (the analyser
-- in src/search makes them so), so a space-separated list is turned into a
-- JSON array by plain replacement.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
    docs INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER search_terms_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_terms (term, docs)
    SELECT DISTINCT value, 1 FROM json_each('["' || replace(new.title_terms || ' ' || new.body_terms, ' ', '","') || '"]')
    WHERE value <> '' AND true
    ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
END;
CREATE TRIGGER search_terms_ad AFTER DELETE ON search_docs BEGIN
    UPDATE search_terms SET docs = docs - 1 WHERE term IN
        (SELECT value FROM json_each('["' || replace(old.title_terms || ' ' || old.body_terms, ' ', '","') || '"]'));
END;
CREATE TRIGGER search_terms_au AFTER UPDATE OF title_terms, body_terms ON search_docs BEGIN
    UPDATE search_terms SET docs = docs - 1 WHERE term IN
        (SELECT value FROM json_each('["' || replace(old.title_terms || ' ' || old.body_terms, ' ', '","') || '"]'));
    INSERT INTO search_terms (term, docs)
    SELECT DISTINCT value, 1 FROM json_each('["' || replace(new.title_terms || ' ' || new.body_terms, ' ', '","') || '"]')
    WHERE value <> '' AND true
    ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
END;

INSERT INTO search_terms (term, docs)
SELECT value, COUNT(*) FROM (
    SELECT DISTINCT d.id, j.value FROM search_docs d,
        json_each('["' || replace(d.title_terms || ' ' || d.body_terms, ' ', '","') || '"]') j
    WHERE j.value <> ''
) GROUP BY value;
