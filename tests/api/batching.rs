//! No N+1: the statements a list runs depend on the query's shape, not on how
//! many items it returns.

use crate::common::{Backend, Options, TestServer, backends};
use relais::graphql::plan::PlanMode;
use serde_json::{Value, json};

/// 110 published projects, each with two axes, two partners and three events.
fn dataset() -> String {
    let mut items = vec![];
    for i in 0..4 {
        items.push(json!({ "type": "Organisation", "key": format!("org{i}"), "publish": true, "fields": { "name": { "fr": format!("Organisation {i}") } } }));
        items.push(json!({ "type": "ThematicAxis", "key": format!("axis{i}"), "publish": true, "fields": { "title": { "fr": format!("Axe {i}") } } }));
    }
    for p in 0..110 {
        items.push(json!({ "type": "Project", "key": format!("p{p}"), "publish": true, "fields": {
            "title": { "fr": format!("Projet {p:03}") },
            "thematicAxes": [format!("@axis{}", p % 4), format!("@axis{}", (p + 1) % 4)],
            "partners": [{ "id": format!("@org{}", p % 4), "role": { "fr": "Partenaire" } }, format!("@org{}", (p + 2) % 4)],
        }}));
        for e in 0..3 {
            items.push(json!({ "type": "Event", "publish": true, "fields": {
                "title": { "fr": format!("Événement {p}-{e}") }, "project": format!("@p{p}"),
                "startsAt": format!("2020-0{}-01T10:00:00Z", e + 1), "city": { "fr": "Rabat" },
            }}));
        }
    }
    json!({ "items": items }).to_string()
}

const HOME: &str = r#"query($n: Int!) {
  projects(first: $n, orderBy: [{ field: PUBLISHED_AT, direction: DESC }, { field: ID, direction: DESC }]) {
    totalCount
    nodes {
      id title slug publishedAt budget { amount currency }
      thematicAxes { nodes { id title slug } }
      partners { nodes { id name } }
      events(first: 3, orderBy: [{ field: STARTS_AT, direction: DESC }]) { nodes { id title startsAt city } }
    }
  }
}"#;

async fn statements_for(s: &TestServer, n: usize) -> (u64, Value) {
    statements_of(s, HOME, n).await
}

async fn statements_of(s: &TestServer, query: &str, n: usize) -> (u64, Value) {
    let before = s.store().statement_count();
    let r = s.gql(query, json!({ "n": n }), None).await;
    let after = s.store().statement_count();
    (after - before, r.ok().clone())
}

#[tokio::test]
async fn five_and_a_hundred_projects_run_the_same_statements() {
    for b in backends() {
        // No scheduler: its once-a-second statement would land in the count.
        // Plans on, unchecked: the first request is the engine's, the next
        // ones run the document's compiled plan; both read the same way.
        let o = Options { demo: false, tasks: false, plans: PlanMode::On, ..Default::default() };
        let s = TestServer::start_opts(b, o).await;
        relais::domain::import::import(&s.hub.content, &dataset()).await.unwrap();
        let (five, d5) = statements_for(&s, 5).await;
        let (hundred, d100) = statements_for(&s, 100).await;
        // Seven, not five again: five's answer is in the response cache now.
        let (seven, d7) = statements_for(&s, 7).await;
        assert_eq!(d7["projects"]["nodes"].as_array().unwrap()[..5], d5["projects"]["nodes"].as_array().unwrap()[..]);
        assert_eq!(seven, hundred, "{b:?}: statements of the plan for 7 and for 100 projects");
        // The plan reads a level's relations together: on PostgreSQL in one
        // statement (the list, its count, then axes, partners and events).
        match b {
            Backend::Sqlite => assert_eq!(seven, five, "{b:?}: statements of the plan and of the engine"),
            Backend::Postgres => assert_eq!(seven, 3, "{b:?}: statements of the plan"),
        }
        assert_eq!(s.metric("relais_graphql_planned_total").await, 2, "{b:?}: the plan answered after the first");
        let nodes = d100["projects"]["nodes"].as_array().unwrap();
        assert_eq!(d5["projects"]["nodes"].as_array().unwrap().len(), 5);
        assert_eq!(nodes.len(), 100, "{b:?}");
        assert_eq!(d100["projects"]["totalCount"], 110);
        for p in nodes {
            assert_eq!(p["thematicAxes"]["nodes"].as_array().unwrap().len(), 2);
            assert_eq!(p["partners"]["nodes"].as_array().unwrap().len(), 2);
            let events = p["events"]["nodes"].as_array().unwrap();
            assert_eq!(events.len(), 3);
            assert!(events[0]["startsAt"].as_str().unwrap() > events[1]["startsAt"].as_str().unwrap(), "latest first");
        }
        // Another document, so the engine answers again, for 100.
        let (engine_hundred, _) = statements_of(&s, &format!("{HOME}\n"), 100).await;
        assert_eq!(engine_hundred, five, "{b:?}: the engine's statements for 5 and for 100 projects");
        assert!(five <= 5, "{b:?}: {five} statements of the engine (list, count, axes, partners, events)");
        s.finish().await;
    }
}
