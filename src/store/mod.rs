//! Storage: all SQL lives here. One code path serves SQLite and PostgreSQL
//! through sqlx's `Any` driver; the few statements that differ ask `Dialect`.

mod bulk;
mod content;
pub mod dump;
mod editorial;
mod fts;
mod migrations;
mod partners;
mod search;
mod sql;
mod sqlite_init;
mod sqlite_read;
mod translation;
mod webhooks;

pub use crate::model::item::{Item, Owner, Stage, Val};
pub use crate::model::query::*;
pub use crate::model::records::{KeyClaim, Stamp};
pub use bulk::BulkRow;
pub use content::{LinkIn, NewItem, StateChange, link_key};
pub use dump::{Column, Keep, Snapshot};
pub use editorial::SessionUser;
pub use partners::ApiKeyRow;
pub use search::{Matches, SearchDoc, SearchHit, SearchSpec};

pub use sql::{Arg, Sql};
pub use webhooks::WebhookRow;

use crate::error::{Error, Result};
use crate::model::WorkflowState;
use crate::model::records::{AuditEntry, Revision};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    dialect: Dialect,
    /// Statements run since start; tests read it to prove batching.
    statements: AtomicU64,
    /// How long statements take (the pool's wait included), for `/metrics`.
    pub(crate) sql_seconds: crate::metrics::Histogram,
    /// SQLite has one writer: taking this before a write transaction avoids
    /// SQLITE_BUSY on lock upgrades. `None` on PostgreSQL.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// PostgreSQL's URL, for the change listener.
    url: Option<String>,
    /// Content events (JSON), for subscriptions: sent at commit on SQLite, and
    /// fed from LISTEN on PostgreSQL so that every instance hears every change.
    events: tokio::sync::broadcast::Sender<String>,
    /// Set when the database could not be reached, cleared by the next
    /// statement that runs: while set, waiting for a connection is cut short,
    /// so a request of several statements reports DB_UNAVAILABLE within the
    /// promised two seconds instead of waiting the full time for each.
    unreachable: std::sync::atomic::AtomicBool,
    /// When it was last found unreachable (both pools ping a connection idle
    /// since then before handing it out).
    outage: Arc<Outage>,
    clock: crate::clock::Clock,
    reads: Reads,
}

/// Where content reads go: rows decoded straight into items, without the
/// `Any` driver's copy of every value.
enum Reads {
    /// Our own read connections (`sqlite_read`).
    Sqlite(Arc<sqlite_read::Readers>),
    /// A pool of PostgreSQL's own driver.
    Postgres(sqlx::PgPool),
}

/// A pooled connection idle this long is pinged before it is used again.
const IDLE_PING_SECS: u64 = 5;
/// The longest wait for a connection: a database that does not answer is
/// reported (DB_UNAVAILABLE) well within two seconds.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);
/// The wait while the database is known to be unreachable: long enough to
/// open a connection to a database that is back, short enough that a request's
/// further statements do not add a full wait each.
const ACQUIRE_TIMEOUT_UNREACHABLE: Duration = Duration::from_millis(200);

/// How long after its request's budget a content read is cancelled on
/// PostgreSQL: the request gives up first and reports the budget.
const READ_TIMEOUT_MARGIN: Duration = Duration::from_millis(500);

/// How long an idempotency key and its answer are kept.
const IDEMPOTENCY_KEY_TTL_MS: i64 = 24 * 3600 * 1000;

/// A workflow state read back from the database.
pub(crate) fn stored_state(name: &str) -> Result<WorkflowState> {
    WorkflowState::parse(name)
        .ok_or_else(|| Error::internal(format!("the database holds an unknown workflow state {name:?}")))
}

/// When the database was last found unreachable: a pooled connection idle
/// since then may have been cut by the outage, though it looks whole.
struct Outage {
    origin: std::time::Instant,
    /// Milliseconds since `origin`; `u64::MAX` for never.
    at: AtomicU64,
}

impl Outage {
    fn new() -> Self {
        Outage { origin: std::time::Instant::now(), at: AtomicU64::new(u64::MAX) }
    }
    fn now(&self) {
        self.at.store(self.origin.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    /// Whether a connection idle this long has been idle since the outage.
    fn predates(&self, idle_for: Duration) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        at != u64::MAX && idle_for.as_millis() as u64 + at >= self.origin.elapsed().as_millis() as u64
    }
}

/// A pool's settings, the same for every pool we open.
fn pool_options<DB: sqlx::Database>(max: u32, outage: &Arc<Outage>) -> sqlx::pool::PoolOptions<DB> {
    let outage = outage.clone();
    sqlx::pool::PoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        // A database that does not answer is reported (DB_UNAVAILABLE) well
        // within two seconds, instead of holding the request.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A ping before every statement doubled the round trips of a read;
        // only a connection idle for a while or since an outage is pinged
        // (the database may have restarted meanwhile), and a failed one is
        // replaced.
        .test_before_acquire(false)
        .before_acquire(move |conn: &mut DB::Connection, meta| {
            let stale = meta.idle_for >= Duration::from_secs(IDLE_PING_SECS) || outage.predates(meta.idle_for);
            Box::pin(async move {
                if !stale {
                    return Ok(true);
                }
                use sqlx::Connection;
                Ok(conn.ping().await.is_ok())
            })
        })
}

static COUNTRIES: &str = include_str!("countries.tsv");

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A user row.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub created_at: i64,
    /// Raised by every write to the account.
    pub version: i64,
}

