//! Caching for frontends and CDNs: GET, automatic persisted queries, ETags,
//! Cache-Control, the in-process cache and its invalidation on every instance.

use crate::common::{Backend, Options, TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::time::Duration;

const QUERY: &str = "query Org($s: String!) { organisation(slug: $s) { name acronym } }";

fn sha(q: &str) -> String {
    relais::media::sha256_hex(q.as_bytes())
}

/// A GET of a persisted query by hash alone, as Apollo clients and CDNs send it.
async fn get_persisted(s: &TestServer, hash: &str, vars: Value, headers: &[(&str, &str)]) -> reqwest::Response {
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let mut rq = s.client.get(&s.url).query(&[("extensions", ext), ("variables", vars.to_string())]);
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    rq.send().await.unwrap()
}

async fn rename_and_publish(s: &TestServer, editor: &str, name: &str) {
    let r = s.gql("{ organisation(slug: \"anolf\", preview: true) { id version } }", json!({}), Some(editor)).await;
    let o = r.ok()["organisation"].clone();
    let u = "mutation($id: ID!, $v: Int!, $n: String!) { updateOrganisation(id: $id, version: $v, input: { name: [{ locale: \"fr\", value: $n }] }) { version } }";
    let v =
        s.gql(u, json!({ "id": o["id"], "v": o["version"], "n": name }), Some(editor)).await.ok()["updateOrganisation"]
            ["version"]
            .clone();
    s.gql(
        "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { version } }",
        json!({ "id": o["id"], "v": v }),
        Some(editor),
    )
    .await
    .ok();
}

#[tokio::test]
async fn persisted_gets_carry_etags_and_change_when_content_is_published() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let hash = sha(QUERY);
        let vars = json!({ "s": "anolf" });
        // Unknown hash: the client is asked for the query text.
        let r = get_persisted(&s, &hash, vars.clone(), &[]).await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "{b:?}");
        // With the text (and a hash that matches), it is learnt and answered.
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let r = s.post(json!({ "query": QUERY, "variables": vars, "extensions": ext }), None).await;
        assert_eq!(r.ok()["organisation"]["name"], "ANOLF");
        let bad = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha("something else") } });
        assert_eq!(
            s.post(json!({ "query": QUERY, "variables": vars, "extensions": bad }), None).await.code(),
            "BAD_USER_INPUT"
        );
        // Now by hash alone, cacheable by URL.
        let r = get_persisted(&s, &hash, vars.clone(), &[]).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(r.headers()["cache-control"], "public, max-age=60");
        let r = get_persisted(&s, &hash, vars.clone(), &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), 304);
        // An editor publishes a change: the next GET has it, with a new ETag.
        let editor = s.login_as(Role::Editor).await;
        rename_and_publish(&s, &editor, "ANOLF (nouveau nom)").await;
        let r = get_persisted(&s, &hash, vars.clone(), &[("if-none-match", &etag)]).await;
        assert_eq!(r.status(), 200, "{b:?}: the cached answer was dropped");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["data"]["organisation"]["name"], "ANOLF (nouveau nom)");
        // What a role or a preview sees is never public.
        let r = s
            .client
            .post(&s.url)
            .bearer_auth(&editor)
            .json(&json!({ "query": QUERY, "variables": vars }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        let r = s
            .client
            .post(&s.url)
            .bearer_auth(&editor)
            .json(&json!({ "query": "{ organisations(preview: true) { totalCount } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        // A persisted mutation cannot run by GET.
        let m = "mutation { logout }";
        s.post(
            json!({ "query": m, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha(m) } } }),
            Some(&s.login_as(Role::Viewer).await),
        )
        .await;
        assert_eq!(get_persisted(&s, &sha(m), json!({}), &[]).await.status(), 405);
        s.finish().await;
    }
}

#[tokio::test]
async fn two_servers_on_one_postgresql_drop_stale_answers_together() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let a = TestServer::start(Backend::Postgres).await;
    let b = TestServer::start_opts(
        Backend::Postgres,
        Options { demo: false, database: Some(a.db_url.clone()), ..Default::default() },
    )
    .await;
    let hash = sha(QUERY);
    let vars = json!({ "s": "anolf" });
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    for s in [&a, &b] {
        s.post(json!({ "query": QUERY, "variables": vars, "extensions": ext }), None).await.ok();
        let r = get_persisted(s, &hash, vars.clone(), &[]).await;
        assert_eq!(r.status(), 200);
    }
    let etag_b = get_persisted(&b, &hash, vars.clone(), &[]).await.headers()["etag"].to_str().unwrap().to_owned();
    let editor = a.login_as(Role::Editor).await;
    rename_and_publish(&a, &editor, "ANOLF, publié sur A").await;
    let mut seen = Value::Null;
    for _ in 0..50 {
        let r = get_persisted(&b, &hash, vars.clone(), &[("if-none-match", &etag_b)]).await;
        if r.status() == 200 {
            seen = r.json::<Value>().await.unwrap()["data"]["organisation"]["name"].clone();
            if seen == "ANOLF, publié sur A" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "ANOLF, publié sur A", "the other instance heard of the change");
    b.hub.store().close().await;
    a.finish().await;
}

#[tokio::test]
async fn the_allowlist_runs_registered_queries_only() {
    for b in backends() {
        let caching = relais::app::Caching { allowlist_only: true, ..Default::default() };
        let s = TestServer::start_opts(b, Options { caching, ..Default::default() }).await;
        let r = s.gql(QUERY, json!({ "s": "anolf" }), None).await;
        assert_eq!(r.code(), "FORBIDDEN", "{b:?}");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("relais queries add"));
        s.store().save_persisted_query(&sha(QUERY), QUERY, true).await.unwrap();
        assert_eq!(s.gql(QUERY, json!({ "s": "anolf" }), None).await.ok()["organisation"]["name"], "ANOLF");
        let r = get_persisted(&s, &sha(QUERY), json!({ "s": "anolf" }), &[]).await;
        assert_eq!(r.status(), 200);
        // Learning new queries by hash is off.
        let q = "{ organisations { totalCount } }";
        let r = s
            .post(
                json!({ "query": q, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha(q) } } }),
                None,
            )
            .await;
        assert_eq!(r.code(), "FORBIDDEN");
        s.finish().await;
    }
}

