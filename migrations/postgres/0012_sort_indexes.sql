-- Lists sort missing numbers and dates first going up and last going down
-- (`ORDER BY x ASC NULLS FIRST` / `x DESC NULLS LAST`, which is how SQLite
-- sorts NULL). PostgreSQL walks an index for that order only when the index
-- keeps NULLs first, so the sort indexes say so; a preview of 200,000 working
-- copies by publication date sorted every row before (and ran out of time).
-- SQLite's 0012 changes its search index instead.

DROP INDEX organisations_published;
CREATE INDEX organisations_published ON organisations (stage, published_at NULLS FIRST, id);
DROP INDEX organisations_updated;
CREATE INDEX organisations_updated ON organisations (stage, updated_at NULLS FIRST, id);
DROP INDEX missions_published;
CREATE INDEX missions_published ON missions (stage, published_at NULLS FIRST, id);
DROP INDEX missions_updated;
CREATE INDEX missions_updated ON missions (stage, updated_at NULLS FIRST, id);
DROP INDEX thematic_axes_published;
CREATE INDEX thematic_axes_published ON thematic_axes (stage, published_at NULLS FIRST, id);
DROP INDEX thematic_axes_updated;
CREATE INDEX thematic_axes_updated ON thematic_axes (stage, updated_at NULLS FIRST, id);
DROP INDEX projects_published;
CREATE INDEX projects_published ON projects (stage, published_at NULLS FIRST, id);
DROP INDEX projects_updated;
CREATE INDEX projects_updated ON projects (stage, updated_at NULLS FIRST, id);
DROP INDEX events_published;
CREATE INDEX events_published ON events (stage, published_at NULLS FIRST, id);
DROP INDEX events_updated;
CREATE INDEX events_updated ON events (stage, updated_at NULLS FIRST, id);
DROP INDEX news_articles_published;
CREATE INDEX news_articles_published ON news_articles (stage, published_at NULLS FIRST, id);
DROP INDEX news_articles_updated;
CREATE INDEX news_articles_updated ON news_articles (stage, updated_at NULLS FIRST, id);
DROP INDEX people_published;
CREATE INDEX people_published ON people (stage, published_at NULLS FIRST, id);
DROP INDEX people_updated;
CREATE INDEX people_updated ON people (stage, updated_at NULLS FIRST, id);
DROP INDEX media_assets_published;
CREATE INDEX media_assets_published ON media_assets (stage, published_at NULLS FIRST, id);
DROP INDEX media_assets_updated;
CREATE INDEX media_assets_updated ON media_assets (stage, updated_at NULLS FIRST, id);
DROP INDEX events_project_starts;
CREATE INDEX events_project_starts ON events (stage, project_id, starts_at NULLS FIRST, id);
DROP INDEX events_starts;
CREATE INDEX events_starts ON events (stage, starts_at NULLS FIRST, id);
