//! Each bad input gets its coded error and changes nothing.

use crate::common::{TestServer, backends};
use relais::app::Limits;
use relais::domain::permissions::Role;
use serde_json::json;

async fn project_count(s: &TestServer, token: &str) -> i64 {
    let r = s.gql("{ projects(preview: true) { totalCount } }", json!({}), Some(token)).await;
    r.ok()["projects"]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn bad_inputs_get_coded_errors_and_change_nothing() {
    for b in backends() {
        let limits =
            Limits { body_bytes: 64 * 1024, depth: 10, complexity: 5_000, page_size: 100, ..Default::default() };
        let s = TestServer::start_with(b, limits, true).await;
        let editor = s.login_as(Role::Editor).await;
        let before = project_count(&s, &editor).await;

        // Malformed query.
        let r = s.gql("{ projects { nodes { title }", json!({}), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{b:?}: {}", r.body);
        // Unknown field: the message names it.
        let r = s.gql("{ projects { nodes { colour } } }", json!({}), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("colour"));
        // Wrong types.
        let r = s.gql("{ projects(first: \"ten\") { totalCount } }", json!({}), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "X" }], "durationMonths": "long" } }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "X" }], "startDate": "10/04/2018" } }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "startDate");
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "X" }], "beneficiaryCountries": ["XX"] } }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "acronym": "NOTITLE" } }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "title is required");
        // Unknown id (well-formed but absent), a foreign id, and an unknown slug.
        let ghost = relais::domain::ids::encode("Project", "0190c5f6-0000-7000-8000-000000000000");
        let r = s.gql("query($id: ID!) { project(id: $id) { title } }", json!({ "id": ghost }), None).await;
        assert_eq!(r.ok()["project"], serde_json::Value::Null);
        let r = s
            .gql(
                "mutation($id: ID!) { publish(id: $id, version: 1) { version } }",
                json!({ "id": ghost }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "NOT_FOUND");
        let r = s.gql("query($id: ID!) { project(id: $id) { title } }", json!({ "id": "nonsense" }), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        let r = s.gql(
            "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
            json!({ "i": { "title": [{ "locale": "fr", "value": "X" }], "mission": relais::domain::ids::encode("Mission", "0190c5f6-0000-7000-8000-000000000000") } }),
            Some(&editor),
        )
        .await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "reference to a missing item");
        assert_eq!(
            s.gql("{ project(slug: \"no-such-project\") { title } }", json!({}), None).await.ok()["project"],
            serde_json::Value::Null
        );
        // Unknown locale: the message names the configured ones.
        let r = s.gql("{ projects(locale: \"de\") { totalCount } }", json!({}), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("fr, en, ar"));
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                json!({ "i": { "title": [{ "locale": "de", "value": "Projekt" }] } }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        // Page size over the limit, and a cursor that is not one.
        assert_eq!(s.gql("{ projects(first: 1000) { totalCount } }", json!({}), None).await.code(), "BAD_USER_INPUT");
        assert_eq!(
            s.gql("{ projects(after: \"xyz\") { totalCount } }", json!({}), None).await.code(),
            "BAD_USER_INPUT"
        );
        // Over-deep and over-complex queries.
        let deep = "{ projects { nodes { mission { organisation { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } } } }";
        let r = s.gql(deep, json!({}), None).await;
        assert_eq!(r.code(), "QUERY_TOO_COMPLEX", "{}", r.body);
        let wide = "{ projects(first: 100) { nodes { events(first: 100) { nodes { title city } } } } }";
        let r = s.gql(wide, json!({}), None).await;
        assert_eq!(r.code(), "QUERY_TOO_COMPLEX", "{}", r.body);
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("first/last"));
        // An oversized body is refused before it is read to the end.
        let big = "x".repeat(100 * 1024);
        let r = s.gql(&format!("{{ projects {{ totalCount }} }} # {big}"), json!({}), None).await;
        assert_eq!((r.status, r.code()), (413, "PAYLOAD_TOO_LARGE"));
        // Not JSON.
        let r =
            s.client.post(&s.url).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400);

        assert_eq!(project_count(&s, &editor).await, before, "nothing changed");
        s.finish().await;
    }
}

