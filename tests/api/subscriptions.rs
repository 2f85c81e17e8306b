//! Subscriptions over graphql-transport-ws on /graphql, with a real WebSocket
//! client: who hears what, filters, auth in connection_init, and a publish
//! through one server heard by a subscriber of another.

use crate::common::{Backend, Options, TestServer, backends};
use futures_util::{SinkExt, StreamExt};
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUB: &str = "subscription($t: [SearchType!]) { contentChanged(types: $t) { kind typeName itemId node { ... on Project { title workflowState } } } }";

async fn connect(s: &TestServer, init: Value) -> Result<Ws, String> {
    let url = s.url.replace("http://", "ws://");
    let mut rq = url.into_client_request().unwrap();
    rq.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, resp) = tokio_tungstenite::connect_async(rq).await.map_err(|e| e.to_string())?;
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    ws.send(Message::text(json!({ "type": "connection_init", "payload": init }).to_string())).await.unwrap();
    match next(&mut ws).await {
        Some(m) if m["type"] == "connection_ack" => Ok(ws),
        other => Err(format!("{other:?}")),
    }
}

/// The next protocol message, or None on close or after 5 s.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    ws.send(Message::text(json!({ "type": "pong" }).to_string())).await.ok();
                    continue;
                }
                return Some(v);
            }
            Ok(Some(Ok(Message::Close(f)))) => return Some(json!({ "closed": f.map(|f| u16::from(f.code)) })),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn subscribe(ws: &mut Ws, id: &str, vars: Value) {
    let m = json!({ "id": id, "type": "subscribe", "payload": { "query": SUB, "variables": vars } });
    ws.send(Message::text(m.to_string())).await.unwrap();
}

async fn create(s: &TestServer, editor: &str, title: &str) -> String {
    let r = s
        .gql(
            "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
            json!({ "i": { "title": [{ "locale": "fr", "value": title }] } }),
            Some(editor),
        )
        .await;
    r.ok()["createProject"]["id"].as_str().unwrap().to_owned()
}

async fn publish(s: &TestServer, editor: &str, id: &str, v: i64) {
    s.gql(
        "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { version } }",
        json!({ "id": id, "v": v }),
        Some(editor),
    )
    .await
    .ok();
}

#[tokio::test]
async fn the_public_hears_publishes_and_staff_hear_drafts() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let mut public = connect(&s, json!({})).await.unwrap();
        subscribe(&mut public, "p", json!({ "t": ["PROJECT"] })).await;
        let mut staff = connect(&s, json!({ "Authorization": format!("Bearer {editor}") })).await.unwrap();
        subscribe(&mut staff, "s", json!({})).await;
        tokio::time::sleep(Duration::from_millis(200)).await;

        // An event (not a project) and a draft project: staff hear both, the public neither.
        s.gql(
            "mutation { createEvent(input: { title: [{ locale: \"fr\", value: \"Atelier\" }] }) { id } }",
            json!({}),
            Some(&editor),
        )
        .await
        .ok();
        let id = create(&s, &editor, "Caravane de sensibilisation").await;
        let m = next(&mut staff).await.unwrap();
        assert_eq!(
            (m["id"].as_str(), m["payload"]["data"]["contentChanged"]["typeName"].as_str()),
            (Some("s"), Some("Event")),
            "{b:?}: {m}"
        );
        let m = next(&mut staff).await.unwrap();
        let e = &m["payload"]["data"]["contentChanged"];
        assert_eq!((e["kind"].as_str(), e["itemId"].as_str()), (Some("CREATED"), Some(id.as_str())));
        assert_eq!(e["node"]["workflowState"], "DRAFT", "staff read the working copy");

        publish(&s, &editor, &id, 1).await;
        let m = next(&mut public).await.unwrap();
        let e = &m["payload"]["data"]["contentChanged"];
        assert_eq!(m["id"], "p");
        assert_eq!((e["kind"].as_str(), e["itemId"].as_str()), (Some("PUBLISHED"), Some(id.as_str())), "{m}");
        assert_eq!(e["node"]["title"], "Caravane de sensibilisation");
        let m = next(&mut staff).await.unwrap();
        assert_eq!(m["payload"]["data"]["contentChanged"]["kind"], "PUBLISHED");

        // Unpublished: the public hears it, and the item is gone for them.
        s.gql("mutation($id: ID!) { unpublish(id: $id, version: 2) { version } }", json!({ "id": id }), Some(&editor))
            .await
            .ok();
        let m = next(&mut public).await.unwrap();
        let e = &m["payload"]["data"]["contentChanged"];
        assert_eq!(e["kind"], "UNPUBLISHED");
        assert_eq!(e["node"], Value::Null);

        // A bad token in connection_init closes the connection with 4403
        // Forbidden (graphql-transport-ws), instead of acknowledging it.
        let bad = connect(&s, json!({ "Authorization": "Bearer nope" })).await;
        assert!(bad.as_ref().err().is_some_and(|e| e.contains("Number(4403)")), "{:?}", bad.err());
        // A message that is not the protocol's: 4400 Bad Request.
        let mut ws = connect(&s, json!({})).await.unwrap();
        ws.send(Message::text("{\"type\":\"nonsense\"}")).await.unwrap();
        assert_eq!(next(&mut ws).await, Some(json!({ "closed": 4400 })));
        s.finish().await;
    }
}

