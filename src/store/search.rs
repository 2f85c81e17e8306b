//! The full-text index: documents per item, stage and locale, matched by FTS5
//! on SQLite and by a GIN-indexed `tsvector` on PostgreSQL. The terms come
//! from `crate::search`; only indexing and ranking happen here.

use super::sql::{Row, Sql};
use super::{Dialect, Store, Tx};
use crate::error::Result;
use crate::model::TypeDef;
use crate::model::item::Stage;
use crate::search::QueryPlan;
use sqlx::Row as _;

/// One locale's document of an item.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// The locales this document serves, space-separated: locales whose text
    /// and terms come out the same share one document.
    pub locale: String,
    pub title: String,
    pub body: String,
    pub title_terms: Vec<String>,
    pub body_terms: Vec<String>,
}

/// A ranked match.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub item_type: String,
    pub item_id: String,
    pub title: String,
    pub body: String,
    pub score: f64,
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct SearchSpec<'a> {
    pub plan: &'a QueryPlan,
    pub stage: Stage,
    pub locale: &'a str,
    /// Type names; empty means every type.
    pub types: &'a [&'static str],
    pub limit: i64,
    pub offset: i64,
    /// Published searches on SQLite that match more documents than this
    /// rank only the newest this many and count "at least this many".
    pub window: i64,
}

/// A page of matches and how many there are.
#[derive(Debug, Default)]
pub struct Matches {
    pub hits: Vec<SearchHit>,
    pub total: i64,
    /// Whether `total` counts every match (otherwise more than it match).
    pub exact: bool,
}

/// How many of the newest documents per window a published search on
/// PostgreSQL walks when more than the window match.
const SEARCH_WALK: i64 = 10;

/// How many completions the word being typed stands for on SQLite (as
/// Elasticsearch's `max_expansions`): the most common ones.
const PREFIX_EXPANSIONS: i64 = 50;

/// An FTS5 expression and the document counts of its phrases.
struct Fts5Match {
    expr: String,
    counts: String,
}

/// A match from a row of `item_type, item_id, title, body, score, …` (the
/// pool's or a content read's).
fn decode_hit(r: &dyn Row) -> Result<SearchHit> {
    let text = |i| r.text(i)?.ok_or_else(|| crate::error::Error::internal("a NOT NULL column read NULL"));
    Ok(SearchHit {
        item_type: text(0)?,
        item_id: text(1)?,
        title: text(2)?,
        body: text(3)?,
        score: r.float(4)?.unwrap_or(0.0),
    })
}

fn term_cols(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => "title_terms, body_terms",
        Dialect::Postgres => "terms",
    }
}

impl Tx<'_> {
    /// Replaces the documents of one stage of an item.
    pub async fn index_replace(
        &mut self,
        stage: Stage,
        item_type: &str,
        item_id: &str,
        docs: &[SearchDoc],
    ) -> Result<()> {
        self.index_drop(stage, item_id).await?;
        let dialect = self.dialect();
        for d in docs {
            let mut q = Sql::new(&format!(
                "INSERT INTO search_docs (stage, item_id, item_type, locale, title, body, {}) VALUES (",
                term_cols(dialect)
            ));
            q.arg(stage.as_str()).push(", ").arg(item_id).push(", ").arg(item_type).push(", ").arg(d.locale.as_str());
            q.push(", ").arg(d.title.as_str()).push(", ").arg(d.body.as_str()).push(", ");
            match dialect {
                Dialect::Sqlite => {
                    q.arg(d.title_terms.join(" ")).push(", ").arg(d.body_terms.join(" "));
                }
                Dialect::Postgres => {
                    q.push("CAST(").arg(crate::search::tsvector(&d.title_terms, &d.body_terms)).push(" AS tsvector)");
                }
            }
            q.push(")");
            self.execute(q).await?;
        }
        Ok(())
    }

    /// Publishing: the working copy's documents become the live ones. They
    /// move rather than copy: an item whose draft is what is live keeps one
    /// set of documents, which preview searches read too (half the index).
    pub async fn index_copy_to_live(&mut self, item_id: &str) -> Result<()> {
        self.index_move(item_id, Stage::Draft, Stage::Live).await
    }

    /// Unpublishing: the live documents go; when they also stood for the
    /// working copy, they move back to it.
    pub async fn index_unpublish(&mut self, item_id: &str) -> Result<()> {
        self.index_move(item_id, Stage::Live, Stage::Draft).await
    }

    /// Drops the live documents where the item has working ones, then moves
    /// the documents of `from` to `to` (none move when there are none).
    async fn index_move(&mut self, item_id: &str, from: Stage, to: Stage) -> Result<()> {
        let mut q = Sql::new("DELETE FROM search_docs WHERE stage = 'live' AND item_id = ");
        q.arg(item_id).push(" AND EXISTS (SELECT 1 FROM search_docs x WHERE x.stage = 'draft' AND x.item_id = ");
        q.arg(item_id).push(")");
        self.execute(q).await?;
        let mut q = Sql::new("UPDATE search_docs SET stage = ");
        q.arg(to.as_str()).push(" WHERE stage = ").arg(from.as_str()).push(" AND item_id = ").arg(item_id);
        self.execute(q).await?;
        Ok(())
    }

    pub async fn index_drop(&mut self, stage: Stage, item_id: &str) -> Result<()> {
        let mut q = Sql::new("DELETE FROM search_docs WHERE stage = ");
        q.arg(stage.as_str()).push(" AND item_id = ").arg(item_id);
        self.execute(q).await?;
        Ok(())
    }

    /// The version the index was built with, read under a lock that keeps two
    /// instances starting together from rebuilding it at once.
    pub async fn index_version(&mut self) -> Result<Option<String>> {
        if self.dialect() == Dialect::Postgres {
            self.fetch_all(Sql::new("SELECT pg_advisory_xact_lock(7265)")).await?;
        }
        let rows = self.fetch_all(Sql::new("SELECT value FROM settings WHERE key = 'search_index'")).await?;
        Ok(rows.first().map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    /// Empties the index before a rebuild.
    pub async fn index_clear(&mut self) -> Result<()> {
        self.execute(Sql::new("DELETE FROM search_docs")).await?;
        Ok(())
    }

    pub async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let mut q = Sql::new("INSERT INTO settings (key, value) VALUES (");
        q.arg(key).push(", ").arg(value).push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        self.execute(q).await?;
        Ok(())
    }
}

