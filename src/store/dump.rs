//! Whole-database copies for export and import: every table's rows as they
//! are stored, read from one consistent snapshot and written back into an
//! empty database of either dialect. The columns are text or integers on
//! both (DESIGN.md §7), so a row travels as JSON without losing anything.

use super::{Dialect, Sql, Store, Tx};
use crate::error::{Error, Result};
use futures_util::TryStreamExt;
use serde_json::Value as J;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What an export does with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Copied row for row.
    Rows,
    /// Copied, and replaces what the new database wrote on start.
    Replace,
    /// Made again from the copied rows (the search index).
    Rebuilt,
    /// Written by the migrations themselves.
    Migrations,
    /// Short-lived state that a restored service starts without: sign-in
    /// sessions (everyone signs in again), edit locks, idempotency answers.
    Dropped,
}

/// Every table of both dialects. A table missing here fails a test, so that
/// a new migration decides what an export does with its table.
pub const TABLES: &[(&str, Keep)] = &[
    ("settings", Keep::Replace),
    ("users", Keep::Rows),
    ("links", Keep::Rows),
    ("revisions", Keep::Rows),
    ("organisations", Keep::Rows),
    ("missions", Keep::Rows),
    ("thematic_axes", Keep::Rows),
    ("projects", Keep::Rows),
    ("events", Keep::Rows),
    ("news_articles", Keep::Rows),
    ("people", Keep::Rows),
    ("media_assets", Keep::Rows),
    ("audit_log", Keep::Rows),
    ("schedules", Keep::Rows),
    ("preview_tokens", Keep::Rows),
    ("comments", Keep::Rows),
    ("persisted_queries", Keep::Rows),
    ("api_keys", Keep::Rows),
    ("webhooks", Keep::Rows),
    ("webhook_deliveries", Keep::Rows),
    ("webhook_attempts", Keep::Rows),
    ("translation_stamps", Keep::Rows),
    ("search_docs", Keep::Rebuilt),
    ("search_fts", Keep::Rebuilt),
    ("search_fts_data", Keep::Rebuilt),
    ("search_fts_idx", Keep::Rebuilt),
    ("search_fts_docsize", Keep::Rebuilt),
    ("search_fts_config", Keep::Rebuilt),
    ("search_terms", Keep::Rebuilt),
    ("countries", Keep::Migrations),
    ("relais_migrations", Keep::Migrations),
    ("sessions", Keep::Dropped),
    ("locks", Keep::Dropped),
    ("idempotent_requests", Keep::Dropped),
];

/// The tables an export carries, in the order it writes them.
pub fn exported() -> impl Iterator<Item = &'static str> {
    TABLES.iter().filter(|(_, k)| matches!(k, Keep::Rows | Keep::Replace)).map(|(t, _)| *t)
}

fn kept(table: &str) -> Result<&'static str> {
    exported()
        .find(|t| *t == table)
        .ok_or_else(|| Error::bad_input(format!("the archive holds a table {table:?} that Relais does not restore")))
}

fn known(table: &str) -> Result<&'static str> {
    TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(t, _)| *t)
        .ok_or_else(|| Error::bad_input(format!("Relais has no table {table:?}")))
}

/// A column and whether it holds integers (otherwise text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub int: bool,
}

/// A read-only view of the whole database as it was at one moment, while
/// writes go on (SQLite's WAL snapshot, PostgreSQL's repeatable read).
pub struct Snapshot {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    dialect: Dialect,
}

impl Store {
    /// Opens a snapshot; `Snapshot::end` closes it.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut conn = self.acquire().await?;
        let begin = match self.inner.dialect {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        sqlx::raw_sql(begin).execute(&mut *conn).await?;
        let mut snap = Snapshot { conn, dialect: self.inner.dialect };
        // SQLite takes its snapshot at the first read.
        snap.fetch(Sql::new("SELECT COUNT(*) FROM relais_migrations")).await?;
        Ok(snap)
    }

    /// Every table of the database, as the catalog lists them.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.inner.dialect {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Dialect::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
        };
        self.fetch_all(Sql::new(sql)).await?.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
    }

    /// The columns of `table` in this database.
    pub async fn columns(&self, table: &str) -> Result<Vec<Column>> {
        let mut conn = self.acquire().await?;
        columns(&mut conn, self.inner.dialect, known(table)?).await
    }

    /// Whether any table an import would fill holds rows already.
    pub async fn first_filled_table(&self) -> Result<Option<&'static str>> {
        for (table, keep) in TABLES {
            if *keep == Keep::Rows
                && self.fetch_optional(Sql::new(&format!("SELECT 1 FROM {table} LIMIT 1"))).await?.is_some()
            {
                return Ok(Some(table));
            }
        }
        Ok(None)
    }

    /// The newest migration applied.
    pub async fn schema_version(&self) -> Result<i64> {
        let row = self.fetch_all(Sql::new("SELECT COALESCE(MAX(version), 0) FROM relais_migrations")).await?;
        Ok(row.first().map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }
}

