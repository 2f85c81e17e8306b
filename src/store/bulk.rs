//! Bulk writes for large imports: many items per statement, rows, links and
//! search documents of both stages at once. The per-item path costs some
//! twenty statements an item; this one costs a few per few hundred items.

use super::content::{LinkIn, NewItem, push_values, write_cols};
use super::search::SearchDoc;
use super::sql::Sql;
use super::{Dialect, Store, Tx};
use crate::error::Result;
use crate::model::TypeDef;
use sqlx::Row;

/// Bound values per statement: PostgreSQL takes up to 65,535, SQLite 32,766
/// (with plain `?` placeholders, see `Sql::rows`).
fn max_args(d: Dialect) -> usize {
    match d {
        Dialect::Sqlite => 30_000,
        Dialect::Postgres => 30_000,
    }
}

/// One item of a bulk write: its working copy, and its live copy when published.
pub struct BulkRow {
    pub item: NewItem,
    pub version: i64,
    pub published_at: Option<i64>,
    pub live: bool,
    /// (link key, targets in order).
    pub links: Vec<(String, Vec<LinkIn>)>,
    pub docs: Vec<SearchDoc>,
    /// Translation stamps of the working copy.
    pub stamps: Vec<super::Stamp>,
}

impl Tx<'_> {
    /// Every slug items of `ty` use: one read per type, so that a bulk load
    /// checks its slugs in memory (a lookup per batch degrades as the table
    /// grows inside the load's transaction).
    pub async fn all_slugs(&mut self, ty: &TypeDef) -> Result<Vec<String>> {
        let q = Sql::new(&format!("SELECT slug FROM {} WHERE stage = 'draft'", ty.table));
        self.fetch_all(q).await?.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Writes items of one type: rows, links and search documents, for the
    /// working copy and, where `live`, the published copy.
    pub async fn insert_bulk(&mut self, ty: &TypeDef, rows: &[BulkRow]) -> Result<()> {
        let cols = write_cols(ty);
        let head = format!(
            "INSERT INTO {} (id, stage, slug, state, version, created_at, updated_at, published_at, created_by, updated_by{}{}) VALUES ",
            ty.table,
            if cols.is_empty() { "" } else { ", " },
            cols.join(", ")
        );
        let dialect = self.dialect();
        for stage in ["draft", "live"] {
            let staged: Vec<&BulkRow> = rows.iter().filter(|r| stage == "draft" || r.live).collect();
            if stage == "draft" {
                let stamps: Vec<super::Stamp> = rows.iter().flat_map(|r| r.stamps.iter().cloned()).collect();
                self.put_stamps(&stamps, true).await?;
            }
            for chunk in staged.chunks((max_args(dialect) / (10 + cols.len())).max(1)) {
                let mut q = Sql::rows(dialect, &head);
                for (i, r) in chunk.iter().enumerate() {
                    let it = &r.item;
                    q.push(if i == 0 { "(" } else { ", (" }).arg(it.id.as_str()).push(", ").arg(stage);
                    q.push(", ").arg(it.slug.as_str()).push(", ").arg(it.state.as_str()).push(", ").arg(r.version);
                    q.push(", ").arg(it.at).push(", ").arg(it.at).push(", ").arg(r.published_at);
                    q.push(", ").arg(it.by.clone()).push(", ").arg(it.by.clone());
                    push_values(&mut q, ty, &it.values, |q| {
                        q.push(", ");
                    });
                    q.push(")");
                }
                self.execute(q).await?;
            }
            let links: Vec<(&str, &str, usize, &LinkIn)> = staged
                .iter()
                .flat_map(|r| {
                    r.links.iter().flat_map(move |(key, ls)| {
                        ls.iter().enumerate().map(move |(pos, l)| (r.item.id.as_str(), key.as_str(), pos, l))
                    })
                })
                .collect();
            for chunk in links.chunks(max_args(dialect) / 6) {
                let mut q = Sql::rows(
                    dialect,
                    "INSERT INTO links (stage, source_id, field, target_id, position, role) VALUES ",
                );
                for (i, (source, key, pos, l)) in chunk.iter().enumerate() {
                    q.push(if i == 0 { "(" } else { ", (" }).arg(stage).push(", ").arg(*source).push(", ").arg(*key);
                    q.push(", ").arg(l.target.as_str()).push(", ").arg(*pos as i64).push(", ").arg(l.role.clone());
                    q.push(")");
                }
                self.execute(q).await?;
            }
            // A published item's documents serve both stages (see `index_copy_to_live`).
            let docs: Vec<(&str, &SearchDoc)> = staged
                .iter()
                .filter(|r| r.live == (stage == "live"))
                .flat_map(|r| r.docs.iter().map(move |d| (r.item.id.as_str(), d)))
                .collect();
            let terms = match dialect {
                Dialect::Sqlite => "title_terms, body_terms",
                Dialect::Postgres => "terms",
            };
            for chunk in docs.chunks(max_args(dialect) / 8) {
                let mut q = Sql::rows(
                    dialect,
                    &format!(
                        "INSERT INTO search_docs (stage, item_id, item_type, locale, title, body, {terms}) VALUES "
                    ),
                );
                for (i, (id, d)) in chunk.iter().enumerate() {
                    q.push(if i == 0 { "(" } else { ", (" }).arg(stage).push(", ").arg(*id).push(", ").arg(ty.name);
                    q.push(", ").arg(d.locale.as_str()).push(", ").arg(d.title.as_str()).push(", ");
                    q.arg(d.body.as_str()).push(", ");
                    match dialect {
                        Dialect::Sqlite => {
                            q.arg(d.title_terms.join(" ")).push(", ").arg(d.body_terms.join(" "));
                        }
                        Dialect::Postgres => {
                            q.push("CAST(")
                                .arg(crate::search::tsvector(&d.title_terms, &d.body_terms))
                                .push(" AS tsvector)");
                        }
                    }
                    q.push(")");
                }
                self.execute(q).await?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Refreshes the planner's statistics after a bulk load: PostgreSQL plans
    /// a freshly filled table as if it were empty until it is analysed (the
    /// home query took ten times the CPU on the benchmark's data before).
    pub async fn refresh_statistics(&self) -> Result<()> {
        let sql = match self.dialect() {
            Dialect::Postgres => "ANALYZE",
            Dialect::Sqlite => "PRAGMA optimize",
        };
        self.execute(Sql::new(sql)).await?;
        Ok(())
    }
}