impl Store {
    /// Connects, creating the SQLite file and its folder if needed, and applies
    /// the embedded migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::open(url, crate::clock::Clock::default(), None).await
    }

    /// As `connect`, keeping time by `clock` (several test servers on one
    /// database share theirs), for queries that run within a `budget`: on
    /// PostgreSQL a content read still running just after it is cancelled by
    /// the server (`statement_timeout`), not left holding a connection after
    /// its request has given up.
    pub async fn open(url: &str, clock: crate::clock::Clock, budget: Option<Duration>) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(Error::bad_input(format!(
                "RELAIS_DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                url.split(':').next().unwrap_or("")
            )));
        };
        let (url, path, synchronous) =
            if dialect == Dialect::Sqlite { sqlite_url(url)? } else { (url.to_owned(), String::new(), "") };
        if dialect == Dialect::Sqlite {
            sqlite_init::register();
        }
        let outage = Arc::new(Outage::new());
        // PostgreSQL's connections are split between content reads and the
        // rest, 16 in all per instance as before the split (its default of
        // 100 serves five instances with their listeners).
        let opts: AnyPoolOptions = pool_options(8, &outage);
        let opts = if dialect == Dialect::Sqlite {
            opts.after_connect(move |conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    let pragmas = match synchronous {
                        "NORMAL" => "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL",
                        "EXTRA" => "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA synchronous=EXTRA",
                        _ => "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL",
                    };
                    conn.execute(pragmas).await?;
                    Ok(())
                })
            })
        } else {
            opts
        };
        let cannot_open = |e: sqlx::Error| Error::bad_input(format!("cannot open the database: {e}"));
        // Both PostgreSQL pools open their first connection at once: the
        // first answer waits for one TLS handshake, not two in a row.
        let (pool, reads) = if dialect == Dialect::Sqlite {
            let pool = opts.connect(&url).await.map_err(cannot_open)?;
            // The pool has made the file by now.
            (pool, Reads::Sqlite(sqlite_read::Readers::new(&path)?))
        } else {
            let read_opts: sqlx::postgres::PgConnectOptions = url.parse().map_err(cannot_open)?;
            let read_opts = match budget {
                Some(b) => read_opts.options([("statement_timeout", (b + READ_TIMEOUT_MARGIN).as_millis())]),
                None => read_opts,
            };
            let (pool, reads) =
                tokio::join!(opts.connect(&url), pool_options::<sqlx::Postgres>(8, &outage).connect_with(read_opts));
            (pool.map_err(cannot_open)?, Reads::Postgres(reads.map_err(cannot_open)?))
        };
        let store = Store {
            inner: Arc::new(Inner {
                pool,
                dialect,
                statements: AtomicU64::new(0),
                sql_seconds: crate::metrics::latency(),
                write_lock: (dialect == Dialect::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))),
                url: (dialect == Dialect::Postgres).then(|| url.clone()),
                events: tokio::sync::broadcast::channel(1024).0,
                unreachable: std::sync::atomic::AtomicBool::new(false),
                outage,
                clock,
                reads,
            }),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The service's clock: every timestamp written and every "is it due"
    /// read by it.
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.inner.clock
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    pub fn statement_count(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    pub async fn close(&self) {
        self.inner.pool.close().await;
        if let Reads::Postgres(pg) = &self.inner.reads {
            pg.close().await;
        }
    }

    pub(crate) async fn execute(&self, sql: Sql) -> Result<u64> {
        self.count();
        let t = std::time::Instant::now();
        let mut conn = self.acquire().await?;
        let r = self.seen(sql.query().execute(&mut *conn).await);
        self.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        Ok(r?.rows_affected())
    }

    /// Statement durations, for `/metrics`.
    pub fn sql_seconds(&self) -> &crate::metrics::Histogram {
        &self.inner.sql_seconds
    }

    /// Connections open and idle in the pools (PostgreSQL's two together),
    /// for `/metrics`.
    pub fn pool_state(&self) -> (u32, usize) {
        let (mut open, mut idle) = (self.inner.pool.size(), self.inner.pool.num_idle());
        if let Reads::Postgres(pg) = &self.inner.reads {
            open += pg.size();
            idle += pg.num_idle();
        }
        (open, idle)
    }

    /// Scheduled changes due and not yet done, webhook deliveries due and not
    /// yet sent, with the due time of the oldest of each (for `/metrics`: a
    /// queue that grows or an oldest entry that ages is a stuck worker).
    pub async fn queue_state(&self, now: i64) -> Result<[(i64, Option<i64>); 2]> {
        let mut out = [(0, None); 2];
        for (i, (table, at)) in
            [("schedules", "run_at"), ("webhook_deliveries", "next_attempt_at")].into_iter().enumerate()
        {
            let mut q =
                Sql::new(&format!("SELECT COUNT(*), MIN({at}) FROM {table} WHERE status = 'pending' AND {at} <= "));
            q.arg(now);
            if let Some(r) = self.fetch_optional(q).await? {
                out[i] = (r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// A connection from the pool; see `Inner::unreachable`.
    pub(crate) async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.acquire_from(&self.inner.pool).await
    }

    async fn acquire_from<DB: sqlx::Database>(&self, pool: &sqlx::Pool<DB>) -> Result<sqlx::pool::PoolConnection<DB>> {
        let r = if self.inner.unreachable.load(Ordering::Relaxed) {
            match tokio::time::timeout(ACQUIRE_TIMEOUT_UNREACHABLE, pool.acquire()).await {
                Ok(r) => r,
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            }
        } else {
            pool.acquire().await
        };
        if matches!(r, Err(sqlx::Error::PoolTimedOut))
            && pool.num_idle() == 0
            && pool.size() >= pool.options().get_max_connections()
        {
            // Every connection is lent out to other requests: the database
            // answers, it is only busy (no shortened waits, no outage).
            return Err(Error::new(
                crate::error::Code::ServerBusy,
                "Every database connection is busy with other requests; try again in a moment.",
            ));
        }
        // A connection handed out is no proof that the database answers (it
        // may have been idle since before an outage): only a statement clears.
        Ok(r.inspect_err(|e| {
            if crate::error::unreachable(e) {
                self.went_away();
            }
        })?)
    }

    fn went_away(&self) {
        self.inner.unreachable.store(true, Ordering::Relaxed);
        self.inner.outage.now();
    }

    /// Notes whether the database answered (see `Inner::unreachable`).
    fn seen<T>(&self, r: sqlx::Result<T>) -> sqlx::Result<T> {
        match &r {
            Ok(_) => {
                if self.inner.unreachable.load(Ordering::Relaxed) {
                    self.inner.unreachable.store(false, Ordering::Relaxed);
                }
            }
            Err(e) if crate::error::unreachable(e) => self.went_away(),
            Err(_) => {}
        }
        r
    }

    fn count(&self) {
        self.inner.statements.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) async fn fetch_all(&self, sql: Sql) -> Result<Vec<AnyRow>> {
        self.count();
        let text = sql.text.clone();
        let t = std::time::Instant::now();
        let mut conn = self.acquire().await?;
        let r = self.seen(sql.query().fetch_all(&mut *conn).await);
        self.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        r.map_err(|e| {
            tracing::debug!(sql = %text, "statement failed");
            e.into()
        })
    }

    /// Runs a read and decodes its rows: on SQLite through our own read
    /// connections (`sqlite_read`), on PostgreSQL through its own driver.
    pub(crate) async fn read_rows<T: Send + 'static>(
        &self,
        sql: Sql,
        decode: impl Fn(&dyn sql::Row) -> Result<T> + Send + 'static,
    ) -> Result<Vec<T>> {
        self.count();
        let t = std::time::Instant::now();
        let out = match &self.inner.reads {
            Reads::Sqlite(readers) => readers.read(sql, decode).await,
            Reads::Postgres(pg) => match self.acquire_from(pg).await {
                Ok(mut conn) => self
                    .seen(sql.bound::<sqlx::Postgres>().fetch_all(&mut *conn).await)
                    .map_err(Into::into)
                    .and_then(|rows| rows.iter().map(|r| decode(r)).collect()),
                Err(e) => Err(e),
            },
        };
        self.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        out
    }

    pub(crate) async fn fetch_optional(&self, sql: Sql) -> Result<Option<AnyRow>> {
        self.count();
        let t = std::time::Instant::now();
        let mut conn = self.acquire().await?;
        let r = self.seen(sql.query().fetch_optional(&mut *conn).await);
        self.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        Ok(r?)
    }

    /// A consistent copy of a SQLite database in a new file, taken while
    /// writes go on (`VACUUM INTO` reads one snapshot; writers are not held).
    pub async fn backup_to(&self, path: &str) -> Result<()> {
        if self.inner.dialect != Dialect::Sqlite {
            return Err(Error::bad_input(
                "backup copies SQLite databases; for PostgreSQL use pg_dump (see the README's Operations section)",
            ));
        }
        let mut q = Sql::new("VACUUM INTO ");
        q.arg(path);
        self.execute(q).await?;
        Ok(())
    }

    /// Whether the database answers and holds every migration this build
    /// knows (readiness).
    pub async fn check_ready(&self) -> Result<()> {
        let row = self.fetch_optional(Sql::new("SELECT MAX(version) FROM relais_migrations")).await?;
        let have = row.map(|r| r.try_get::<Option<i64>, _>(0)).transpose()?.flatten().unwrap_or(0);
        let want = migrations::LATEST;
        if have < want {
            return Err(Error::new(
                crate::error::Code::DbUnavailable,
                format!("the database is at migration {have} and this server needs {want}: run `relais migrate`"),
            ));
        }
        Ok(())
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<()> {
        let pool = &self.inner.pool;
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS relais_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .execute(pool)
            .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM relais_migrations")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        for (version, name, text) in migrations::of(self.inner.dialect) {
            if applied.contains(&version) {
                continue;
            }
            let mut tx = pool.begin().await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(text)).execute(&mut *tx).await?;
            let mut ins = Sql::new("INSERT INTO relais_migrations (version, name, applied_at) VALUES (");
            ins.arg(version).push(", ").arg(name).push(", ").arg(self.now_ms()).push(")");
            ins.query().execute(&mut *tx).await?;
            if version == 1 {
                load_countries(&mut tx).await?;
            }
            tx.commit().await?;
            tracing::info!(version, name, "applied migration");
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the one writer's place first
    /// (and `BEGIN IMMEDIATE` the file's write lock, so it never has to
    /// upgrade a read lock and fail as "locked").
    pub async fn begin(&self) -> Result<Tx<'_>> {
        let guard = match &self.inner.write_lock {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        let mut conn = self.acquire().await?;
        let begin = if self.inner.dialect == Dialect::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        if let Err(e) = sqlx::raw_sql(begin).execute(&mut *conn).await {
            conn.close_on_drop();
            return Err(e.into());
        }
        Ok(Tx { store: self, conn: Some(conn), guard, pending_events: Vec::new() })
    }

    // ---- settings ----

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut q = Sql::new("SELECT value FROM settings WHERE key = ");
        q.arg(key);
        Ok(self.fetch_optional(q).await?.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    /// Stores `value` unless the key is already set; returns the value that holds.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        let mut q = Sql::new("INSERT INTO settings (key, value) VALUES (");
        q.arg(key).push(", ").arg(value).push(") ON CONFLICT (key) DO NOTHING");
        self.execute(q).await?;
        self.setting(key).await?.ok_or_else(|| Error::internal("setting vanished"))
    }

    // ---- countries ----

    /// Countries with their localised names as JSON text, by code order.
    pub async fn countries(&self, codes: Option<&[String]>) -> Result<Vec<(String, String)>> {
        let mut q = Sql::new("SELECT code, name FROM countries");
        if let Some(codes) = codes {
            q.push(" WHERE code IN (").list(codes.iter().map(String::as_str)).push(")");
        }
        q.push(" ORDER BY code");
        self.fetch_all(q).await?.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    // ---- users ----

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        let mut q = Sql::new(USER_SELECT);
        q.push(" WHERE email = ").arg(email.to_lowercase());
        self.fetch_optional(q).await?.map(|r| user_row(&r)).transpose()
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        let mut q = Sql::new(USER_SELECT);
        q.push(" WHERE id = ").arg(id);
        self.fetch_optional(q).await?.map(|r| user_row(&r)).transpose()
    }

    pub async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<UserRow>> {
        let mut q = Sql::new(USER_SELECT);
        q.push(" WHERE id IN (").list(ids.iter().map(String::as_str)).push(")");
        self.fetch_all(q).await?.iter().map(user_row).collect()
    }

    pub async fn insert_user(&self, u: &UserRow) -> Result<()> {
        let mut q = Sql::new(
            "INSERT INTO users (id, email, display_name, password_hash, role, active, created_at, updated_at) VALUES (",
        );
        q.arg(u.id.as_str())
            .push(", ")
            .arg(u.email.to_lowercase())
            .push(", ")
            .arg(u.display_name.clone())
            .push(", ")
            .arg(u.password_hash.as_str())
            .push(", ")
            .arg(u.role.as_str())
            .push(", ")
            .arg(u.active as i64)
            .push(", ")
            .arg(u.created_at)
            .push(", ")
            .arg(u.created_at)
            .push(")");
        self.execute(q).await?;
        Ok(())
    }

    pub async fn count_users(&self) -> Result<i64> {
        let row = self.fetch_optional(Sql::new("SELECT COUNT(*) FROM users")).await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }

    // ---- media ----

    /// Every file checksum a media row or a media revision refers to.
    pub async fn media_checksums(&self) -> Result<std::collections::HashSet<String>> {
        let mut out = std::collections::HashSet::new();
        for r in
            self.fetch_all(Sql::new("SELECT DISTINCT checksum FROM media_assets WHERE checksum IS NOT NULL")).await?
        {
            out.insert(r.try_get::<String, _>(0)?);
        }
        let q = Sql::new("SELECT snapshot FROM revisions WHERE item_type = 'MediaAsset'");
        for r in self.fetch_all(q).await? {
            let snap: serde_json::Value = serde_json::from_str(&r.try_get::<String, _>(0)?)?;
            if let Some(c) = snap["fields"]["checksum"].as_str() {
                out.insert(c.to_owned());
            }
        }
        Ok(out)
    }

    /// Media rows holding a file: (mime type, file name, focal point JSON).
    pub async fn media_files(&self, checksum: &str) -> Result<Vec<(String, Option<String>, Option<String>)>> {
        let mut q = Sql::new("SELECT mime_type, file_name, focal_point FROM media_assets WHERE checksum = ");
        q.arg(checksum).push(" AND mime_type IS NOT NULL");
        self.fetch_all(q).await?.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    // ---- persisted queries ----

    /// The query text of a hash, and whether the operator registered it.
    pub async fn persisted_query(&self, hash: &str) -> Result<Option<(String, bool)>> {
        let mut q = Sql::new("SELECT query, registered FROM persisted_queries WHERE hash = ");
        q.arg(hash);
        let Some(r) = self.fetch_optional(q).await? else { return Ok(None) };
        Ok(Some((r.try_get(0)?, r.try_get::<i64, _>(1)? != 0)))
    }

    /// Keeps a query under its hash; `registered` puts it on the allowlist.
    pub async fn save_persisted_query(&self, hash: &str, query: &str, registered: bool) -> Result<()> {
        let mut q = Sql::new("INSERT INTO persisted_queries (hash, query, registered, created_at) VALUES (");
        q.arg(hash).push(", ").arg(query).push(", ").arg(registered as i64).push(", ").arg(self.now_ms());
        q.push(") ON CONFLICT (hash) DO UPDATE SET registered = CASE WHEN persisted_queries.registered = 1 THEN 1 ELSE excluded.registered END");
        self.execute(q).await?;
        Ok(())
    }

    /// Takes an idempotency key for a request, or tells what became of the
    /// request that took it before. Keys older than a day are forgotten.
    pub async fn claim_idempotency_key(&self, scope_key: &str, request_hash: &str) -> Result<KeyClaim> {
        let now = self.now_ms();
        // A key older than a day is free again (the sweep deletes it later).
        let mut q = Sql::new("INSERT INTO idempotent_requests (scope_key, request_hash, created_at) VALUES (");
        q.arg(scope_key).push(", ").arg(request_hash).push(", ").arg(now);
        q.push(
            ") ON CONFLICT (scope_key) DO UPDATE SET request_hash = excluded.request_hash, status = NULL, body = NULL, \
             created_at = excluded.created_at WHERE idempotent_requests.created_at < ",
        );
        q.arg(now - IDEMPOTENCY_KEY_TTL_MS);
        if self.execute(q).await? == 1 {
            return Ok(KeyClaim::Taken);
        }
        let mut q = Sql::new("SELECT request_hash, status, body FROM idempotent_requests WHERE scope_key = ");
        q.arg(scope_key);
        let Some(r) = self.fetch_optional(q).await? else { return Ok(KeyClaim::Taken) };
        let (hash, status, body): (String, Option<i64>, Option<String>) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if hash != request_hash {
            return Ok(KeyClaim::OtherRequest);
        }
        Ok(match (status, body) {
            (Some(status), Some(body)) => KeyClaim::Answered { status: status as u16, body },
            _ => {
                let mut q = Sql::new("SELECT 1 FROM audit_log WHERE request_key = ");
                q.arg(scope_key).push(" LIMIT 1");
                if self.fetch_optional(q).await?.is_some() { KeyClaim::Applied } else { KeyClaim::Unfinished }
            }
        })
    }

    /// Forgets idempotency keys older than a day; returns how many.
    pub async fn sweep_idempotency_keys(&self) -> Result<u64> {
        let mut q = Sql::new("DELETE FROM idempotent_requests WHERE created_at < ");
        q.arg(self.now_ms() - IDEMPOTENCY_KEY_TTL_MS);
        self.execute(q).await
    }

    /// Keeps the answer of the request that holds the key.
    pub async fn answer_idempotency_key(&self, scope_key: &str, status: u16, body: &str) -> Result<()> {
        let mut q = Sql::new("UPDATE idempotent_requests SET status = ");
        q.arg(status as i64).push(", body = ").arg(body).push(" WHERE scope_key = ").arg(scope_key);
        self.execute(q).await?;
        Ok(())
    }

    /// Sends a change to every instance on this PostgreSQL (`LISTEN relais_changes`),
    /// delivered when the transaction commits. SQLite has one process: nothing to send.
    pub async fn notify_change(tx: &mut Tx<'_>, payload: &str) -> Result<()> {
        if tx.dialect() == Dialect::Postgres {
            let mut q = Sql::new("SELECT pg_notify('relais_changes', ");
            q.arg(payload).push(")");
            tx.fetch_all(q).await?;
        }
        Ok(())
    }

    /// Announces a content event once the transaction commits: on PostgreSQL
    /// through NOTIFY (every instance's listener hears it, this one's too).
    pub async fn publish_event(tx: &mut Tx<'_>, payload: &str) -> Result<()> {
        if tx.dialect() == Dialect::Postgres {
            let mut q = Sql::new("SELECT pg_notify('relais_events', ");
            q.arg(payload).push(")");
            tx.fetch_all(q).await?;
        } else {
            tx.pending_events.push(payload.to_owned());
        }
        Ok(())
    }

    /// Content events as they happen.
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.inner.events.subscribe()
    }

    /// An event heard from PostgreSQL.
    pub fn forward_event(&self, payload: &str) {
        let _ = self.inner.events.send(payload.to_owned());
    }

    /// The URL to LISTEN on, when several instances can share the database.
    pub fn listen_url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    // ---- audit ----

    /// One administrative write and its audit entry, in one transaction.
    /// `false`, with nothing written, when the write matched no row (the
    /// record is gone, or its version has moved on).
    pub(crate) async fn write_audited(&self, sql: Sql, audit: &AuditEntry) -> Result<bool> {
        let mut tx = self.begin().await?;
        if tx.execute(sql).await? != 1 {
            return Ok(false);
        }
        tx.insert_audit(audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records an entry outside any write (logins, failed logins).
    pub async fn insert_audit(&self, a: &AuditEntry) -> Result<()> {
        self.execute(audit_insert(a, self.now_ms())).await?;
        Ok(())
    }

    /// Review steps of items (submitted, sent back, published), oldest first.
    pub async fn review_steps(&self, item_ids: &[String]) -> Result<Vec<AuditEntry>> {
        let mut q = Sql::new(
            "SELECT id, at, actor_id, actor_email, action, item_type, item_id, detail, ip, user_agent FROM audit_log WHERE item_id IN (",
        );
        q.list(item_ids.iter().map(String::as_str));
        q.push(") AND action IN ('submitForReview', 'requestChanges', 'publish', 'unpublish', 'archive') ORDER BY id");
        self.fetch_all(q).await?.iter().map(audit_row).collect()
    }

    /// Newest first; one more row than asked tells whether more follow (in
    /// the direction read).
    pub async fn audit(&self, f: &AuditQuery) -> Result<(Vec<AuditEntry>, bool)> {
        let mut q = Sql::new(
            "SELECT id, at, actor_id, actor_email, action, item_type, item_id, detail, ip, user_agent FROM audit_log WHERE 1=1",
        );
        audit_conditions(&mut q, f);
        if let Some(id) = &f.older_than {
            q.push(" AND id < ").arg(id.as_str());
        }
        if let Some(id) = &f.newer_than {
            q.push(" AND id > ").arg(id.as_str());
        }
        q.push(if f.from_oldest { " ORDER BY id ASC LIMIT " } else { " ORDER BY id DESC LIMIT " });
        q.arg((f.first + 1) as i64);
        let mut rows: Vec<AuditEntry> = self.fetch_all(q).await?.iter().map(audit_row).collect::<Result<_>>()?;
        let more = rows.len() > f.first;
        rows.truncate(f.first);
        if f.from_oldest {
            rows.reverse();
        }
        Ok((rows, more))
    }

    /// How many entries the conditions of `f` select (cursors aside).
    pub async fn audit_count(&self, f: &AuditQuery) -> Result<i64> {
        let mut q = Sql::new("SELECT COUNT(*) FROM audit_log WHERE 1=1");
        audit_conditions(&mut q, f);
        let row = self.fetch_optional(q).await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }

    /// Whether an entry exists on the other side of a page (`id` newer, or
    /// older with `older`), for `pageInfo`.
    pub async fn audit_beyond(&self, f: &AuditQuery, id: &str, older: bool) -> Result<bool> {
        let mut q = Sql::new("SELECT 1 FROM audit_log WHERE 1=1");
        audit_conditions(&mut q, f);
        q.push(if older { " AND id < " } else { " AND id > " }).arg(id).push(" LIMIT 1");
        Ok(self.fetch_optional(q).await?.is_some())
    }
}

fn audit_conditions(q: &mut Sql, f: &AuditQuery) {
    for (col, v) in
        [("actor_id", &f.actor_id), ("action", &f.action), ("item_id", &f.item_id), ("item_type", &f.item_type)]
    {
        if let Some(v) = v {
            q.push(&format!(" AND {col} = ")).arg(v.as_str());
        }
    }
    if let Some(t) = f.since {
        q.push(" AND at >= ").arg(t);
    }
    if let Some(t) = f.until {
        q.push(" AND at < ").arg(t);
    }
}

impl Store {
    // ---- revisions ----

    pub async fn revisions(&self, item_ids: &[String]) -> Result<Vec<Revision>> {
        let mut q = Sql::new(
            "SELECT id, item_id, item_type, number, kind, version, state, snapshot, author_id, message, created_at FROM revisions WHERE item_id IN (",
        );
        q.list(item_ids.iter().map(String::as_str)).push(") ORDER BY item_id, number DESC");
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(Revision {
                    id: r.try_get(0)?,
                    item_id: r.try_get(1)?,
                    item_type: r.try_get(2)?,
                    number: r.try_get(3)?,
                    kind: r.try_get(4)?,
                    version: r.try_get(5)?,
                    state: stored_state(&r.try_get::<String, _>(6)?)?,
                    snapshot: r.try_get(7)?,
                    author_id: r.try_get(8)?,
                    message: r.try_get(9)?,
                    created_at: r.try_get(10)?,
                })
            })
            .collect()
    }
}

pub(crate) const USER_SELECT: &str =
    "SELECT id, email, display_name, password_hash, role, active, created_at, version FROM users";

pub(crate) fn user_row(r: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        display_name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        role: r.try_get(4)?,
        active: r.try_get::<i64, _>(5)? != 0,
        created_at: r.try_get(6)?,
        version: r.try_get(7)?,
    })
}

fn audit_row(r: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_id: r.try_get(2)?,
        actor_email: r.try_get(3)?,
        action: r.try_get(4)?,
        item_type: r.try_get(5)?,
        item_id: r.try_get(6)?,
        detail: r.try_get(7)?,
        ip: r.try_get(8)?,
        user_agent: r.try_get(9)?,
        request_key: None,
    })
}

