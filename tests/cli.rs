//! The binary as a user runs it: migrate, create a user, serve the demo
//! content, log in, export and import.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn relais(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_relais"));
    let media = std::env::temp_dir().join(format!("relais-cli-media-{}", std::process::id()));
    c.env("RELAIS_DATABASE_URL", db)
        .env("RELAIS_MEDIA_URL", media)
        .env("RELAIS_LOG", "warn")
        .env_remove("RELAIS_PASSWORD");
    c
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn gql(url: &str, query: &str, vars: Value, token: Option<&str>) -> Value {
    let mut rq = reqwest::Client::new().post(url).json(&json!({ "query": query, "variables": vars }));
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    rq.send().await.unwrap().json().await.unwrap()
}

async fn serve(db: &str, extra: &[&str]) -> (Server, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = relais(db).arg("serve").arg("--addr").arg(&addr).args(extra).stdout(Stdio::null()).spawn().unwrap();
    let server = Server(child);
    let url = format!("http://{addr}/graphql");
    for _ in 0..200 {
        if reqwest::get(format!("http://{addr}/health")).await.is_ok_and(|r| r.status().is_success()) {
            return (server, url);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("relais serve did not answer on {addr}");
}

#[tokio::test]
async fn a_new_user_runs_the_binary() {
    let home = tempfile::tempdir().unwrap();
    for (db, pg) in databases(home.path(), "a").await {
        // Migrations, then a user with the password from the environment.
        assert!(relais(&db).arg("migrate").status().unwrap().success());
        let ok = relais(&db)
            .args(["user", "create", "--email", "editor@example.org", "--role", "editor"])
            .env("RELAIS_PASSWORD", "a long enough passphrase")
            .status()
            .unwrap();
        assert!(ok.success());
        // A weak password, or the same email again, is refused.
        let weak = relais(&db)
            .args(["user", "create", "--email", "b@example.org", "--role", "author"])
            .env("RELAIS_PASSWORD", "short")
            .output()
            .unwrap();
        assert!(!weak.status.success());
        assert!(String::from_utf8_lossy(&weak.stderr).contains("12 characters"));
        // The password may come on standard input too.
        let mut child = relais(&db)
            .args(["user", "create", "--email", "author@example.org", "--role", "AUTHOR"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"another long passphrase\n").unwrap();
        assert!(child.wait().unwrap().success());

        // The embedded default loads the demo content; PostgreSQL on --demo.
        let extra: &[&str] = if pg.is_some() { &["--demo"] } else { &[] };
        let (server, url) = serve(&db, extra).await;
        let r = gql(&url, "{ projects { totalCount } organisation(slug: \"oim\") { acronym } }", json!({}), None).await;
        assert!(r["data"]["projects"]["totalCount"].as_i64().unwrap() >= 5, "{db}: {r}");
        assert_eq!(r["data"]["organisation"]["acronym"], "OIM");
        let r = gql(
            &url,
            "mutation { login(email: \"editor@example.org\", password: \"a long enough passphrase\") { token user { role } } }",
            json!({}),
            None,
        )
        .await;
        assert_eq!(r["data"]["login"]["user"]["role"], "EDITOR");
        let token = r["data"]["login"]["token"].as_str().unwrap().to_owned();
        let r = gql(&url, "{ viewer { email } }", json!({}), Some(&token)).await;
        assert_eq!(r["data"]["viewer"]["email"], "editor@example.org");
        drop(server);

        // The whole service to an archive, restored into an empty database.
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("all.tar");
        let out = relais(&db).args(["export", "--media"]).arg(&archive).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("exported"), "{}", String::from_utf8_lossy(&out.stdout));
        let restored = format!("sqlite:{}", dir.path().join("restored.db").display());
        let out = relais(&restored).arg("import").arg(&archive).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("restored"), "{}", String::from_utf8_lossy(&out.stdout));
        let out = relais(&restored).arg("import").arg(&archive).output().unwrap();
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("empty database"),
            "a second restore is refused: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        // The items alone, then imported into an empty database: the same content.
        let file = dir.path().join("export.json");
        assert!(relais(&db).args(["export", "--items"]).arg(&file).status().unwrap().success());
        let from_archive = dir.path().join("from-archive.json");
        assert!(relais(&restored).args(["export", "--items"]).arg(&from_archive).status().unwrap().success());
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            std::fs::read_to_string(&from_archive).unwrap(),
            "the restored database holds the same items"
        );
        let exported: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let n = exported["items"].as_array().unwrap().len();
        assert!(n > 40);
        let copy = format!("sqlite:{}", dir.path().join("copy.db").display());
        assert!(relais(&copy).arg("migrate").status().unwrap().success());
        assert!(relais(&copy).arg("import").arg(&file).status().unwrap().success());
        let again = dir.path().join("again.json");
        assert!(relais(&copy).args(["export", "--items"]).arg(&again).status().unwrap().success());
        let reexported: Value = serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
        assert_eq!(exported, reexported, "export → import → export is lossless");
        // The same export, one item a line, through the bulk path: the same content.
        let lines = dir.path().join("export.ndjson");
        let text: Vec<String> = exported["items"].as_array().unwrap().iter().map(Value::to_string).collect();
        std::fs::write(&lines, text.join("\n")).unwrap();
        let bulk = format!("sqlite:{}", dir.path().join("bulk.db").display());
        assert!(relais(&bulk).arg("migrate").status().unwrap().success());
        let out = relais(&bulk).arg("import").arg("--bulk").arg(&lines).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!("{n} items in")),
            "the progress ends with the count"
        );
        let third = dir.path().join("third.json");
        assert!(relais(&bulk).args(["export", "--items"]).arg(&third).status().unwrap().success());
        let bulked: Value = serde_json::from_str(&std::fs::read_to_string(&third).unwrap()).unwrap();
        assert_eq!(exported, bulked, "export → bulk import → export is lossless");

        drop_database(pg).await;
    }
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("relais-cli-media-{}", std::process::id())));
}

