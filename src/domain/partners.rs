//! Partner API keys: what a key may read, from which origins, how often; and
//! the per-key (and anonymous per-IP) request limits.

use super::audit;
use super::auth::{Actor, Viewer};
use super::permissions::{Action, allowed};
use crate::error::{Error, Result};
use crate::model::query::{Common, Filter, Op, Target, Value};
use crate::model::{Kind, TypeDef, Via, content_type};
use crate::store::{ApiKeyRow, Store, new_id};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a key read from the database is trusted before it is read again
/// (a revoke on this instance takes effect at once; on others within this).
const KEY_TTL: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyScope {
    /// Read published content through GraphQL.
    Content,
    /// Read the feeds (and the widget, built on them).
    Feeds,
}

/// What a key's feeds are limited to; empty lists limit nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Restrictions {
    /// Internal ids of organisations: items they fund, partner, organise or are named in.
    #[serde(default)]
    pub organisations: Vec<String>,
    /// Internal ids of projects: the projects, their events and news.
    #[serde(default)]
    pub projects: Vec<String>,
    /// Internal ids of thematic axes.
    #[serde(default)]
    pub axes: Vec<String>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    pub countries: Vec<String>,
}

impl Restrictions {
    pub fn is_empty(&self) -> bool {
        self.organisations.is_empty() && self.projects.is_empty() && self.axes.is_empty() && self.countries.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: String,
    pub prefix: String,
    /// What an admin set: its name, scopes, restrictions, origins, rate…
    pub settings: KeySettings,
    pub revoked_at: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub use_count: i64,
    /// Raised by every administrative write.
    pub version: i64,
}

impl ApiKey {
    fn from_row(r: ApiKeyRow) -> Result<ApiKey> {
        let settings = KeySettings {
            name: r.name,
            scopes: super::stored_json("key scopes", &r.scopes)?,
            restrictions: super::stored_json("key restrictions", &r.restrictions)?,
            origins: super::stored_json("key origins", &r.origins)?,
            rate_per_minute: r.rate_per_minute,
            page_pattern: r.page_pattern,
            expires_at: r.expires_at,
        };
        Ok(ApiKey {
            id: r.id,
            prefix: r.prefix,
            settings,
            revoked_at: r.revoked_at,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            use_count: r.use_count,
            version: r.version,
        })
    }

    fn to_row(&self, secret_hash: String) -> ApiKeyRow {
        let s = &self.settings;
        ApiKeyRow {
            id: self.id.clone(),
            name: s.name.clone(),
            prefix: self.prefix.clone(),
            secret_hash,
            scopes: serde_json::to_string(&s.scopes).unwrap_or_default(),
            restrictions: serde_json::to_string(&s.restrictions).unwrap_or_default(),
            origins: serde_json::to_string(&s.origins).unwrap_or_default(),
            rate_per_minute: s.rate_per_minute,
            page_pattern: s.page_pattern.clone(),
            expires_at: s.expires_at,
            revoked_at: self.revoked_at,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            use_count: self.use_count,
            version: self.version,
        }
    }

    pub fn has(&self, scope: KeyScope) -> bool {
        self.settings.scopes.contains(&scope)
    }

    /// Whether this key may see only part of `t`'s items.
    /// Whether the key sees only part of the content.
    pub fn limited(&self) -> bool {
        !self.settings.restrictions.is_empty()
    }

    pub fn restricts(&self, t: &TypeDef) -> bool {
        self.limited() && restricted_type(t)
    }

    /// Whether a page on `origin` may read the answers (CORS).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.settings.origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }

    /// Why the key cannot be used now, if it cannot.
    fn unusable(&self, now: i64) -> Option<&'static str> {
        if self.revoked_at.is_some() {
            Some("This API key was revoked; ask the site's administrators for a new one.")
        } else if self.settings.expires_at.is_some_and(|e| e <= now) {
            Some("This API key has expired; ask the site's administrators to renew it.")
        } else {
            None
        }
    }
}

