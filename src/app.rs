//! The running service: configuration and the services every layer shares.

use crate::domain::auth::Auth;
use crate::domain::content::{Content, Countries};
use crate::domain::locale::Locales;
use crate::error::Result;
use crate::media::Media;
use crate::store::Store;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes (uploads have their own limits).
    pub body_bytes: usize,
    pub depth: usize,
    /// Estimated cost: fields times the page sizes of the lists they sit in.
    pub complexity: usize,
    /// Largest `first`/`last`.
    pub page_size: usize,
    /// Requests per minute per IP for callers with neither an API key nor a login (0: no limit).
    pub anonymous_per_minute: i64,
    /// Aliased fields per request (fragments counted at every spread).
    pub aliases: usize,
    /// Root fields of one mutation request.
    pub root_mutations: usize,
    /// Longest a query may run before it is stopped.
    pub query_timeout: std::time::Duration,
    /// Failed sign-ins per address and minute (0: no limit).
    pub login_failures_per_minute: i64,
    /// Whether documents seen before run through compiled plans.
    pub plans: PlanMode,
    /// Deepest search result reached; see `Content::search_window`.
    pub search_window: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1 << 20,
            depth: 15,
            complexity: 50_000,
            page_size: 100,
            anonymous_per_minute: 1200,
            aliases: 50,
            root_mutations: 10,
            query_timeout: std::time::Duration::from_secs(5),
            login_failures_per_minute: 10,
            plans: Default::default(),
            search_window: 10_000,
        }
    }
}

/// HTTP caching and persisted queries.
#[derive(Debug, Clone)]
pub struct Caching {
    /// Run only registered persisted queries.
    pub allowlist_only: bool,
    /// `max-age` of public answers, in seconds.
    pub max_age: u32,
    /// Answers kept in the in-process cache (0: none).
    pub response_cache_entries: usize,
}

impl Default for Caching {
    fn default() -> Self {
        Caching { allowlist_only: false, max_age: 60, response_cache_entries: 2000 }
    }
}

/// An address or a network (`10.0.0.0/8`, `::1`), for trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: std::net::IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr> {
        let bad = || crate::error::Error::bad_input(format!("{s:?} is not an IP address or network (10.0.0.0/8)"));
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let net: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return Err(bad());
        }
        Ok(Cidr { net, bits })
    }

    /// A comma-separated list; empty gives none.
    pub fn parse_list(s: &str) -> Result<Vec<Cidr>> {
        s.split(',').filter(|p| !p.trim().is_empty()).map(Cidr::parse).collect()
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        let ip = match ip {
            V6(v6) => v6.to_ipv4_mapped().map_or(V6(v6), V4),
            v4 => v4,
        };
        let (a, b, width) = match (self.net, ip) {
            (V4(n), V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
            (V6(n), V6(i)) => (u128::from(n), u128::from(i), 128),
            _ => return false,
        };
        let shift = width - u32::from(self.bits);
        shift >= width || (a >> shift) == (b >> shift)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub locales: Locales,
    pub jwt_secret: Option<crate::secret::Secret>,
    pub token_ttl_secs: i64,
    pub limits: Limits,
    /// Where clients reach this server, for absolute media URLs.
    pub public_url: String,
    /// Saves kept per item; every publish is kept as well.
    pub revisions_keep: i64,
    pub caching: Caching,
    /// First wait before a failed webhook delivery is tried again (then doubling).
    pub webhook_retry_base_ms: i64,
    /// Proxies whose `X-Forwarded-For`/`Forwarded` name the client.
    pub trusted_proxies: Vec<Cidr>,
    /// Whether webhooks may call private and loopback addresses.
    pub webhook_allow_private: bool,
    /// Whether authors read every working copy (`preview: true`), not only
    /// those of their own items.
    pub authors_read_all_drafts: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            locales: Locales::default(),
            jwt_secret: None,
            token_ttl_secs: 12 * 3600,
            limits: Limits::default(),
            public_url: "http://127.0.0.1:4000".into(),
            revisions_keep: 50,
            caching: Caching::default(),
            webhook_retry_base_ms: 30_000,
            trusted_proxies: Vec::new(),
            webhook_allow_private: false,
            authors_read_all_drafts: false,
        }
    }
}

/// Whether documents run through compiled plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanMode {
    /// The engine answers everything.
    Off,
    /// Documents the engine answered once run through their plan.
    #[default]
    On,
    /// As `On`, and every plan's answer is compared with the engine's; a
    /// difference answers `INTERNAL` with both (for tests).
    Checked,
}

