//! What an attacker or an unlucky operator tries: expensive documents, slow
//! and idle clients, password spraying, forged credentials and forwarding
//! headers, a database that goes away. Each must leave the server answering
//! everyone else.

use crate::common::{Backend, Options, TestServer, backends};
use relais::app::{Cidr, Limits};
use relais::domain::permissions::Role;
use relais::http::server::ServerLimits;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `query { ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment Fn on Query { __typename }`:
/// about 1 KB that expands to 2^n fields.
fn fragment_bomb(levels: usize) -> String {
    let mut q = String::from("query { ...F0 }");
    for i in 0..levels {
        q.push_str(&format!(" fragment F{i} on Query {{ ...F{n} ...F{n} }}", n = i + 1));
    }
    q.push_str(&format!(" fragment F{levels} on Query {{ __typename }}"));
    q
}

fn client() -> reqwest::Client {
    // Today's server never answers the bomb: the client gives up instead of the test hanging.
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

async fn post(s: &TestServer, body: Value, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut rq = client().post(&s.url).json(&body);
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    let r = rq.send().await.expect("the server answers");
    let (status, h) = (r.status().as_u16(), r.headers().clone());
    (status, h, r.json().await.unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn exponential_documents_are_refused_before_they_run() {
    for b in backends() {
        let s = TestServer::start_with(b, Limits::default(), false).await;
        for levels in [16, 32, 64] {
            let q = fragment_bomb(levels);
            let (status, _, body) = post(&s, json!({ "query": q }), &[]).await;
            assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{levels} levels ({} bytes): {status} {body}", q.len());
            assert!(body.get("data").is_none(), "nothing ran: {body}");
        }
        // The same by GET, over WebSocket's twin path, and nested inside a list.
        let q = fragment_bomb(32)
            .replace("query { ...F0 }", "query { projects { nodes { ... on Project { id } } } ...F0 }");
        let (_, _, body) = post(&s, json!({ "query": q }), &[]).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
        let r = client().get(&s.url).query(&[("query", fragment_bomb(32))]).send().await.unwrap();
        assert_eq!(code(&r.json::<Value>().await.unwrap()), "QUERY_TOO_COMPLEX");
        // A fragment that spreads itself is an error, not a hang.
        let (_, _, body) = post(
            &s,
            json!({ "query": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }),
            &[],
        )
        .await;
        assert!(!code(&body).is_empty(), "{body}");
        // Brackets nested past what a parser can follow.
        let deep = format!("{{{}{}}}", "a { ".repeat(50_000), "}".repeat(50_000));
        let (_, _, body) = post(&s, json!({ "query": deep }), &[]).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{}", body.to_string().chars().take(300).collect::<String>());
        let list = format!(
            "{{ projects(filter: {{ slug: {{ in: {}\"x\"{} }} }}) {{ totalCount }} }}",
            "[".repeat(50_000),
            "]".repeat(50_000)
        );
        let (_, _, body) = post(&s, json!({ "query": list }), &[]).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX");
        // Meanwhile the server answers everyone else.
        let r = client().get(format!("{}/health", s.base())).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, _, body) = post(&s, json!({ "query": "{ __typename }" }), &[]).await;
        assert_eq!(body["data"]["__typename"], "Query", "{b:?}");
        s.finish().await;
    }
}

#[tokio::test]
async fn aliases_root_mutations_and_password_checks_are_counted_per_request() {
    for b in backends() {
        let s = TestServer::start_with(b, Limits::default(), false).await;
        let aliases =
            |n: usize| format!("{{ {} }}", (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "));
        let (_, _, body) = post(&s, json!({ "query": aliases(50) }), &[]).await;
        assert_eq!(body["data"]["a49"], "Query", "fifty aliases are fine: {body}");
        let (_, _, body) = post(&s, json!({ "query": aliases(51) }), &[]).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");

        // Spraying: many logins in one request run none of them.
        let (_, _, email) = s.user_as(Role::Editor).await;
        let spray = format!(
            "mutation {{ {} ok: login(email: \"{email}\", password: \"correct horse battery staple\") {{ token }} }}",
            (0..5)
                .map(|i| format!("l{i}: login(email: \"u{i}@example.org\", password: \"guess {i}\") {{ token }}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let (_, _, body) = post(&s, json!({ "query": spray }), &[]).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body.get("data").is_none() || body["data"].is_null(), "no token handed out: {body}");
        // The same through a fragment.
        let spray = format!(
            "mutation {{ ...L ok: login(email: \"{email}\", password: \"x\") {{ token }} }} fragment L on Mutation {{ login(email: \"a@b.c\", password: \"y\") {{ token }} }}"
        );
        let (_, _, body) = post(&s, json!({ "query": spray }), &[]).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        let token = s.login_as(Role::Admin).await;
        let r = s
            .gql(
                "{ auditLog(first: 100, filter: { action: \"loginFailed\" }) { nodes { action } } }",
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(r.ok()["auditLog"]["nodes"], json!([]), "no password was checked");
        let many = format!("mutation {{ {} }}", (0..11).map(|i| format!("m{i}: logout")).collect::<Vec<_>>().join(" "));
        let (_, _, body) = post(&s, json!({ "query": many }), &[("authorization", &format!("Bearer {token}"))]).await;
        assert_eq!(code(&body), "QUERY_TOO_COMPLEX", "{body}");
        s.finish().await;
    }
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_address_whether_or_not_the_account_exists() {
    for b in backends() {
        let s = TestServer::start_with(b, Limits { login_failures_per_minute: 4, ..Default::default() }, false).await;
        let (_, _, email) = s.user_as(Role::Author).await;
        let login = |e: &str, p: &str| json!({ "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }", "variables": { "e": e, "p": p } });
        let mut seen = Vec::new();
        for (i, e) in
            ["nobody@example.org", &email, "ghost@example.org", &email, "x@example.org", &email].iter().enumerate()
        {
            let (_, _, body) = post(&s, login(e, &format!("wrong {i}")), &[]).await;
            seen.push((code(&body).to_owned(), body["errors"][0]["message"].as_str().unwrap_or("").to_owned()));
        }
        let codes: Vec<&str> = seen.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["UNAUTHENTICATED"; 4].iter().copied().chain(["RATE_LIMITED"; 2]).collect::<Vec<_>>());
        // The same words for an unknown and a known account.
        assert_eq!(seen[0].1, seen[1].1);
        assert_eq!(seen[4].1, seen[5].1);
        // Even the right password waits for the address's minute to pass.
        let (_, _, body) = post(&s, login(&email, "correct horse battery staple"), &[]).await;
        assert_eq!(code(&body), "RATE_LIMITED", "{body}");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_credential_that_does_not_hold_counts_as_anonymous() {
    for b in backends() {
        let s = TestServer::start_opts(
            b,
            Options {
                limits: Limits { anonymous_per_minute: 3, ..Default::default() },
                demo: false,
                ..Default::default()
            },
        )
        .await;
        let url = format!("{}/feeds/projects.json", s.base());
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let r = client().get(&url).header("authorization", "Bearer forged").send().await.unwrap();
            statuses.push(r.status().as_u16());
        }
        assert_eq!(statuses, [200, 200, 200, 429], "{b:?}");
        let r =
            client().get(format!("{}/widget.js", s.base())).header("authorization", "Basic eDp5").send().await.unwrap();
        assert_eq!(r.status(), 429);
        s.finish().await;
    }
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_no_one_else_can() {
    let b = Backend::Sqlite;
    let limits = Limits { anonymous_per_minute: 2, ..Default::default() };
    let q = format!("{}?query=%7B__typename%7D", "");
    // Behind a proxy on loopback: each visitor has a limit of its own.
    let s = TestServer::start_opts(
        b,
        Options {
            limits: limits.clone(),
            demo: false,
            trusted_proxies: vec![Cidr::parse("127.0.0.0/8").unwrap()],
            ..Default::default()
        },
    )
    .await;
    let get = |who: &'static str, header: &'static str| {
        let url = format!("{}{q}", s.url);
        async move { client().get(url).header(header, who).send().await.unwrap().status().as_u16() }
    };
    let a = [get("203.0.113.1", "x-forwarded-for").await, get("198.51.100.7, 203.0.113.1", "x-forwarded-for").await];
    assert_eq!(a, [200, 200]);
    assert_eq!(get("203.0.113.1", "x-forwarded-for").await, 429, "the third from one visitor");
    assert_eq!(get("203.0.113.2", "x-forwarded-for").await, 200, "another visitor");
    assert_eq!(get("for=\"[2001:db8::1]:4711\";proto=https", "forwarded").await, 200);
    s.finish().await;
    // Without the setting, the header is the client's to forge: it changes nothing.
    let s = TestServer::start_opts(b, Options { limits, demo: false, ..Default::default() }).await;
    let url = format!("{}{q}", s.url);
    let mut statuses = Vec::new();
    for who in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        statuses.push(client().get(&url).header("x-forwarded-for", who).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
    s.finish().await;
}

#[tokio::test]
async fn a_key_without_a_limit_serves_a_sites_renderer() {
    let s = TestServer::start_opts(
        Backend::Sqlite,
        Options { limits: Limits { anonymous_per_minute: 2, ..Default::default() }, ..Default::default() },
    )
    .await;
    let admin = s.login_as(Role::Admin).await;
    let r = s
        .gql(
            "mutation { createApiKey(input: { name: \"Site renderer\", scopes: [CONTENT], rateLimitPerMinute: 0 }) { secret } }",
            json!({}),
            Some(&admin),
        )
        .await;
    let secret = r.ok()["createApiKey"]["secret"].as_str().unwrap().to_owned();
    for _ in 0..10 {
        let (status, _, body) =
            post(&s, json!({ "query": "{ projects(first: 1) { totalCount } }" }), &[("x-api-key", &secret)]).await;
        assert_eq!(status, 200, "{body}");
    }
    s.finish().await;
}

#[tokio::test]
async fn a_query_runs_within_its_time_budget() {
    let s = TestServer::start_with(
        Backend::Sqlite,
        Limits { query_timeout: Duration::from_nanos(1), ..Default::default() },
        true,
    )
    .await;
    // Forty different pages with bodies rendered and nested events: far more
    // than the timer's millisecond past a budget of 1 ns.
    let query = format!(
        "{{ {} }}",
        (0..40)
            .map(|i| format!(
                "p{i}: projects(first: {}) {{ nodes {{ title body {{ html }} events {{ nodes {{ title }} }} }} }}",
                i + 1
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (status, headers, body) = post(&s, json!({ "query": query }), &[]).await;
    assert_eq!((status, code(&body)), (503, "TIMEOUT"), "{body}");
    assert!(headers.get("retry-after").is_none(), "running it again would not help");
    s.finish().await;
}

fn slow_server() -> Options {
    Options {
        demo: false,
        server: ServerLimits {
            header_timeout: Duration::from_secs(1),
            body_idle_timeout: Duration::from_secs(1),
            body_deadline: Duration::from_secs(3),
            max_connections: 8,
            shutdown_grace: Duration::from_secs(1),
        },
        ..Default::default()
    }
}

/// Reads until the server closes the connection; `None` if it is still open
/// after `wait`.
async fn read_to_close(c: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(end.into(), c.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn slow_and_idle_clients_are_let_go() {
    let s = TestServer::start_opts(Backend::Sqlite, slow_server()).await;
    let addr = s.base().trim_start_matches("http://").to_owned();
    // Headers trickling in.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        if c.write_all(b"x-slow: 1\r\n").await.is_err() {
            break;
        }
    }
    assert!(read_to_close(&mut c, Duration::from_secs(10)).await.is_some(), "slow headers: the connection is closed");
    // A connection that says nothing.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    assert!(read_to_close(&mut c, Duration::from_secs(10)).await.is_some(), "a silent connection is closed");
    // A body that stops half way gets 408 and a code.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"query\":")
        .await
        .unwrap();
    let answer = read_to_close(&mut c, Duration::from_secs(10)).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    // A body trickling in, a byte at a time, meets the whole-body deadline.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(8) {
        if c.write_all(b" ").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let answer = read_to_close(&mut c, Duration::from_secs(5)).await.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    s.finish().await;
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_clearly_and_the_rest_go_on() {
    let mut o = slow_server();
    o.server.header_timeout = Duration::from_secs(30);
    let s = TestServer::start_opts(Backend::Sqlite, o).await;
    let addr = s.base().trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let _ = extra.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await;
    let answer = read_to_close(&mut extra, Duration::from_secs(5)).await.expect("refused and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1") && answer.contains("SERVER_BUSY"), "{answer}");
    // Once some go, others come in.
    held.truncate(4);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = client().get(format!("{}/health", s.base())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    s.finish().await;
}

#[tokio::test]
async fn a_shutdown_ends_even_with_requests_half_sent() {
    let mut o = slow_server();
    o.server.body_idle_timeout = Duration::from_secs(60);
    o.server.body_deadline = Duration::from_secs(60);
    let mut s = TestServer::start_opts(Backend::Sqlite, o).await;
    let addr = s.base().trim_start_matches("http://").to_owned();
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = s.stop.take().unwrap().send(());
    let serving = s.serving.take().unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(15), serving).await;
    assert!(ended.is_ok(), "the shutdown finished within its grace, not when the client gave up");
    s.finish().await;
}

/// A TCP relay in front of a service (PostgreSQL, S3) that the test can cut
/// (connections dropped and refused) or freeze (held, never answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Up,
    Down,
    Frozen,
}

struct Relay {
    port: u16,
    mode: tokio::sync::watch::Sender<Mode>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (mode, watch) = tokio::sync::watch::channel(Mode::Up);
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { continue };
                let mut watch = watch.clone();
                let now = *watch.borrow();
                match now {
                    Mode::Down => continue, // dropped: the connection is refused
                    Mode::Frozen => {
                        tokio::spawn(async move {
                            let _ = watch.wait_for(|m| *m != Mode::Frozen).await;
                            drop(inbound);
                        });
                        continue;
                    }
                    Mode::Up => {}
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                    let copied = tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => true,
                        _ = watch.wait_for(|m| *m != Mode::Up) => false,
                    };
                    if !copied {
                        // Frozen: the connection stays open and silent until thawed.
                        let _ = watch.wait_for(|m| *m != Mode::Frozen).await.map(|_| ());
                    }
                });
            }
        });
        Relay { port, mode }
    }
}

#[tokio::test]
async fn a_database_that_goes_away_is_a_fast_503_and_the_service_comes_back() {
    if !backends().contains(&Backend::Postgres) {
        return; // the PostgreSQL half (RELAIS_TEST_POSTGRES_URL)
    }
    // A database of its own, then a second server that reaches it through the relay.
    let first = TestServer::start_with(Backend::Postgres, Limits::default(), true).await;
    let url = first.db_url.clone();
    let rest = url.split_once("://").unwrap().1;
    let (auth_host, path) = rest.split_once('/').unwrap();
    let (auth, host) = auth_host.rsplit_once('@').map_or(("", auth_host), |(a, h)| (a, h));
    let relay = Relay::start(host.to_owned()).await;
    let via = format!("postgres://{}{}127.0.0.1:{}/{path}", auth, if auth.is_empty() { "" } else { "@" }, relay.port);
    let s = TestServer::start_opts(
        Backend::Postgres,
        Options { database: Some(via), demo: false, tasks: false, ..Default::default() },
    )
    .await;
    let q = json!({ "query": "{ projects(first: 1) { totalCount } }" });
    let (status, _, body) = post(&s, q.clone(), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        health(&s, "ready").await,
        (200, json!({ "status": "ready", "checks": { "database": "ok", "media": "ok", "changes": "ok" } }))
    );
    relay.mode.send(Mode::Down).unwrap();
    // Not ready while the database is away, and says why; still alive.
    let (status, body) = health(&s, "ready").await;
    assert_eq!(
        (status, &body["status"], &body["checks"]["media"]),
        (503, &json!("unavailable"), &json!("ok")),
        "{body}"
    );
    assert!(body["checks"]["database"].as_str().is_some_and(|r| r.contains("database")), "{body}");
    assert_eq!(health(&s, "live").await.0, 200);
    // Questions not answered before (an answer in the cache is still served).
    for query in [
        json!({ "query": "{ projects(first: 2) { totalCount } }" }),
        json!({ "query": "{ organisations(first: 2) { nodes { name } } }" }),
    ] {
        let started = Instant::now();
        let (status, headers, body) = post(&s, query, &[]).await;
        let took = started.elapsed();
        assert_eq!((status, code(&body)), (503, "DB_UNAVAILABLE"), "{body}");
        assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        eprintln!("database away: answered in {took:?}");
    }
    relay.mode.send(Mode::Up).unwrap();
    // Back by itself: the next requests succeed.
    let mut back = None;
    for _ in 0..50 {
        let (status, _, body) = post(&s, q.clone(), &[]).await;
        if status == 200 && body["data"]["projects"]["totalCount"].is_number() {
            back = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back.is_some(), "the service recovers when the database is back");
    assert_eq!(health(&s, "ready").await.0, 200, "ready again");
    s.finish().await;
    first.finish().await;
}

/// `/health/<which>`: status and JSON body (live answers plain `ok`).
async fn health(s: &TestServer, which: &str) -> (u16, Value) {
    let base = s.url.trim_end_matches("/graphql");
    let r = client().get(format!("{base}/health/{which}")).send().await.expect("the server answers");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn a_retried_mutation_with_its_idempotency_key_applies_once() {
    for b in backends() {
        let s = TestServer::start_with(b, Limits::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let auth = format!("Bearer {editor}");
        let create = |slug: &str| {
            json!({
                "query": "mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id slug version } }",
                "variables": { "i": { "slug": slug, "title": [{ "locale": "fr", "value": "Une fois" }] } }
            })
        };
        let (status, h, first) =
            post(&s, create("une-fois"), &[("authorization", &auth), ("idempotency-key", "k-1")]).await;
        assert_eq!(status, 200, "{first}");
        assert!(h.get("idempotent-replayed").is_none());
        let (status, h, again) =
            post(&s, create("une-fois"), &[("authorization", &auth), ("idempotency-key", "k-1")]).await;
        assert_eq!((status, &again), (200, &first), "the same answer, not a CONFLICT on the slug");
        assert_eq!(h.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        let (_, _, other) = post(&s, create("autre"), &[("authorization", &auth), ("idempotency-key", "k-1")]).await;
        assert_eq!(code(&other), "BAD_USER_INPUT", "{other}");
        // Without a key, a second create of the slug is a conflict: exactly one item.
        let (_, _, dup) = post(&s, create("une-fois"), &[("authorization", &auth)]).await;
        assert_eq!(code(&dup), "CONFLICT");
        let r = s.gql("{ newsArticles(preview: true) { totalCount } }", json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["newsArticles"]["totalCount"], 1, "{b:?}");
        // Keys belong to their caller: another editor's same key is a new request.
        let other_editor = s.login_as(Role::Editor).await;
        let (status, h, theirs) = post(
            &s,
            create("la-leur"),
            &[("authorization", &format!("Bearer {other_editor}")), ("idempotency-key", "k-1")],
        )
        .await;
        assert_eq!(status, 200, "{theirs}");
        assert!(h.get("idempotent-replayed").is_none());
        // A day later a key is free again, whether or not the sweep has run.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&s.db_url).await.unwrap();
        sqlx::query("UPDATE idempotent_requests SET created_at = created_at - 86400001").execute(&pool).await.unwrap();
        pool.close().await;
        let (status, h, later) =
            post(&s, create("plus-tard"), &[("authorization", &auth), ("idempotency-key", "k-1")]).await;
        assert_eq!(status, 200, "{later}");
        assert!(h.get("idempotent-replayed").is_none());
        assert_eq!(later["data"]["createNewsArticle"]["slug"], "plus-tard");
        assert_eq!(s.store().sweep_idempotency_keys().await.unwrap(), 1, "the other editor's old key is swept");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_media_store_that_stops_or_freezes_is_a_coded_error_in_time_and_nothing_is_half_written() {
    for b in backends() {
        let dir = tempfile::tempdir().unwrap();
        let s3 = crate::common::start_s3(dir.path()).await;
        let relay = Relay::start(s3.trim_start_matches("http://").to_owned()).await;
        let s = TestServer::start_opts(
            b,
            Options {
                demo: false,
                media: crate::common::MediaBackend::S3,
                s3_endpoint: Some(format!("http://127.0.0.1:{}", relay.port)),
                s3_timeout: Some(Duration::from_secs(2)),
                ..Default::default()
            },
        )
        .await;
        let editor = s.login_as(Role::Editor).await;
        let upload = "mutation($f: Upload!) { uploadMedia(file: $f) { id width } }";
        let png = |seed: u8| {
            let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([seed, x as u8, y as u8]));
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        let (status, r) =
            s.multipart(upload, json!({ "f": null }), vec![("variables.f", png(1), "a.png")], Some(&editor)).await;
        assert_eq!(status, 200, "{r}");
        for (mode, seed) in [(Mode::Frozen, 2), (Mode::Down, 3)] {
            relay.mode.send(mode).unwrap();
            // Not ready, within its own 2 s wait, while the store is away.
            let started = Instant::now();
            let (status, body) = health(&s, "ready").await;
            assert_eq!((status, &body["checks"]["database"]), (503, &json!("ok")), "{mode:?}: {body}");
            assert!(body["checks"]["media"].as_str().is_some_and(|r| r != "ok"), "{body}");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{mode:?}: readiness waits 2 s, not the S3 client's retries"
            );
            let started = Instant::now();
            let (status, r) = s
                .multipart(upload, json!({ "f": null }), vec![("variables.f", png(seed), "b.png")], Some(&editor))
                .await;
            let took = started.elapsed();
            assert_eq!((status, code(&r)), (503, "MEDIA_STORE_UNAVAILABLE"), "{mode:?}: {r}");
            assert!(
                took < Duration::from_secs(15),
                "{mode:?}: answered within the store's timeout, not rust-s3's minute"
            );
            eprintln!("media store {mode:?}: answered in {took:?}");
        }
        relay.mode.send(Mode::Up).unwrap();
        assert_eq!(health(&s, "ready").await.0, 200, "ready again");
        let r = s.gql("{ mediaAssets(preview: true) { totalCount } }", json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["mediaAssets"]["totalCount"], 1, "no row for the failed uploads");
        let (status, r) =
            s.multipart(upload, json!({ "f": null }), vec![("variables.f", png(4), "c.png")], Some(&editor)).await;
        assert_eq!(status, 200, "the store is back: {r}");
        s.finish().await;
    }
}

#[tokio::test]
async fn webhooks_cannot_be_pointed_inside_the_servers_network() {
    let s = TestServer::start_opts(
        Backend::Sqlite,
        Options { demo: false, webhook_allow_private: false, ..Default::default() },
    )
    .await;
    let admin = s.login_as(Role::Admin).await;
    let create = "mutation($u: String!) { createWebhook(input: { url: $u }) { id } }";
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://2130706433/hook",
        "http://0.0.0.0/hook",
        "http://user@192.168.1.10:8080/hook",
    ] {
        let r = s.gql(create, json!({ "u": url }), Some(&admin)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{url}: {}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "url", "{url}");
    }
    let r = s.gql(create, json!({ "u": "https://partner.example/hooks/relais" }), Some(&admin)).await;
    assert!(r.body.get("errors").is_none(), "a public endpoint is fine: {}", r.body);
    s.finish().await;
}

#[tokio::test]
async fn answers_carry_security_headers_and_cors_grants_only_what_it_should() {
    let s = TestServer::start_with(Backend::Sqlite, Limits::default(), false).await;
    let r = client()
        .get(&s.url)
        .query(&[("query", "{ __typename }")])
        .header("origin", "https://site.example")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(h.get("access-control-allow-origin").unwrap(), "*", "published content is for any site");
    assert!(h.get("access-control-allow-credentials").is_none(), "never with credentials");
    let r = client().get(format!("{}/widget/embed", s.base())).send().await.unwrap();
    assert!(r.headers().get("x-frame-options").is_none(), "the widget is made to be framed");
    s.finish().await;
}

#[tokio::test]
async fn the_admin_is_served_from_the_binary_with_a_strict_policy() {
    let s = TestServer::start_with(Backend::Sqlite, Limits::default(), false).await;
    let index = client().get(format!("{}/admin", s.base())).send().await.unwrap();
    assert_eq!(index.status(), 200);
    let h = index.headers().clone();
    assert_eq!(h.get("cache-control").unwrap(), "no-cache");
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = index.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    let asset = html.split("src=\"").nth(1).and_then(|r| r.split('"').next()).expect("a script file").to_owned();
    assert!(asset.starts_with("/admin/assets/"), "{asset}");
    let r = client().get(format!("{}{asset}", s.base())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().contains("javascript"));
    let r = client().get(format!("{}/admin/assets/missing-0000.js", s.base())).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // A client route is the index.
    let r = client().get(format!("{}/admin/projects/123/edit", s.base())).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), html);
    s.finish().await;
}

/// The value of one series in a scrape (labels as written), if present.
fn series(scrape: &str, name_and_labels: &str) -> Option<f64> {
    scrape.lines().find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}

/// `/metrics` after traffic: requests and latency by route and operation,
/// errors by code, SQL statements and their duration, pool and queues.
#[tokio::test]
async fn metrics_move_with_traffic() {
    let s = TestServer::start_with(Backend::Sqlite, Limits::default(), true).await;
    let scrape = || async { client().get(format!("{}/metrics", s.base())).send().await.unwrap().text().await.unwrap() };
    let before = scrape().await;
    let ok = json!({ "query": "query Homepage { projects(first: 2) { nodes { title } } }" });
    for _ in 0..3 {
        assert_eq!(post(&s, ok.clone(), &[]).await.0, 200);
    }
    let bad = json!({ "query": "{ project(id: \"nope\") { title } }" });
    post(&s, bad, &[]).await;
    let after = scrape().await;
    let moved = |name: &str| {
        let (a, b) = (series(&before, name).unwrap_or(0.0), series(&after, name).unwrap_or(0.0));
        assert!(b > a, "{name}: {a} -> {b}\n{after}");
    };
    moved("relais_http_requests_total{route=\"/graphql\",status=\"200\"}");
    moved("relais_http_request_duration_seconds_count{route=\"/graphql\"}");
    moved("relais_graphql_operation_duration_seconds_count{operation=\"Homepage\"}");
    moved("relais_graphql_errors_total{code=\"BAD_USER_INPUT\"}");
    moved("relais_sql_statements_total");
    moved("relais_sql_statement_duration_seconds_count");
    moved("relais_graphql_requests_total");
    assert!(after.contains("relais_http_request_duration_seconds_bucket{route=\"/graphql\",le=\"0.005\"}"), "{after}");
    for gauge in [
        "relais_db_pool_connections{state=\"idle\"}",
        "relais_scheduled_changes_due",
        "relais_scheduler_lag_seconds",
        "relais_webhook_deliveries_due",
        "relais_webhook_lag_seconds",
        "relais_image_renders_total",
    ] {
        assert!(series(&after, gauge).is_some(), "{gauge} in\n{after}");
    }
    // Every family is typed, as Prometheus expects.
    for name in ["relais_http_requests_total", "relais_graphql_errors_total", "relais_sql_statement_duration_seconds"] {
        assert!(after.contains(&format!("# TYPE {name} ")), "{name}");
    }
    s.finish().await;
}
