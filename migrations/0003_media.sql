-- Facts measured from uploaded files, films' posters, and event covers.
ALTER TABLE media_assets ADD COLUMN file_name TEXT;
ALTER TABLE media_assets ADD COLUMN blurhash TEXT;
ALTER TABLE media_assets ADD COLUMN dominant_color TEXT;
ALTER TABLE media_assets ADD COLUMN page_count INTEGER;
ALTER TABLE media_assets ADD COLUMN poster_id TEXT;
ALTER TABLE events ADD COLUMN cover_image_id TEXT;
CREATE INDEX media_assets_checksum ON media_assets (checksum);
