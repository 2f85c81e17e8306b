//! Persisted queries: Apollo's automatic persisted queries (a client sends a
//! query once with its hash, then the hash alone) and the allowlist of
//! queries registered with `relais queries add`.
//!
//! A query's text never changes under its hash and registrations are never
//! withdrawn, so what was read once is remembered in memory (bounded) and a
//! known hash needs no statement.

use crate::error::Result;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many queries are remembered; the memory is cleared when full.
const KNOWN_MAX: usize = 2000;

pub struct PersistedQueries {
    store: Store,
    /// Only registered queries run (RELAIS_PERSISTED_QUERIES=allowlist).
    allowlist_only: bool,
    /// Texts by hash: in allowlist mode, registered ones only.
    known: Mutex<HashMap<String, String>>,
}

impl PersistedQueries {
    pub fn new(store: Store, allowlist_only: bool) -> Self {
        PersistedQueries { store, allowlist_only, known: Mutex::default() }
    }

    pub fn allowlist_only(&self) -> bool {
        self.allowlist_only
    }

    fn known(&self, hash: &str) -> Option<String> {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).get(hash).cloned()
    }

    fn remember(&self, hash: &str, text: String) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= KNOWN_MAX {
            known.clear();
        }
        known.insert(hash.to_owned(), text);
    }

    /// The text of the query with this hash, when it may run: registered, or
    /// (unless only registered ones run) sent before.
    pub async fn text(&self, hash: &str) -> Result<Option<String>> {
        if let Some(q) = self.known(hash) {
            return Ok(Some(q));
        }
        match self.store.persisted_query(hash).await? {
            Some((q, registered)) if registered || !self.allowlist_only => {
                self.remember(hash, q.clone());
                Ok(Some(q))
            }
            _ => Ok(None),
        }
    }

    /// Whether the query with this hash is registered.
    pub async fn registered(&self, hash: &str) -> Result<bool> {
        if self.allowlist_only && self.known(hash).is_some() {
            return Ok(true);
        }
        match self.store.persisted_query(hash).await? {
            Some((q, true)) => {
                if self.allowlist_only {
                    self.remember(hash, q);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Keeps a query a client sent with its hash (checked by the caller), so
    /// the hash alone runs it from now on.
    pub async fn save(&self, hash: &str, text: &str) -> Result<()> {
        if self.known(hash).is_some() {
            return Ok(());
        }
        self.store.save_persisted_query(hash, text, false).await?;
        if !self.allowlist_only {
            self.remember(hash, text.to_owned());
        }
        Ok(())
    }

    /// Puts a query on the allowlist (`relais queries add`).
    pub async fn register(&self, hash: &str, text: &str) -> Result<()> {
        self.store.save_persisted_query(hash, text, true).await
    }
}