impl PlanMode {
    pub fn parse(s: &str) -> Option<PlanMode> {
        Some(match s {
            "off" => PlanMode::Off,
            "on" => PlanMode::On,
            "checked" => PlanMode::Checked,
            _ => return None,
        })
    }
}

pub struct Hub {
    pub content: Content,
    pub partners: crate::domain::partners::Partners,
    pub webhooks: crate::domain::webhooks::Webhooks,
    pub queries: crate::domain::queries::PersistedQueries,
    pub auth: Auth,
    pub users: crate::domain::users::Users,
    pub ops: crate::domain::ops::Ops,
    pub media: Arc<Media>,
    pub limits: Limits,
    pub public_url: String,
    pub caching: Caching,
    pub trusted_proxies: Vec<Cidr>,
    /// Begun on SIGTERM: the server, its tasks and its sockets wind down.
    pub shutdown: crate::shutdown::Shutdown,
    /// Whether this instance hears the changes made through others on the
    /// same PostgreSQL.
    pub listening: tokio::sync::watch::Sender<Listening>,
}

/// Whether an instance hears other instances' changes. No answer is cached
/// while it does not (it could be stale without the instance knowing), nor
/// across a reconnection, and readiness waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listening {
    /// Nothing to listen to: SQLite, or no background tasks.
    Nothing,
    Connecting,
    /// Through its `n`th connection.
    Hearing(u64),
}

impl Hub {
    pub async fn new(store: Store, media: Arc<Media>, config: Config) -> Result<Arc<Hub>> {
        let mut auth =
            Auth::new(store.clone(), config.jwt_secret.as_ref().map(|s| s.expose()), config.token_ttl_secs).await?;
        auth.login_failures_per_minute = config.limits.login_failures_per_minute;
        let countries = Countries::load(&store).await?;
        let hub = Arc::new(Hub {
            partners: crate::domain::partners::Partners::new(store.clone(), config.limits.anonymous_per_minute),
            webhooks: crate::domain::webhooks::Webhooks::new(
                store.clone(),
                config.webhook_retry_base_ms,
                config.webhook_allow_private,
            ),
            queries: crate::domain::queries::PersistedQueries::new(store.clone(), config.caching.allowlist_only),
            users: crate::domain::users::Users::new(store.clone(), auth.clone()),
            ops: crate::domain::ops::Ops::new(store.clone()),
            content: Content {
                store,
                locales: config.locales,
                countries,
                revisions_keep: config.revisions_keep,
                authors_read_all_drafts: config.authors_read_all_drafts,
                search_window: config.limits.search_window,
                changes: tokio::sync::broadcast::channel(1024).0,
            },
            auth,
            media,
            limits: config.limits,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            caching: config.caching,
            trusted_proxies: config.trusted_proxies,
            shutdown: crate::shutdown::Shutdown::default(),
            listening: tokio::sync::watch::channel(Listening::Nothing).0,
        });
        hub.content.reindex_if_needed().await?;
        hub.content.stamp_translations_if_needed().await?;
        Ok(hub)
    }

    pub fn store(&self) -> &Store {
        &self.content.store
    }

    /// The service's clock (tests move it).
    pub fn clock(&self) -> &crate::clock::Clock {
        self.content.store.clock()
    }
}

/// The background tasks of one server, to stop them (a test's "restart") or
/// wind them down on shutdown.
pub struct Tasks(Vec<tokio::task::JoinHandle<()>>);

/// Longest wait for the last writes of a shutdown (claims given back, key
/// usage), after the grace.
const LAST_WRITES: std::time::Duration = std::time::Duration::from_secs(2);

impl Tasks {
    pub fn none() -> Tasks {
        Tasks(Vec::new())
    }

    /// Handles that stop them at once, wherever they are.
    pub fn stoppers(&self) -> Vec<tokio::task::AbortHandle> {
        self.0.iter().map(|t| t.abort_handle()).collect()
    }

    /// Once the hub's shutdown has begun (this begins it too): lets each loop
    /// finish the unit of work it is in, until `grace` after the shutdown
    /// began, then stops what is left; gives back the webhook deliveries this
    /// process still holds, and writes the API key usage counted since the
    /// last write. Takes at most the grace plus a few seconds.
    pub async fn finish(self, hub: &Hub, grace: std::time::Duration) {
        hub.shutdown.begin();
        let deadline = hub.shutdown.deadline(grace);
        for mut t in self.0 {
            if tokio::time::timeout_at(deadline, &mut t).await.is_err() {
                t.abort();
                let _ = t.await;
            }
        }
        match tokio::time::timeout(LAST_WRITES, hub.webhooks.release_claims()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(deliveries = n, "gave back unfinished webhook deliveries"),
            Ok(Err(e)) => {
                tracing::warn!(error = %e.message, "could not give back webhook deliveries; due again when their claims expire")
            }
            Err(_) => {
                tracing::warn!("could not give back webhook deliveries in time; due again when their claims expire")
            }
        }
        match tokio::time::timeout(LAST_WRITES, hub.partners.flush_usage()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e.message, "could not write API key usage"),
            Err(_) => tracing::warn!("could not write API key usage in time"),
        }
    }
}

