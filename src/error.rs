//! The one error type. Every failure that reaches a client is one of these,
//! with a stable code in `extensions.code` and a message a person can act on.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    QueryTooComplex,
    /// A query ran past its time budget.
    Timeout,
    /// The client sent its request too slowly.
    RequestTimeout,
    /// The database does not answer; retry shortly.
    DbUnavailable,
    /// A shared budget (connections, image decoding) is spent; retry shortly.
    ServerBusy,
    /// The media store (S3) does not answer; retry shortly.
    MediaStoreUnavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Code::RateLimited => "RATE_LIMITED",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::Timeout => "TIMEOUT",
            Code::RequestTimeout => "REQUEST_TIMEOUT",
            Code::DbUnavailable => "DB_UNAVAILABLE",
            Code::ServerBusy => "SERVER_BUSY",
            Code::MediaStoreUnavailable => "MEDIA_STORE_UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }
    /// HTTP status for errors raised before GraphQL execution.
    pub fn http_status(self) -> u16 {
        match self {
            Code::BadUserInput | Code::QueryTooComplex => 400,
            Code::Unauthenticated => 401,
            Code::Forbidden => 403,
            Code::NotFound => 404,
            Code::Conflict => 409,
            Code::PayloadTooLarge => 413,
            Code::UnsupportedMediaType => 415,
            Code::RateLimited => 429,
            Code::RequestTimeout => 408,
            Code::Timeout | Code::DbUnavailable | Code::ServerBusy | Code::MediaStoreUnavailable => 503,
            Code::Internal => 500,
        }
    }
    /// Seconds a client should wait before trying again, for failures that pass.
    pub fn retry_after(self) -> Option<u32> {
        match self {
            Code::DbUnavailable | Code::ServerBusy | Code::MediaStoreUnavailable => Some(1),
            _ => None,
        }
    }
    /// Parses a code back from its stable name (an error's `extensions.code`).
    pub fn parse(s: &str) -> Option<Code> {
        [
            Code::BadUserInput,
            Code::Unauthenticated,
            Code::Forbidden,
            Code::NotFound,
            Code::Conflict,
            Code::PayloadTooLarge,
            Code::UnsupportedMediaType,
            Code::RateLimited,
            Code::QueryTooComplex,
            Code::Timeout,
            Code::RequestTimeout,
            Code::DbUnavailable,
            Code::ServerBusy,
            Code::MediaStoreUnavailable,
            Code::Internal,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub code: Code,
    pub message: String,
    /// The input field the error is about, when there is one (`input.title`).
    pub field: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error and each of its sources, `a: b: c`.
fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// What a client is told of an internal failure.
const INTERNAL: &str = "Something went wrong on the server; it has been logged. Please try again later.";

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), field: None }
    }
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::new(Code::BadUserInput, message)
    }
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        Error { code: Code::BadUserInput, message: format!("{field}: {}", message.into()), field: Some(field) }
    }
    pub fn not_found(what: impl fmt::Display) -> Self {
        Error::new(Code::NotFound, format!("{what} was not found"))
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(Code::Forbidden, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Error::new(Code::Unauthenticated, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(Code::Conflict, message)
    }
    /// A value of input `field` that another record holds already.
    pub fn taken(field: &str, message: impl Into<String>) -> Self {
        Error { code: Code::Conflict, message: format!("{field}: {}", message.into()), field: Some(field.to_owned()) }
    }
    /// An internal failure: logged in full, reported to the client without detail.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Error::new(Code::Internal, INTERNAL)
    }
    /// An internal failure from an error value: logged with its whole source
    /// chain (`a: b: c`, for the log only), reported without detail.
    pub fn failed(e: impl std::error::Error) -> Self {
        let cause = cause_chain(&e);
        tracing::error!(%cause, "internal error");
        Error::new(Code::Internal, INTERNAL)
    }
}

