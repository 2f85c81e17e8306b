-- Content tables: one per type of src/model/types.rs. Each item has a working
-- copy (stage 'draft') and, once published, a live copy (stage 'live').
CREATE TABLE organisations (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    name TEXT,
    acronym TEXT,
    kind TEXT,
    description TEXT,
    website TEXT,
    logo_id TEXT,
    founded_year INTEGER,
    country TEXT,
    parent_id TEXT,
    key_figures TEXT,
    memberships TEXT,
    structure TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX organisations_published ON organisations (stage, published_at, id);
CREATE INDEX organisations_updated ON organisations (stage, updated_at, id);
CREATE INDEX organisations_logo ON organisations (stage, logo_id);
CREATE INDEX organisations_parent ON organisations (stage, parent_id);

CREATE TABLE missions (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    name TEXT,
    organisation_id TEXT,
    country TEXT,
    present_since INTEGER,
    head_of_mission_id TEXT,
    statement TEXT,
    objectives TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX missions_published ON missions (stage, published_at, id);
CREATE INDEX missions_updated ON missions (stage, updated_at, id);
CREATE INDEX missions_organisation ON missions (stage, organisation_id);
CREATE INDEX missions_head_of_mission ON missions (stage, head_of_mission_id);

CREATE TABLE thematic_axes (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    title TEXT,
    mission_id TEXT,
    kind TEXT,
    description TEXT,
    position INTEGER,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX thematic_axes_published ON thematic_axes (stage, published_at, id);
CREATE INDEX thematic_axes_updated ON thematic_axes (stage, updated_at, id);
CREATE INDEX thematic_axes_mission ON thematic_axes (stage, mission_id);

CREATE TABLE projects (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    title TEXT,
    acronym TEXT,
    summary TEXT,
    body TEXT,
    status TEXT,
    start_date TEXT,
    end_date TEXT,
    duration_months INTEGER,
    project_type TEXT,
    budget_amount INTEGER,
    budget_currency TEXT,
    coverage TEXT,
    region TEXT,
    external_ids TEXT,
    mission_id TEXT,
    website TEXT,
    objectives TEXT,
    outputs TEXT,
    cover_image_id TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX projects_published ON projects (stage, published_at, id);
CREATE INDEX projects_updated ON projects (stage, updated_at, id);
CREATE INDEX projects_mission ON projects (stage, mission_id);
CREATE INDEX projects_cover_image ON projects (stage, cover_image_id);

CREATE TABLE events (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    title TEXT,
    kind TEXT,
    starts_at INTEGER,
    ends_at INTEGER,
    all_day INTEGER,
    time_zone TEXT,
    city TEXT,
    venue TEXT,
    country TEXT,
    project_id TEXT,
    participant_count INTEGER,
    sessions TEXT,
    outcomes TEXT,
    recommendations TEXT,
    summary TEXT,
    body TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX events_published ON events (stage, published_at, id);
CREATE INDEX events_updated ON events (stage, updated_at, id);
CREATE INDEX events_project ON events (stage, project_id);
CREATE INDEX events_project_starts ON events (stage, project_id, starts_at, id);
CREATE INDEX events_starts ON events (stage, starts_at, id);

CREATE TABLE news_articles (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    title TEXT,
    dateline TEXT,
    lead TEXT,
    body TEXT,
    cover_image_id TEXT,
    publication_date TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX news_articles_published ON news_articles (stage, published_at, id);
CREATE INDEX news_articles_updated ON news_articles (stage, updated_at, id);
CREATE INDEX news_articles_cover_image ON news_articles (stage, cover_image_id);

CREATE TABLE people (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    name TEXT,
    honorific TEXT,
    positions TEXT,
    bio TEXT,
    photo_id TEXT,
    email TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX people_published ON people (stage, published_at, id);
CREATE INDEX people_updated ON people (stage, updated_at, id);
CREATE INDEX people_photo ON people (stage, photo_id);

CREATE TABLE media_assets (
    id TEXT NOT NULL,
    stage TEXT NOT NULL,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    created_by TEXT,
    updated_by TEXT,
    title TEXT,
    kind TEXT,
    alt_text TEXT,
    caption TEXT,
    credit TEXT,
    licence TEXT,
    focal_point TEXT,
    mime_type TEXT,
    file_size INTEGER,
    checksum TEXT,
    width INTEGER,
    height INTEGER,
    duration_ms INTEGER,
    external_url TEXT,
    PRIMARY KEY (id, stage),
    UNIQUE (stage, slug)
);
CREATE INDEX media_assets_published ON media_assets (stage, published_at, id);
CREATE INDEX media_assets_updated ON media_assets (stage, updated_at, id);