#[tokio::test]
async fn errors_never_leak_internals_and_get_follows_the_spec() {
    for b in backends() {
        let s = TestServer::start(b).await;
        // GraphQL over HTTP: GET runs queries, refuses mutations.
        let r = s.client.get(&s.url).query(&[("query", "{ projects(first: 1) { totalCount } }")]).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{b:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["data"]["projects"]["totalCount"].as_i64().unwrap() > 0);
        let r = s
            .client
            .get(&s.url)
            .query(&[("query", "mutation { login(email: \"a@b.c\", password: \"x\") { token } }")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405);
        // With the GraphQL response media type, a request error is a 400.
        let r = s
            .client
            .post(&s.url)
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": "{ nope }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        assert_eq!(r.headers()["content-type"], "application/graphql-response+json");
        // A wrong password and an unknown email read the same.
        let login = "mutation($e: String!) { login(email: $e, password: \"wrong password here\") { token } }";
        let a = s.gql(login, json!({ "e": "nobody@example.org" }), None).await;
        let _ = s.login_as(Role::Editor).await;
        assert_eq!(a.code(), "UNAUTHENTICATED");
        assert!(a.body["errors"][0]["message"].as_str().unwrap().starts_with("Email or password is incorrect"));
        // GraphiQL in a browser.
        let r = s.client.get(&s.url).header("accept", "text/html").send().await.unwrap();
        assert!(r.text().await.unwrap().contains("graphiql"));
        s.finish().await;
    }
}

/// A unique value that clashes in the database (two requests racing past the
/// service's own check) is a CONFLICT naming the field it is about, on both
/// databases (SQLite names the column, PostgreSQL the constraint), and the
/// service's own check says the same.
#[tokio::test]
async fn a_unique_clash_names_the_field_it_guards() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let row = |id: &str| relais::store::UserRow {
            id: id.to_owned(),
            email: "clash@example.org".into(),
            display_name: None,
            password_hash: "not a hash".into(),
            role: "EDITOR".into(),
            active: true,
            created_at: 0,
            version: 1,
        };
        s.store().insert_user(&row("u-clash-1")).await.unwrap();
        let e = s.store().insert_user(&row("u-clash-2")).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("CONFLICT", Some("email")), "{b:?}: {e:?}");
        assert!(e.message.starts_with("email: "), "{b:?}: {}", e.message);
        // Through the service: the same answer, before the database is asked.
        let e = s.hub.users.create("Clash@example.org", Role::Editor, "a password 123".into()).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("CONFLICT", Some("email")), "{b:?}: {e:?}");
        s.finish().await;
    }
}

/// A stored value that no longer parses (a hand edit of the database, a bad
/// restore) is reported with its code wherever it is read, by the compiled
/// plan and the engine alike, never served as if the field were empty; the
/// rest of the answer stands.
#[tokio::test]
async fn a_stored_value_that_does_not_parse_is_an_internal_error_not_an_empty_one() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let q = "{ projects(first: 100) { nodes { slug title } } }";
        let r = s.gql(q, json!({}), None).await;
        let slug = r.ok()["projects"]["nodes"][0]["slug"].as_str().unwrap().to_owned();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&s.db_url).await.unwrap();
        sqlx::query("UPDATE projects SET title = 'not json' WHERE slug = $1")
            .bind(&slug)
            .execute(&mut conn)
            .await
            .unwrap();
        // Asked twice: once more after the plan has been learnt.
        let q = "{ projects(first: 100) { nodes { slug title summary } } }";
        for _ in 0..2 {
            let r = s.gql(q, json!({}), None).await;
            assert_eq!(r.code(), "INTERNAL", "{b:?}: {}", r.body);
            let message = r.body["errors"][0]["message"].as_str().unwrap();
            assert!(!message.contains("not json"), "the cause stays in the log: {message}");
            let nodes = r.body["data"]["projects"]["nodes"].as_array().unwrap();
            let broken = nodes.iter().find(|n| n["slug"] == slug.as_str()).unwrap();
            assert!(broken["title"].is_null(), "{broken}");
            assert!(nodes.iter().filter(|n| n["slug"] != slug.as_str()).all(|n| n["title"].is_string()), "{nodes:?}");
        }
        s.finish().await;
    }
}
