//! Partner API keys and feeds over real HTTP: keys shown once and stored
//! hashed, scopes, per-key origins (CORS) and rate limits, restrictions that
//! hold in every feed, the three feed formats parsed by a real feed parser,
//! conditional GET.

use crate::common::{Options, TestServer, backends};
use relais::app::Limits;
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const CREATE: &str = "mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret key { id prefix scopes organisations origins rateLimitPerMinute } } }";

async fn create_key(s: &TestServer, admin: &str, input: Value) -> (String, String) {
    let r = s.gql(CREATE, json!({ "i": input }), Some(admin)).await;
    let k = r.ok()["createApiKey"].clone();
    (k["key"]["id"].as_str().unwrap().to_owned(), k["secret"].as_str().unwrap().to_owned())
}

async fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut rq = reqwest::Client::new().get(url);
    for (k, v) in headers {
        rq = rq.header(*k, *v);
    }
    rq.send().await.unwrap()
}

fn titles_of(feed: &feed_rs::model::Feed) -> BTreeSet<String> {
    feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect()
}

#[tokio::test]
async fn a_restricted_key_sees_only_its_partners_items_from_its_origin() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let admin = s.login_as(Role::Admin).await;
        // The partner: an organisation that partners the SALEMM project.
        let r = s
            .gql(
                r#"{ projects(filter: { acronym: { eq: "SALEMM" } }) { nodes { partners { nodes { id name } } } } }"#,
                json!({}),
                None,
            )
            .await;
        let partner = r.ok()["projects"]["nodes"][0]["partners"]["nodes"][0].clone();
        let pid = partner["id"].as_str().unwrap();
        let (_, secret) = create_key(
            &s,
            &admin,
            json!({ "name": "Partner site", "scopes": ["FEEDS"], "organisations": [pid],
                    "origins": ["https://partner.example"], "rateLimitPerMinute": 100,
                    "pagePattern": "https://partner.example/projets/{slug}" }),
        )
        .await;
        assert!(secret.starts_with("rk_") && secret.len() > 40, "{secret}");
        // Only a hash is kept.
        let stored = s.store().api_keys().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0].secret_hash, secret);
        assert!(!format!("{stored:?}").contains(&secret));

        // What the feed should hold: the projects this organisation funds or partners.
        let q = r#"query($o: ID!) { projects(first: 100, filter: { or: [{ partners: { anyOf: [$o] } }, { funders: { anyOf: [$o] } }] }) { nodes { title } } all: projects { totalCount } }"#;
        let r = s.gql(q, json!({ "o": pid }), None).await;
        let expected: BTreeSet<String> = r.ok()["projects"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect();
        assert!(!expected.is_empty() && (expected.len() as i64) < r.ok()["all"]["totalCount"].as_i64().unwrap());

        let base = s.base().to_owned();
        let url = format!("{base}/feeds/projects.json?key={secret}&locale=fr");
        let resp = get(&url, &[("origin", "https://partner.example")]).await;
        assert_eq!(resp.status(), 200, "{b:?}");
        assert_eq!(resp.headers()["access-control-allow-origin"], "https://partner.example");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/feed+json"));
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        assert!(resp.headers().contains_key("last-modified"));
        let bytes = resp.bytes().await.unwrap();
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("a valid JSON Feed");
        assert_eq!(titles_of(&feed), expected, "only the partner's projects");
        let link = json["items"][0]["url"].as_str().unwrap();
        assert!(link.starts_with("https://partner.example/projets/"), "{link}");
        assert!(!json.to_string().contains(&secret), "the feed never shows the key");

        // Another origin gets no CORS grant, for the request or its preflight.
        let resp = get(&url, &[("origin", "https://other.example")]).await;
        assert!(!resp.headers().contains_key("access-control-allow-origin"));
        let pre = reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", "https://other.example")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .unwrap();
        assert!(!pre.headers().contains_key("access-control-allow-origin"));
        // Conditional GET.
        let resp = get(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(resp.status(), 304);

        // Atom and RSS, events and news: valid, and restricted the same way.
        for (what, fmt) in [("events", "atom"), ("news", "rss"), ("projects", "atom"), ("projects", "rss")] {
            let resp = get(&format!("{base}/feeds/{what}.{fmt}?key={secret}"), &[]).await;
            assert_eq!(resp.status(), 200, "{what}.{fmt}");
            let bytes = resp.bytes().await.unwrap();
            let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{what}.{fmt}: {e}"));
            if what == "projects" {
                assert_eq!(titles_of(&feed), expected, "{what}.{fmt}");
            }
            let all = feed_rs::parser::parse(
                &get(&format!("{base}/feeds/{what}.{fmt}?limit=100"), &[]).await.bytes().await.unwrap()[..],
            )
            .unwrap();
            assert!(titles_of(&feed).is_subset(&titles_of(&all)), "{what}.{fmt}");
        }

        // A feeds key is no GraphQL key.
        let r = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .header("x-api-key", &secret)
            .json(&json!({ "query": "{ projects { totalCount } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        s.finish().await;
    }
}

#[tokio::test]
async fn the_61st_request_of_a_minute_gets_429_and_keys_can_be_rotated_and_revoked() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let admin = s.login_as(Role::Admin).await;
        let (id, secret) = create_key(
            &s,
            &admin,
            json!({ "name": "Conseil régional", "scopes": ["CONTENT", "FEEDS"], "origins": ["*"], "rateLimitPerMinute": 60 }),
        )
        .await;
        let base = s.base().to_owned();
        let gql = |secret: String| {
            let base = base.clone();
            async move {
                reqwest::Client::new()
                    .post(format!("{base}/graphql"))
                    .header("x-api-key", secret)
                    .header("origin", "https://anywhere.example")
                    .json(&json!({ "query": "{ projects(first: 1) { totalCount } }" }))
                    .send()
                    .await
                    .unwrap()
            }
        };
        for i in 1..=60 {
            let r = gql(secret.clone()).await;
            assert_eq!(r.status(), 200, "request {i}");
            if i == 60 {
                assert_eq!(r.headers()["ratelimit-remaining"], "0");
                assert_eq!(r.headers()["access-control-allow-origin"], "https://anywhere.example");
            }
        }
        let r = gql(secret.clone()).await;
        assert_eq!(r.status(), 429, "{b:?}");
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert!(r.headers()["ratelimit"].to_str().unwrap().starts_with("limit=60, remaining=0"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");

        // Usage is counted.
        s.hub.partners.flush_usage().await.unwrap();
        let r = s.gql("{ apiKeys { id useCount lastUsedAt } }", json!({}), Some(&admin)).await;
        assert!(r.ok()["apiKeys"][0]["useCount"].as_i64().unwrap() >= 61, "{}", r.body);
        assert!(r.ok()["apiKeys"][0]["lastUsedAt"].is_string());

        // Rotating: the old secret stops, the new one works.
        let r =
            s.gql("mutation($id: ID!) { rotateApiKey(id: $id) { secret } }", json!({ "id": id }), Some(&admin)).await;
        let fresh = r.ok()["rotateApiKey"]["secret"].as_str().unwrap().to_owned();
        let feed = |k: String| {
            let base = base.clone();
            async move { get(&format!("{base}/feeds/events.json?key={k}"), &[]).await }
        };
        let old = feed(secret.clone()).await;
        assert_eq!(old.status(), 401);
        assert_eq!(old.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        // The new secret is the same key: known, and still at its limit for this minute.
        assert_eq!(feed(fresh.clone()).await.status(), 429);
        // Revoked: refused at once.
        s.gql("mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", json!({ "id": id }), Some(&admin))
            .await
            .ok();
        let r = feed(fresh).await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("revoked"));
        // Expired keys too.
        let (_, gone) =
            create_key(&s, &admin, json!({ "name": "Old", "scopes": ["FEEDS"], "expiresAt": "2020-01-01T00:00:00Z" }))
                .await;
        assert_eq!(feed(gone).await.status(), 401);
        s.finish().await;
    }
}

#[tokio::test]
async fn anonymous_callers_have_their_own_limit_per_address() {
    for b in backends() {
        let s = TestServer::start_opts(
            b,
            Options {
                limits: Limits { anonymous_per_minute: 5, ..Default::default() },
                demo: false,
                ..Default::default()
            },
        )
        .await;
        // Logging in is an anonymous request too: the first of the five.
        let token = s.login_as(Role::Editor).await;
        let url = format!("{}/graphql?query=%7B__typename%7D", s.base());
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(get(&url, &[]).await.status().as_u16());
        }
        assert_eq!(statuses, [200, 200, 200, 200, 429], "{b:?}");
        // A logged-in editor is not held to it.
        let r = reqwest::Client::new().get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        s.finish().await;
    }
}

#[tokio::test]
async fn keys_are_checked_and_only_admins_manage_them() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let admin = s.login_as(Role::Admin).await;
        let editor = s.login_as(Role::Editor).await;
        let ok = json!({ "name": "Université", "scopes": ["FEEDS"] });
        let r = s.gql(CREATE, json!({ "i": ok }), Some(&editor)).await;
        assert_eq!(r.code(), "FORBIDDEN");
        let r = s.gql(CREATE, json!({ "i": ok }), None).await;
        assert_eq!(r.code(), "UNAUTHENTICATED");
        for (bad, field) in [
            (json!({ "name": " ", "scopes": ["FEEDS"] }), "name"),
            (json!({ "name": "x", "scopes": [] }), "scopes"),
            (json!({ "name": "x", "scopes": ["FEEDS"], "origins": ["partner.example"] }), "origins"),
            (json!({ "name": "x", "scopes": ["FEEDS"], "rateLimitPerMinute": -1 }), "rateLimitPerMinute"),
            (json!({ "name": "x", "scopes": ["FEEDS"], "pagePattern": "javascript:alert(1)" }), "pagePattern"),
        ] {
            let r = s.gql(CREATE, json!({ "i": bad }), Some(&admin)).await;
            assert_eq!(r.code(), "BAD_USER_INPUT", "{bad}: {}", r.body);
            assert!(r.body["errors"][0]["message"].as_str().unwrap().starts_with(field), "{}", r.body);
        }
        assert!(s.store().api_keys().await.unwrap().is_empty(), "nothing was created");
        let r = s.gql("{ apiKeys { id } }", json!({}), Some(&editor)).await;
        assert_eq!(r.code(), "FORBIDDEN");
        // Bad feed requests.
        let base = s.base().to_owned();
        for (path, status) in [
            ("/feeds/people.json", 404),
            ("/feeds/projects.xml", 404),
            ("/feeds/projects.json?locale=xx", 400),
            ("/feeds/projects.json?limit=1000", 400),
            ("/feeds/projects.json?organisation=nobody", 400),
            ("/feeds/news.json?kind=workshop", 400),
            ("/feeds/projects.json?key=rk_not_a_key", 401),
        ] {
            let r = get(&format!("{base}{path}"), &[]).await;
            assert_eq!(r.status().as_u16(), status, "{path}");
            let body: Value = r.json().await.unwrap();
            assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.len() > 10), "{path}: {body}");
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn arabic_feeds_carry_language_and_direction() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let base = s.base().to_owned();
        let json: Value = get(&format!("{base}/feeds/projects.json?locale=ar"), &[]).await.json().await.unwrap();
        assert_eq!(json["language"], "ar", "{b:?}");
        let atom = get(&format!("{base}/feeds/projects.atom?locale=ar"), &[]).await.text().await.unwrap();
        assert!(atom.contains("xml:lang=\"ar\""), "{atom}");
        let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
        assert_eq!(feed.language.as_deref(), Some("ar"));
        assert!(feed.title.unwrap().content.starts_with("المشاريع"));
        // Events carry their own dates and place in the `_relais` extension.
        let events: Value = get(&format!("{base}/feeds/events.json?locale=fr"), &[]).await.json().await.unwrap();
        let rabat = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"].as_str().unwrap().starts_with("Les Régions marocaines"))
            .expect("the Rabat workshop");
        // 10 April 2018, all day in Casablanca (UTC+1).
        assert_eq!(rabat["_relais"]["starts_at"], "2018-04-09T23:00:00Z", "{rabat}");
        assert_eq!(rabat["_relais"]["time_zone"], "Africa/Casablanca");
        assert_eq!(rabat["_relais"]["city"], "Rabat");
        let rss = get(&format!("{base}/feeds/news.rss?locale=ar"), &[]).await.text().await.unwrap();
        assert!(rss.contains("<language>ar</language>"));
        // French fallback bodies in an Arabic feed say so, to be laid out left to right.
        assert!(rss.contains("lang=&quot;fr&quot;"), "{rss}");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_restricted_content_key_sees_only_its_part_wherever_it_looks() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let admin = s.login_as(Role::Admin).await;
        let r = s
            .gql(
                r#"{ projects(filter: { acronym: { eq: "SALEMM" } }) { nodes { id partners { nodes { id } } } } }"#,
                json!({}),
                None,
            )
            .await;
        let salemm = r.ok()["projects"]["nodes"][0].clone();
        let pid = salemm["partners"]["nodes"][0]["id"].as_str().unwrap().to_owned();
        let (_, secret) = create_key(
            &s,
            &admin,
            json!({ "name": "Partner site", "scopes": ["CONTENT"], "organisations": [pid], "rateLimitPerMinute": 1000 }),
        )
        .await;
        let base = s.base().to_owned();
        let ask = |query: &str, key: Option<&str>| {
            let (base, query, key) = (base.clone(), query.to_owned(), key.map(str::to_owned));
            async move {
                let mut rq = reqwest::Client::new().post(format!("{base}/graphql")).json(&json!({ "query": query }));
                if let Some(k) = key {
                    rq = rq.header("x-api-key", k);
                }
                rq.send().await.unwrap().json::<Value>().await.unwrap()
            }
        };
        let ids = |v: &Value| -> BTreeSet<String> {
            v.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
        };
        let q = format!(
            r#"{{ projects(first: 100, filter: {{ or: [{{ partners: {{ anyOf: ["{pid}"] }} }}, {{ funders: {{ anyOf: ["{pid}"] }} }}] }}) {{ nodes {{ id }} }} }}"#
        );
        let allowed = ids(&ask(&q, None).await["data"]["projects"]["nodes"]);
        let everything = ask(
            "{ projects(first: 100) { totalCount nodes { id } } events(first: 100) { nodes { id project { id } } } }",
            None,
        )
        .await;
        let all_projects = ids(&everything["data"]["projects"]["nodes"]);
        assert!(!allowed.is_empty() && allowed.len() < all_projects.len(), "{b:?}");
        let hidden = all_projects.difference(&allowed).next().unwrap().clone();

        // Root list and its count.
        let mine = ask("{ projects(first: 100) { totalCount nodes { id } } }", Some(&secret)).await;
        assert_eq!(ids(&mine["data"]["projects"]["nodes"]), allowed, "{mine}");
        assert_eq!(mine["data"]["projects"]["totalCount"].as_u64().unwrap() as usize, allowed.len());
        // Lookups by id, node and slug: null for what the key does not cover.
        let slug = ask(&format!(r#"{{ project(id: "{hidden}") {{ slug }} }}"#), None).await["data"]["project"]["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let q = format!(
            r#"{{ project(id: "{hidden}") {{ id }} node(id: "{hidden}") {{ id }} bySlug: project(slug: "{slug}") {{ id }} }}"#
        );
        let r = ask(&q, Some(&secret)).await;
        let found = (r["data"]["project"].clone(), r["data"]["node"].clone(), r["data"]["bySlug"].clone());
        assert_eq!(found, (Value::Null, Value::Null, Value::Null), "{r}");
        let shown = allowed.iter().next().unwrap();
        let r =
            ask(&format!(r#"{{ project(id: "{shown}") {{ id }} node(id: "{shown}") {{ id }} }}"#), Some(&secret)).await;
        assert_eq!(
            (r["data"]["project"]["id"].as_str(), r["data"]["node"]["id"].as_str()),
            (Some(shown.as_str()), Some(shown.as_str())),
            "{r}"
        );
        // Through relations: an organisation's projects, an event's project.
        let r = ask("{ organisations(first: 100) { nodes { fundedProjects(first: 100) { nodes { id } } partnerProjects(first: 100) { nodes { id } } } } events(first: 100) { nodes { project { id } } } }", Some(&secret)).await;
        for o in r["data"]["organisations"]["nodes"].as_array().unwrap() {
            for rel in ["fundedProjects", "partnerProjects"] {
                assert!(ids(&o[rel]["nodes"]).is_subset(&allowed), "{rel}: {o}");
            }
        }
        for e in r["data"]["events"]["nodes"].as_array().unwrap() {
            if let Some(p) = e["project"]["id"].as_str() {
                assert!(allowed.contains(p), "an event's project: {p}");
            }
        }
        // Search is refused rather than leaking titles.
        let r = ask(r#"{ search(query: "migration") { totalCount } }"#, Some(&secret)).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN");
        // Without the key, everything published is there again (no cache mix-up).
        let again = ask("{ projects(first: 100) { totalCount nodes { id } } }", None).await;
        assert_eq!(ids(&again["data"]["projects"]["nodes"]), all_projects);
        let mine = ask("{ projects(first: 100) { totalCount nodes { id } } }", Some(&secret)).await;
        assert_eq!(ids(&mine["data"]["projects"]["nodes"]), allowed);
        s.finish().await;
    }
}

/// A key restricted to a thematic axis sees the events of every project of
/// that axis, however many there are: the restriction is one condition in
/// the read, not a list of projects read first (which stopped at 10,000).
#[tokio::test]
async fn an_axis_restriction_holds_for_events_of_more_than_ten_thousand_projects() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let admin = s.login_as(Role::Admin).await;
        let dir = tempfile::tempdir().unwrap();
        let mut lines = vec![
            json!({ "type": "ThematicAxis", "key": "axis", "slug": "mobility", "publish": true, "fields": { "title": { "fr": "Mobilité" } } }),
            json!({ "type": "ThematicAxis", "key": "other", "slug": "other", "publish": true, "fields": { "title": { "fr": "Autre" } } }),
        ];
        for i in 0..10_005 {
            lines.push(json!({ "type": "Project", "key": format!("p{i}"), "publish": true,
                "fields": { "title": { "fr": format!("Projet {i}") }, "thematicAxes": ["@axis"] } }));
        }
        lines.push(json!({ "type": "Project", "key": "outside", "publish": true,
            "fields": { "title": { "fr": "Hors axe" }, "thematicAxes": ["@other"] } }));
        for (title, project) in [("Premier", "@p0"), ("Dernier", "@p10004"), ("Ailleurs", "@outside")] {
            lines.push(json!({ "type": "Event", "publish": true,
                "fields": { "title": { "fr": title }, "startsAt": "2025-03-01T10:00:00Z", "project": project } }));
        }
        let path = dir.path().join("many.ndjson");
        let text: Vec<String> = lines.iter().map(Value::to_string).collect();
        std::fs::write(&path, text.join("\n") + "\n").unwrap();
        let items = relais::domain::import::ItemFile::open(&path).unwrap();
        relais::domain::import::import_bulk(&s.hub.content, items, |_| {}).await.unwrap();

        let r = s.gql("{ thematicAxis(slug: \"mobility\") { id } }", json!({}), None).await;
        let axis = r.ok()["thematicAxis"]["id"].as_str().unwrap().to_owned();
        let (_, secret) = create_key(
            &s,
            &admin,
            json!({ "name": "Axis site", "scopes": ["CONTENT"], "thematicAxes": [axis], "rateLimitPerMinute": 1000 }),
        )
        .await;
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/graphql", s.base()))
            .header("x-api-key", &secret)
            .json(&json!({ "query": "{ events(first: 10, orderBy: [{ field: TITLE }]) { nodes { title } } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            answer["data"]["events"]["nodes"],
            json!([{ "title": "Dernier" }, { "title": "Premier" }]),
            "{b:?}: {answer}"
        );
        s.finish().await;
    }
}