/// The entry as written, stamped `at` by the service's clock.
fn audit_insert(a: &AuditEntry, at: i64) -> Sql {
    let mut q = Sql::new(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, action, item_type, item_id, detail, ip, user_agent, request_key) VALUES (",
    );
    q.arg(a.id.as_str()).push(", ").arg(at).push(", ").arg(a.actor_id.clone()).push(", ").arg(a.actor_email.clone());
    q.push(", ").arg(a.action.as_str()).push(", ").arg(a.item_type.clone()).push(", ").arg(a.item_id.clone());
    q.push(", ").arg(a.detail.clone()).push(", ").arg(a.ip.clone()).push(", ").arg(a.user_agent.clone());
    q.push(", ").arg(a.request_key.clone()).push(")");
    q
}

/// `sqlite:path` with the file and its folder created on first start, and the
/// `synchronous` level asked for (`?synchronous=normal`; FULL by default, so
/// an acknowledged commit survives a power cut).
/// Whether a `sqlite:` URL is one `connect` takes (its options), without
/// opening anything.
pub fn check_sqlite_url(url: &str) -> Result<()> {
    sqlite_url(url).map(|_| ())
}

/// sqlx's URL, the file's path and the `synchronous` level.
fn sqlite_url(url: &str) -> Result<(String, String, &'static str)> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let mut synchronous = "FULL";
    let mut kept = Vec::new();
    for p in params.split('&').filter(|p| !p.is_empty()) {
        match p.split_once('=') {
            Some(("synchronous", v)) => {
                synchronous = match v.to_ascii_lowercase().as_str() {
                    "full" => "FULL",
                    "normal" => "NORMAL",
                    "extra" => "EXTRA",
                    _ => return Err(Error::bad_input("synchronous= takes full, normal or extra")),
                }
            }
            _ => kept.push(p),
        }
    }
    let params = kept.join("&");
    if path.is_empty() || path == ":memory:" {
        return Err(Error::bad_input(
            "an in-memory SQLite database gives each connection its own data; give a file path",
        ));
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::bad_input(format!("cannot create {}: {e}", dir.display())))?;
    }
    let params = if params.contains("mode=") {
        params.to_owned()
    } else if params.is_empty() {
        "mode=rwc".into()
    } else {
        format!("{params}&mode=rwc")
    };
    Ok((format!("sqlite://{path}?{params}"), path.to_owned(), synchronous))
}