/// What an admin sets on a key.
#[derive(Debug, Clone)]
pub struct KeySettings {
    pub name: String,
    pub scopes: Vec<KeyScope>,
    pub restrictions: Restrictions,
    /// Exact origins (`https://partner.example`) whose pages may call with it; `*` for any.
    pub origins: Vec<String>,
    pub rate_per_minute: i64,
    /// Where the partner shows an item: `https://partner.example/projets/{slug}`
    /// (`{slug}`, `{id}`, `{type}` and `{locale}` are filled in).
    pub page_pattern: Option<String>,
    pub expires_at: Option<i64>,
}

impl KeySettings {
    fn check(&self) -> Result<()> {
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            return Err(Error::field("name", "give the key a name of 1 to 200 characters (the partner's name)"));
        }
        if self.scopes.is_empty() {
            return Err(Error::field("scopes", "give at least one scope: CONTENT or FEEDS"));
        }
        if !(0..=100_000).contains(&self.rate_per_minute) {
            return Err(Error::field("rateLimitPerMinute", "must be between 0 (no limit) and 100000"));
        }
        for o in &self.origins {
            let ok = o == "*"
                || ((o.starts_with("https://") || o.starts_with("http://"))
                    && !o.trim_end_matches('/').contains(|c: char| c.is_whitespace())
                    && o.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/')));
            if !ok {
                return Err(Error::field(
                    "origins",
                    format!("{o:?} is not an origin: write it as scheme://host[:port], e.g. https://partner.example"),
                ));
            }
        }
        if let Some(p) = &self.page_pattern
            && !((p.starts_with("https://") || p.starts_with("http://")) && p.contains('{'))
        {
            return Err(Error::field(
                "pagePattern",
                "must be an absolute URL with placeholders, e.g. https://partner.example/projets/{slug}",
            ));
        }
        Ok(())
    }
}

pub use super::rate::RateState;

#[derive(Default)]
struct Usage {
    count: i64,
    last: i64,
}

/// A key looked up by its hash (`None`: no such key), and when.
type CachedKey = (Instant, Option<Arc<ApiKey>>);

pub struct Partners {
    store: Store,
    /// Keys by secret hash, with when they were read.
    cache: Mutex<HashMap<String, CachedKey>>,
    windows: super::rate::RateWindows,
    usage: Mutex<HashMap<String, Usage>>,
    /// Requests per minute per IP for callers without a key or a login; 0: none.
    pub anonymous_per_minute: i64,
}

