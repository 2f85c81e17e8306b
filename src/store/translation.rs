//! Translation stamps: for each working copy, each top-level localised field
//! and each locale it is present in, when that locale's values last changed
//! (see `domain::translation`).

use super::sql::Sql;
use super::{Dialect, Store, Tx};
use crate::error::Result;
use crate::model::records::Stamp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Rows per insert: four values each (plain `?` on SQLite, see `Sql::rows`).
fn rows_per_statement(d: Dialect) -> usize {
    match d {
        Dialect::Sqlite => 5000,
        Dialect::Postgres => 5000,
    }
}

const SELECT: &str = "SELECT item_id, field, locale, changed_at FROM translation_stamps";

fn stamp(r: &AnyRow) -> Result<Stamp> {
    Ok(Stamp { item_id: r.try_get(0)?, field: r.try_get(1)?, locale: r.try_get(2)?, changed_at: r.try_get(3)? })
}

impl Store {
    /// The stamps of a batch of items, in one statement.
    pub async fn translation_stamps(&self, item_ids: &[String]) -> Result<Vec<Stamp>> {
        let mut q = Sql::new(SELECT);
        q.push(" WHERE item_id IN (")
            .list(item_ids.iter().map(String::as_str))
            .push(") ORDER BY item_id, field, locale");
        self.fetch_all(q).await?.iter().map(stamp).collect()
    }
}

impl Tx<'_> {
    /// One item's stamps, read inside the write that is about to change them.
    pub async fn translation_stamps(&mut self, item_id: &str) -> Result<Vec<Stamp>> {
        let mut q = Sql::new(SELECT);
        q.push(" WHERE item_id = ").arg(item_id);
        self.fetch_all(q).await?.iter().map(stamp).collect()
    }

    /// Writes stamps: `replace` sets the time of those that exist already,
    /// otherwise they keep theirs (a backfill never moves a known time).
    pub async fn put_stamps(&mut self, rows: &[Stamp], replace: bool) -> Result<()> {
        let conflict = if replace {
            " ON CONFLICT (item_id, field, locale) DO UPDATE SET changed_at = excluded.changed_at"
        } else {
            " ON CONFLICT (item_id, field, locale) DO NOTHING"
        };
        for chunk in rows.chunks(rows_per_statement(self.dialect())) {
            let mut q = Sql::rows(
                self.dialect(),
                "INSERT INTO translation_stamps (item_id, field, locale, changed_at) VALUES ",
            );
            for (i, s) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" }).arg(s.item_id.as_str()).push(", ").arg(s.field.as_str());
                q.push(", ").arg(s.locale.as_str()).push(", ").arg(s.changed_at).push(")");
            }
            q.push(conflict);
            self.execute(q).await?;
        }
        Ok(())
    }

    /// Deletes an item's stamps of these (field, locale) pairs.
    pub async fn delete_stamps(&mut self, item_id: &str, keys: &[(String, String)]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut q = Sql::new("DELETE FROM translation_stamps WHERE item_id = ");
        q.arg(item_id).push(" AND (");
        for (i, (field, locale)) in keys.iter().enumerate() {
            q.push(if i == 0 { "(field = " } else { " OR (field = " }).arg(field.as_str());
            q.push(" AND locale = ").arg(locale.as_str()).push(")");
        }
        q.push(")");
        self.execute(q).await?;
        Ok(())
    }

    /// Forgets stamps of locales the server no longer serves.
    pub async fn delete_stamps_outside(&mut self, locales: &[String]) -> Result<()> {
        let mut q = Sql::new("DELETE FROM translation_stamps WHERE locale NOT IN (");
        q.list(locales.iter().map(String::as_str)).push(")");
        self.execute(q).await?;
        Ok(())
    }
}
