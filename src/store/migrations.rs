//! The schema's migrations, described once. A migration that differs
//! between the databases only by type names is one file in `migrations/`,
//! written for SQLite; PostgreSQL reads it with its own names for the
//! 64-bit integer, the double and the byte string (`postgres_types`). Only
//! search, which each database does its own way, has a file per database
//! (`migrations/sqlite/`, `migrations/postgres/`); every number exists on
//! both, since an archive's schema version is one number for both.
//! `cargo test --test api migrations` checks that both databases end up
//! with the same tables, columns and indexes.

use super::Dialect;
use std::borrow::Cow;

enum Text {
    /// One text for both databases, in SQLite's spelling.
    Both(&'static str, &'static str),
    /// (name, text) for SQLite, then for PostgreSQL.
    Apart((&'static str, &'static str), (&'static str, &'static str)),
}

macro_rules! both {
    ($name:literal, $file:literal) => {
        Text::Both($name, include_str!(concat!("../../migrations/", $file)))
    };
}
macro_rules! apart {
    ($sqlite:literal, $sqlite_file:literal, $postgres:literal, $postgres_file:literal) => {
        Text::Apart(
            ($sqlite, include_str!(concat!("../../migrations/sqlite/", $sqlite_file))),
            ($postgres, include_str!(concat!("../../migrations/postgres/", $postgres_file))),
        )
    };
}

const MIGRATIONS: &[(i64, Text)] = &[
    (1, both!("core", "0001_core.sql")),
    (2, both!("content", "0002_content.sql")),
    (3, both!("media", "0003_media.sql")),
    (4, both!("editorial", "0004_editorial.sql")),
    (5, both!("persisted_queries", "0005_persisted_queries.sql")),
    (6, apart!("search", "0006_search.sql", "search", "0006_search.sql")),
    (7, both!("api_keys", "0007_api_keys.sql")),
    (8, both!("webhooks", "0008_webhooks.sql")),
    (9, both!("idempotency", "0009_idempotency.sql")),
    (10, both!("admin_versions", "0010_admin_versions.sql")),
    (11, both!("translation_stamps", "0011_translation_stamps.sql")),
    (12, apart!("search_scope", "0012_search_scope.sql", "sort_indexes", "0012_sort_indexes.sql")),
    (13, apart!("search_terms", "0013_search_terms.sql", "search_terms", "0013_search_terms.sql")),
];

/// The schema version this build brings a database to.
pub(crate) const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// (version, name, text) of each migration for `dialect`, in order.
pub(crate) fn of(dialect: Dialect) -> impl Iterator<Item = (i64, &'static str, Cow<'static, str>)> {
    MIGRATIONS.iter().map(move |(version, text)| {
        let (name, text) = match (text, dialect) {
            (Text::Both(name, text), Dialect::Sqlite) => (*name, Cow::Borrowed(*text)),
            (Text::Both(name, text), Dialect::Postgres) => (*name, Cow::Owned(postgres_types(text))),
            (Text::Apart(s, _), Dialect::Sqlite) => (s.0, Cow::Borrowed(s.1)),
            (Text::Apart(_, p), Dialect::Postgres) => (p.0, Cow::Borrowed(p.1)),
        };
        (*version, name, text)
    })
}

/// SQLite's type names as PostgreSQL spells them: SQLite's `INTEGER` holds
/// 64 bits (PostgreSQL's `BIGINT`), `REAL` is a double, `BLOB` bytes. A
/// 32-bit PostgreSQL integer is written `INT`, which both read as such.
fn postgres_types(sqlite: &str) -> String {
    let mut out = String::with_capacity(sqlite.len() + 256);
    let mut rest = sqlite;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        out.push_str(match &rest[..end] {
            "INTEGER" => "BIGINT",
            "REAL" => "DOUBLE PRECISION",
            "BLOB" => "BYTEA",
            word => word,
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_reads_sqlite_type_names_as_its_own_and_leaves_other_words() {
        assert_eq!(
            postgres_types("CREATE TABLE t (a INTEGER NOT NULL, b REAL, c BLOB, d INT, integer_id TEXT, INTEGERS x);"),
            "CREATE TABLE t (a BIGINT NOT NULL, b DOUBLE PRECISION, c BYTEA, d INT, integer_id TEXT, INTEGERS x);"
        );
    }

    #[test]
    fn every_version_is_there_once_in_order_up_to_the_latest() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let versions: Vec<i64> = of(dialect).map(|m| m.0).collect();
            assert_eq!(versions, (1..=LATEST).collect::<Vec<_>>());
        }
    }
}