async fn load_countries(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    for chunk in COUNTRIES.lines().collect::<Vec<_>>().chunks(50) {
        let mut q = Sql::new("INSERT INTO countries (code, name) VALUES ");
        for (i, line) in chunk.iter().enumerate() {
            let mut cols = line.split('\t');
            let (Some(code), Some(fr), Some(en), Some(ar)) = (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                return Err(Error::internal(format!("bad countries line {line:?}")));
            };
            let name = serde_json::json!({ "fr": fr, "en": en, "ar": ar }).to_string();
            if i > 0 {
                q.push(", ");
            }
            q.push("(").arg(code).push(", ").arg(name).push(")");
        }
        q.query().execute(&mut **tx).await?;
    }
    Ok(())
}

/// A write transaction. Dropping it without `commit` rolls everything back.
/// A transaction, begun and ended by hand so that a connection whose
/// `COMMIT` failed (a full disk) is closed rather than handed to the next
/// request still inside that transaction. Dropped without a commit, it rolls
/// back.
pub struct Tx<'s> {
    store: &'s Store,
    /// `None` once committed.
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    /// SQLite's single writer: held until the transaction has ended.
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Events to announce once committed (SQLite).
    pending_events: Vec<String>,
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let guard = self.guard.take();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.close_on_drop();
                    }
                    drop(guard);
                });
            }
            // No runtime to roll back on: closing the connection rolls back.
            Err(_) => conn.close_on_drop(),
        }
    }
}

