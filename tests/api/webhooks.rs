//! Webhooks with a real receiver over HTTP: signed deliveries, retries with
//! backoff, a restart in between, the delivery log, replay, and one delivery
//! per change when two servers share one PostgreSQL.

use crate::common::{Backend, Options, TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// (delivery id, event, signature header, body) of a request.
type Call = (String, String, String, String);

#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<Mutex<Vec<Call>>>,
    /// Answer 500 to this many requests first.
    fail_first: usize,
}

async fn start_receiver(fail_first: usize) -> (String, Receiver) {
    let rec = Receiver { fail_first, ..Default::default() };
    let r = rec.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let r = r.clone();
            async move {
                let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let mut calls = r.calls.lock().unwrap();
                calls.push((h("relais-delivery"), h("relais-event"), h("relais-signature"), body));
                if calls.len() <= r.fail_first {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "not now".to_owned())
                } else {
                    (axum::http::StatusCode::OK, "thanks".to_owned())
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.ok() });
    (url, rec)
}

async fn wait_for(rec: &Receiver, n: usize) {
    for _ in 0..150 {
        if rec.calls.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the receiver got {} calls, not {n}", rec.calls.lock().unwrap().len());
}

/// The check a receiver makes, as the README shows it.
fn valid(secret: &str, header: &str, body: &str) -> bool {
    use hmac::{Hmac, Mac};
    let (mut t, mut v1) = ("", "");
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x,
            Some(("v1", x)) => v1 = x,
            _ => {}
        }
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap_or_default()).is_ok()
}

async fn publish_project(s: &TestServer, editor: &str, title: &str) -> String {
    let r = s
        .gql(
            "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
            json!({ "i": { "title": [{ "locale": "fr", "value": title }] } }),
            Some(editor),
        )
        .await;
    let id = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
    s.gql("mutation($id: ID!) { publish(id: $id, version: 1) { version } }", json!({ "id": id }), Some(editor))
        .await
        .ok();
    id
}

const CREATE: &str = "mutation($i: WebhookInput!) { createWebhook(input: $i) { id secret events types } }";

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_it_on_the_third_try_across_a_restart() {
    for b in backends() {
        let (url, rec) = start_receiver(2).await;
        // Retries a minute, then two, apart: the test moves the clock.
        let opts = || Options { demo: false, webhook_retry_ms: 60_000, ..Default::default() };
        let a = TestServer::start_opts(b, opts()).await;
        let admin = a.login_as(Role::Admin).await;
        let editor = a.login_as(Role::Editor).await;
        let r = a
            .gql(
                CREATE,
                json!({ "i": { "url": url, "events": ["content.published"], "types": ["Project"] } }),
                Some(&admin),
            )
            .await;
        let hook = r.ok()["createWebhook"].clone();
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));

        // Not told: a create (only publishes are asked for) and an event.
        a.gql(
            "mutation { createEvent(input: { title: [{ locale: \"fr\", value: \"Atelier\" }] }) { id } }",
            json!({}),
            Some(&editor),
        )
        .await
        .ok();
        let item = publish_project(&a, &editor, "Caravane de sensibilisation").await;
        wait_for(&rec, 1).await;
        // The server goes down once its first failed try is on record; another takes over.
        let tries = "{ webhooks { deliveries { attemptCount } } }";
        for _ in 0..100 {
            if a.gql(tries, json!({}), Some(&admin)).await.ok()["webhooks"][0]["deliveries"][0]["attemptCount"] == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        a.tasks.iter().for_each(|t| t.abort());
        let clock = Some(a.hub.clock().clone());
        let b2 = TestServer::start_opts(b, Options { database: Some(a.db_url.clone()), clock, ..opts() }).await;
        a.hub.clock().advance(Duration::from_secs(61));
        wait_for(&rec, 2).await;
        a.hub.clock().advance(Duration::from_secs(121));
        wait_for(&rec, 3).await;
        assert_eq!(b2.hub.webhooks.run_due().await.unwrap(), 0, "{b:?}: nothing left to deliver");
        let calls = rec.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 3, "{b:?}: delivered once accepted: {calls:?}");
        let delivery = &calls[0].0;
        for (id, event, sig, body) in &calls {
            assert_eq!(id, delivery, "the same delivery each time");
            assert_eq!(event, "content.published");
            assert!(valid(&secret, sig, body), "signature {sig} checks out");
            let p: Value = serde_json::from_str(body).unwrap();
            assert_eq!((p["type"].as_str(), p["itemId"].as_str()), (Some("Project"), Some(item.as_str())));
        }
        assert!(!valid("whsec_wrong", &calls[2].2, &calls[2].3), "a wrong secret does not verify");

        // The log, read on the second server.
        let q = "{ webhooks { deliveries { id event status attemptCount deliveredAt attempts { number statusCode latencyMs responseExcerpt } } } }";
        let r = b2.gql(q, json!({}), Some(&admin)).await;
        let d = r.ok()["webhooks"][0]["deliveries"][0].clone();
        assert_eq!(d["status"], "DELIVERED", "{d}");
        assert_eq!(d["attemptCount"], 3);
        let codes: Vec<i64> =
            d["attempts"].as_array().unwrap().iter().map(|a| a["statusCode"].as_i64().unwrap()).collect();
        assert_eq!(codes, vec![500, 500, 200]);
        assert_eq!(d["attempts"][0]["responseExcerpt"], "not now");
        assert_eq!(r.ok()["webhooks"][0]["deliveries"].as_array().unwrap().len(), 1, "one delivery for one publish");

        // Replay: the same payload as a new delivery.
        let r = b2
            .gql(
                "mutation($id: ID!) { replayWebhookDelivery(id: $id) { id replayOf status } }",
                json!({ "id": d["id"] }),
                Some(&admin),
            )
            .await;
        assert_eq!(r.ok()["replayWebhookDelivery"]["replayOf"], d["id"]);
        wait_for(&rec, 4).await;
        let calls = rec.calls.lock().unwrap().clone();
        assert_ne!(&calls[3].0, delivery);
        let (p0, p3): (Value, Value) =
            (serde_json::from_str(&calls[0].3).unwrap(), serde_json::from_str(&calls[3].3).unwrap());
        assert_eq!(p0, p3, "same payload");
        b2.hub.store().close().await;
        a.finish().await;
    }
}

