//! Both databases end up with the same schema: the same tables, columns
//! (name, kind of type, nullability) and indexes (name, columns, uniqueness),
//! read back from each database's own catalogue after the migrations ran.
//! Search is the one part each database does its own way (FTS5 against a
//! tsvector), and is compared only where it is shared.

use crate::common::{Backend, Options, TestServer, backends};
use sqlx::Row;
use std::collections::BTreeSet;

/// One fact of a schema, as a line to compare.
pub type Facts = BTreeSet<String>;

/// SQLite's and PostgreSQL's names for the same kind of value.
fn kind(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "int" | "bigint" | "smallint" => "integer".into(),
        "real" | "double precision" => "float".into(),
        "blob" | "bytea" => "bytes".into(),
        "text" => "text".into(),
        other => other.into(),
    }
}

/// What search keeps apart: FTS5's tables and term counts on SQLite, the
/// documents' terms and the index over them.
fn search_only(table: &str, column: Option<&str>) -> bool {
    table.starts_with("search_fts")
        || table == "search_terms"
        || (table == "search_docs"
            && column.is_none_or(|c| matches!(c, "id" | "title_terms" | "body_terms" | "scope" | "terms")))
}

pub async fn schema(backend: Backend, url: &str) -> Facts {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.expect("connect");
    let (columns, indexes) = match backend {
        Backend::Sqlite => (
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'not null' ELSE 'null' END
             FROM sqlite_schema m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            // An index made by a constraint is named by SQLite; compare its columns only.
            "SELECT m.name, CASE WHEN il.origin = 'c' THEN il.name ELSE '(constraint)' END,
                    CASE WHEN il.\"unique\" = 1 THEN 'unique' ELSE '' END,
                    (SELECT group_concat(name, ',') FROM (SELECT COALESCE(ii.name, '(expression)') AS name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno))
             FROM sqlite_schema m, pragma_index_list(m.name) il
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        ),
        Backend::Postgres => (
            "SELECT table_name::text, column_name::text, data_type::text,
                    CASE WHEN is_nullable = 'NO' THEN 'not null' ELSE 'null' END
             FROM information_schema.columns WHERE table_schema = current_schema()",
            "SELECT t.relname::text,
                    CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
                         THEN '(constraint)' ELSE i.relname::text END,
                    CASE WHEN ix.indisunique THEN 'unique' ELSE '' END,
                    string_agg(COALESCE(a.attname::text, '(expression)'), ',' ORDER BY k.n)
             FROM pg_index ix
             JOIN pg_class i ON i.oid = ix.indexrelid
             JOIN pg_class t ON t.oid = ix.indrelid
             JOIN pg_namespace ns ON ns.oid = t.relnamespace
             CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE ns.nspname = current_schema()
             GROUP BY t.relname, i.relname, ix.indexrelid, ix.indisunique",
        ),
    };
    let mut facts = Facts::new();
    for row in sqlx::query(columns).fetch_all(&mut conn).await.expect("columns") {
        let (table, column, ty, null): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if !search_only(&table, Some(&column)) {
            facts.insert(format!("column {table}.{column} {} {null}", kind(&ty)));
            facts.insert(format!("table {table}"));
        }
    }
    for row in sqlx::query(indexes).fetch_all(&mut conn).await.expect("indexes") {
        let (table, name, unique, cols): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if !search_only(&table, None) {
            facts.insert(format!("index {table} {name} ({cols}) {unique}"));
        }
    }
    facts
}

#[tokio::test]
async fn migrations_give_both_databases_the_same_tables_columns_and_indexes() {
    let mut schemas = vec![];
    for backend in backends() {
        let server = TestServer::start_opts(backend, Options { demo: false, ..Default::default() }).await;
        schemas.push(schema(backend, &server.db_url).await);
        server.finish().await;
    }
    let sqlite = &schemas[0];
    assert!(sqlite.contains("column projects.slug text not null"), "the catalogue was read: {sqlite:#?}");
    assert!(sqlite.iter().any(|f| f.starts_with("index links ")), "indexes were read: {sqlite:#?}");
    let Some(postgres) = schemas.get(1) else {
        eprintln!("RELAIS_TEST_POSTGRES_URL is not set: only SQLite's schema was read");
        return;
    };
    let only_sqlite: Vec<_> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}"
    );
}