impl Snapshot {
    async fn fetch(&mut self, sql: Sql) -> Result<Vec<AnyRow>> {
        Ok(sql.query().fetch_all(&mut *self.conn).await?)
    }

    pub async fn columns(&mut self, table: &str) -> Result<Vec<Column>> {
        columns(&mut self.conn, self.dialect, kept(table)?).await
    }

    pub async fn count(&mut self, table: &str) -> Result<u64> {
        let rows = self.fetch(Sql::new(&format!("SELECT COUNT(*) FROM {}", kept(table)?))).await?;
        Ok(rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0) as u64)
    }

    /// Hands every row of `table` to `each`, as JSON values in the order of
    /// `cols`, ordered by the first column (ids), streaming.
    pub async fn rows(
        &mut self,
        table: &str,
        cols: &[Column],
        mut each: impl FnMut(Vec<J>) -> Result<()>,
    ) -> Result<()> {
        let list: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        let order: Vec<String> = (1..=cols.len()).map(|i| i.to_string()).collect();
        let text = format!("SELECT {} FROM {} ORDER BY {}", list.join(", "), kept(table)?, order.join(", "));
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(text)).fetch(&mut *self.conn);
        while let Some(row) = stream.try_next().await? {
            let mut out = Vec::with_capacity(cols.len());
            for (i, c) in cols.iter().enumerate() {
                out.push(if c.int {
                    row.try_get::<Option<i64>, _>(i)?.map_or(J::Null, J::from)
                } else {
                    row.try_get::<Option<String>, _>(i)?.map_or(J::Null, J::from)
                });
            }
            each(out)?;
        }
        Ok(())
    }

    pub async fn end(mut self) -> Result<()> {
        sqlx::raw_sql("ROLLBACK").execute(&mut *self.conn).await?;
        Ok(())
    }
}

async fn columns(conn: &mut sqlx::AnyConnection, dialect: Dialect, table: &'static str) -> Result<Vec<Column>> {
    let mut q = match dialect {
        Dialect::Sqlite => Sql::new("SELECT name, type FROM pragma_table_info("),
        Dialect::Postgres => Sql::new(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ",
        ),
    };
    q.arg(table);
    q.push(match dialect {
        Dialect::Sqlite => ") ORDER BY cid",
        Dialect::Postgres => " ORDER BY ordinal_position",
    });
    let mut out = Vec::new();
    for r in q.query().fetch_all(conn).await? {
        let (name, ty): (String, String) = (r.try_get(0)?, r.try_get::<String, _>(1)?.to_ascii_lowercase());
        let int = ty.contains("int");
        if !int && ty != "text" {
            return Err(Error::internal(format!("{table}.{name} is of type {ty}, which export does not carry")));
        }
        out.push(Column { name, int });
    }
    Ok(out)
}

/// Rows written per statement (far under both databases' parameter limits).
const RESTORE_BATCH: usize = 200;

impl Tx<'_> {
    /// Empties a table the new database filled on start (`Keep::Replace`).
    pub async fn clear_for_restore(&mut self, table: &str) -> Result<()> {
        let table = kept(table)?;
        if TABLES.iter().any(|(t, k)| *t == table && *k == Keep::Replace) {
            self.execute(Sql::new(&format!("DELETE FROM {table}"))).await?;
        }
        Ok(())
    }

    /// Writes rows given as JSON values in the order of `names`, checked
    /// against this database's columns of the table.
    pub async fn restore_rows(
        &mut self,
        table: &str,
        names: &[String],
        have: &[Column],
        rows: &[Vec<J>],
    ) -> Result<()> {
        let table = kept(table)?;
        let cols: Vec<&Column> = names
            .iter()
            .map(|n| {
                have.iter().find(|c| &c.name == n).ok_or_else(|| {
                    Error::bad_input(format!("the archive has a column {table}.{n} this database does not have"))
                })
            })
            .collect::<Result<_>>()?;
        for chunk in rows.chunks(RESTORE_BATCH) {
            let mut q = Sql::new(&format!("INSERT INTO {table} ({}) VALUES ", names.join(", ")));
            for (i, row) in chunk.iter().enumerate() {
                if row.len() != cols.len() {
                    return Err(Error::bad_input(format!(
                        "a row of {table} has {} values for {} columns",
                        row.len(),
                        cols.len()
                    )));
                }
                q.push(if i == 0 { "(" } else { ", (" });
                for (j, (c, v)) in cols.iter().zip(row).enumerate() {
                    if j > 0 {
                        q.push(", ");
                    }
                    let bad = || {
                        Error::bad_input(format!(
                            "{table}.{}: {v} is not a {}",
                            c.name,
                            if c.int { "whole number" } else { "text" }
                        ))
                    };
                    match (c.int, v) {
                        (true, J::Null) => q.arg(None::<i64>),
                        (false, J::Null) => q.arg(None::<String>),
                        (true, J::Number(n)) => q.arg(n.as_i64().ok_or_else(bad)?),
                        (false, J::String(s)) => q.arg(s.as_str()),
                        _ => return Err(bad()),
                    };
                }
                q.push(")");
            }
            self.execute(q).await?;
        }
        Ok(())
    }
}