/// The response cache's hit counter, from `/metrics`.
async fn cache_hits(s: &TestServer) -> u64 {
    s.metric("relais_response_cache_hits_total").await
}

#[tokio::test]
async fn the_cache_never_serves_a_draft_or_a_stale_published_item() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let list = "{ organisations(first: 100) { totalCount nodes { slug name } } }";
        let (one, one_hash, list_hash) = (QUERY, sha(QUERY), sha(list));
        for q in [one, list] {
            let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha(q) } });
            s.post(json!({ "query": q, "variables": { "s": "anolf" }, "extensions": ext }), None).await.ok();
        }
        let get_one = || get_persisted(&s, &one_hash, json!({ "s": "anolf" }), &[]);
        let get_list = || get_persisted(&s, &list_hash, json!({ "s": "anolf" }), &[]);
        let name = |v: Value| v["data"]["organisation"]["name"].clone();
        let slugs = |v: Value| -> Vec<String> {
            v["data"]["organisations"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["slug"].as_str().unwrap().into())
                .collect()
        };
        assert_eq!(name(get_one().await.json().await.unwrap()), "ANOLF");
        let listed = get_list().await.json::<Value>().await.unwrap();
        let hits = cache_hits(&s).await;
        assert_eq!(name(get_one().await.json().await.unwrap()), "ANOLF");
        assert_eq!(cache_hits(&s).await, hits + 1, "{b:?}: the second GET came from the cache");

        // Drafts: a saved change and a new item, neither published.
        let editor = s.login_as(Role::Editor).await;
        let r =
            s.gql("{ organisation(slug: \"anolf\", preview: true) { id version } }", json!({}), Some(&editor)).await;
        let o = r.ok()["organisation"].clone();
        let u = "mutation($id: ID!, $v: Int!) { updateOrganisation(id: $id, version: $v, input: { name: [{ locale: \"fr\", value: \"Nom en brouillon\" }] }) { version } }";
        let v = s.gql(u, json!({ "id": o["id"], "v": o["version"] }), Some(&editor)).await.ok()["updateOrganisation"]
            ["version"]
            .clone();
        let c = "mutation { createOrganisation(input: { slug: \"brouillon-neuf\", name: [{ locale: \"fr\", value: \"Nouvelle\" }] }) { id } }";
        s.gql(c, json!({}), Some(&editor)).await.ok();
        // The editor looks at the drafts through the same queries.
        let seen = s.gql("{ organisation(slug: \"anolf\", preview: true) { name } }", json!({}), Some(&editor)).await;
        assert_eq!(seen.ok()["organisation"]["name"], "Nom en brouillon");
        s.gql("{ organisations(first: 100, preview: true) { nodes { slug } } }", json!({}), Some(&editor)).await.ok();
        for _ in 0..2 {
            assert_eq!(name(get_one().await.json().await.unwrap()), "ANOLF", "{b:?}: a draft was served to the public");
            let now = get_list().await.json::<Value>().await.unwrap();
            assert_eq!(slugs(now.clone()), slugs(listed.clone()), "{b:?}: a new draft was listed to the public");
        }

        // Published: the very next answer has it, never the old one.
        s.gql(
            "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { version } }",
            json!({ "id": o["id"], "v": v }),
            Some(&editor),
        )
        .await
        .ok();
        assert_eq!(name(get_one().await.json().await.unwrap()), "Nom en brouillon", "{b:?}: a stale answer");
        let now = get_list().await.json::<Value>().await.unwrap();
        assert!(now.to_string().contains("Nom en brouillon"), "{b:?}: the list is stale");
        // Unpublished: gone from the public answers at once.
        let v =
            s.gql("{ organisation(slug: \"anolf\", preview: true) { version } }", json!({}), Some(&editor)).await.ok()
                ["organisation"]["version"]
                .clone();
        s.gql(
            "mutation($id: ID!, $v: Int!) { unpublish(id: $id, version: $v) { version } }",
            json!({ "id": o["id"], "v": v }),
            Some(&editor),
        )
        .await
        .ok();
        assert_eq!(name(get_one().await.json().await.unwrap()), Value::Null, "{b:?}: an unpublished item was served");
        assert!(!slugs(get_list().await.json().await.unwrap()).contains(&"anolf".to_owned()));
        s.finish().await;
    }
}
