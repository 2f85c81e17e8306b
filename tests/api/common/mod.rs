//! Test harness: a real database per test (a temporary SQLite file, and a fresh
//! PostgreSQL database when RELAIS_TEST_POSTGRES_URL is set), a real server on
//! a loopback port, and real HTTP requests.
#![allow(dead_code)]

use relais::app::{Config, Hub, Limits};
use relais::domain::{import, permissions::Role};
use relais::graphql::plan::PlanMode;
use relais::media::store::{ObjectStore, S3Settings};
use relais::media::{Media, MediaLimits};
use relais::startup::{Application, Startup};
use relais::store::Store;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run on: SQLite always, PostgreSQL when a URL is given.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if std::env::var("RELAIS_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        v.push(Backend::Postgres);
    }
    v
}

/// Where media objects go: the local folder, or a real S3 server (s3s-fs)
/// started for the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaBackend {
    Local,
    S3,
}

/// Starts an S3-compatible server in-process on a loopback port; returns
/// its endpoint. It serves until the test's runtime ends.
pub async fn start_s3(root: &std::path::Path) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use s3s::service::S3ServiceBuilder;
    std::fs::create_dir_all(root.join("relais")).expect("bucket folder");
    let fs = s3s_fs::FileSystem::new(root).expect("s3s-fs");
    let mut b = S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single("relais-test", "relais-test-secret"));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        loop {
            let Ok((socket, _)) = listener.accept().await else { continue };
            let conn = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    });
    format!("http://{addr}")
}

pub struct Options {
    pub limits: Limits,
    pub demo: bool,
    pub media: MediaBackend,
    pub media_limits: MediaLimits,
    /// Another server's database, to run a second instance on it.
    pub database: Option<String>,
    /// Whether the scheduler runs (a stopped server's does not).
    pub tasks: bool,
    pub revisions_keep: i64,
    pub caching: relais::app::Caching,
    /// First wait before a failed webhook delivery is retried.
    pub webhook_retry_ms: i64,
    /// Timeouts and the connection cap of the HTTP server.
    pub server: relais::http::server::ServerLimits,
    /// Proxies whose forwarding headers name the client.
    pub trusted_proxies: Vec<relais::app::Cidr>,
    /// An S3 server of the test's own (for `MediaBackend::S3`), and the wait for it.
    pub s3_endpoint: Option<String>,
    pub s3_timeout: Option<std::time::Duration>,
    /// Whether webhooks may call loopback receivers (the tests' own).
    pub webhook_allow_private: bool,
    /// Whether authors preview every working copy (the wider setting).
    pub authors_read_all_drafts: bool,
    /// Compiled plans: checked unless a test says otherwise, so every query
    /// a plan answers is compared with the engine's answer.
    pub plans: PlanMode,
    /// The clock to keep time by: another server's, so both see it moved.
    pub clock: Option<relais::clock::Clock>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            plans: PlanMode::Checked,
            clock: None,
            demo: true,
            media: MediaBackend::Local,
            media_limits: MediaLimits::default(),
            database: None,
            tasks: true,
            revisions_keep: 50,
            caching: Default::default(),
            webhook_retry_ms: 30_000,
            server: Default::default(),
            trusted_proxies: Vec::new(),
            s3_endpoint: None,
            s3_timeout: None,
            webhook_allow_private: true,
            authors_read_all_drafts: false,
        }
    }
}

pub struct TestServer {
    pub backend: Backend,
    pub db_url: String,
    pub media_backend: MediaBackend,
    pub url: String,
    pub hub: Arc<Hub>,
    pub client: reqwest::Client,
    /// Stop the background tasks at once, to simulate a server going down.
    pub tasks: Vec<tokio::task::AbortHandle>,
    /// Starts the server's shutdown; `serving` ends when it is over.
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub serving: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
    pg_db: Option<(String, String)>,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `extensions.code` of the first error.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    pub fn ok(&self) -> &Value {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        &self.body["data"]
    }
}

