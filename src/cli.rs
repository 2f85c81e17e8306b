//! The command line: one binary, each setting a flag and an environment
//! variable of the same name.

use crate::app::{Config, Hub, Limits};
use crate::domain::{self, import, locale::Locales, permissions::Role};
use crate::media::store::S3Settings;
use crate::media::{Media, MediaLimits};
use crate::secret::Secret;
use crate::startup::{Application, Startup};
use crate::store::Store;
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(name = "relais", version, about = "Relais: a headless content hub with one GraphQL API")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// SQLite file (sqlite:PATH) or PostgreSQL URL (postgres://…).
    #[arg(long, env = "RELAIS_DATABASE_URL", default_value = "sqlite:data/relais.db", global = true)]
    pub database_url: String,
    /// Locales served, the default first.
    #[arg(long, env = "RELAIS_LOCALES", default_value = "fr,en,ar", global = true)]
    pub locales: String,
    /// Fallback chains, e.g. `ar:fr,en:fr`; every chain ends with the default locale.
    #[arg(long, env = "RELAIS_LOCALE_FALLBACKS", default_value = "ar:fr,en:fr", global = true)]
    pub locale_fallbacks: String,
    /// Secret that signs tokens (32+ characters); by default one is made and kept in the database.
    #[arg(long, env = "RELAIS_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// Lifetime of login tokens, in seconds.
    #[arg(long, env = "RELAIS_TOKEN_TTL", default_value_t = 12 * 3600, global = true)]
    pub token_ttl: i64,
    /// Largest request body, in bytes.
    #[arg(long, env = "RELAIS_MAX_BODY_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_body_bytes: usize,
    /// Largest query depth.
    #[arg(long, env = "RELAIS_MAX_DEPTH", default_value_t = 15, global = true)]
    pub max_depth: usize,
    /// Largest query cost (fields times the page sizes they are nested in).
    #[arg(long, env = "RELAIS_MAX_COMPLEXITY", default_value_t = 50_000, global = true)]
    pub max_complexity: usize,
    /// Most aliased fields in one request.
    #[arg(long, env = "RELAIS_MAX_ALIASES", default_value_t = 50, global = true)]
    pub max_aliases: usize,
    /// Most root fields in one mutation request.
    #[arg(long, env = "RELAIS_MAX_ROOT_MUTATIONS", default_value_t = 10, global = true)]
    pub max_root_mutations: usize,
    /// Failed sign-ins allowed per address and minute (0: no limit).
    #[arg(long, env = "RELAIS_LOGIN_FAILURES_PER_MINUTE", default_value_t = 10, global = true)]
    pub login_failures_per_minute: i64,
    /// Compiled plans for query documents seen before: on, off, or checked
    /// (every plan's answer compared with the engine's; for tests).
    #[arg(long, env = "RELAIS_COMPILED_PLANS", default_value = "on", global = true)]
    pub compiled_plans: String,
    /// Reverse proxies (addresses or networks, comma-separated) whose
    /// X-Forwarded-For or Forwarded header names the client.
    #[arg(long, env = "RELAIS_TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,
    /// Let webhooks call private, loopback and link-local addresses (a
    /// receiver on the same network); off, such endpoints are refused.
    #[arg(long, env = "RELAIS_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: bool,
    /// Let authors read every working copy with `preview: true`; off, an
    /// author previews only the items they created.
    #[arg(long, env = "RELAIS_AUTHORS_READ_ALL_DRAFTS", global = true)]
    pub authors_read_all_drafts: bool,
    /// Longest a query may run, in milliseconds, before it is stopped with TIMEOUT.
    #[arg(long, env = "RELAIS_QUERY_TIMEOUT_MS", default_value_t = 5000, global = true)]
    pub query_timeout_ms: u64,
    /// Media store: a folder, or s3://BUCKET (with RELAIS_S3_ENDPOINT, RELAIS_S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "RELAIS_MEDIA_URL", default_value = "media", global = true)]
    pub media_url: String,
    /// Endpoint of an S3-compatible service (MinIO, Garage, R2), e.g. http://127.0.0.1:9000.
    #[arg(long, env = "RELAIS_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "RELAIS_S3_REGION", global = true)]
    pub s3_region: Option<String>,
    /// Longest wait, in seconds, for one request to the S3 service (tried twice).
    #[arg(long, env = "RELAIS_S3_TIMEOUT_SECS", default_value_t = 10, global = true)]
    pub s3_timeout_secs: u64,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", global = true, hide_env_values = true)]
    pub aws_access_key_id: Option<String>,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", global = true, hide_env_values = true)]
    pub aws_secret_access_key: Option<Secret>,
    /// Largest uploaded file, in bytes.
    #[arg(long, env = "RELAIS_MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024, global = true)]
    pub max_upload_bytes: usize,
    /// Memory for decoding images, in MiB, shared by the images processed at
    /// once; an image needing more is refused.
    #[arg(long, env = "RELAIS_IMAGE_MEMORY_MIB", default_value_t = 200, global = true)]
    pub image_memory_mib: u64,
    /// Most files in one upload request.
    #[arg(long, env = "RELAIS_MAX_UPLOAD_FILES", default_value_t = 10, global = true)]
    pub max_upload_files: usize,
    /// Base URL clients reach this server at, for absolute media URLs (default: http://RELAIS_ADDR).
    #[arg(long, env = "RELAIS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// `auto`: clients register queries by hash (automatic persisted queries);
    /// `allowlist`: only queries registered with `relais queries add` run.
    #[arg(long, env = "RELAIS_PERSISTED_QUERIES", default_value = "auto", value_parser = ["auto", "allowlist"], global = true)]
    pub persisted_queries: String,
    /// Requests per minute per IP without an API key or a login (0: no limit).
    #[arg(long, env = "RELAIS_ANONYMOUS_RATE_LIMIT", default_value_t = 1200, global = true)]
    pub anonymous_rate_limit: i64,
    /// Deepest search result reached: pages stop there, and a published search
    /// matching more ranks only the newest this many matches and counts "at least".
    #[arg(long, env = "RELAIS_SEARCH_WINDOW", default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(1..=1_000_000), global = true)]
    pub search_window: i64,
    /// `max-age` of public answers (anonymous reads of published content), in seconds.
    #[arg(long, env = "RELAIS_CACHE_MAX_AGE", default_value_t = 60, global = true)]
    pub cache_max_age: u32,
    /// Answers kept in the in-process response cache (0 turns it off).
    #[arg(long, env = "RELAIS_RESPONSE_CACHE", default_value_t = 2000, global = true)]
    pub response_cache: usize,
    /// Saves kept per item in the revision history (every publish is kept too).
    #[arg(long, env = "RELAIS_REVISIONS_KEEP", default_value_t = 50, global = true)]
    pub revisions_keep: i64,
    /// Seconds between sweeps of unreferenced media objects (0: never).
    #[arg(long, env = "RELAIS_MEDIA_SWEEP_SECS", default_value_t = 3600, global = true)]
    pub media_sweep_secs: u64,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Restore an export archive into an empty database, or import content
    /// from a JSON file (`{"items": [...]}`) or an NDJSON file
    /// (`.ndjson`/`.jsonl`, one item per line).
    Import {
        file: String,
        /// Write many items per statement, for large loads: references must
        /// point backwards; one audit entry, no per-item revisions or webhooks.
        #[arg(long)]
        bulk: bool,
    },
    /// Export everything needed to rebuild the service (both copies of every
    /// item, history, users, keys, webhooks) to an archive: a tar file of
    /// JSON lines, read from one snapshot while the service runs.
    Export {
        file: String,
        /// Add the original media files.
        #[arg(long)]
        media: bool,
        /// Add the webhooks' signing secrets (otherwise import makes new ones).
        #[arg(long)]
        secrets: bool,
        /// Write only the items' working copies as a content file
        /// (`{"items": [...]}`), to edit or load elsewhere; not a backup.
        #[arg(long, conflicts_with_all = ["media", "secrets"])]
        items: bool,
    },
    /// Copy a running SQLite database to a new file, consistently, while
    /// writes go on (for PostgreSQL, use pg_dump: see the README).
    Backup {
        /// The copy to write; it must not exist yet.
        file: String,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Persisted queries: `relais queries add FILE…` puts queries on the allowlist.
    Queries {
        #[command(subcommand)]
        command: QueriesCommand,
    },
    /// Media maintenance.
    Media {
        #[command(subcommand)]
        command: MediaCommand,
    },
    /// The settings: check them before a start, or print their reference.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Reports settings that would stop or mislead a start (exit status 1),
    /// without connecting to anything.
    Check,
    /// Prints every setting (variable, flag, default, meaning) as the README's table.
    Reference,
}

