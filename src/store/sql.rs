//! A small SQL builder: our own fragments plus numbered `$n` placeholders,
//! which both SQLite and PostgreSQL accept through the `Any` driver, or
//! SQLite's plain `?` for statements with thousands of them (see `rows`).

use crate::error::Result;
use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
    Float(f64),
    /// A NULL of type text. PostgreSQL checks the type of a NULL, so integer and
    /// float columns get their own.
    Null,
    NullInt,
    NullFloat,
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::Null, Arg::Text)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    /// Plain `?` placeholders, bound in the order they appear.
    pub(super) positional: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_owned(), args: Vec::new(), positional: false }
    }
    /// A statement of many rows, built front to back. On SQLite its
    /// placeholders are plain `?`: sqlx looks each numbered one up by name,
    /// which SQLite answers by scanning every name, so numbered placeholders
    /// cost time in the square of their number.
    pub fn rows(dialect: super::Dialect, text: &str) -> Self {
        Sql { positional: dialect == super::Dialect::Sqlite, ..Sql::new(text) }
    }
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    /// Appends a placeholder bound to `arg`.
    pub fn arg(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        if self.positional {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.args.len().to_string());
        }
        self
    }
    /// Appends `$k, $k+1, …` for an IN-list (never empty: an empty list is `NULL`,
    /// which matches nothing).
    pub fn list<A: Into<Arg>>(&mut self, items: impl IntoIterator<Item = A>) -> &mut Self {
        let mut any = false;
        for (i, a) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.arg(a);
            any = true;
        }
        if !any {
            self.text.push_str("NULL");
        }
        self
    }

    pub fn query(self) -> Query<'static, Any, AnyArguments> {
        self.bound()
    }

    /// The statement for a database's own driver (PostgreSQL content reads).
    pub(super) fn bound<DB: Database>(self) -> Query<'static, DB, <DB as Database>::Arguments>
    where
        String: for<'t> Encode<'t, DB> + Type<DB>,
        i64: for<'t> Encode<'t, DB> + Type<DB>,
        f64: for<'t> Encode<'t, DB> + Type<DB>,
        Option<String>: for<'t> Encode<'t, DB> + Type<DB>,
        Option<i64>: for<'t> Encode<'t, DB> + Type<DB>,
        Option<f64>: for<'t> Encode<'t, DB> + Type<DB>,
    {
        let mut q = sqlx::query::<DB>(sqlx::AssertSqlSafe(self.text));
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(v) => q.bind(v),
                Arg::Float(v) => q.bind(v),
                Arg::Null => q.bind(Option::<String>::None),
                Arg::NullInt => q.bind(Option::<i64>::None),
                Arg::NullFloat => q.bind(Option::<f64>::None),
            };
        }
        q
    }
}

/// A row being read, from the pool (`AnyRow`), PostgreSQL's driver or
/// `sqlite_read`: values
/// by column position, typed as asked.
pub(crate) trait Row {
    fn int(&self, i: usize) -> Result<Option<i64>>;
    fn float(&self, i: usize) -> Result<Option<f64>>;
    fn text(&self, i: usize) -> Result<Option<String>>;
}

impl Row for sqlx::any::AnyRow {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn float(&self, i: usize) -> Result<Option<f64>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
}

/// Decoded from the wire bytes straight into the value asked for (the `Any`
/// driver first copies every value of a row into its own form). Our integer
/// columns are `BIGINT`; an `INT` from an expression is widened.
impl Row for sqlx::postgres::PgRow {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        match sqlx::Row::try_get::<Option<i64>, _>(self, i) {
            Err(sqlx::Error::ColumnDecode { .. }) => Ok(sqlx::Row::try_get::<Option<i32>, _>(self, i)?.map(i64::from)),
            r => Ok(r?),
        }
    }
    fn float(&self, i: usize) -> Result<Option<f64>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
}