impl Store {
    /// A page of matches, best first, and how many there are in all.
    pub async fn search(&self, spec: &SearchSpec<'_>) -> Result<Matches> {
        if spec.stage == Stage::Live {
            match self.dialect() {
                Dialect::Sqlite => return self.search_live_sqlite(spec).await,
                Dialect::Postgres => {
                    if let Some(m) = self.search_live_postgres(spec).await? {
                        return Ok(m);
                    }
                }
            }
        }
        let mut q = match self.dialect() {
            Dialect::Sqlite => {
                let Some(fts) = self.fts5_match(spec.plan).await? else {
                    return Ok(Matches { exact: true, ..Default::default() });
                };
                // relais_rank only works in a plain FTS query, so rank first, then join and count.
                let mut q = Sql::new("WITH m AS MATERIALIZED (SELECT rowid AS rid, relais_rank(search_fts, 3.0, 1.0, ");
                q.arg(fts.counts).push(") AS score FROM search_fts WHERE search_fts MATCH ").arg(fts.expr);
                q.push(
                    ") SELECT d.item_type, d.item_id, d.title, d.body, m.score AS score, COUNT(*) OVER () \
                     FROM m JOIN search_docs d ON d.id = m.rid WHERE 1 = 1",
                );
                q
            }
            Dialect::Postgres => {
                let mut q = Sql::new(
                    "SELECT d.item_type, d.item_id, d.title, d.body, CAST(ts_rank(d.terms, q, 1) AS DOUBLE PRECISION) AS score, COUNT(*) OVER () \
                     FROM search_docs d, CAST(",
                );
                q.arg(spec.plan.tsquery()).push(" AS tsquery) q WHERE d.terms @@ q");
                q
            }
        };
        match spec.stage {
            Stage::Live => q.push(" AND d.stage = 'live'"),
            // Working copies: their own documents, or the live ones of items whose draft is what is live.
            Stage::Draft | Stage::DraftOf(_) => q.push(
                " AND (d.stage = 'draft' OR NOT EXISTS (SELECT 1 FROM search_docs x WHERE x.stage = 'draft' AND x.item_id = d.item_id))",
            ),
        };
        if let Some(owner) = spec.stage.owner() {
            // One user's items only: the documents do not say whose they are, the items do.
            q.push(" AND d.item_id IN (");
            for (i, ty) in crate::model::CONTENT_TYPES.iter().enumerate() {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                q.push(&format!("SELECT id FROM {} WHERE stage = 'draft' AND created_by = ", ty.table)).arg(owner);
            }
            q.push(")");
        }
        q.push(" AND ' ' || d.locale || ' ' LIKE ");
        q.arg(format!("% {} %", spec.locale));
        if !spec.types.is_empty() {
            q.push(" AND d.item_type IN (").list(spec.types.iter().copied()).push(")");
        }
        q.push(" ORDER BY score DESC, d.item_id LIMIT ").arg(spec.limit).push(" OFFSET ").arg(spec.offset);
        let rows = self.fetch_all(q).await?;
        let mut total = 0;
        let mut hits = Vec::with_capacity(rows.len());
        for r in &rows {
            total = r.try_get::<i64, _>(5)?;
            hits.push(decode_hit(r)?);
        }
        if rows.is_empty() && spec.offset > 0 {
            // Past the last page: the window count saw no rows, so count apart.
            let first = SearchSpec { limit: 1, offset: 0, ..spec.clone() };
            total = Box::pin(self.search(&first)).await?.total;
        }
        Ok(Matches { hits, total, exact: true })
    }