#[derive(Subcommand, Debug)]
pub enum QueriesCommand {
    /// Registers each file (one GraphQL document) under its SHA-256.
    Add { files: Vec<String> },
}

#[derive(Subcommand, Debug)]
pub enum MediaCommand {
    /// Remove stored objects that no media row or revision refers to.
    Sweep {
        /// Keep objects younger than this many seconds (an upload may be in flight).
        #[arg(long, default_value_t = 3600)]
        grace_secs: i64,
    },
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RELAIS_ADDR", default_value = "127.0.0.1:4000")]
    pub addr: String,
    /// Load the demo content into an empty database that is not the embedded default.
    #[arg(long, env = "RELAIS_DEMO")]
    pub demo: bool,
    /// Seconds for a request's headers to arrive (also closes idle keep-alive connections).
    #[arg(long, env = "RELAIS_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Longest pause, in seconds, while a request body is received.
    #[arg(long, env = "RELAIS_BODY_TIMEOUT_SECS", default_value_t = 10)]
    pub body_timeout_secs: u64,
    /// Open connections at most (default: half the file-descriptor limit, at most 10,000).
    #[arg(long, env = "RELAIS_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for requests in flight and background work.
    #[arg(long, env = "RELAIS_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Serve `/metrics` on this address only (e.g. 127.0.0.1:9464), off the public port.
    #[arg(long, env = "RELAIS_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
}

