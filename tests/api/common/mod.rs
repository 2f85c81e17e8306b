//! Test harness: a real database per test (a temporary SQLite file, and a fresh
//! PostgreSQL database when RELAIS_TEST_POSTGRES_URL is set), a real server on
//! a loopback port, and real HTTP requests.
#![allow(dead_code)]

use relais::app::{Hub, Limits};
use relais::domain::{auth, import, locale::Locales, permissions::Role};
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

pub struct TestServer {
    pub backend: Backend,
    pub url: String,
    pub hub: Arc<Hub>,
    pub client: reqwest::Client,
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
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    pub fn ok(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }
}

async fn database_url(
    backend: Backend,
    dir: &tempfile::TempDir,
) -> (String, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => (
            format!("sqlite:{}", dir.path().join("relais.db").display()),
            None,
        ),
        Backend::Postgres => {
            let admin =
                std::env::var("RELAIS_TEST_POSTGRES_URL").expect("RELAIS_TEST_POSTGRES_URL");
            let name = format!("t_{}", uuid::Uuid::now_v7().simple());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("PostgreSQL answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin.clone());
            (format!("{base}/{name}"), Some((admin, name)))
        }
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Limits::default(), true).await
    }

    pub async fn start_with(backend: Backend, limits: Limits, demo: bool) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg_db) = database_url(backend, &dir).await;
        let store = Store::connect(&url).await.expect("connect");
        let hub = Hub::new(store, Locales::default(), None, 3600, limits)
            .await
            .expect("hub");
        if demo {
            import::import(&hub.content, import::DEMO)
                .await
                .expect("demo content loads");
        }
        let schema = relais::graphql::build(hub.clone()).expect("schema");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = relais::http::router(hub.clone(), schema);
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        TestServer {
            backend,
            url: format!("http://{addr}/graphql"),
            hub,
            client: reqwest::Client::new(),
            _dir: dir,
            pg_db,
        }
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
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Reply {
        self.post(json!({ "query": query, "variables": variables }), token)
            .await
    }

    /// Creates a user with `role` and logs in over HTTP; returns the token.
    pub async fn login_as(&self, role: Role) -> String {
        let email = format!(
            "{}-{}@example.org",
            role.as_str().to_lowercase(),
            uuid::Uuid::now_v7().simple()
        );
        let password = "correct horse battery staple".to_owned();
        auth::create_user(self.store(), &email, role, password.clone())
            .await
            .expect("create user");
        let r = self
            .gql(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt user { role } } }",
                json!({ "e": email, "p": password }),
                None,
            )
            .await;
        r.ok()["login"]["token"].as_str().expect("token").to_owned()
    }

    /// Drops the PostgreSQL database made for this test.
    pub async fn finish(self) {
        self.hub.store().close().await;
        if let Some((admin, name)) = &self.pg_db {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
                .await
                .expect("PostgreSQL answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .ok();
        }
    }
}
