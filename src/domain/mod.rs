//! Domain services: workflow, permissions, validation, localisation. No HTTP
//! or GraphQL types here.

pub mod actor;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod content;
pub mod editorial;
pub mod ids;
pub mod import;
pub mod locale;
pub mod media;
pub mod ops;
pub mod partners;
pub mod permissions;
pub mod queries;
pub mod rate;
pub mod reader;
pub mod richtext;
pub mod search;
pub mod syndication;
pub mod translation;
pub mod users;
pub mod values;
pub mod webhooks;
pub mod workflow;

use crate::error::Error;

/// An administrative record (key, webhook, account) changed since the caller
/// read it: `sent` is the version they saw, when they said.
pub(crate) fn check_version(what: &str, current: i64, sent: Option<i64>) -> crate::error::Result<i64> {
    match sent {
        Some(v) if v != current => Err(moved(what, v, current)),
        _ => Ok(current),
    }
}

pub(crate) fn moved(what: &str, sent: i64, current: i64) -> Error {
    Error::conflict(format!(
        "{what} was changed by someone else: you sent version {sent}, the current version is {current}. Reload it and apply your change again."
    ))
}

/// A JSON value the service wrote itself (a key's scopes, a webhook's
/// events), read back: one that no longer parses is an internal error, not
/// an empty default that would quietly widen or narrow what it governs.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> crate::error::Result<T> {
    serde_json::from_str(text).map_err(|e| Error::internal(format!("the stored {what} do not parse: {e}")))
}

/// As `stored_json`, for a column that may be NULL (read as empty).
pub(crate) fn stored_json_or_empty<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    text: Option<&str>,
) -> crate::error::Result<T> {
    text.map_or_else(|| Ok(T::default()), |s| stored_json(what, s))
}