impl ServeArgs {
    fn server_limits(&self) -> crate::http::server::ServerLimits {
        use std::time::Duration;
        let d = crate::http::server::ServerLimits::default();
        crate::http::server::ServerLimits {
            header_timeout: Duration::from_secs(self.header_timeout_secs.max(1)),
            body_idle_timeout: Duration::from_secs(self.body_timeout_secs.max(1)),
            max_connections: self.max_connections.unwrap_or(d.max_connections),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            ..d
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password comes from RELAIS_PASSWORD or standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["ADMIN", "EDITOR", "AUTHOR", "VIEWER"], ignore_case = true)]
        role: String,
    },
}

impl Settings {
    /// What is wrong with these settings, each said so that a person can
    /// fix it; nothing is connected to.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = Locales::parse(&self.locales, &self.locale_fallbacks) {
            out.push(format!("RELAIS_LOCALES / RELAIS_LOCALE_FALLBACKS: {}", e.message));
        }
        if let Err(e) = crate::app::Cidr::parse_list(&self.trusted_proxies) {
            out.push(format!("RELAIS_TRUSTED_PROXIES: {}", e.message));
        }
        if crate::graphql::plan::PlanMode::parse(&self.compiled_plans).is_none() {
            out.push(format!("RELAIS_COMPILED_PLANS: {:?} is not on, off or checked", self.compiled_plans));
        }
        let db = &self.database_url;
        if !(db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://")) {
            out.push(format!("RELAIS_DATABASE_URL: {db:?} is neither sqlite:PATH nor postgres://…"));
        } else if db.starts_with("sqlite:")
            && let Err(e) = crate::store::check_sqlite_url(db)
        {
            out.push(format!("RELAIS_DATABASE_URL: {}", e.message));
        }
        if let Some(secret) = &self.jwt_secret
            && secret.expose().len() < 32
        {
            out.push("RELAIS_JWT_SECRET: give 32 characters or more (or leave it unset to have one made)".into());
        }
        if self.media_url.starts_with("s3://") {
            if self.media_url.trim_start_matches("s3://").trim_matches('/').is_empty() {
                out.push("RELAIS_MEDIA_URL: name the bucket, s3://BUCKET".into());
            }
            if self.aws_access_key_id.is_none() || self.aws_secret_access_key.is_none() {
                out.push(
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: both are needed with an s3:// media store".into(),
                );
            }
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            out.push(format!("RELAIS_PUBLIC_URL: {url:?} must start with http:// or https://"));
        }
        out
    }

    fn limits(&self) -> Limits {
        Limits {
            body_bytes: self.max_body_bytes,
            depth: self.max_depth,
            complexity: self.max_complexity,
            page_size: 100,
            anonymous_per_minute: self.anonymous_rate_limit,
            aliases: self.max_aliases,
            root_mutations: self.max_root_mutations,
            query_timeout: std::time::Duration::from_millis(self.query_timeout_ms.max(1)),
            login_failures_per_minute: self.login_failures_per_minute,
            search_window: self.search_window,
            plans: crate::graphql::plan::PlanMode::parse(&self.compiled_plans).unwrap_or_default(),
        }
    }

    /// The S3 connection settings (used when the media store is `s3://`).
    pub fn s3_settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key: self.aws_access_key_id.clone(),
            secret_key: self.aws_secret_access_key.clone(),
            timeout: Some(std::time::Duration::from_secs(self.s3_timeout_secs.max(1))),
        }
    }

    /// The hub's configuration, for a server listening on `addr`.
    pub fn config(&self, addr: &str) -> anyhow::Result<Config> {
        Ok(Config {
            locales: Locales::parse(&self.locales, &self.locale_fallbacks)?,
            jwt_secret: self.jwt_secret.clone(),
            token_ttl_secs: self.token_ttl,
            limits: self.limits(),
            public_url: self.public_url.clone().unwrap_or_else(|| format!("http://{addr}")),
            revisions_keep: self.revisions_keep.max(1),
            caching: crate::app::Caching {
                allowlist_only: self.persisted_queries == "allowlist",
                max_age: self.cache_max_age,
                response_cache_entries: self.response_cache,
            },
            webhook_retry_base_ms: 30_000,
            trusted_proxies: crate::app::Cidr::parse_list(&self.trusted_proxies)?,
            webhook_allow_private: self.webhook_allow_private,
            authors_read_all_drafts: self.authors_read_all_drafts,
        })
    }

    pub async fn hub(&self, addr: &str) -> anyhow::Result<Arc<Hub>> {
        let budget = std::time::Duration::from_millis(self.query_timeout_ms.max(1));
        let store = Store::open(&self.database_url, crate::clock::Clock::default(), Some(budget)).await?;
        let objects = crate::media::store::open(&self.media_url, &self.s3_settings()).await?;
        let media_limits = MediaLimits {
            max_file_bytes: self.max_upload_bytes,
            max_files: self.max_upload_files,
            image: crate::media::image::ImageLimits {
                memory: self.image_memory_mib.max(1) << 20,
                ..Default::default()
            },
        };
        Ok(Hub::new(store, Media::new(objects, media_limits), self.config(addr)?).await?)
    }
}