fn hash(secret: &str) -> String {
    crate::media::sha256_hex(secret.as_bytes())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn admin(viewer: Option<&Viewer>) -> Result<&Viewer> {
    let v = viewer.ok_or_else(|| Error::unauthenticated("Log in first: only admins manage API keys."))?;
    if !allowed(v.role, Action::ManageUsers, None) {
        return Err(Error::forbidden("Only admins manage API keys."));
    }
    Ok(v)
}

impl Partners {
    pub fn new(store: Store, anonymous_per_minute: i64) -> Partners {
        Partners {
            store,
            cache: Mutex::default(),
            windows: Default::default(),
            usage: Mutex::default(),
            anonymous_per_minute,
        }
    }

    fn new_secret() -> (String, String) {
        let secret = format!("rk_{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
        let prefix = secret.chars().take(10).collect();
        (secret, prefix)
    }

    /// The audit entry of a write to `key` (the version it leaves).
    fn audit(actor: &Actor, action: &str, key: &ApiKey, version: i64) -> crate::model::records::AuditEntry {
        let detail = serde_json::json!({ "apiKey": key.id, "name": key.settings.name, "version": version });
        audit::entry(actor, action, None, Some(detail))
    }

    /// Creates a key; the secret is in the answer and nowhere else.
    pub async fn create(&self, actor: &Actor, s: KeySettings) -> Result<(ApiKey, String)> {
        let v = admin(actor.viewer.as_ref())?;
        s.check()?;
        let (secret, prefix) = Self::new_secret();
        let key = ApiKey {
            id: new_id(),
            prefix,
            settings: KeySettings { name: s.name.trim().to_owned(), ..s },
            revoked_at: None,
            created_by: Some(v.id.clone()),
            created_at: self.store.now_ms(),
            last_used_at: None,
            use_count: 0,
            version: 1,
        };
        self.store.insert_api_key(&key.to_row(hash(&secret)), &Self::audit(actor, "apiKey.create", &key, 1)).await?;
        Ok((key, secret))
    }

    pub async fn list(&self, viewer: Option<&Viewer>) -> Result<Vec<ApiKey>> {
        admin(viewer)?;
        let pending = lock(&self.usage).iter().map(|(k, u)| (k.clone(), (u.count, u.last))).collect::<HashMap<_, _>>();
        self.store
            .api_keys()
            .await?
            .into_iter()
            .map(|r| {
                let mut k = ApiKey::from_row(r)?;
                if let Some((n, last)) = pending.get(&k.id) {
                    k.use_count += n;
                    k.last_used_at = Some(*last);
                }
                Ok(k)
            })
            .collect()
    }

    /// A key and its secret's hash, if it is still at `version` (when given).
    async fn load(&self, id: &str, version: Option<i64>) -> Result<(ApiKey, String)> {
        let row = self.store.api_key(id).await?.ok_or_else(|| Error::not_found(format!("API key {id}")))?;
        super::check_version(&format!("The API key {:?}", row.name), row.version, version)?;
        let h = row.secret_hash.clone();
        Ok((ApiKey::from_row(row)?, h))
    }

    /// Writes `key` (read at `key.version`) with its audit entry; a key
    /// changed in between is a conflict.
    async fn save(&self, actor: &Actor, action: &str, key: &mut ApiKey, h: &str) -> Result<()> {
        let audit = Self::audit(actor, action, key, key.version + 1);
        if !self.store.update_api_key(&key.to_row(h.to_owned()), &audit).await? {
            return Err(self.moved(key).await);
        }
        key.version += 1;
        lock(&self.cache).remove(h);
        Ok(())
    }

    async fn moved(&self, key: &ApiKey) -> Error {
        match self.store.api_key(&key.id).await {
            Ok(Some(now)) => super::moved(&format!("The API key {:?}", key.settings.name), key.version, now.version),
            Ok(None) => Error::not_found(format!("API key {}", key.id)),
            Err(e) => e,
        }
    }

    pub async fn update(&self, actor: &Actor, id: &str, version: Option<i64>, s: KeySettings) -> Result<ApiKey> {
        admin(actor.viewer.as_ref())?;
        s.check()?;
        let (mut key, h) = self.load(id, version).await?;
        key.settings = KeySettings { name: s.name.trim().to_owned(), ..s };
        self.save(actor, "apiKey.update", &mut key, &h).await?;
        Ok(key)
    }

    /// A new secret for the same key; the old one stops working at once here.
    pub async fn rotate(&self, actor: &Actor, id: &str, version: Option<i64>) -> Result<(ApiKey, String)> {
        admin(actor.viewer.as_ref())?;
        let (mut key, old) = self.load(id, version).await?;
        let (secret, prefix) = Self::new_secret();
        let audit = Self::audit(actor, "apiKey.rotate", &key, key.version + 1);
        if !self.store.set_api_key_secret(id, key.version, &prefix, &hash(&secret), &audit).await? {
            return Err(self.moved(&key).await);
        }
        lock(&self.cache).remove(&old);
        key.prefix = prefix;
        key.version += 1;
        Ok((key, secret))
    }

    pub async fn revoke(&self, actor: &Actor, id: &str, version: Option<i64>) -> Result<ApiKey> {
        admin(actor.viewer.as_ref())?;
        let (mut key, h) = self.load(id, version).await?;
        key.revoked_at.get_or_insert_with(|| self.store.now_ms());
        self.save(actor, "apiKey.revoke", &mut key, &h).await?;
        Ok(key)
    }

    /// The key a request presents, if it is one that works now.
    pub async fn authenticate(&self, secret: &str) -> Result<Arc<ApiKey>> {
        let h = hash(secret);
        let cached = lock(&self.cache).get(&h).filter(|(at, _)| at.elapsed() < KEY_TTL).map(|(_, k)| k.clone());
        let key = match cached {
            Some(k) => k,
            None => {
                let k = self.store.api_key_by_hash(&h).await?.map(ApiKey::from_row).transpose()?.map(Arc::new);
                let mut c = lock(&self.cache);
                if c.len() > 10_000 {
                    c.clear(); // bounded: unknown keys must not grow it forever
                }
                c.insert(h, (Instant::now(), k.clone()));
                k
            }
        };
        let key = key.ok_or_else(|| Error::unauthenticated("Unknown API key: check the key your site was given."))?;
        if let Some(why) = key.unusable(self.store.now_ms()) {
            return Err(Error::unauthenticated(why));
        }
        let mut u = lock(&self.usage);
        let e = u.entry(key.id.clone()).or_default();
        e.count += 1;
        e.last = self.store.now_ms();
        Ok(key)
    }

    /// Counts one request against `bucket`'s limit per minute.
    pub fn count(&self, bucket: &str, limit: i64) -> RateState {
        self.windows.count(bucket, limit)
    }

    /// Writes the usage counted in memory (run every few seconds, and at stop).
    pub async fn flush_usage(&self) -> Result<()> {
        let pending: Vec<(String, Usage)> = lock(&self.usage).drain().collect();
        for (id, u) in pending {
            self.store.add_api_key_usage(&id, u.count, u.last).await?;
        }
        Ok(())
    }
}

fn any_of(t: &'static TypeDef, name: &str, ids: &[String]) -> Filter {
    let target = Target::Field(t.declared(name));
    Filter::Cond { target, op: Op::In, value: Value::List(ids.iter().cloned().map(Value::Text).collect()) }
}

/// Whether a key's restrictions bear on `t` (its declaration says how).
pub fn restricted_type(t: &TypeDef) -> bool {
    t.reach.is_some()
}

/// The condition that keeps the items of `t` whose `via` is one of `ids`.
fn within(t: &'static TypeDef, via: Via, ids: &[String]) -> Filter {
    match via {
        Via::Itself => Filter::Cond {
            target: Target::Common(Common::Id),
            op: Op::In,
            value: Value::List(ids.iter().cloned().map(Value::Text).collect()),
        },
        Via::Field(name) => any_of(t, name, ids),
        // One condition on the projects' links, however many projects match.
        Via::Project { link, field } => {
            let link = t.declared(link);
            let project = match link.kind {
                Kind::Ref(p) | Kind::Refs { target: p, .. } => content_type(p).expect("the model declares it"),
                _ => panic!("{}.{}, a restriction's way to projects, is a reference", t.name, link.name),
            };
            Filter::LinkedThrough { field: link, link: project.declared(field), ids: ids.to_vec() }
        }
    }
}

/// Conditions on `t` that keep the items of these organisations, projects,
/// axes and countries; `partners_only` keeps the items those organisations
/// are partners of. None for a type the restrictions do not reach.
pub fn restriction_filters(t: &'static TypeDef, r: &Restrictions, partners_only: &[String]) -> Vec<Filter> {
    let Some(reach) = &t.reach else { return Vec::new() };
    let mut out = Vec::new();
    if !r.organisations.is_empty() {
        out.push(Filter::Or(reach.organisations.iter().map(|f| any_of(t, f, &r.organisations)).collect()));
    }
    if !partners_only.is_empty() {
        out.push(any_of(t, reach.partners, partners_only));
    }
    if !r.projects.is_empty() {
        out.push(within(t, reach.projects, &r.projects));
    }
    if !r.axes.is_empty() {
        out.push(within(t, reach.axes, &r.axes));
    }
    if !r.countries.is_empty() {
        out.push(within(t, reach.countries, &r.countries));
    }
    out
}