impl Tx<'_> {
    /// The service's clock, for the times written in this transaction.
    pub fn now_ms(&self) -> i64 {
        self.store.now_ms()
    }

    fn conn(&mut self) -> Result<&mut sqlx::pool::PoolConnection<sqlx::Any>> {
        self.conn.as_mut().ok_or_else(|| Error::internal("transaction used after it ended"))
    }

    pub async fn commit(mut self) -> Result<()> {
        let Some(mut conn) = self.conn.take() else { return Err(Error::internal("transaction ended twice")) };
        if let Err(e) = sqlx::raw_sql("COMMIT").execute(&mut *conn).await {
            // The transaction may be open still, or undone by the database: either
            // way this connection is not given to anyone else.
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            conn.close_on_drop();
            return Err(e.into());
        }
        drop(conn);
        self.guard.take();
        for e in std::mem::take(&mut self.pending_events) {
            let _ = self.store.inner.events.send(e);
        }
        Ok(())
    }

    pub(crate) async fn execute(&mut self, sql: Sql) -> Result<u64> {
        self.store.count();
        let t = std::time::Instant::now();
        let r = sql.query().execute(&mut **self.conn()?).await;
        self.store.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        Ok(r?.rows_affected())
    }

    pub(crate) async fn fetch_all(&mut self, sql: Sql) -> Result<Vec<AnyRow>> {
        self.store.count();
        let t = std::time::Instant::now();
        let r = sql.query().fetch_all(&mut **self.conn()?).await;
        self.store.inner.sql_seconds.observe(t.elapsed().as_secs_f64());
        Ok(r?)
    }

    pub fn dialect(&self) -> Dialect {
        self.store.dialect()
    }

    pub async fn insert_audit(&mut self, a: &AuditEntry) -> Result<()> {
        self.execute(audit_insert(a, self.now_ms())).await?;
        Ok(())
    }

    pub async fn insert_revision(&mut self, r: &Revision) -> Result<()> {
        let mut q = Sql::new(
            "INSERT INTO revisions (id, item_id, item_type, number, kind, version, state, snapshot, author_id, message, created_at) VALUES (",
        );
        q.arg(r.id.as_str()).push(", ").arg(r.item_id.as_str()).push(", ").arg(r.item_type.as_str());
        q.push(", (SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE item_id = ")
            .arg(r.item_id.as_str())
            .push(")");
        q.push(", ").arg(r.kind.as_str()).push(", ").arg(r.version).push(", ").arg(r.state.as_str());
        q.push(", ").arg(r.snapshot.as_str()).push(", ").arg(r.author_id.clone()).push(", ").arg(r.message.clone());
        q.push(", ").arg(r.created_at).push(")");
        self.execute(q).await?;
        Ok(())
    }
}