const DEFAULT_ADDR: &str = "127.0.0.1:4000";

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let s = cli.settings;
    // No subcommand: `serve` with its settings from the environment.
    let command = match cli.command {
        Some(c) => c,
        None => match Cli::try_parse_from(["relais", "serve"]) {
            Ok(Cli { command: Some(c), .. }) => c,
            Ok(_) => anyhow::bail!("cannot read the serve settings"),
            Err(e) => anyhow::bail!("{e}"),
        },
    };
    match command {
        Command::Serve(args) => {
            // SIGTERM is heard from now on (before the first request is answered).
            let signal = crate::http::server::stop_signal();
            let hub = s.hub(&args.addr).await?;
            // The embedded default shows real content at once; elsewhere only on request.
            if (s.database_url.starts_with("sqlite:") || args.demo) && import::load_demo_if_empty(&hub.content).await? {
                tracing::info!("loaded the demo content");
            }
            tracing::info!("media in {}", hub.media.store.describe());
            let listener = tokio::net::TcpListener::bind(&args.addr).await?;
            let metrics = match &args.metrics_addr {
                Some(addr) => Some(tokio::net::TcpListener::bind(addr).await?),
                None => None,
            };
            let startup = Startup { server: args.server_limits(), tasks: true, media_sweep_secs: s.media_sweep_secs };
            Application::build(hub, listener, metrics, startup).await?.run_until_stopped(signal).await
        }
        Command::Migrate => {
            s.hub(DEFAULT_ADDR).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User { command: UserCommand::Create { email, role } } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
            let password = match std::env::var("RELAIS_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut p = String::new();
                    std::io::stdin().read_to_string(&mut p)?;
                    p.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            let user = hub.users.create(&email, role, password).await?;
            println!("created {} user {}", user.role, user.email);
            Ok(())
        }
        Command::Import { file, bulk } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            let path = std::path::Path::new(&file);
            if domain::archive::is_archive(path) {
                let mut bar = ProgressBar::new(std::fs::metadata(path).map_or(1, |m| m.len()));
                bar.unit = "rows";
                let out =
                    domain::archive::import(&hub.content, &hub.media, path, |rows, at| bar.show(rows as usize, at))
                        .await?;
                bar.done(out.rows as usize);
                println!("restored {} rows and {} media files from {file}", out.rows, out.media_files);
                if !out.new_secrets.is_empty() {
                    println!(
                        "{} webhooks came without their signing secret and have new ones: rotate them at their receivers ({})",
                        out.new_secrets.len(),
                        out.new_secrets.join(", ")
                    );
                }
                if !out.media_missing.is_empty() {
                    println!(
                        "{} media files are in neither the archive nor the media store: copy them over, or export with --media",
                        out.media_missing.len()
                    );
                }
                return Ok(());
            }
            let items = import::ItemFile::open(std::path::Path::new(&file))?;
            let n = if bulk {
                let (size, read) = (items.size, items.read.clone());
                let mut bar = ProgressBar::new(size);
                let n = import::import_bulk(&hub.content, items, |n| {
                    bar.show(n, read.load(std::sync::atomic::Ordering::Relaxed))
                })
                .await?;
                bar.done(n);
                n
            } else {
                import::import_items(&hub.content, &items.collect_all()?).await?
            };
            println!("imported {n} items from {file}");
            Ok(())
        }
        Command::Export { file, media, secrets, items: false } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            let mut bar = ProgressBar::new(1);
            bar.unit = "rows";
            let opts = domain::archive::ExportOptions { media, secrets };
            let out =
                domain::archive::export(hub.store(), &hub.media, std::path::Path::new(&file), opts, |done, total| {
                    bar.size = total.max(1);
                    bar.show(done as usize, done)
                })
                .await?;
            bar.done(out.rows as usize);
            println!("exported {} rows and {} media files to {file}", out.rows, out.media_files);
            if !out.media_missing.is_empty() {
                println!("{} media files were missing from the media store", out.media_missing.len());
            }
            Ok(())
        }
        Command::Export { file, items: true, .. } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            let doc = import::export(&hub.content).await?;
            std::fs::write(&file, serde_json::to_string_pretty(&doc)?)?;
            println!("exported {} items to {file}", doc["items"].as_array().map_or(0, Vec::len));
            Ok(())
        }
        Command::Queries { command: QueriesCommand::Add { files } } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            for f in files {
                let text = std::fs::read_to_string(&f)?;
                async_graphql::parser::parse_query(&text).map_err(|e| anyhow::anyhow!("{f}: {e}"))?;
                let hash = crate::media::sha256_hex(text.as_bytes());
                hub.queries.register(&hash, &text).await?;
                println!("{hash}  {f}");
            }
            Ok(())
        }
        Command::Backup { file } => {
            if std::path::Path::new(&file).exists() {
                anyhow::bail!("{file} exists already: give the backup a new name");
            }
            let store = Store::connect(&s.database_url).await?;
            let started = std::time::Instant::now();
            store.backup_to(&file).await?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!("backed up to {file} ({size} bytes) in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Media { command: MediaCommand::Sweep { grace_secs } } => {
            let hub = s.hub(DEFAULT_ADDR).await?;
            let swept = domain::media::sweep(hub.store(), &hub.media, grace_secs * 1000).await?;
            println!("removed {} unreferenced objects, kept {}", swept.removed, swept.kept);
            Ok(())
        }
        Command::Config { command: ConfigCommand::Check } => {
            let problems = s.problems();
            if problems.is_empty() {
                println!("the settings are fine");
                return Ok(());
            }
            for p in &problems {
                eprintln!("- {p}");
            }
            anyhow::bail!("{} setting(s) to fix before a start", problems.len())
        }
        Command::Config { command: ConfigCommand::Reference } => {
            print!("{}", reference());
            Ok(())
        }
        // No database, no folder: the SDL alone on standard output.
        Command::Schema => {
            print!("{}", crate::graphql::sdl(&s.limits())?);
            Ok(())
        }
    }
}