/// Waits for the next tick, or for the shutdown: false once it has begun.
async fn tick(
    stop: &crate::shutdown::Shutdown,
    clock: &crate::clock::Clock,
    every: &mut tokio::time::Interval,
) -> bool {
    tokio::select! {
        biased;
        _ = stop.begun() => false,
        _ = every.tick() => !stop.is_begun(),
        _ = clock.moved() => !stop.is_begun(),
    }
}

/// Background work of a running server: the change listener, the scheduler
/// (every second, and at once on start to catch up with changes due while it
/// was down), webhook deliveries, key usage and the media sweep. Each loop
/// stops taking work once the hub's shutdown has begun (see `Tasks::finish`).
pub fn start_tasks(hub: &Arc<Hub>, sweep_secs: u64) -> Tasks {
    let mut tasks = Vec::new();
    let secs = std::time::Duration::from_secs;
    // Changes made through other instances on the same PostgreSQL.
    if let Some(url) = hub.store().listen_url().map(str::to_owned) {
        hub.listening.send_replace(Listening::Connecting);
        let h = hub.clone();
        tasks.push(tokio::spawn(async move {
            let stop = h.shutdown.clone();
            let listening = async {
                for n in 1.. {
                    let lost = listen(&h, &url, n).await;
                    h.listening.send_replace(Listening::Connecting);
                    if let Err(e) = lost {
                        tracing::warn!(error = %e, "change listener lost its connection; reconnecting");
                    }
                    tokio::time::sleep(secs(1)).await;
                }
            };
            // Nothing half done to finish here: it just stops listening.
            tokio::select! { _ = stop.begun() => {}, _ = listening => {} }
        }));
    }
    // Webhook deliveries: due ones every second, retried with backoff.
    tasks.push(every(hub, (secs(0), secs(1)), "webhook deliveries failed to run", |h| async move {
        h.webhooks.run_due_until(&h.shutdown).await
    }));
    // API key usage is counted in memory and written every few seconds (and
    // once more by `Tasks::finish`).
    tasks.push(every(hub, (secs(0), secs(5)), "could not write API key usage", |h| async move {
        h.partners.flush_usage().await
    }));
    // Idempotency keys past their day, out of the requests' way.
    tasks.push(every(hub, (secs(0), secs(600)), "could not forget old idempotency keys", |h| async move {
        h.ops.sweep_keys().await
    }));
    // The scheduler: at once (changes due while the server was down), then every second.
    tasks.push(every(hub, (secs(0), secs(1)), "scheduled changes failed; retrying", |h| async move {
        match h.store().next_due().await? {
            Some(t) if t <= h.clock().now_ms() => h.content.run_due_until(&h.shutdown).await.map(drop),
            _ => Ok(()),
        }
    }));
    if sweep_secs > 0 {
        tasks.push(every(hub, (secs(sweep_secs), secs(sweep_secs)), "media sweep failed", |h| async move {
            crate::domain::media::sweep(h.store(), &h.media, 3_600_000).await.map(drop)
        }));
    }
    Tasks(tasks)
}

/// A loop doing `work` every `period` until the hub's shutdown begins, the
/// first time `after` the start; a tick missed while working is not made up.
fn every<F, Fut, T>(
    hub: &Arc<Hub>,
    (after, period): (std::time::Duration, std::time::Duration),
    failed: &'static str,
    work: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Arc<Hub>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T>> + Send,
{
    let h = hub.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + after, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while tick(&h.shutdown, h.clock(), &mut every).await {
            if let Err(e) = work(h.clone()).await {
                tracing::warn!(error = %e.message, "{failed}");
            }
        }
    })
}

/// Listens through connection `n`.
async fn listen(hub: &Hub, url: &str, n: u64) -> std::result::Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen_all(["relais_changes", "relais_events"]).await?;
    if n > 1 {
        // Answers cached before the connection was lost may have missed a change.
        let _ = hub.content.changes.send(crate::domain::content::LiveChange::all());
    }
    hub.listening.send_replace(Listening::Hearing(n));
    loop {
        let n = listener.recv().await?;
        if n.channel() == "relais_events" {
            hub.store().forward_event(n.payload());
        } else {
            let _ = hub.content.changes.send(crate::domain::content::LiveChange(n.payload().to_owned()));
        }
    }
}
