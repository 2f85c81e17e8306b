//! The audit log's entries: who did what to which item, from where.

use super::actor::Actor;
use crate::error::Result;
use crate::model::TypeDef;
use crate::model::records::AuditEntry;
use crate::store::{Tx, new_id};
use serde_json::Value as J;

/// Records who did what to which item, from where, in the write's transaction.
pub async fn record(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    item: Option<(&TypeDef, &str)>,
    detail: Option<J>,
) -> Result<()> {
    tx.insert_audit(&entry(actor, action, item, detail)).await
}

/// The entry for an action; the store stamps its time as it writes it.
pub fn entry(actor: &Actor, action: &str, item: Option<(&TypeDef, &str)>, detail: Option<J>) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: 0,
        actor_id: actor.viewer.as_ref().map(|v| v.id.clone()),
        actor_email: actor.viewer.as_ref().map(|v| v.email.clone()),
        action: action.to_owned(),
        item_type: item.map(|(t, _)| t.name.to_owned()),
        item_id: item.map(|(_, id)| id.to_owned()),
        detail: detail.map(|d| d.to_string()),
        ip: actor.ip.clone(),
        user_agent: actor.user_agent.clone(),
        request_key: actor.request_key.clone(),
    }
}