/// CI must run the PostgreSQL half; it never skips it silently.
#[test]
fn ci_runs_the_postgres_half() {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(
            std::env::var("RELAIS_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()),
            "CI=true but RELAIS_TEST_POSTGRES_URL is not set: the PostgreSQL half would be skipped"
        );
    }
}

/// `relais schema > schema.graphql` in a fresh folder, as the README says:
/// standard output is the SDL alone (logs go to standard error), it touches
/// no database and creates no folder, and it is the file in the repository.
#[test]
fn the_schema_command_prints_the_sdl_alone_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .arg("schema")
        .current_dir(dir.path())
        .env_remove("RELAIS_DATABASE_URL")
        .env_remove("RELAIS_MEDIA_URL")
        .env("RELAIS_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sdl = String::from_utf8(out.stdout).unwrap();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(sdl == file, "the printed schema is schema.graphql (no log line, no colour)");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "nothing created: {left:?}");
}

/// One log line per request, with a request id (the client's, echoed back),
/// status, duration and operation; as JSON with RELAIS_LOG_FORMAT=json.
/// What is logged while a request runs carries the request's id and its
/// GraphQL operation (its spans), never its variables.
#[tokio::test]
async fn every_request_is_logged_once_with_its_id_as_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = relais(&format!("sqlite:{}/log.db", dir.path().display()))
        .env("RELAIS_LOG", "relais::request=debug")
        .env("RELAIS_LOG_FORMAT", "json")
        .args(["serve", "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    for _ in 0..200 {
        if reqwest::get(format!("http://{addr}/health")).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("x-request-id", "trace-4711")
        .json(&json!({ "query": "query Home { locales { code } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-4711", "the id comes back");
    let made = reqwest::get(format!("http://{addr}/health/live")).await.unwrap();
    let made_id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(!made_id.is_empty(), "an id is made when none is sent");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut found = Vec::new();
    while found.len() < 2 && std::time::Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&line) else { panic!("a log line that is not JSON: {line}") };
        if v["request_id"] == "trace-4711" || v["request_id"] == made_id.as_str() {
            found.push(v);
        }
    }
    assert_eq!(found.len(), 2, "{found:?}");
    let graphql = found.iter().find(|v| v["request_id"] == "trace-4711").unwrap();
    assert_eq!(
        (graphql["path"].as_str(), graphql["status"].as_u64(), graphql["operation"].as_str()),
        (Some("/graphql"), Some(200), Some("Home"))
    );
    assert!(graphql["ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{graphql}");

    // An answer with errors, logged inside the request's spans.
    reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("x-request-id", "trace-4712")
        .json(&json!({
            "query": "query Lookup($slug: String!) { project(slug: $slug) { nope } }",
            "variables": { "slug": "secret-slug-4712" },
        }))
        .send()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut lines = Vec::new();
    let inside = loop {
        assert!(std::time::Instant::now() < deadline, "no line logged inside the request: {lines:?}");
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else { continue };
        assert!(!line.contains("secret-slug-4712"), "a variable reached the log: {line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["message"] == "answered with errors" {
            break v;
        }
        lines.push(v);
    };
    assert_eq!(inside["codes"], "BAD_USER_INPUT", "{inside}");
    let spans = inside["spans"].as_array().unwrap();
    assert!(spans.iter().any(|s| s["name"] == "request" && s["request_id"] == "trace-4712"), "{inside}");
    assert!(spans.iter().any(|s| s["name"] == "graphql" && s["operation"] == "Lookup"), "{inside}");
}

/// `relais backup` copies a running SQLite database while writes go on: the
/// copy opens, and holds every write acknowledged before the backup began.
#[tokio::test]
async fn a_backup_taken_during_writes_holds_every_write_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}/live.db", dir.path().display());
    assert!(relais(&db).arg("migrate").status().unwrap().success());
    let ok = relais(&db)
        .args(["user", "create", "--email", "editor@example.org", "--role", "editor"])
        .env("RELAIS_PASSWORD", "a long enough passphrase")
        .status()
        .unwrap();
    assert!(ok.success());
    let (_server, url) = serve(&db, &[]).await;
    let r = gql(
        &url,
        "mutation { login(email: \"editor@example.org\", password: \"a long enough passphrase\") { token } }",
        json!({}),
        None,
    )
    .await;
    let token = r["data"]["login"]["token"].as_str().unwrap().to_owned();
    // A writer that never pauses; each acknowledged write with when it was acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, token, stop) = (url.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let slug = format!("pendant-la-copie-{n}");
                let vars =
                    json!({ "i": { "slug": slug, "title": [{ "locale": "fr", "value": format!("Écrit {n}") }] } });
                let r = gql(
                    &url,
                    "mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { slug } }",
                    vars,
                    Some(&token),
                )
                .await;
                if r["data"]["createNewsArticle"]["slug"] == slug.as_str() {
                    acked.push((slug, std::time::Instant::now()));
                }
            }
            acked
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let copy = dir.path().join("copy.db");
    let began = std::time::Instant::now();
    let out = {
        let (db, copy) = (db.clone(), copy.clone());
        tokio::task::spawn_blocking(move || relais(&db).arg("backup").arg(&copy).output().unwrap()).await.unwrap()
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked = writer.await.unwrap();
    let before: Vec<&String> = acked.iter().filter(|(_, at)| *at < began).map(|(s, _)| s).collect();
    assert!(
        before.len() >= 3 && acked.len() > before.len(),
        "writes before and during the backup: {} / {}",
        before.len(),
        acked.len()
    );
    // Restoring is using the copy: every write acknowledged before the backup began is in it.
    let restored = format!("sqlite:{}", copy.display());
    let file = dir.path().join("restored.json");
    assert!(relais(&restored).args(["export", "--items"]).arg(&file).status().unwrap().success());
    let exported = std::fs::read_to_string(&file).unwrap();
    let missing: Vec<&&String> = before.iter().filter(|s| !exported.contains(&format!("\"{}\"", s))).collect();
    assert!(missing.is_empty(), "acknowledged before the backup, missing from it: {missing:?}");
    // An existing file is never overwritten.
    let again = relais(&db).arg("backup").arg(&copy).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

/// With RELAIS_METRICS_ADDR, `/metrics` is served there and not on the public port.
#[tokio::test]
async fn metrics_can_live_on_a_listener_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = format!("127.0.0.1:{}", free_port());
    let (_server, url) = serve(&format!("sqlite:{}/m.db", dir.path().display()), &["--metrics-addr", &metrics]).await;
    let public = url.trim_end_matches("/graphql");
    assert_eq!(reqwest::get(format!("{public}/metrics")).await.unwrap().status(), 404);
    let mut body = String::new();
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("http://{metrics}/metrics")).await {
            body = r.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(body.contains("# TYPE relais_http_requests_total counter"), "{body}");
}

