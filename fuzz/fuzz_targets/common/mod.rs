//! The real thing, built once per fuzzing process: a Hub on a temporary
//! SQLite file with the demo content, the real schema and router, a tokio
//! runtime, and an editor's token. Requests go through the router as the
//! server sends them (`tower_service::Service::call`), so body parsing,
//! multipart, the gate, limits, GraphQL validation and execution all run.
#![allow(dead_code)]

pub mod known;

use axum::body::Body;
use axum::http::{Request, header};
use relais::app::{Config, Hub, Limits};
use relais::domain::{import, permissions::Role};
use relais::media::store::S3Settings;
use relais::media::{Media, MediaLimits};
use relais::store::Store;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub app: axum::Router,
    pub hub: Arc<Hub>,
    /// A signed-in EDITOR's bearer token (uploads, drafts).
    pub editor: String,
}

/// An HTTP answer, read to the end.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(build)
}

fn build() -> Env {
    // A folder of this process's own; scripts/fuzz.sh points TMPDIR at a
    // folder it removes afterwards.
    let dir = std::env::temp_dir().join(format!("relais-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let (app, hub) = rt.block_on(async {
        let url = format!("sqlite:{}", dir.join("relais.db").display());
        let store = Store::connect(&url).await.expect("SQLite store");
        let folder = dir.join("media").display().to_string();
        let objects = relais::media::store::open(&folder, &S3Settings::default()).await.expect("media folder");
        // Defaults everywhere, except the per-address limit: every request
        // comes from the same (absent) address and would be throttled.
        let config = Config { limits: Limits { anonymous_per_minute: 0, ..Limits::default() }, ..Config::default() };
        let hub = Hub::new(store, Media::new(objects, MediaLimits::default()), config).await.expect("hub");
        import::import(&hub.content, import::DEMO).await.expect("demo content loads");
        let schema = relais::graphql::build(hub.clone()).expect("schema");
        (relais::http::router(hub.clone(), schema), hub)
    });
    let mut env = Env { rt, app, hub, editor: String::new() };
    let email = "fuzz-editor@example.org";
    let password = "correct horse battery staple fuzz";
    env.rt
        .block_on(env.hub.users.create(email, Role::Editor, password.to_owned()))
        .expect("create the editor");
    let a = env.graphql(
        json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            "variables": { "e": email, "p": password },
        }),
        None,
    );
    env.editor = a.body["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("login failed: {}", a.body)).into();
    env
}

impl Env {
    /// Sends a request through the router and reads the whole answer.
    pub fn send(&self, req: Request<Body>) -> (u16, String, Vec<u8>) {
        self.rt.block_on(async {
            let mut app = self.app.clone();
            let resp = tower_service::Service::call(&mut app, req).await.expect("the router is infallible");
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("the body reads to its end");
            (status, ct, bytes.to_vec())
        })
    }

    /// POST /graphql with `content_type`, checked: see [`check`].
    pub fn post(&self, content_type: &str, body: Vec<u8>, token: Option<&str>, gql_accept: bool) -> Answer {
        let mut b = Request::builder().method("POST").uri("/graphql").header(header::CONTENT_TYPE, content_type);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if gql_accept {
            b = b.header(header::ACCEPT, "application/graphql-response+json");
        }
        let shown = debug().then(|| String::from_utf8_lossy(&body[..body.len().min(4000)]).into_owned());
        let req = b.body(Body::from(body)).expect("a valid request");
        let (status, ct, bytes) = self.send(req);
        if let Some(sent) = shown {
            eprintln!("> {sent}\n< {status} {}\n", String::from_utf8_lossy(&bytes[..bytes.len().min(4000)]));
        }
        check(status, &ct, &bytes)
    }

    /// A JSON GraphQL request.
    pub fn graphql(&self, body: Value, token: Option<&str>) -> Answer {
        self.post("application/json", body.to_string().into_bytes(), token, false)
    }
}

/// RELAIS_FUZZ_DEBUG=1 prints each request and its answer (run one input with
/// `target/x86_64-unknown-linux-gnu/release/<target> <file>` to see them).
pub fn debug() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("RELAIS_FUZZ_DEBUG").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// What every answer to POST /graphql must be, whatever was sent: JSON, a
/// status under 500 (503 allowed: busy, timed out), and no INTERNAL error.
pub fn check(status: u16, ct: &str, bytes: &[u8]) -> Answer {
    let shown = || String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned();
    assert!(status < 500 || status == 503, "HTTP {status}: {}", shown());
    assert!(
        ct.starts_with("application/json") || ct.starts_with("application/graphql-response+json"),
        "content-type {ct:?} (HTTP {status}): {}",
        shown()
    );
    let body: Value =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("the body is not JSON ({e}), HTTP {status}: {}", shown()));
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        for e in errors {
            let code = e["extensions"]["code"].as_str().unwrap_or("");
            assert_ne!(code, "INTERNAL", "an INTERNAL error (HTTP {status}): {}", shown());
        }
    }
    Answer { status, content_type: ct.to_owned(), body }
}