    /// Published content on SQLite: the stage, locale and types are terms of
    /// the `scope` column, so FTS5 alone finds, counts and ranks the
    /// documents that may be shown, and only the page is read from
    /// search_docs. Equal scores come in index order.
    ///
    /// Matches are counted up to one past the window. When more match, only
    /// the newest `window` of them (FTS5 walks its postings by falling rowid
    /// and stops) are scored, and the count says "at least": the cost then
    /// stays that of `window` matches however common the words are.
    async fn search_live_sqlite(&self, spec: &SearchSpec<'_>) -> Result<Matches> {
        let Some(fts) = self.fts5_match(spec.plan).await? else {
            return Ok(Matches { exact: true, ..Default::default() });
        };
        // Locales are checked codes (letters, digits, `-`) and types are model
        // names: nothing here needs quoting inside the FTS5 strings.
        let mut m = format!("{} AND scope : (\"slive\" AND \"l{}\"", fts.expr, spec.locale);
        if !spec.types.is_empty() {
            let types: Vec<String> = spec.types.iter().map(|t| format!("\"t{t}\"")).collect();
            m.push_str(&format!(" AND ({})", types.join(" OR ")));
        }
        m.push(')');
        // Counted first, then ranked. One statement counting and ranking in
        // one walk (a materialised CTE of the scored rows) measured twice as
        // slow: 27 against 14 ms for two common words at 1×.
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ");
        count.arg(m.as_str()).push(" LIMIT ").arg(spec.window + 1).push(")");
        let rows = self.fetch_all(count).await?;
        let found = rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0);
        let exact = found <= spec.window;
        let mut q = Sql::new("SELECT d.item_type, d.item_id, d.title, d.body, m.score FROM (SELECT rid, score FROM (");
        q.push("SELECT rowid AS rid, relais_rank(search_fts, 3.0, 1.0, ").arg(fts.counts);
        q.push(") AS score FROM search_fts WHERE search_fts MATCH ").arg(m);
        if !exact {
            q.push(" ORDER BY rowid DESC LIMIT ").arg(spec.window);
        }
        q.push(") ORDER BY score DESC, rid LIMIT ").arg(spec.limit).push(" OFFSET ").arg(spec.offset);
        q.push(") m JOIN search_docs d ON d.id = m.rid ORDER BY m.score DESC, m.rid");
        let hits = self.fetch_all(q).await?.iter().map(|r| decode_hit(r)).collect::<Result<Vec<_>>>()?;
        Ok(Matches { hits, total: found.min(spec.window), exact })
    }

    /// Published content on PostgreSQL, as on SQLite: matches are counted up
    /// to one past the window, and when more match, only the newest `window`
    /// of them (by id, which grows with time) are ranked. `None` when no more
    /// than the window match: the common path ranks them all and counts
    /// exactly.
    ///
    /// The newest are found by walking the newest documents (the id index,
    /// backwards), at most `window × SEARCH_WALK` of them: PostgreSQL cannot
    /// estimate how many documents a prefix matches (19,000 where 910,000
    /// do at 100×), so left to choose it reads every match from the table to
    /// sort them by id (6.4 s for two common words at 100×, against 54 ms for
    /// the walk). Where matches are rarer than one in `SEARCH_WALK` among the
    /// newest, fewer than the window are ranked; the count still says "at
    /// least the window".
    async fn search_live_postgres(&self, spec: &SearchSpec<'_>) -> Result<Option<Matches>> {
        let matching = |q: &mut Sql, d: &str| {
            q.push(&format!(" AND {d}.terms @@ CAST(")).arg(spec.plan.tsquery());
            q.push(&format!(" AS tsquery) AND ' ' || {d}.locale || ' ' LIKE ")).arg(format!("% {} %", spec.locale));
            if !spec.types.is_empty() {
                q.push(&format!(" AND {d}.item_type IN (")).list(spec.types.iter().copied()).push(")");
            }
        };
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM search_docs d WHERE d.stage = 'live'");
        matching(&mut count, "d");
        count.push(" LIMIT ").arg(spec.window + 1).push(") c");
        let found = self.read_rows(count, |r| Ok(r.int(0)?.unwrap_or(0))).await?.pop().unwrap_or(0);
        if found <= spec.window {
            return Ok(None);
        }
        let mut q = Sql::new("SELECT d.item_type, d.item_id, d.title, d.body, CAST(ts_rank(d.terms, CAST(");
        q.arg(spec.plan.tsquery()).push(" AS tsquery), 1) AS DOUBLE PRECISION) AS score FROM (SELECT n.* FROM (");
        q.push("SELECT * FROM search_docs WHERE stage = 'live' ORDER BY item_id DESC LIMIT ");
        q.arg(spec.window.saturating_mul(SEARCH_WALK)).push(") n WHERE TRUE");
        matching(&mut q, "n");
        q.push(" LIMIT ").arg(spec.window);
        q.push(") d ORDER BY score DESC, d.item_id LIMIT ").arg(spec.limit).push(" OFFSET ").arg(spec.offset);
        let hits = self.read_rows(q, decode_hit).await?;
        Ok(Some(Matches { hits, total: spec.window, exact: false }))
    }

    /// The FTS5 expression of a plan on SQLite, with the document count of
    /// each of its phrases in order (for `relais_rank`, src/store/fts.rs), or
    /// `None` when a word can match nothing. The word being typed stands for
    /// its `PREFIX_EXPANSIONS` most common completions: a prefix query would
    /// merge the posting lists of all of them before matching anything.
    async fn fts5_match(&self, plan: &QueryPlan) -> Result<Option<Fts5Match>> {
        let mut q = Sql::new("SELECT -1, term, docs FROM search_terms WHERE term IN (");
        q.list(plan.groups.iter().flat_map(|g| g.terms.iter().map(String::as_str))).push(")");
        for (i, g) in plan.groups.iter().enumerate() {
            if let Some(p) = &g.prefix {
                q.push(" UNION ALL SELECT * FROM (SELECT ").arg(i as i64);
                q.push(", term, docs FROM search_terms WHERE term >= ").arg(p.as_str());
                q.push(" AND term < ").arg(format!("{p}\u{10ffff}"));
                q.push(" AND docs > 0 ORDER BY docs DESC, term LIMIT ").arg(PREFIX_EXPANSIONS).push(")");
            }
        }
        let mut docs = std::collections::HashMap::new();
        let mut completions: Vec<Vec<String>> = vec![Vec::new(); plan.groups.len()];
        for r in self.fetch_all(q).await? {
            let (group, term, n): (i64, String, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if let Some(c) = usize::try_from(group).ok().and_then(|g| completions.get_mut(g)) {
                c.push(term.clone());
            }
            docs.insert(term, n);
        }
        let mut groups = Vec::with_capacity(plan.groups.len());
        let mut counts = String::new();
        for (g, more) in plan.groups.iter().zip(&completions) {
            let mut alts: Vec<&str> =
                g.terms.iter().map(String::as_str).filter(|t| docs.get(*t).is_some_and(|n| *n > 0)).collect();
            for c in more {
                if !alts.contains(&c.as_str()) {
                    alts.push(c);
                }
            }
            if alts.is_empty() {
                return Ok(None);
            }
            for t in &alts {
                counts.push_str(&format!("{} ", docs.get(*t).copied().unwrap_or(0)));
            }
            groups.push(alts);
        }
        let expr = format!("{{title_terms body_terms}} : ({})", crate::search::fts5_any(&groups));
        Ok(Some(Fts5Match { expr, counts }))
    }

    /// Every id of a type at a stage, for rebuilding the index.
    pub async fn item_ids(&self, ty: &TypeDef, stage: Stage) -> Result<Vec<String>> {
        let mut q = Sql::new(&format!("SELECT id FROM {} WHERE stage = ", ty.table));
        q.arg(stage.as_str()).push(" ORDER BY id");
        self.fetch_all(q).await?.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// How many documents the index holds.
    pub async fn index_size(&self) -> Result<i64> {
        let rows = self.fetch_all(Sql::new("SELECT COUNT(*) FROM search_docs")).await?;
        Ok(rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }
}
