//! What GraphQL clients that normalise, page and refetch expect (Relay, Apollo,
//! urql): `node(id:)` with the id alone, connections that page both ways,
//! a locale per field so that a cache keeps each locale apart, and answers in
//! the order the query asked.

use crate::common::{TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};

/// An event in French and Arabic with two outcomes and an organiser whose role
/// has both locales, published; returns its global id.
async fn bilingual_event(s: &TestServer, editor: &str) -> String {
    let org = s
        .gql(
            "mutation($i: OrganisationInput!) { createOrganisation(input: $i) { id } }",
            json!({ "i": { "name": [{ "locale": "fr", "value": "Association" }, { "locale": "ar", "value": "جمعية" }] } }),
            Some(editor),
        )
        .await;
    let org = org.ok()["createOrganisation"]["id"].as_str().unwrap().to_owned();
    let fr_ar = |fr: &str, ar: &str| json!([{ "locale": "fr", "value": fr }, { "locale": "ar", "value": ar }]);
    let input = json!({
        "title": fr_ar("Atelier", "ورشة"),
        "outcomes": [fr_ar("Un guide", "دليل"), fr_ar("Un réseau", "شبكة")],
        "organisers": [{ "id": org, "role": fr_ar("organisateur", "منظم") }],
    });
    let r = s
        .gql("mutation($i: EventInput!) { createEvent(input: $i) { id version } }", json!({ "i": input }), Some(editor))
        .await;
    let id = r.ok()["createEvent"]["id"].as_str().unwrap().to_owned();
    for (ty, gid) in [("publish", &org), ("publish", &id)] {
        let q = format!("mutation($id: ID!) {{ {ty}(id: $id, version: 1) {{ id }} }}");
        s.gql(&q, json!({ "id": gid }), Some(editor)).await.ok();
    }
    id
}

#[tokio::test]
async fn node_takes_the_id_alone_and_locale_and_preview_come_another_way() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let id = bilingual_event(&s, &editor).await;
        // Relay's compiler checks exactly this: node(id: ID!): Node.
        let r = s
            .gql(
                "{ __schema { queryType { fields { name args { name type { kind ofType { name } } } } } } }",
                json!({}),
                None,
            )
            .await;
        let fields = r.ok()["__schema"]["queryType"]["fields"].as_array().unwrap().clone();
        let node = fields.iter().find(|f| f["name"] == "node").unwrap();
        assert_eq!(node["args"], json!([{ "name": "id", "type": { "kind": "NON_NULL", "ofType": { "name": "ID" } } }]));
        let node_in = fields.iter().find(|f| f["name"] == "nodeIn").unwrap();
        let names: Vec<&str> =
            node_in["args"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["id", "locale", "preview"]);

        // The locale from Accept-Language, or nodeIn's argument.
        let q = "query($id: ID!) { node(id: $id) { ... on Event { title } } }";
        let ar = s
            .client
            .post(&s.url)
            .header("accept-language", "ar")
            .json(&json!({ "query": q, "variables": { "id": id } }));
        let ar: Value = ar.send().await.unwrap().json().await.unwrap();
        assert_eq!(ar["data"]["node"]["title"], "ورشة", "{b:?}: {ar}");
        let r = s
            .gql(
                "query($id: ID!) { nodeIn(id: $id, locale: \"ar\") { ... on Event { title } } }",
                json!({ "id": id }),
                None,
            )
            .await;
        assert_eq!(r.ok()["nodeIn"]["title"], "ورشة");

        // A draft change, seen through node with Relais-Preview, or nodeIn(preview: true).
        let r = s
            .gql(
                "mutation($id: ID!) { updateEvent(id: $id, version: 2, input: { title: [{ locale: \"fr\", value: \"Atelier (brouillon)\" }] }) { id } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        r.ok();
        let q = "query($id: ID!) { node(id: $id) { ... on Event { title } } }";
        let preview = |token: Option<String>| {
            let mut rq = s
                .client
                .post(&s.url)
                .header("relais-preview", "true")
                .json(&json!({ "query": q, "variables": { "id": id } }));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            async move { rq.send().await.unwrap().json::<Value>().await.unwrap() }
        };
        assert_eq!(preview(Some(editor.clone())).await["data"]["node"]["title"], "Atelier (brouillon)");
        assert_eq!(preview(None).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "drafts need a login");
        let r = s
            .gql("query($id: ID!) { node(id: $id) { ... on Event { title } } }", json!({ "id": id }), Some(&editor))
            .await;
        assert_eq!(r.ok()["node"]["title"], "Atelier", "without the header: published content");
        let r = s
            .gql(
                "query($id: ID!) { nodeIn(id: $id, preview: true) { ... on Event { title } } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["nodeIn"]["title"], "Atelier (brouillon)");
        s.finish().await;
    }
}