// Neither `Display` nor `std::error::Error`: async-graphql turns anything
// displayable into an error without a code, so a resolver's `?` on our
// error would lose it; this way it does not compile, and `gql_err` is the
// one conversion. The CLI gets the message.
impl From<Error> for anyhow::Error {
    fn from(e: Error) -> Self {
        anyhow::anyhow!(e.message)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return unique_violation(db.as_ref());
        }
        if disk_full(&e) {
            tracing::error!(cause = %e, "the database's disk is full");
            return Error::new(
                Code::DbUnavailable,
                "The database cannot write: its disk is full. Nothing was changed; try again once space is freed.",
            );
        }
        if let sqlx::Error::Database(db) = &e
            && db.code().as_deref() == Some("57014")
        {
            // PostgreSQL cancelled a read that ran past its request's budget.
            return Error::new(
                Code::Timeout,
                "This query took too long and was stopped: ask for less (smaller pages, fewer nested lists, more words).",
            );
        }
        if db_unavailable(&e) {
            tracing::warn!(cause = %e, "database unavailable");
            return Error::new(
                Code::DbUnavailable,
                "The database is not answering right now; nothing was changed. Try again in a moment.",
            );
        }
        Error::failed(e)
    }
}

/// A unique constraint that clashed, said of the input field it guards.
/// PostgreSQL names the constraint (`users_email_key`,
/// `projects_stage_slug_key`); SQLite names its columns in the message
/// (`UNIQUE constraint failed: users.email`).
fn unique_violation(db: &dyn sqlx::error::DatabaseError) -> Error {
    let named = db.constraint().unwrap_or_else(|| db.message());
    let columns: Vec<&str> = match named.strip_prefix("UNIQUE constraint failed: ") {
        Some(list) => list.split(", ").filter_map(|c| c.rsplit_once('.').map(|(_, col)| col)).collect(),
        None => named.trim_end_matches("_key").split('_').collect(),
    };
    if columns.contains(&"email") {
        Error::taken("email", "another account has this address already")
    } else if columns.contains(&"slug") {
        Error::taken(
            "slug",
            "another item of this type has this slug already; choose another, or leave it out to have one made",
        )
    } else {
        tracing::warn!(constraint = named, "a unique constraint clashed");
        Error::conflict("This record exists already (it was just written by another request); reload and try again.")
    }
}

/// PostgreSQL's disk_full, SQLite's SQLITE_FULL.
fn disk_full(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else { return false };
    let code = db.code();
    let code = code.as_deref().unwrap_or("");
    code == "53100" || code.parse::<i64>().is_ok_and(|c| c & 0xff == 13)
}

/// The database cannot be reached at all (as opposed to busy or full): the
/// store cuts its waits short after one of these (`Store::acquire`).
pub(crate) fn unreachable(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        E::PoolTimedOut | E::Io(_) | E::Tls(_) => true,
        E::Database(db) => {
            // PostgreSQL: connection exceptions (08…), shutdown and startup (57P01–57P03).
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        }
        _ => false,
    }
}

/// Failures that pass once the database is back: it cannot be reached, is
/// shutting down or starting, or its disk is full.
fn db_unavailable(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    unreachable(e)
        || disk_full(e)
        || match e {
            E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => true,
            // SQLite: busy, locked, cannot open, I/O (5, 6, 14, 10 and their extended codes).
            E::Database(db) => {
                db.code().and_then(|c| c.parse::<i64>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 14))
            }
            _ => false,
        }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::failed(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_failure_keeps_its_sources_for_the_log_and_tells_the_client_nothing() {
        let inner = std::io::Error::other("disk on fire");
        let outer = std::io::Error::other(Wrapped(inner));
        assert_eq!(cause_chain(&outer), "writing the media file: disk on fire");
        let e = Error::failed(outer);
        assert_eq!(e.code, Code::Internal);
        assert!(!e.message.contains("disk"), "{}", e.message);
    }

    #[derive(Debug)]
    struct Wrapped(std::io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("writing the media file")
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