/// The README's settings table is `relais config reference`, generated from
/// the flags' definitions; `relais config check` says what to fix.
#[test]
fn the_settings_reference_is_the_code_and_a_bad_setting_is_reported_before_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_relais")).args(["config", "reference"]).output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for v in ["RELAIS_DATABASE_URL", "RELAIS_METRICS_ADDR", "RELAIS_AUTHORS_READ_ALL_DRAFTS", "RELAIS_S3_TIMEOUT_SECS"]
    {
        assert!(table.contains(&format!("`{v}`")), "{v} in\n{table}");
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let between = readme
        .split_once("<!-- config-reference -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- /config-reference -->"))
        .map(|(t, _)| t)
        .expect("the README's settings table between its markers");
    assert!(
        between == table,
        "the README's settings table is out of date: paste `relais config reference` between the markers"
    );

    let check = |env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_relais"));
        c.args(["config", "check"]).env_remove("RELAIS_DATABASE_URL").env_remove("RELAIS_MEDIA_URL");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let ok = check(&[]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let bad = check(&[
        ("RELAIS_DATABASE_URL", "mysql://db/relais"),
        ("RELAIS_TRUSTED_PROXIES", "10.0.0.0/99"),
        ("RELAIS_MEDIA_URL", "s3://media"),
        ("RELAIS_JWT_SECRET", "short"),
    ]);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    for v in ["RELAIS_DATABASE_URL", "RELAIS_TRUSTED_PROXIES", "AWS_ACCESS_KEY_ID", "RELAIS_JWT_SECRET"] {
        assert!(said.contains(v), "{v} reported in:\n{said}");
    }
}

