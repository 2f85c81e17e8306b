//! Webhooks, their durable delivery queue and the log of attempts.

use super::sql::Sql;
use super::{Store, Tx};
use crate::error::Result;
use crate::model::records::{Attempt, AuditEntry, Delivery};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub secret: String,
    /// JSON list of event names; empty: every event.
    pub events: String,
    /// JSON list of content type names; empty: every type.
    pub types: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_by: Option<String>,
    pub created_at: i64,
    /// Raised by every administrative write.
    pub version: i64,
}

const HOOK_COLS: &str = "id, url, secret, events, types, description, active, created_by, created_at, version";
const DELIVERY_COLS: &str =
    "id, webhook_id, event, payload, status, attempts, next_attempt_at, created_at, delivered_at, replay_of";

fn hook(r: &AnyRow) -> Result<WebhookRow> {
    Ok(WebhookRow {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        secret: r.try_get(2)?,
        events: r.try_get(3)?,
        types: r.try_get(4)?,
        description: r.try_get(5)?,
        active: r.try_get::<i64, _>(6)? != 0,
        created_by: r.try_get(7)?,
        created_at: r.try_get(8)?,
        version: r.try_get(9)?,
    })
}

fn delivery(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        event: r.try_get(2)?,
        payload: r.try_get(3)?,
        status: r.try_get(4)?,
        attempts: r.try_get(5)?,
        next_attempt_at: r.try_get(6)?,
        created_at: r.try_get(7)?,
        delivered_at: r.try_get(8)?,
        replay_of: r.try_get(9)?,
    })
}

fn insert_delivery(d: &Delivery) -> Sql {
    let mut q = Sql::new(&format!("INSERT INTO webhook_deliveries ({DELIVERY_COLS}) VALUES ("));
    q.arg(d.id.as_str()).push(", ").arg(d.webhook_id.as_str()).push(", ").arg(d.event.as_str());
    q.push(", ").arg(d.payload.as_str()).push(", ").arg(d.status.as_str()).push(", ").arg(d.attempts);
    q.push(", ").arg(d.next_attempt_at).push(", ").arg(d.created_at).push(", ").arg(d.delivered_at);
    q.push(", ").arg(d.replay_of.clone()).push(")");
    q
}

impl Tx<'_> {
    /// Active webhooks, read inside the write that may notify them.
    pub async fn active_webhooks(&mut self) -> Result<Vec<WebhookRow>> {
        let q = Sql::new(&format!("SELECT {HOOK_COLS} FROM webhooks WHERE active = 1 ORDER BY created_at"));
        self.fetch_all(q).await?.iter().map(hook).collect()
    }

    pub async fn enqueue_delivery(&mut self, d: &Delivery) -> Result<()> {
        self.execute(insert_delivery(d)).await?;
        Ok(())
    }
}

impl Store {
    pub async fn insert_webhook(&self, h: &WebhookRow, audit: &AuditEntry) -> Result<()> {
        let mut q = Sql::new(&format!("INSERT INTO webhooks ({HOOK_COLS}) VALUES ("));
        q.arg(h.id.as_str()).push(", ").arg(h.url.as_str()).push(", ").arg(h.secret.as_str());
        q.push(", ").arg(h.events.as_str()).push(", ").arg(h.types.as_str()).push(", ").arg(h.description.clone());
        q.push(", ").arg(h.active as i64).push(", ").arg(h.created_by.clone()).push(", ").arg(h.created_at);
        q.push(", 1)");
        self.write_audited(q, audit).await?;
        Ok(())
    }

    /// Rewrites a webhook if it is still at `h.version`; raises the version.
    pub async fn update_webhook(&self, h: &WebhookRow, audit: &AuditEntry) -> Result<bool> {
        let mut q = Sql::new("UPDATE webhooks SET url = ");
        q.arg(h.url.as_str()).push(", events = ").arg(h.events.as_str()).push(", types = ").arg(h.types.as_str());
        q.push(", description = ").arg(h.description.clone()).push(", active = ").arg(h.active as i64);
        q.push(", version = version + 1 WHERE id = ").arg(h.id.as_str()).push(" AND version = ").arg(h.version);
        self.write_audited(q, audit).await
    }