#[tokio::test]
async fn a_subscriber_of_server_b_hears_a_publish_through_server_a() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let a = TestServer::start_opts(Backend::Postgres, Options { demo: false, ..Default::default() }).await;
    let b = TestServer::start_opts(
        Backend::Postgres,
        Options { demo: false, database: Some(a.db_url.clone()), ..Default::default() },
    )
    .await;
    let mut ws = connect(&b, json!({})).await.unwrap();
    subscribe(&mut ws, "1", json!({ "t": ["PROJECT"] })).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let editor = a.login_as(Role::Editor).await;
    let id = create(&a, &editor, "Publié sur A").await;
    publish(&a, &editor, &id, 1).await;
    let m = next(&mut ws).await.expect("an event from the other server");
    let e = &m["payload"]["data"]["contentChanged"];
    assert_eq!((e["kind"].as_str(), e["itemId"].as_str()), (Some("PUBLISHED"), Some(id.as_str())), "{m}");
    assert_eq!(e["node"]["title"], "Publié sur A");
    b.hub.store().close().await;
    a.finish().await;
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_dropped_and_others_go_on() {
    let s = TestServer::start_with(Backend::Sqlite, Default::default(), false).await;
    let mut slow = connect(&s, json!({})).await.unwrap();
    subscribe(&mut slow, "slow", json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A burst far beyond what one subscriber may hold back (1024 events).
    let id = uuid::Uuid::now_v7().to_string();
    for _ in 0..5000 {
        let e = json!({ "event": "content.published", "type": "Project", "id": id, "public": true, "at": 0 });
        s.hub.store().forward_event(&e.to_string());
    }
    let mut seen = 0;
    let mut dropped = None;
    while let Some(m) = next(&mut slow).await {
        match m["type"].as_str() {
            Some("next") if m["payload"]["errors"].is_array() => {
                dropped = Some(m["payload"]["errors"][0]["message"].clone())
            }
            Some("next") => seen += 1,
            Some("complete") => break,
            _ => {}
        }
    }
    let why = dropped.expect("an error says why the subscription ended");
    assert!(why.as_str().unwrap().contains("fell") && why.as_str().unwrap().contains("behind"), "{why}");
    assert!(seen < 5000, "the subscriber did not get the whole burst: {seen}");
    // The server goes on: a new subscriber hears the next change.
    let mut fresh = connect(&s, json!({})).await.unwrap();
    subscribe(&mut fresh, "fresh", json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let editor = s.login_as(Role::Editor).await;
    let pid = create(&s, &editor, "Après la rafale").await;
    publish(&s, &editor, &pid, 1).await;
    let m = next(&mut fresh).await.unwrap();
    assert_eq!(m["payload"]["data"]["contentChanged"]["itemId"], pid.as_str());
    s.finish().await;
}