#[tokio::test]
async fn two_servers_deliver_each_change_once() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let (url, rec) = start_receiver(0).await;
    let mut a = TestServer::start_opts(Backend::Postgres, Options { demo: false, ..Default::default() }).await;
    let mut b = TestServer::start_opts(
        Backend::Postgres,
        Options { demo: false, database: Some(a.db_url.clone()), ..Default::default() },
    )
    .await;
    let admin = a.login_as(Role::Admin).await;
    let editor = a.login_as(Role::Editor).await;
    a.gql(CREATE, json!({ "i": { "url": url, "events": ["content.published", "content.created"] } }), Some(&admin))
        .await
        .ok();
    for i in 0..6 {
        let s = if i % 2 == 0 { &a } else { &b };
        publish_project(s, &editor, &format!("Projet {i}")).await;
    }
    wait_for(&rec, 12).await;
    // Both down, their deliveries done with whatever they had started.
    a.stop_serving().await;
    b.stop_serving().await;
    let calls = rec.calls.lock().unwrap().clone();
    let mut ids: Vec<&String> = calls.iter().map(|c| &c.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((calls.len(), ids.len()), (12, 12), "six creates and six publishes, each delivered once");
    b.hub.store().close().await;
    a.finish().await;
}

#[tokio::test]
async fn webhooks_are_checked_and_admin_only() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let admin = s.login_as(Role::Admin).await;
        let editor = s.login_as(Role::Editor).await;
        let ok = json!({ "url": "https://partner.example/hooks" });
        assert_eq!(s.gql(CREATE, json!({ "i": ok }), Some(&editor)).await.code(), "FORBIDDEN");
        for (bad, field) in [
            (json!({ "url": "ftp://partner.example/hooks" }), "url"),
            (json!({ "url": "https:///nohost" }), "url"),
            (json!({ "url": "https://partner.example", "events": ["content.exploded"] }), "events"),
            (json!({ "url": "https://partner.example", "types": ["Unicorn"] }), "types"),
        ] {
            let r = s.gql(CREATE, json!({ "i": bad }), Some(&admin)).await;
            assert_eq!(r.code(), "BAD_USER_INPUT", "{bad}");
            assert!(r.body["errors"][0]["message"].as_str().unwrap().starts_with(field));
        }
        assert!(s.store().webhooks().await.unwrap().is_empty());
        s.finish().await;
    }
}