/// A progress bar on standard error: redrawn in place on a terminal, a line
/// every tenth of the way otherwise (logs of a scripted load).
struct ProgressBar {
    size: u64,
    start: std::time::Instant,
    last: std::time::Instant,
    tenth: u64,
    tty: bool,
    /// What is counted: items, rows.
    unit: &'static str,
}

impl ProgressBar {
    fn new(size: u64) -> Self {
        use std::io::IsTerminal;
        let now = std::time::Instant::now();
        ProgressBar {
            size: size.max(1),
            start: now,
            last: now,
            tenth: 0,
            tty: std::io::stderr().is_terminal(),
            unit: "items",
        }
    }

    fn show(&mut self, items: usize, bytes: u64) {
        let frac = (bytes as f64 / self.size as f64).min(1.0);
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let rate = items as f64 / secs;
        let eta = if frac > 0.0 { secs * (1.0 - frac) / frac } else { 0.0 };
        let filled = (frac * 30.0) as usize;
        let line = format!(
            "[{}{}] {:3.0}%  {items} {}  {rate:.0}/s  {:.0}s left",
            "#".repeat(filled),
            " ".repeat(30 - filled),
            frac * 100.0,
            self.unit,
            eta
        );
        let tenth = (frac * 10.0) as u64;
        if self.tty && self.last.elapsed().as_millis() >= 200 {
            eprint!("\r{line}");
            self.last = std::time::Instant::now();
        } else if !self.tty && tenth > self.tenth {
            eprintln!("{line}");
        }
        self.tenth = tenth;
    }

