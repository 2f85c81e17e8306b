//! What the running service tells about itself and keeps for its requests:
//! readiness, the database's figures for `/metrics`, idempotency keys, and
//! the media files a URL names. The HTTP layer reaches the store only
//! through here.

use crate::error::Result;
use crate::model::records::KeyClaim;
use crate::store::Store;

pub struct Ops {
    store: Store,
}

/// Scheduled changes and webhook deliveries waiting: how many are due, and
/// since when the oldest is.
pub struct Queues {
    pub scheduled: (i64, Option<i64>),
    pub deliveries: (i64, Option<i64>),
}

impl Ops {
    pub fn new(store: Store) -> Ops {
        Ops { store }
    }

    /// Whether the database answers, with every migration applied.
    pub async fn check_database(&self) -> Result<()> {
        self.store.check_ready().await
    }

    /// SQL statements run since the start.
    pub fn statements(&self) -> u64 {
        self.store.statement_count()
    }

    pub fn sql_seconds(&self) -> &crate::metrics::Histogram {
        self.store.sql_seconds()
    }

    /// Database connections open, and how many of them are idle.
    pub fn pool(&self) -> (u32, usize) {
        self.store.pool_state()
    }

    pub async fn queues(&self, now: i64) -> Result<Queues> {
        let [scheduled, deliveries] = self.store.queue_state(now).await?;
        Ok(Queues { scheduled, deliveries })
    }

    /// Takes an idempotency key for a request of this shape, or says what
    /// became of the first request that used it.
    pub async fn claim_key(&self, scope: &str, request_hash: &str) -> Result<KeyClaim> {
        self.store.claim_idempotency_key(scope, request_hash).await
    }

    /// Keeps the answer given under a key, for its retries.
    pub async fn answer_key(&self, scope: &str, status: u16, body: &str) -> Result<()> {
        self.store.answer_idempotency_key(scope, status, body).await
    }

    /// Idempotency keys past their day.
    pub async fn sweep_keys(&self) -> Result<u64> {
        self.store.sweep_idempotency_keys().await
    }

    /// The type, name and focal point each upload of a file was given.
    pub async fn media_files(&self, checksum: &str) -> Result<Vec<(String, Option<String>, Option<String>)>> {
        self.store.media_files(checksum).await
    }
}