#[cfg(test)]
mod url_tests {
    #[test]
    fn sqlite_urls_take_a_synchronous_level_and_full_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/db.sqlite").display().to_string();
        let (url, _, sync) = super::sqlite_url(&format!("sqlite:{path}")).unwrap();
        assert_eq!((url, sync), (format!("sqlite://{path}?mode=rwc"), "FULL"));
        let (url, _, sync) = super::sqlite_url(&format!("sqlite:{path}?synchronous=normal&cache=shared")).unwrap();
        assert_eq!((url, sync), (format!("sqlite://{path}?cache=shared&mode=rwc"), "NORMAL"));
        assert!(super::sqlite_url(&format!("sqlite:{path}?synchronous=off")).is_err());
    }
}

#[cfg(test)]
mod build_tests {
    /// `.cargo/config.toml` builds SQLite without its global allocation lock.
    #[tokio::test]
    async fn sqlite_is_built_without_memory_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Store::connect(&format!("sqlite:{}", dir.path().join("db.sqlite").display())).await.unwrap();
        let rows = store.fetch_all(super::Sql::new("PRAGMA compile_options")).await.unwrap();
        let options: Vec<String> = rows.iter().map(|r| sqlx::Row::try_get(r, 0).unwrap()).collect();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }
}

#[cfg(test)]
mod pool_tests {
    /// A content read still running just past its request's budget is
    /// cancelled by PostgreSQL itself (`TIMEOUT`), rather than left holding a
    /// connection after its request has given up; the pool serves on.
    #[tokio::test]
    async fn a_postgres_read_past_its_budget_is_cancelled_by_the_server() {
        use sqlx::Connection;
        let Ok(admin) = std::env::var("RELAIS_TEST_POSTGRES_URL") else {
            return; // the PostgreSQL half (CI sets the URL)
        };
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let budget = std::time::Duration::from_millis(100);
        let store = super::Store::open(&format!("{base}/{name}"), Default::default(), Some(budget)).await.unwrap();
        let started = std::time::Instant::now();
        let sleep = super::sql::Sql::new("SELECT 1 FROM pg_sleep(60)");
        let e = store.read_rows(sleep, |r| r.int(0)).await.unwrap_err();
        assert_eq!(e.code, crate::error::Code::Timeout, "{e:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "cancelled, not slept out");
        let after = store.read_rows(super::sql::Sql::new("SELECT 5"), |r| r.int(0)).await.unwrap();
        assert_eq!(after, vec![Some(5)]);
        store.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    /// A pool whose every connection is lent out is busy, not gone: the
    /// wait ends in `SERVER_BUSY` and the store does not shorten its next
    /// waits as it does for a database it cannot reach (on SQLite, and on
    /// PostgreSQL when the half runs).
    #[tokio::test]
    async fn a_pool_with_every_connection_lent_out_is_busy_not_unreachable() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let mut urls = vec![format!("sqlite:{}", dir.path().join("busy.db").display())];
        let admin = std::env::var("RELAIS_TEST_POSTGRES_URL").ok();
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        if let Some(admin) = &admin {
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            urls.push(format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)));
        }
        for url in urls {
            let store = super::Store::open(&url, Default::default(), None).await.unwrap();
            let max = store.inner.pool.options().get_max_connections();
            let mut lent = Vec::new();
            for _ in 0..max {
                lent.push(store.acquire().await.unwrap());
            }
            let e = store.acquire().await.unwrap_err();
            assert_eq!(e.code, crate::error::Code::ServerBusy, "{url}: {e:?}");
            assert!(!store.inner.unreachable.load(std::sync::atomic::Ordering::Relaxed), "{url}: taken for an outage");
            drop(lent);
            store.acquire().await.unwrap();
            store.close().await;
        }
        if let Some(admin) = &admin {
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            let drop = format!("DROP DATABASE {name} WITH (FORCE)");
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await.unwrap();
        }
    }

    /// A pooled PostgreSQL connection goes back without a round trip (no
    /// ping), yet settles what it owes first: an abandoned transaction's
    /// rollback reaches the server as the connection returns (its locks are
    /// free for others), and a statement dropped midway does not leak its
    /// answer into the next one.
    #[tokio::test]
    async fn a_released_postgres_connection_settles_what_it_owes() {
        let Ok(url) = std::env::var("RELAIS_TEST_POSTGRES_URL") else {
            return; // the PostgreSQL half (CI sets the URL)
        };
        let outage = std::sync::Arc::new(super::Outage::new());
        let pool = super::pool_options::<sqlx::Postgres>(2, &outage).connect(&url).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(724242)").execute(&mut *tx).await.unwrap();
        drop(tx);
        let mut other = pool.acquire().await.unwrap();
        let mut free = false;
        for _ in 0..100 {
            free = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(724242)").fetch_one(&mut *other).await.unwrap();
            if free {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        drop(other);
        assert!(free, "the abandoned transaction still holds its lock");

        let pool = super::pool_options::<sqlx::Postgres>(1, &outage).connect(&url).await.unwrap();
        let slow = sqlx::query_scalar::<_, i32>("SELECT 7 FROM pg_sleep(0.3)").fetch_one(&pool);
        assert!(tokio::time::timeout(std::time::Duration::from_millis(50), slow).await.is_err());
        let v: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.unwrap();
        assert_eq!(v, 1);
    }
}