#[tokio::test]
async fn localised_fields_take_their_own_locale_so_caches_keep_locales_apart() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let id = bilingual_event(&s, &editor).await;
        let q = r#"query($id: ID!) { event(id: $id, locale: "fr") {
            title fr: title(locale: "fr") ar: title(locale: "ar")
            titleLocalized(locale: "ar") { value locale direction isFallback }
            outcomes arOutcomes: outcomes(locale: "ar")
            outcomesLocalized(locale: "ar") { value locale }
            organisers { edges { role arRole: role(locale: "ar") roleLocalized { translations { locale value } } node { name arName: name(locale: "ar") } } }
        } }"#;
        let r = s.gql(q, json!({ "id": id }), None).await;
        let e = &r.ok()["event"];
        assert_eq!(
            (e["title"].as_str(), e["fr"].as_str(), e["ar"].as_str()),
            (Some("Atelier"), Some("Atelier"), Some("ورشة")),
            "{b:?}"
        );
        assert_eq!(
            e["titleLocalized"],
            json!({ "value": "ورشة", "locale": "ar", "direction": "RTL", "isFallback": false })
        );
        assert_eq!(e["outcomes"], json!(["Un guide", "Un réseau"]));
        assert_eq!(e["arOutcomes"], json!(["دليل", "شبكة"]));
        assert_eq!(
            e["outcomesLocalized"],
            json!([{ "value": "دليل", "locale": "ar" }, { "value": "شبكة", "locale": "ar" }])
        );
        let edge = &e["organisers"]["edges"][0];
        assert_eq!((edge["role"].as_str(), edge["arRole"].as_str()), (Some("organisateur"), Some("منظم")));
        assert_eq!(edge["roleLocalized"]["translations"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            (edge["node"]["name"].as_str(), edge["node"]["arName"].as_str()),
            (Some("Association"), Some("جمعية"))
        );
        // An unknown locale is a coded error naming it.
        let r = s.gql("query($id: ID!) { event(id: $id) { title(locale: \"xx\") } }", json!({ "id": id }), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
        s.finish().await;
    }
}

#[tokio::test]
async fn answers_keep_the_order_of_the_selection_at_every_level() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), true).await;
        let q = r#"{ events(first: 2) { totalCount nodes { title id } } newsArticles(first: 1) { nodes { id } totalCount }
                    projects(first: 1) { pageInfo { hasNextPage } totalCount } a: locales { direction code } ...F }
                    fragment F on Query { countries(codes: ["MA"]) { name code } }"#;
        let text = s.client.post(&s.url).json(&json!({ "query": q })).send().await.unwrap().text().await.unwrap();
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap_or_else(|| panic!("{k} in {text}"));
        let order = ["events", "newsArticles", "projects", "a", "countries"];
        assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{b:?}: root fields in selection order: {text}");
        for (first, then) in [("totalCount", "nodes"), ("title", "id"), ("direction", "code")] {
            assert!(at(first) < at(then), "{first} before {then}: {text}");
        }
        let countries = &text[at("countries")..];
        assert!(countries.find("\"name\"") < countries.find("\"code\""), "{countries}");
        let projects = &text[at("projects")..];
        assert!(projects.find("pageInfo") < projects.find("totalCount"), "{projects}");
        s.finish().await;
    }
}

#[tokio::test]
async fn the_audit_log_and_search_page_both_ways_as_relay_connections() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let (_, admin, _) = s.user_as(Role::Admin).await;
        for i in 0..5 {
            let q = "mutation($i: NewsArticleInput!) { createNewsArticle(input: $i) { id } }";
            let i = json!({ "title": [{ "locale": "fr", "value": format!("Gazelle numéro {i}") }] });
            s.gql(q, json!({ "i": i }), Some(&admin)).await.ok();
        }
        // The audit log: totalCount and edges, forward pages, then backward from the end.
        let q = "query($f: Int, $a: String, $l: Int, $b: String) { auditLog(first: $f, after: $a, last: $l, before: $b, filter: { action: \"create\" }) {
                   totalCount edges { cursor node { id itemId } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
        let page = |vars: Value| {
            let (s, admin) = (&s, admin.clone());
            async move { s.gql(q, vars, Some(&admin)).await.ok()["auditLog"].clone() }
        };
        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let p = page(json!({ "f": 2, "a": after })).await;
            assert_eq!(p["totalCount"], 5, "{b:?}: {p}");
            let ids: Vec<String> =
                p["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect();
            assert_eq!(p["nodes"].as_array().unwrap().len(), ids.len());
            assert_eq!(p["edges"][0]["cursor"], p["pageInfo"]["startCursor"]);
            assert_eq!(p["pageInfo"]["hasPreviousPage"], !after.is_null());
            forward.extend(ids);
            if p["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = p["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward.len(), 5);
        let mut backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let p = page(json!({ "l": 2, "b": before })).await;
            let ids: Vec<String> =
                p["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
            assert_eq!(p["pageInfo"]["hasNextPage"], !before.is_null(), "{p}");
            backward.splice(0..0, ids);
            if p["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = p["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, forward, "{b:?}: the same list read from either end");
        let r = s.gql(q, json!({ "f": 1, "l": 1 }), Some(&admin)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "first and last together: {}", r.body);

        // Search: the same, newest pages of matches from the end.
        let sq = "query($f: Int, $a: String, $l: Int, $b: String) { search(query: \"gazelle\", locale: \"fr\", preview: true, first: $f, after: $a, last: $l, before: $b) {
                    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
        let spage = |vars: Value| {
            let (s, admin) = (&s, admin.clone());
            async move { s.gql(sq, vars, Some(&admin)).await.ok()["search"].clone() }
        };
        let all: Vec<Value> = spage(json!({ "f": 10 })).await["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect();
        assert_eq!(all.len(), 5, "{b:?}");
        let last = spage(json!({ "l": 2 })).await;
        let ids: Vec<Value> = last["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect();
        assert_eq!(ids, all[3..].to_vec());
        assert_eq!(
            (last["pageInfo"]["hasPreviousPage"].as_bool(), last["pageInfo"]["hasNextPage"].as_bool()),
            (Some(true), Some(false))
        );
        let before = spage(json!({ "l": 2, "b": last["pageInfo"]["startCursor"] })).await;
        let ids: Vec<Value> = before["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect();
        assert_eq!(ids, all[1..3].to_vec());
        s.finish().await;
    }
}