    fn done(&mut self, items: usize) {
        let secs = self.start.elapsed().as_secs_f64();
        if self.tty {
            eprintln!();
        }
        eprintln!("{items} {} in {secs:.1} s ({:.0}/s)", self.unit, items as f64 / secs.max(0.001));
    }
}

/// The settings table, from the flags' own definitions (so the README cannot
/// drift from the code: a test compares them).
pub fn reference() -> String {
    use clap::CommandFactory;
    let cli = Cli::command();
    let serve = cli.find_subcommand("serve").cloned();
    let args = cli.get_arguments().chain(serve.iter().flat_map(|s| s.get_arguments()));
    let mut out = String::from("| variable | flag | default | meaning |\n|---|---|---|---|\n");
    for a in args {
        let (Some(env), Some(long)) = (a.get_env(), a.get_long()) else { continue };
        let defaults: Vec<String> = a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        let default = match defaults.join(",") {
            d if d.is_empty() => "–".to_owned(),
            d => format!("`{d}`"),
        };
        let help = a.get_long_help().or(a.get_help()).map(|h| h.to_string()).unwrap_or_default();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|");
        let scope = if serve.as_ref().is_some_and(|s| s.get_arguments().any(|x| x.get_id() == a.get_id())) {
            " (`serve`)"
        } else {
            ""
        };
        out.push_str(&format!("| `{}`{scope} | `--{long}` | {default} | {help} |\n", env.to_string_lossy()));
    }
    out
}
