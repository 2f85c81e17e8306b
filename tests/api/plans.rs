//! Compiled plans (graphql::plan): a query document answered once runs
//! through its plan the next time, with the very bytes the engine gives;
//! what a plan does not cover goes to the engine. (Every other API test runs
//! with plans checked: each answer a plan gives is compared with the engine's.)

use crate::common::{Options, TestServer, backends};
use relais::domain::permissions::Role;
use relais::graphql::plan::PlanMode;
use serde_json::{Value, json};

const PAGE: &str = r#"query Page($n: Int!, $locale: String, $after: String) {
  projects(first: $n, after: $after, locale: $locale, orderBy: [{ field: PUBLISHED_AT, direction: DESC }]) {
    __typename
    total: totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...Card } }
  }
}
fragment Card on Project {
  __typename id slug name: title summary publishedAt workflowState version
  budget { amount currency }
  ... on Project { thematicAxes(first: 2) { totalCount nodes { id title } } }
  events(first: 3, orderBy: [{ field: STARTS_AT, direction: DESC }]) { nodes { id title startsAt city } }
}"#;

/// The answer's bytes as sent.
async fn raw(s: &TestServer, query: &str, variables: Value, token: &str) -> (u16, String) {
    let r = s
        .client
        .post(s.base().to_owned() + "/graphql")
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn plans_on() -> Options {
    Options { plans: PlanMode::On, ..Default::default() }
}

#[tokio::test]
async fn a_document_seen_before_answers_from_its_plan_with_the_engines_bytes() {
    for b in backends() {
        let s = TestServer::start_opts(b, plans_on()).await;
        // Signed in: answers are not cached, so each request is computed.
        let token = s.login_as(Role::Editor).await;
        let vars = json!({ "n": 3, "locale": "en" });
        let (status, engine) = raw(&s, PAGE, vars.clone(), &token).await;
        assert_eq!(status, 200, "{engine}");
        assert_eq!(s.metric("relais_graphql_planned_total").await, 0, "{b:?}: the engine answers first");
        let (_, planned) = raw(&s, PAGE, vars, &token).await;
        assert_eq!(s.metric("relais_graphql_planned_total").await, 1, "{b:?}: the plan answers next");
        assert_eq!(planned, engine, "{b:?}: the same bytes");
        let body: Value = serde_json::from_str(&planned).unwrap();
        let page = &body["data"]["projects"];
        assert_eq!(page["edges"].as_array().unwrap().len(), 3, "{body}");
        assert!(page["total"].as_i64().unwrap() > 3);
        assert_eq!(page["edges"][0]["node"]["__typename"], "Project");

        // The next page, through the cursor the plan wrote.
        let after = page["pageInfo"]["endCursor"].as_str().unwrap();
        let (_, next) = raw(&s, PAGE, json!({ "n": 3, "after": after }), &token).await;
        assert_eq!(s.metric("relais_graphql_planned_total").await, 2);
        let next: Value = serde_json::from_str(&next).unwrap();
        assert_eq!(next["data"]["projects"]["pageInfo"]["hasPreviousPage"], true, "{next}");
        let first_ids: Vec<&Value> = page["edges"].as_array().unwrap().iter().map(|e| &e["node"]["id"]).collect();
        for e in next["data"]["projects"]["edges"].as_array().unwrap() {
            assert!(!first_ids.contains(&&e["node"]["id"]), "pages do not overlap");
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn what_a_plan_does_not_cover_or_refuses_goes_to_the_engine() {
    for b in backends() {
        let s = TestServer::start_opts(b, plans_on()).await;
        let token = s.login_as(Role::Editor).await;
        let (status, _) = raw(&s, PAGE, json!({ "n": 2 }), &token).await;
        assert_eq!(status, 200);

        // A variable of the wrong type, a page too large, a locale the server
        // does not serve: the engine answers each, with its code and field.
        let r = s.gql(PAGE, json!({ "n": "two" }), Some(&token)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{b:?}: {}", r.body);
        let r = s.gql(PAGE, json!({ "n": 500 }), Some(&token)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "first", "{}", r.body);
        let r = s.gql(PAGE, json!({ "n": 2, "locale": "xx" }), Some(&token)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
        assert_eq!(s.metric("relais_graphql_planned_total").await, 0, "{b:?}: no plan answered an error");

        // Directives and fields outside plans: the engine, every time.
        let q = r#"query($full: Boolean!) { projects(first: 2) { nodes { id summary @include(if: $full) } } }"#;
        for full in [true, false, true] {
            let r = s.gql(q, json!({ "full": full }), Some(&token)).await;
            let node = &r.ok()["projects"]["nodes"][0];
            assert_eq!(node.get("summary").is_some(), full, "{}", r.body);
        }
        let q = r#"{ projects(first: 1) { nodes { id availableLocales } } }"#;
        for _ in 0..2 {
            assert!(
                s.gql(q, json!({}), Some(&token)).await.ok()["projects"]["nodes"][0]["availableLocales"].is_array()
            );
        }
        assert_eq!(s.metric("relais_graphql_planned_total").await, 0, "{b:?}");

        // Then the plan answers again when the input is right.
        let r = s.gql(PAGE, json!({ "n": 1 }), Some(&token)).await;
        assert_eq!(r.ok()["projects"]["edges"].as_array().unwrap().len(), 1);
        assert_eq!(s.metric("relais_graphql_planned_total").await, 1, "{b:?}");
        s.finish().await;
    }
}

#[tokio::test]
async fn plans_keep_drafts_to_those_who_may_read_them() {
    for b in backends() {
        let s = TestServer::start_opts(b, plans_on()).await;
        let token = s.login_as(Role::Editor).await;
        let q = r#"query($preview: Boolean) { projects(first: 50, preview: $preview) { totalCount nodes { id workflowState hasUnpublishedChanges } } }"#;
        let live = s.gql(q, json!({}), Some(&token)).await;
        let live_total = live.ok()["projects"]["totalCount"].as_i64().unwrap();
        // A new draft: seen in preview only, and by the plan the same way.
        let made = s
            .gql(
                r#"mutation { createProject(input: { title: [{ locale: "fr", value: "Brouillon de plan" }] }) { id } }"#,
                json!({}),
                Some(&token),
            )
            .await;
        made.ok();
        let preview = s.gql(q, json!({ "preview": true }), Some(&token)).await;
        let states: Vec<&str> = preview.ok()["projects"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["workflowState"].as_str().unwrap())
            .collect();
        assert!(states.contains(&"DRAFT"), "{b:?}: {}", preview.body);
        assert_eq!(preview.ok()["projects"]["totalCount"].as_i64().unwrap(), live_total + 1);
        let again = s.gql(q, json!({}), Some(&token)).await;
        assert_eq!(again.ok()["projects"]["totalCount"].as_i64().unwrap(), live_total, "live reads stay live");
        assert_eq!(s.metric("relais_graphql_planned_total").await, 2, "{b:?}: both reads after the first");
        // An anonymous caller may not preview, plan or not.
        let r = s.gql(q, json!({ "preview": true }), None).await;
        assert_eq!(r.code(), "UNAUTHENTICATED", "{}", r.body);
        s.finish().await;
    }
}

/// A document answered by a plan is not parsed again, but its limits are
/// checked with each request's variables: pages that make it too costly are
/// refused as the engine refuses them.
#[tokio::test]
async fn a_planned_document_is_held_to_the_limits_with_each_requests_variables() {
    const Q: &str = "query($n: Int) { projects(first: $n) { nodes { id thematicAxes(first: $n) { nodes { id projects(first: $n) { nodes { id } } } } } } }";
    for b in backends() {
        let s = TestServer::start_opts(b, plans_on()).await;
        let token = s.login_as(Role::Editor).await;
        for _ in 0..2 {
            let (status, body) = raw(&s, Q, json!({ "n": 2 }), &token).await;
            assert_eq!(status, 200, "{body}");
        }
        assert_eq!(s.metric("relais_graphql_planned_total").await, 1, "{b:?}: the plan answers the second");
        let r = s.gql(Q, json!({ "n": 100 }), Some(&token)).await;
        assert_eq!(r.code(), "QUERY_TOO_COMPLEX", "{b:?}: {}", r.body);
        assert_eq!(s.metric("relais_graphql_planned_total").await, 1, "{b:?}");
        s.finish().await;
    }
}