async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> (String, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => (format!("sqlite:{}", dir.path().join("relais.db").display()), None),
        Backend::Postgres => {
            let admin = std::env::var("RELAIS_TEST_POSTGRES_URL").expect("RELAIS_TEST_POSTGRES_URL");
            let name = format!("t_{}", uuid::Uuid::now_v7().simple());
            sqlx::any::install_default_drivers();
            let mut conn =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("PostgreSQL answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin.clone());
            (format!("{base}/{name}"), Some((admin, name)))
        }
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Limits::default(), true).await
    }

    pub async fn start_with(backend: Backend, limits: Limits, demo: bool) -> TestServer {
        Self::start_opts(backend, Options { limits, demo, ..Default::default() }).await
    }

    pub async fn start_opts(backend: Backend, o: Options) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg_db) = match &o.database {
            Some(u) => (u.clone(), None),
            None => database_url(backend, &dir).await,
        };
        let clock = o.clock.clone().unwrap_or_default();
        let store = Store::open(&url, clock, Some(o.limits.query_timeout)).await.expect("connect");
        let objects: std::sync::Arc<dyn ObjectStore> = match o.media {
            MediaBackend::Local => {
                let folder = dir.path().join("media").display().to_string();
                relais::media::store::open(&folder, &S3Settings::default()).await.expect("media folder")
            }
            MediaBackend::S3 => {
                let endpoint = match &o.s3_endpoint {
                    Some(e) => e.clone(),
                    None => start_s3(&dir.path().join("s3")).await,
                };
                let s3 = S3Settings {
                    endpoint: Some(endpoint),
                    region: Some("us-east-1".into()),
                    access_key: Some("relais-test".into()),
                    secret_key: Some("relais-test-secret".into()),
                    timeout: o.s3_timeout,
                };
                relais::media::store::open("s3://relais", &s3).await.expect("s3 store")
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = Config {
            revisions_keep: o.revisions_keep,
            caching: o.caching.clone(),
            token_ttl_secs: 3600,
            limits: Limits { plans: o.plans, ..o.limits },
            public_url: format!("http://{addr}"),
            webhook_retry_base_ms: o.webhook_retry_ms,
            trusted_proxies: o.trusted_proxies.clone(),
            webhook_allow_private: o.webhook_allow_private,
            authors_read_all_drafts: o.authors_read_all_drafts,
            ..Config::default()
        };
        let hub = Hub::new(store, Media::new(objects, o.media_limits), config).await.expect("hub");
        if o.demo {
            import::import(&hub.content, import::DEMO).await.expect("demo content loads");
        }
        let startup = Startup { server: o.server.clone(), tasks: o.tasks, media_sweep_secs: 0 };
        let app = Application::build(hub.clone(), listener, None, startup).await.expect("application");
        // Ready as a load balancer would see it: hearing other instances'
        // changes (on PostgreSQL), so answers are cached from the first.
        let mut listening = hub.listening.subscribe();
        let heard = listening.wait_for(|l| *l != relais::app::Listening::Connecting);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), heard).await;
        let tasks = app.task_stoppers();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestServer {
            backend,
            db_url: url.to_string(),
            media_backend: o.media,
            url: format!("http://{addr}/graphql"),
            hub,
            client: reqwest::Client::new(),
            tasks,
            stop: Some(stop),
            serving: Some(serving),
            _dir: dir,
            pg_db,
        }
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        self.url.trim_end_matches("/graphql")
    }

    /// A counter without labels, from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self.client.get(format!("{}/metrics", self.base())).send().await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics"))
    }

    pub fn store(&self) -> &Store {
        self.hub.store()
    }

    pub async fn post(&self, body: Value, token: Option<&str>) -> Reply {
        let mut rq = self.client.post(&self.url).json(&body);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let r = rq.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.json().await.unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// A GraphQL multipart request (operations, map, files), as upload clients send.
    pub async fn multipart(
        &self,
        query: &str,
        vars: Value,
        files: Vec<(&str, Vec<u8>, &str)>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut map = serde_json::Map::new();
        let mut form = reqwest::multipart::Form::new();
        let mut parts = Vec::new();
        for (i, (path, bytes, name)) in files.into_iter().enumerate() {
            map.insert(i.to_string(), json!([path]));
            parts.push((i.to_string(), reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned())));
        }
        form = form
            .text("operations", json!({ "query": query, "variables": vars }).to_string())
            .text("map", Value::Object(map).to_string());
        for (k, p) in parts {
            form = form.part(k, p);
        }
        let mut rq = self.client.post(&self.url).multipart(form);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        match rq.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(Value::Null))
            }
            // A server that stops reading an oversized body may close first.
            Err(e) => (0, json!({ "transport": e.to_string() })),
        }
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Reply {
        self.post(json!({ "query": query, "variables": variables }), token).await
    }

    /// Creates a user with `role` and logs in over HTTP; returns the token.
    pub async fn login_as(&self, role: Role) -> String {
        self.user_as(role).await.1
    }

    /// Creates a user with `role`, logs in; returns (user id, token, email).
    pub async fn user_as(&self, role: Role) -> (String, String, String) {
        let email = format!("{}-{}@example.org", role.as_str().to_lowercase(), uuid::Uuid::now_v7().simple());
        let password = "correct horse battery staple".to_owned();
        self.hub.users.create(&email, role, password.clone()).await.expect("create user");
        let r = self
            .gql(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt user { role } } }",
                json!({ "e": email, "p": password }),
                None,
            )
            .await;
        let token = r.ok()["login"]["token"].as_str().expect("token").to_owned();
        let user = self.store().user_by_email(&email).await.expect("user").expect("user");
        (user.id, token, email)
    }

    /// Stops serving and waits until the server is down: requests finished,
    /// background tasks done with what they were doing.
    pub async fn stop_serving(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(serving) = self.serving.take() {
            serving.await.expect("server task").expect("server stopped cleanly");
        }
    }

    /// Drops the PostgreSQL database made for this test.
    pub async fn finish(self) {
        self.hub.store().close().await;
        if let Some((admin, name)) = &self.pg_db {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await.expect("PostgreSQL answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await
                .ok();
        }
    }
}
