//! The records of the editorial side and of webhooks, as the store reads
//! them and every layer above hands them on: plain values, no SQL.

use super::WorkflowState;

/// A saved state of an item's working copy, or of a publish.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: String,
    pub item_id: String,
    pub item_type: String,
    pub number: i64,
    pub kind: String,
    pub version: i64,
    pub state: WorkflowState,
    pub snapshot: String,
    pub author_id: Option<String>,
    pub message: Option<String>,
    pub created_at: i64,
}

/// An audit log entry: who did what to which item, from where.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: String,
    /// Stamped by the store as the entry is written.
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub item_type: Option<String>,
    pub item_id: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The idempotency key of the request that wrote it (not read back).
    pub request_key: Option<String>,
}

/// A change to an item planned for a time (publish, unpublish, archive).
#[derive(Debug, Clone)]
pub struct ScheduledChange {
    pub id: String,
    pub item_type: String,
    pub item_id: String,
    pub action: String,
    pub run_at: i64,
    pub time_zone: Option<String>,
    pub status: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
    pub error: Option<String>,
}

/// A link that shows one item's working copy to whoever holds it.
#[derive(Debug, Clone)]
pub struct PreviewLink {
    pub id: String,
    pub item_type: String,
    pub item_id: String,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// An editor's comment on an item.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    pub item_id: String,
    pub author_id: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// Who is editing an item, until when (a soft lock: others are warned).
#[derive(Debug, Clone)]
pub struct Lock {
    pub item_id: String,
    pub user_id: String,
    pub since: i64,
    pub expires_at: i64,
}

/// One event to deliver to one webhook, and how far it got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub payload: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub replay_of: Option<String>,
}

/// One try at delivering an event.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivery_id: String,
    pub number: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

/// What became of an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// New: the request runs now.
    Taken,
    /// Answered before: the same answer again.
    Answered { status: u16, body: String },
    /// Sent before with another request.
    OtherRequest,
    /// Its writes were made, but the answer was lost (the server stopped).
    Applied,
    /// Taken, with no write made and no answer: still running, or stopped
    /// before anything was written.
    Unfinished,
}

/// When one locale of one field of an item last changed (translation status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub item_id: String,
    /// The field's GraphQL name.
    pub field: String,
    pub locale: String,
    /// Unix milliseconds.
    pub changed_at: i64,
}

/// An item that names a media asset (`MediaAsset.usedIn`), and the field
/// that names it.
#[derive(Debug, Clone)]
pub struct MediaUse {
    pub ty: &'static super::TypeDef,
    pub item_id: String,
    pub field: String,
}