/// Fresh databases for one test (its own PostgreSQL database, named by `tag`,
/// so tests running side by side do not share one).
async fn databases(dir: &std::path::Path, tag: &str) -> Vec<(String, Option<String>)> {
    let mut v = vec![(format!("sqlite:{}/{tag}.db", dir.display()), None)];
    if let Ok(admin) = std::env::var("RELAIS_TEST_POSTGRES_URL") {
        sqlx::any::install_default_drivers();
        let name = format!("t_cli_{tag}_{}", std::process::id());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("PostgreSQL answers");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_owned();
        v.push((format!("{base}/{name}"), Some(name)));
    }
    v
}

async fn drop_database(pg: Option<String>) {
    if let Some(name) = pg {
        let admin = std::env::var("RELAIS_TEST_POSTGRES_URL").unwrap();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await.ok();
    }
}

fn sigterm(server: &Server) {
    let ok = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

/// Waits for the process to end by itself, for at most `within`.
async fn exit_status(server: &mut Server, within: Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < within, "the server was still running {within:?} after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Once the listener is closed, a new connection is refused.
async fn wait_until_refused(addr: &str) {
    for _ in 0..250 {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    panic!("{addr} still accepts connections after SIGTERM");
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws subscription, acknowledged and subscribed.
async fn subscription(url: &str) -> Ws {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let mut rq = url.replace("http://", "ws://").into_client_request().unwrap();
    rq.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(rq).await.unwrap();
    ws.send(Message::text(json!({ "type": "connection_init", "payload": {} }).to_string())).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    let query = "subscription { contentChanged { kind itemId } }";
    let m = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::text(m.to_string())).await.unwrap();
    ws
}

/// The close code the socket ends with (None: no close frame).
async fn close_code(ws: &mut Ws) -> Option<u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(Duration::from_secs(15), ws.next()).await.expect("the socket ends in time") {
            Some(Ok(Message::Close(f))) => return f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

/// SIGTERM while a request is half sent: the listener closes at once (a new
/// connection is refused), the request is finished and answered, the
/// subscription socket is closed with 1001 (going away), and the process
/// exits with status 0.
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_closes_subscriptions_and_exits_cleanly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let home = tempfile::tempdir().unwrap();
    for (db, pg) in databases(home.path(), "sigterm").await {
        let mut extra = vec!["--shutdown-grace-secs", "10"];
        if pg.is_some() {
            extra.push("--demo");
        }
        let (mut server, url) = serve(&db, &extra).await;
        let addr = url.trim_start_matches("http://").trim_end_matches("/graphql").to_owned();
        let mut ws = subscription(&url).await;

        // A request whose body comes in two halves. `Expect: 100-continue`
        // tells us when the server is reading the body: the request is in flight.
        let body = json!({ "query": "{ organisation(slug: \"oim\") { acronym } }" }).to_string();
        let (first, rest) = body.split_at(body.len() / 2);
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        c.write_all(head.as_bytes()).await.unwrap();
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf)).await.unwrap().unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 100 Continue"), "{}", String::from_utf8_lossy(&buf[..n]));
        c.write_all(first.as_bytes()).await.unwrap();

        sigterm(&server);
        wait_until_refused(&addr).await;
        assert_eq!(close_code(&mut ws).await, Some(1001), "{db}: the subscription is told the server is going away");

        // The rest of the body, after the shutdown began: answered in full.
        c.write_all(rest.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(15), c.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{db}: {answer}");
        assert!(answer.contains(r#"{"data":{"organisation":{"acronym":"OIM"}}}"#), "{db}: {answer}");

        let status = exit_status(&mut server, Duration::from_secs(10)).await;
        assert!(status.success(), "{db}: the process exits cleanly: {status:?}");
        drop_database(pg).await;
    }
}

/// A webhook delivery being attempted when the server is told to stop (the
/// receiver never answers) is given back when the grace is over: pending,
/// not attempted, held by no one, due at once for the next instance.
#[tokio::test]
async fn a_webhook_delivery_claimed_at_shutdown_is_given_back() {
    let home = tempfile::tempdir().unwrap();
    for (db, pg) in databases(home.path(), "claims").await {
        let password = "a long enough passphrase";
        let made = relais(&db)
            .args(["user", "create", "--email", "admin@example.org", "--role", "admin"])
            .env("RELAIS_PASSWORD", password)
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        // A receiver that takes the request and never answers.
        let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook_url = format!("http://{}/hook", receiver.local_addr().unwrap());
        let (mut server, url) = serve(&db, &["--shutdown-grace-secs", "1", "--webhook-allow-private"]).await;
        let login = format!("mutation {{ login(email: \"admin@example.org\", password: \"{password}\") {{ token }} }}");
        let r = gql(&url, &login, json!({}), None).await;
        let token = r["data"]["login"]["token"].as_str().unwrap().to_owned();
        let create = "mutation($i: WebhookInput!) { createWebhook(input: $i) { id } }";
        let r =
            gql(&url, create, json!({ "i": { "url": hook_url, "events": ["content.created"] } }), Some(&token)).await;
        assert!(r["data"]["createWebhook"]["id"].is_string(), "{r}");
        let r = gql(
            &url,
            "mutation { createProject(input: { title: [{ locale: \"fr\", value: \"Caravane\" }] }) { id } }",
            json!({}),
            Some(&token),
        )
        .await;
        assert!(r["data"]["createProject"]["id"].is_string(), "{r}");

        // The attempt has begun (the delivery is claimed) once the receiver
        // has the connection; it holds it, unanswered.
        let (held, _) = tokio::time::timeout(Duration::from_secs(10), receiver.accept()).await.unwrap().unwrap();
        sigterm(&server);
        let status = exit_status(&mut server, Duration::from_secs(8)).await;
        assert!(status.success(), "{db}: {status:?}");
        drop(held);

        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db).await.unwrap();
        let row = sqlx::query("SELECT status, attempts, locked_until, next_attempt_at FROM webhook_deliveries")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        use sqlx::Row;
        assert_eq!(row.get::<String, _>(0), "pending", "{db}");
        assert_eq!(row.get::<i64, _>(1), 0, "{db}: the unfinished attempt is not counted");
        assert_eq!(row.get::<Option<i64>, _>(2), None, "{db}: no instance holds it any more");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        assert!(row.get::<i64, _>(3) <= now, "{db}: due at once");
        drop(conn);
        drop_database(pg).await;
    }
}