    /// Removes a webhook if it is still at `version`.
    pub async fn delete_webhook(&self, id: &str, version: i64, audit: &AuditEntry) -> Result<bool> {
        let mut q = Sql::new("DELETE FROM webhooks WHERE id = ");
        q.arg(id).push(" AND version = ").arg(version);
        self.write_audited(q, audit).await
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookRow>> {
        let q = Sql::new(&format!("SELECT {HOOK_COLS} FROM webhooks ORDER BY created_at, id"));
        self.fetch_all(q).await?.iter().map(hook).collect()
    }

    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>> {
        let mut q = Sql::new(&format!("SELECT {HOOK_COLS} FROM webhooks WHERE id = "));
        q.arg(id);
        self.fetch_optional(q).await?.as_ref().map(hook).transpose()
    }

    /// A delivery an admin asked for, with its audit entry.
    pub async fn insert_delivery(&self, d: &Delivery, audit: &AuditEntry) -> Result<()> {
        self.write_audited(insert_delivery(d), audit).await?;
        Ok(())
    }

    /// Deliveries of a webhook, newest first.
    pub async fn deliveries(&self, webhook_id: &str, limit: i64) -> Result<Vec<Delivery>> {
        let mut q = Sql::new(&format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE webhook_id = "));
        q.arg(webhook_id).push(" ORDER BY created_at DESC, id DESC LIMIT ").arg(limit);
        self.fetch_all(q).await?.iter().map(delivery).collect()
    }

    pub async fn delivery(&self, id: &str) -> Result<Option<Delivery>> {
        let mut q = Sql::new(&format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE id = "));
        q.arg(id);
        self.fetch_optional(q).await?.as_ref().map(delivery).transpose()
    }

    /// Pending deliveries that are due and not held by another instance.
    pub async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<Delivery>> {
        let mut q = Sql::new(&format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= "
        ));
        q.arg(now).push(" AND (locked_until IS NULL OR locked_until < ").arg(now);
        q.push(") ORDER BY next_attempt_at, id LIMIT ").arg(limit);
        self.fetch_all(q).await?.iter().map(delivery).collect()
    }

    /// Takes a delivery for one attempt; false when another instance took it first.
    pub async fn claim_delivery(&self, id: &str, now: i64, until: i64) -> Result<bool> {
        let mut q = Sql::new("UPDATE webhook_deliveries SET locked_until = ");
        q.arg(until)
            .push(" WHERE id = ")
            .arg(id)
            .push(" AND status = 'pending' AND (locked_until IS NULL OR locked_until < ");
        q.arg(now).push(")");
        Ok(self.execute(q).await? == 1)
    }

    /// Gives back a claim taken with `claim_delivery(id, _, until)` whose
    /// attempt did not finish (a shutdown): the delivery is due again at
    /// once, for any instance. A claim that expired and was taken by another
    /// instance since (another `until`) is left alone. True when released.
    pub async fn release_delivery(&self, id: &str, until: i64) -> Result<bool> {
        let mut q = Sql::new("UPDATE webhook_deliveries SET locked_until = NULL WHERE id = ");
        q.arg(id).push(" AND status = 'pending' AND locked_until = ").arg(until);
        Ok(self.execute(q).await? == 1)
    }

    /// Records an attempt and what comes next, in one transaction.
    pub async fn finish_attempt(&self, a: &Attempt, status: &str, next_attempt_at: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO webhook_attempts (delivery_id, number, at, status_code, latency_ms, error, response_excerpt) VALUES (",
        );
        q.arg(a.delivery_id.as_str()).push(", ").arg(a.number).push(", ").arg(a.at).push(", ").arg(a.status_code);
        q.push(", ").arg(a.latency_ms).push(", ").arg(a.error.clone()).push(", ").arg(a.response_excerpt.clone());
        q.push(")");
        tx.execute(q).await?;
        let mut q = Sql::new("UPDATE webhook_deliveries SET status = ");
        q.arg(status).push(", attempts = ").arg(a.number).push(", next_attempt_at = ").arg(next_attempt_at);
        q.push(", locked_until = NULL");
        if status == "delivered" {
            q.push(", delivered_at = ").arg(a.at);
        }
        q.push(" WHERE id = ").arg(a.delivery_id.as_str());
        tx.execute(q).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn attempts(&self, delivery_ids: &[String]) -> Result<Vec<Attempt>> {
        if delivery_ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(
            "SELECT delivery_id, number, at, status_code, latency_ms, error, response_excerpt FROM webhook_attempts WHERE delivery_id IN (",
        );
        q.list(delivery_ids.iter().map(String::as_str)).push(") ORDER BY delivery_id, number");
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(Attempt {
                    delivery_id: r.try_get(0)?,
                    number: r.try_get(1)?,
                    at: r.try_get(2)?,
                    status_code: r.try_get(3)?,
                    latency_ms: r.try_get(4)?,
                    error: r.try_get(5)?,
                    response_excerpt: r.try_get(6)?,
                })
            })
            .collect()
    }
}
