//! Webhooks: endpoints told about content changes. Deliveries are queued in
//! the transaction of the change (so none is lost, even across a restart),
//! signed with HMAC-SHA256, retried with exponential backoff for a day, and
//! logged attempt by attempt. Each is taken by one instance at a time.

use super::audit;
use super::auth::{Actor, Viewer};
use super::permissions::{Action, allowed};
use crate::error::{Error, Result};
use crate::model::CONTENT_TYPES;
use crate::model::item::Item;
use crate::model::records::{Attempt, Delivery};
use crate::store::{Store, Tx, WebhookRow, new_id};
use hmac::{Hmac, Mac};
use serde_json::json;
use std::time::{Duration, Instant};

/// What a webhook can be told about.
pub const EVENTS: &[&str] = &[
    "content.created",
    "content.updated",
    "content.deleted",
    "content.published",
    "content.unpublished",
    "content.archived",
];

/// Deliveries are retried for this long after the change.
const GIVE_UP_AFTER_MS: i64 = 24 * 3600 * 1000;
/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 6 * 3600 * 1000;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Addresses inside the server's own network that a webhook must not reach
/// (server-side request forgery): loopback, private and carrier-grade NAT
/// networks, link-local (cloud metadata services live there), unique-local,
/// unspecified, multicast and broadcast.
pub fn is_internal(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr::{V4, V6};
    match ip {
        V4(a) => {
            let o = a.octets();
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_multicast()
                || a.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return is_internal(V4(v4));
            }
            let first = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves webhook hosts to their public addresses only, so a name that
/// points inside (or is made to, between the check and the call) is not
/// reached.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| !is_internal(a.ip())).collect();
            if public.is_empty() {
                return Err(format!(
                    "{} has no public address; private and loopback addresses are refused",
                    name.as_str()
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The address a URL names literally (`http://10.0.0.1/`, `http://[::1]/`,
/// `http://2130706433/`), if it names one.
fn literal_ip(url: &str) -> Option<std::net::IpAddr> {
    match reqwest::Url::parse(url).ok()?.host()? {
        url::Host::Ipv4(a) => Some(a.into()),
        url::Host::Ipv6(a) => Some(a.into()),
        url::Host::Domain(_) => None,
    }
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Shared with the receiver to check signatures.
    pub secret: String,
    pub events: Vec<String>,
    pub types: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: i64,
    /// Raised by every administrative write.
    pub version: i64,
}

impl Webhook {
    fn from_row(r: WebhookRow) -> Result<Webhook> {
        Ok(Webhook {
            id: r.id,
            url: r.url,
            secret: r.secret,
            events: super::stored_json("webhook events", &r.events)?,
            types: super::stored_json("webhook types", &r.types)?,
            description: r.description,
            active: r.active,
            created_at: r.created_at,
            version: r.version,
        })
    }
    fn wants(&self, event: &str, ty: &str) -> bool {
        self.active
            && (self.events.is_empty() || self.events.iter().any(|e| e == event))
            && (self.types.is_empty() || self.types.iter().any(|t| t == ty))
    }
}

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub url: String,
    pub events: Vec<String>,
    pub types: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
}

impl WebhookSettings {
    fn check(&self) -> Result<()> {
        let u = self.url.trim();
        let host = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or("");
        if host.is_empty() || host.starts_with('/') || u.contains(char::is_whitespace) || u.len() > 2000 {
            return Err(Error::field(
                "url",
                "must be an absolute http(s) URL, e.g. https://partner.example/hooks/relais",
            ));
        }
        for e in &self.events {
            if !EVENTS.contains(&e.as_str()) {
                return Err(Error::field(
                    "events",
                    format!("{e:?} is not an event; use some of {}", EVENTS.join(", ")),
                ));
            }
        }
        for t in &self.types {
            if !CONTENT_TYPES.iter().any(|c| c.name == t) {
                return Err(Error::field("types", format!("{t:?} is not a content type such as Project or Event")));
            }
        }
        Ok(())
    }
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as sent in `Relais-Signature`.
/// A new signing secret.
pub fn new_secret() -> String {
    format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()))
}

pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn admin(viewer: Option<&Viewer>) -> Result<&Viewer> {
    let v = viewer.ok_or_else(|| Error::unauthenticated("Log in first: only admins manage webhooks."))?;
    if !allowed(v.role, Action::ManageUsers, None) {
        return Err(Error::forbidden("Only admins manage webhooks."));
    }
    Ok(v)
}

/// Queues a delivery to every webhook that wants `event` about `item`, in
/// the transaction of the change.
pub async fn enqueue(tx: &mut Tx<'_>, event: &str, item: &Item) -> Result<()> {
    let hooks: Vec<Webhook> = tx.active_webhooks().await?.into_iter().map(Webhook::from_row).collect::<Result<_>>()?;
    let now = tx.now_ms();
    for h in hooks.iter().filter(|h| h.wants(event, item.ty.name)) {
        let id = new_id();
        let payload = json!({
            "id": id,
            "event": event,
            "occurredAt": super::values::format_datetime(now),
            "type": item.ty.name,
            "itemId": super::ids::encode(item.ty.name, &item.id),
            "slug": item.slug,
            "version": item.version,
            "workflowState": item.state,
        });
        tx.enqueue_delivery(&Delivery {
            id,
            webhook_id: h.id.clone(),
            event: event.to_owned(),
            payload: payload.to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            delivered_at: None,
            replay_of: None,
        })
        .await?;
    }
    Ok(())
}

pub struct Webhooks {
    store: Store,
    client: reqwest::Client,
    /// The first retry waits this long; each next one twice as long.
    pub retry_base_ms: i64,
    /// Whether endpoints on private and loopback addresses may be called.
    allow_private: bool,
    /// Deliveries this instance has claimed and not finished, with the end
    /// of each claim: given back on shutdown.
    held: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl Webhooks {
    pub fn new(store: Store, retry_base_ms: i64, allow_private: bool) -> Webhooks {
        let mut client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Relais-Webhooks/1");
        if !allow_private {
            client = client.dns_resolver(std::sync::Arc::new(PublicOnly));
        }
        let client = client.build().expect("an HTTP client with rustls");
        Webhooks { store, client, retry_base_ms: retry_base_ms.max(1), allow_private, held: Default::default() }
    }

    /// Refuses an endpoint inside the server's network, unless allowed: an
    /// address written in the URL, or a name that resolves only inside. A name
    /// that does not resolve now is left to delivery (which checks again).
    async fn check_target(&self, url: &str) -> Result<()> {
        if self.allow_private {
            return Ok(());
        }
        let refused = || {
            Error::field(
                "url",
                "points to a private, loopback or link-local address; such endpoints are refused (RELAIS_WEBHOOK_ALLOW_PRIVATE allows them)",
            )
        };
        if let Some(ip) = literal_ip(url) {
            return if is_internal(ip) { Err(refused()) } else { Ok(()) };
        }
        let host = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned));
        if let Some(host) = host
            && let Ok(Ok(found)) =
                tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host((host.as_str(), 0))).await
        {
            let found: Vec<_> = found.collect();
            if !found.is_empty() && found.iter().all(|a| is_internal(a.ip())) {
                return Err(refused());
            }
        }
        Ok(())
    }

    fn audit(actor: &Actor, action: &str, h: &WebhookRow, version: i64) -> crate::model::records::AuditEntry {
        let detail = json!({ "webhook": h.id, "url": h.url, "version": version });
        audit::entry(actor, action, None, Some(detail))
    }

    pub async fn create(&self, actor: &Actor, s: WebhookSettings) -> Result<Webhook> {
        let v = admin(actor.viewer.as_ref())?;
        s.check()?;
        self.check_target(s.url.trim()).await?;
        let row = WebhookRow {
            id: new_id(),
            url: s.url.trim().to_owned(),
            secret: new_secret(),
            events: serde_json::to_string(&s.events)?,
            types: serde_json::to_string(&s.types)?,
            description: s.description,
            active: s.active,
            created_by: Some(v.id.clone()),
            created_at: self.store.now_ms(),
            version: 1,
        };
        self.store.insert_webhook(&row, &Self::audit(actor, "webhook.create", &row, 1)).await?;
        Webhook::from_row(row)
    }

    pub async fn list(&self, viewer: Option<&Viewer>) -> Result<Vec<Webhook>> {
        admin(viewer)?;
        self.store.webhooks().await?.into_iter().map(Webhook::from_row).collect()
    }

    /// A webhook, if it is still at `version` (when given).
    async fn load(&self, id: &str, version: Option<i64>) -> Result<WebhookRow> {
        let row = self.store.webhook(id).await?.ok_or_else(|| Error::not_found(format!("Webhook {id}")))?;
        super::check_version(&format!("The webhook to {}", row.url), row.version, version)?;
        Ok(row)
    }

    async fn moved(&self, h: &WebhookRow) -> Error {
        match self.store.webhook(&h.id).await {
            Ok(Some(now)) => super::moved(&format!("The webhook to {}", h.url), h.version, now.version),
            Ok(None) => Error::not_found(format!("Webhook {}", h.id)),
            Err(e) => e,
        }
    }

    pub async fn update(&self, actor: &Actor, id: &str, version: Option<i64>, s: WebhookSettings) -> Result<Webhook> {
        admin(actor.viewer.as_ref())?;
        s.check()?;
        self.check_target(s.url.trim()).await?;
        let mut row = self.load(id, version).await?;
        row.url = s.url.trim().to_owned();
        row.events = serde_json::to_string(&s.events)?;
        row.types = serde_json::to_string(&s.types)?;
        row.description = s.description;
        row.active = s.active;
        if !self.store.update_webhook(&row, &Self::audit(actor, "webhook.update", &row, row.version + 1)).await? {
            return Err(self.moved(&row).await);
        }
        row.version += 1;
        Webhook::from_row(row)
    }

    pub async fn delete(&self, actor: &Actor, id: &str, version: Option<i64>) -> Result<bool> {
        admin(actor.viewer.as_ref())?;
        let row = self.load(id, version).await?;
        if !self.store.delete_webhook(id, row.version, &Self::audit(actor, "webhook.delete", &row, row.version)).await?
        {
            return Err(self.moved(&row).await);
        }
        Ok(true)
    }

    /// A webhook's deliveries, newest first, each with its attempts.
    pub async fn deliveries(
        &self,
        viewer: Option<&Viewer>,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<(Delivery, Vec<Attempt>)>> {
        admin(viewer)?;
        let list = self.store.deliveries(webhook_id, limit.clamp(1, 200)).await?;
        let ids: Vec<String> = list.iter().map(|d| d.id.clone()).collect();
        let mut attempts = self.store.attempts(&ids).await?;
        Ok(list
            .into_iter()
            .map(|d| {
                let mine = attempts.iter().filter(|a| a.delivery_id == d.id).cloned().collect();
                attempts.retain(|a| a.delivery_id != d.id);
                (d, mine)
            })
            .collect())
    }

    /// Sends a delivery again, as a new delivery with the same payload.
    pub async fn replay(&self, actor: &Actor, delivery_id: &str) -> Result<Delivery> {
        admin(actor.viewer.as_ref())?;
        let old = self
            .store
            .delivery(delivery_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Webhook delivery {delivery_id}")))?;
        let now = self.store.now_ms();
        let d = Delivery {
            id: new_id(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            delivered_at: None,
            replay_of: Some(old.id.clone()),
            ..old
        };
        let detail = json!({ "webhook": d.webhook_id, "delivery": d.id, "replayOf": old.id });
        self.store.insert_delivery(&d, &audit::entry(actor, "webhook.replay", None, Some(detail))).await?;
        Ok(d)
    }

    /// Attempts every due delivery this instance can take; returns how many.
    pub async fn run_due(&self) -> Result<usize> {
        self.run_due_until(&crate::shutdown::Shutdown::default()).await
    }

    /// The same, taking no further delivery once `stop` has begun (the one
    /// being attempted is finished).
    pub async fn run_due_until(&self, stop: &crate::shutdown::Shutdown) -> Result<usize> {
        let now = self.store.now_ms();
        let mut done = 0;
        for d in self.store.due_deliveries(now, 20).await? {
            if stop.is_begun() {
                break;
            }
            // Held long enough for one attempt; another instance skips it meanwhile.
            let until = now + 2 * ATTEMPT_TIMEOUT.as_millis() as i64;
            if !self.store.claim_delivery(&d.id, now, until).await? {
                continue;
            }
            self.held().insert(d.id.clone(), until);
            let Some(hook) = self.store.webhook(&d.webhook_id).await? else {
                let a = attempt_row(&d, self.store.now_ms(), None, 0, Some("the webhook was deleted".into()), None);
                self.store.finish_attempt(&a, "failed", now).await?;
                self.held().remove(&d.id);
                continue;
            };
            let a = self.attempt(&hook, &d).await;
            let ok = a.status_code.is_some_and(|c| (200..300).contains(&c));
            let (status, next) = if ok {
                ("delivered", a.at)
            } else {
                let wait = (self.retry_base_ms.saturating_mul(1 << (a.number - 1).clamp(0, 30))).min(MAX_BACKOFF_MS);
                let next = a.at + wait;
                if next > d.created_at + GIVE_UP_AFTER_MS { ("failed", a.at) } else { ("pending", next) }
            };
            self.store.finish_attempt(&a, status, next).await?;
            self.held().remove(&d.id);
            done += 1;
        }
        Ok(done)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, i64>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives back the claims of attempts that did not finish (stopped by a
    /// shutdown): those deliveries are due again at once, for any instance.
    /// Returns how many were given back.
    pub async fn release_claims(&self) -> Result<usize> {
        let held: Vec<(String, i64)> = self.held().drain().collect();
        let mut released = 0;
        for (id, until) in held {
            if self.store.release_delivery(&id, until).await? {
                released += 1;
            }
        }
        Ok(released)
    }

    async fn attempt(&self, hook: &WebhookRow, d: &Delivery) -> Attempt {
        let ts = self.store.now_ms() / 1000;
        let started = Instant::now();
        if !self.allow_private && literal_ip(&hook.url).is_some_and(is_internal) {
            let why = "refused: the endpoint is a private or loopback address".to_owned();
            return attempt_row(d, self.store.now_ms(), None, 0, Some(why), None);
        }
        let sent = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("relais-event", &d.event)
            .header("relais-delivery", &d.id)
            .header("relais-signature", sign(&hook.secret, ts, &d.payload))
            .body(d.payload.clone())
            .send()
            .await;
        let latency = started.elapsed().as_millis() as i64;
        match sent {
            Ok(r) => {
                let code = r.status().as_u16() as i64;
                let text = r.text().await.unwrap_or_default();
                let excerpt: String = text.chars().take(500).collect();
                attempt_row(d, self.store.now_ms(), Some(code), latency, None, Some(excerpt))
            }
            Err(e) => {
                let why = if e.is_timeout() { "timed out".to_owned() } else { format!("could not connect: {e}") };
                attempt_row(d, self.store.now_ms(), None, latency, Some(why), None)
            }
        }
    }
}

fn attempt_row(
    d: &Delivery,
    at: i64,
    code: Option<i64>,
    latency: i64,
    error: Option<String>,
    excerpt: Option<String>,
) -> Attempt {
    Attempt {
        delivery_id: d.id.clone(),
        number: d.attempts + 1,
        at,
        status_code: code,
        latency_ms: latency,
        error,
        response_excerpt: excerpt,
    }
}
