//! Connections: pagination both ways, filters with and/or/not, ordering, and
//! localisation with fallback.

use crate::common::{TestServer, backends};
use serde_json::{Value, json};

fn titles(v: &Value) -> Vec<String> {
    v["nodes"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn pages_forward_and_backward_cover_the_list_once() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let all = s
            .gql(
                "{ organisations(first: 100, orderBy: [{ field: NAME }]) { totalCount nodes { name } } }",
                json!({}),
                None,
            )
            .await;
        let total = all.ok()["organisations"]["totalCount"].as_i64().unwrap();
        let names: Vec<String> = all.ok()["organisations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len() as i64, total, "{b:?}");
        assert!(total > 10);
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.to_lowercase());
        let q = "query($a: String) { organisations(first: 4, after: $a, orderBy: [{ field: NAME }]) { pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }";
        let mut seen = vec![];
        let mut after = Value::Null;
        loop {
            let r = s.gql(q, json!({ "a": after }), None).await;
            let c = r.ok()["organisations"].clone();
            seen.extend(c["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap().to_owned()));
            if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = c["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, names, "forward pages give the list once, in order");
        let q = "query($b: String) { organisations(last: 5, before: $b, orderBy: [{ field: NAME }]) { pageInfo { hasPreviousPage startCursor } nodes { name } } }";
        let mut back: Vec<String> = vec![];
        let mut before = Value::Null;
        loop {
            let r = s.gql(q, json!({ "b": before }), None).await;
            let c = r.ok()["organisations"].clone();
            let page: Vec<String> =
                c["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap().to_owned()).collect();
            back.splice(0..0, page);
            if !c["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
                break;
            }
            before = c["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(back, names, "backward pages give the same list");
        s.finish().await;
    }
}

#[tokio::test]
async fn filters_combine_with_and_or_not() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let q = "query($f: ProjectFilter) { projects(filter: $f, orderBy: [{ field: TITLE }]) { totalCount nodes { title acronym } } }";
        let count = |v: &Value| v["projects"]["totalCount"].as_i64().unwrap();
        let r = s.gql(q, json!({ "f": { "status": { "eq": "COMPLETED" } } }), None).await;
        let completed = count(r.ok());
        assert!(completed >= 3, "{b:?}");
        let r = s.gql(q, json!({ "f": { "not": { "status": { "eq": "COMPLETED" } } } }), None).await;
        let all = s.gql(q, json!({}), None).await;
        assert_eq!(count(r.ok()) + completed, count(all.ok()), "not() is the complement, missing values included");
        let r = s
            .gql(
                q,
                json!({ "f": { "or": [{ "acronym": { "eq": "SALEMM" } }, { "acronym": { "eq": "M-LEARN" } }] } }),
                None,
            )
            .await;
        assert_eq!(count(r.ok()), 2);
        let r = s.gql(q, json!({ "f": { "and": [{ "beneficiaryCountries": { "anyOf": ["TN"] } }, { "coverage": { "eq": "REGIONAL" } }, { "endDate": { "gte": "2020" } }] } }), None).await;
        let d = r.ok();
        assert_eq!(count(d), 1);
        assert_eq!(d["projects"]["nodes"][0]["acronym"], "M-LEARN");
        let r = s.gql(q, json!({ "f": { "title": { "contains": "NON-DISCRIMINATION" } } }), None).await;
        assert_eq!(count(r.ok()), 1, "contains is case-insensitive");
        let r = s.gql(q, json!({ "f": { "beneficiaryCountries": { "isEmpty": true } } }), None).await;
        assert!(count(r.ok()) >= 1);
        // Filter a nested connection too.
        let r = s.gql(
            "{ organisation(slug: \"oim\") { missions { nodes { thematicAxes(filter: { kind: { eq: CROSS_CUTTING } }) { totalCount } } } } }",
            json!({}),
            None,
        )
        .await;
        assert_eq!(r.ok()["organisation"]["missions"]["nodes"][0]["thematicAxes"]["totalCount"], 3);
        s.finish().await;
    }
}

#[tokio::test]
async fn locales_fall_back_and_say_where_values_came_from() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let q = r#"query($l: String) { organisation(slug: "oim", locale: $l) { name acronym nameLocalized { value locale direction isFallback translations { locale } } } }"#;
        let en = s.gql(q, json!({ "l": "en" }), None).await;
        let o = &en.ok()["organisation"];
        assert_eq!(o["acronym"], "IOM", "{b:?}");
        assert_eq!(o["nameLocalized"]["locale"], "en");
        let fr = s.gql(q, json!({ "l": "fr" }), None).await;
        assert_eq!(fr.ok()["organisation"]["acronym"], "OIM");
        // The project type has no Arabic text: an Arabic read falls back to French and says so.
        let r = s
            .gql(r#"{ project(slug: "m-learn", locale: "ar") { region projectType projectTypeLocalized { value locale direction isFallback } } }"#, json!({}), None)
            .await;
        let p = &r.ok()["project"];
        assert_eq!(p["region"], "أفريقيا");
        assert_eq!(p["projectType"], "Recherche et publications en matière migratoire");
        assert_eq!(
            p["projectTypeLocalized"],
            json!({ "value": "Recherche et publications en matière migratoire", "locale": "fr", "direction": "LTR", "isFallback": true })
        );
        // Accept-Language picks the locale when the query does not.
        let r = s
            .client
            .post(&s.url)
            .header("accept-language", "en-GB,en;q=0.9")
            .json(
                &json!({ "query": "{ organisation(slug: \"oim\") { acronym } countries(codes: [\"MA\"]) { name } }" }),
            )
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["data"]["organisation"]["acronym"], "IOM");
        assert_eq!(body["data"]["countries"][0]["name"], "Morocco");
        let r = s.gql("{ locales { code direction isDefault fallbacks } countries(codes: [\"MA\"], locale: \"ar\") { nameLocalized { value direction } } }", json!({}), None).await;
        let d = r.ok();
        assert_eq!(
            d["locales"][2],
            json!({ "code": "ar", "direction": "RTL", "isDefault": false, "fallbacks": ["fr"] })
        );
        assert_eq!(d["countries"][0]["nameLocalized"], json!({ "value": "المغرب", "direction": "RTL" }));
        // Sorting uses the fallback-resolved value.
        let r = s
            .gql("{ thematicAxes(locale: \"ar\", orderBy: [{ field: TITLE }]) { nodes { title } } }", json!({}), None)
            .await;
        let t = titles(&r.ok()["thematicAxes"]);
        let mut sorted = t.clone();
        sorted.sort();
        assert_eq!(t, sorted);
        s.finish().await;
    }
}

#[tokio::test]
async fn node_and_lookups_by_id_and_slug_agree() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let r = s.gql("{ event(slug: \"conference-cloture-salemm-2016\") { id slug title } }", json!({}), None).await;
        let e = r.ok()["event"].clone();
        let r = s
            .gql(
                "query($id: ID!) { node(id: $id) { id ... on Event { title } } event(id: $id) { slug } }",
                json!({ "id": e["id"] }),
                None,
            )
            .await;
        assert_eq!(r.ok()["node"]["title"], e["title"], "{b:?}");
        assert_eq!(r.ok()["event"]["slug"], e["slug"]);
        let r = s.gql("{ event(id: \"x\", slug: \"y\") { id } }", json!({}), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        s.finish().await;
    }
}

#[tokio::test]
async fn items_say_which_locales_they_have() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let r = s
            .gql(
                "{ organisation(slug: \"oim\") { availableLocales } project(slug: \"m-learn\") { availableLocales } }",
                json!({}),
                None,
            )
            .await;
        assert_eq!(r.ok()["organisation"]["availableLocales"], json!(["fr", "en", "ar"]), "{b:?}");
        let p = r.ok()["project"]["availableLocales"].as_array().unwrap().clone();
        assert!(p.contains(&json!("fr")));
        s.finish().await;
    }
}

#[tokio::test]
async fn an_import_keeps_the_source_publication_dates_and_lists_follow_them() {
    for b in crate::common::backends() {
        let s = crate::common::TestServer::start_with(b, Default::default(), false).await;
        let file = serde_json::json!({ "items": [
            { "type": "Project", "key": "a", "slug": "older", "publish": true, "publishedAt": "2022-03-01T10:00:00Z",
              "fields": { "title": { "fr": "Plus ancien" } } },
            { "type": "Project", "key": "b", "slug": "newer", "publish": true, "publishedAt": "2024-06-01T08:30:00Z",
              "fields": { "title": { "fr": "Plus récent" } } },
            { "type": "Project", "key": "c", "slug": "bad", "publish": true, "publishedAt": "yesterday",
              "fields": { "title": { "fr": "Date fausse" } } }
        ] });
        let err = relais::domain::import::import(&s.hub.content, &file.to_string()).await.unwrap_err();
        assert!(err.message.contains("items[2]") && err.message.contains("publishedAt"), "{}", err.message);
        let mut items = file["items"].as_array().unwrap().clone();
        items.pop();
        let n = relais::domain::import::import(&s.hub.content, &serde_json::json!({ "items": items }).to_string())
            .await
            .unwrap();
        assert_eq!(n, 2);
        let r = s
            .gql(
                "{ projects(orderBy: [{ field: PUBLISHED_AT, direction: DESC }]) { nodes { slug publishedAt } } }",
                serde_json::json!({}),
                None,
            )
            .await;
        let nodes = r.ok()["projects"]["nodes"].clone();
        assert_eq!(nodes[0]["slug"], "newer", "{b:?}");
        assert_eq!(nodes[0]["publishedAt"], "2024-06-01T08:30:00Z");
        assert_eq!(nodes[1]["publishedAt"], "2022-03-01T10:00:00Z");
        s.finish().await;
    }
}

/// Writes `lines` as an NDJSON import file.
fn ndjson(dir: &std::path::Path, name: &str, lines: &[Value]) -> std::path::PathBuf {
    let path = dir.join(name);
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}

async fn bulk(s: &TestServer, path: &std::path::Path) -> Result<(usize, Vec<usize>), relais::error::Error> {
    let items = relais::domain::import::ItemFile::open(path)?;
    let mut seen = Vec::new();
    let n = relais::domain::import::import_bulk(&s.hub.content, items, |n| seen.push(n)).await?;
    Ok((n, seen))
}

#[tokio::test]
async fn a_bulk_import_gives_what_an_item_by_item_import_gives_and_refuses_bad_files_whole() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let dir = tempfile::tempdir().unwrap();
        let mut lines = vec![
            json!({ "type": "Organisation", "key": "a", "slug": "alpha", "publish": true, "fields": { "name": { "fr": "Alpha" } } }),
            json!({ "type": "Organisation", "key": "b", "slug": "beta", "publish": true, "fields": { "name": { "fr": "Bêta", "ar": "بيتا" } } }),
            json!({ "type": "Project", "key": "p", "slug": "puits", "publish": true, "publishedAt": "2024-05-02T09:00:00Z",
                    "fields": { "title": { "fr": "Des puits pour les oasis" }, "summary": { "fr": "Irrigation durable à Figuig" },
                                "budget": { "amount": 120000, "currency": "EUR" }, "partners": [{ "id": "@b" }, { "id": "@a" }] } }),
            json!({ "type": "Project", "key": "d", "slug": "brouillon", "fields": { "title": { "fr": "Projet en brouillon" } } }),
        ];
        // Enough events for several batches; titles give their slugs.
        for i in 0..1203 {
            lines.push(json!({ "type": "Event", "publish": true, "fields": {
                "title": { "fr": format!("Atelier {i}") }, "startsAt": format!("2024-06-{:02}T10:00:00Z", 1 + i % 28),
                "project": "@p" } }));
        }
        let good = ndjson(dir.path(), "good.ndjson", &lines);
        let (n, progress) = bulk(&s, &good).await.unwrap();
        assert_eq!(n, 1207, "{b:?}");
        assert_eq!(progress.last(), Some(&1207));
        assert!(progress.len() >= 4, "progress after every batch: {progress:?}");

        // The public sees the published items, with their dates, links in order and fallbacks.
        let q = "{ projects { totalCount nodes { slug title publishedAt budget { amount currency }
                    partners { nodes { slug } } events(first: 2, orderBy: [{ field: STARTS_AT, direction: DESC }]) { totalCount nodes { title slug } } } }
                   organisation(slug: \"beta\", locale: \"ar\") { nameLocalized { value isFallback } } }";
        let r = s.gql(q, json!({}), None).await;
        let p = &r.ok()["projects"];
        assert_eq!(p["totalCount"], 1, "{b:?}: the draft stays out of sight");
        let p = &p["nodes"][0];
        assert_eq!(p["slug"], "puits");
        assert_eq!(p["publishedAt"], "2024-05-02T09:00:00Z");
        assert_eq!(p["budget"], json!({ "amount": "120000.00", "currency": "EUR" }));
        assert_eq!(p["partners"]["nodes"], json!([{ "slug": "beta" }, { "slug": "alpha" }]));
        assert_eq!(p["events"]["totalCount"], 1203);
        assert!(p["events"]["nodes"][0]["slug"].as_str().unwrap().starts_with("atelier-"));
        assert_eq!(r.ok()["organisation"]["nameLocalized"], json!({ "value": "بيتا", "isFallback": false }));
        // Search finds bulk-loaded items; staff see the draft as a draft.
        let found = s.gql("{ search(query: \"irrigation figuig\") { edges { title } } }", json!({}), None).await;
        assert_eq!(found.ok()["search"]["edges"][0]["title"], "Des puits pour les oasis", "{b:?}");
        let editor = s.login_as(relais::domain::permissions::Role::Editor).await;
        let d =
            s.gql("{ project(slug: \"brouillon\", preview: true) { workflowState } }", json!({}), Some(&editor)).await;
        assert_eq!(d.ok()["project"]["workflowState"], "DRAFT");

        // Bad files are refused whole, naming the line; nothing is written.
        let count = || async {
            s.gql(
                "{ organisations(preview: true) { totalCount } events(preview: true) { totalCount } }",
                json!({}),
                Some(&editor),
            )
            .await
            .ok()
            .clone()
        };
        let before = count().await;
        let org = |slug: &str, fields: Value| json!({ "type": "Organisation", "slug": slug, "publish": true, "fields": fields });
        let cases = [
            (
                vec![
                    org("gamma", json!({ "name": { "fr": "Gamma" } })),
                    json!({ "type": "Event", "fields": { "title": { "fr": "x" }, "startsAt": "2024-01-01T00:00:00Z", "project": "@later" } }),
                ],
                "line 2",
                "earlier",
            ),
            (
                vec![
                    org("gamma", json!({ "name": { "fr": "Gamma" } })),
                    org("gamma", json!({ "name": { "fr": "Gamma bis" } })),
                ],
                "line 2",
                "gamma",
            ),
            (
                vec![
                    org("gamma", json!({ "name": { "fr": "Gamma" } })),
                    org("alpha", json!({ "name": { "fr": "Déjà là" } })),
                ],
                "line 2",
                "alpha",
            ),
            (
                vec![
                    org("gamma", json!({ "name": { "fr": "Gamma" } })),
                    org("delta", json!({ "website": "pas une adresse" })),
                ],
                "line 2",
                "website",
            ),
        ];
        for (i, (lines, place, word)) in cases.iter().enumerate() {
            let err = bulk(&s, &ndjson(dir.path(), &format!("bad{i}.ndjson"), lines)).await.unwrap_err();
            assert!(err.message.contains(place) && err.message.contains(word), "{b:?} case {i}: {}", err.message);
        }
        std::fs::write(
            dir.path().join("broken.ndjson"),
            "{\"type\": \"Organisation\", \"slug\": \"e\", \"fields\": {\"name\": {\"fr\": \"E\"}}}\n{not json\n",
        )
        .unwrap();
        let err = bulk(&s, &dir.path().join("broken.ndjson")).await.unwrap_err();
        assert_eq!(err.code.as_str(), "BAD_USER_INPUT");
        assert!(err.message.contains("line 2: not JSON"), "{}", err.message);
        assert_eq!(count().await, before, "{b:?}: a refused file wrote nothing");
        s.finish().await;
    }
}

/// A list reads only the fields its nodes select (`store::Columns`), and
/// answers exactly as a read of the whole item does, whatever way the fields
/// are selected: fragments, aliases, edges, `…Localized`, references, nested
/// lists and fields that look at every value.
#[tokio::test]
async fn lists_read_only_what_their_nodes_select_and_answer_as_a_whole_read() {
    const F: &str = "fragment F on Project { id slug title acronym summary summaryLocalized { locale value } startDate budget { amount currency } coverage mission { name } website objectives { title } thematicAxes { nodes { title } } events(first: 2) { nodes { title startsAt city } } }";
    // (selection, whether it goes through edges)
    let shapes = [
        ("...F", false),
        ("...F", true),
        ("... on Project { slug t: title s: summary mission { name } }", false),
        ("slug availableLocales regionLocalized { value }", true),
        ("slug body { text }", false),
    ];
    for b in backends() {
        let s = TestServer::start(b).await;
        for (sel, edges) in shapes {
            let frag = if sel.contains("...F") { F } else { "" };
            let list = match edges {
                false => format!("{{ projects(first: 6) {{ nodes {{ {sel} }} }} }} {frag}"),
                true => format!("{{ projects(first: 6) {{ edges {{ node {{ {sel} }} }} }} }} {frag}"),
            };
            let r = s.gql(&list, json!({}), None).await;
            let c = &r.ok()["projects"];
            let nodes: Vec<Value> = match edges {
                false => c["nodes"].as_array().unwrap().clone(),
                true => c["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect(),
            };
            assert!(nodes.len() >= 3, "{b:?}: {list}");
            assert!(nodes.iter().any(|n| n.as_object().unwrap().values().filter(|v| !v.is_null()).count() > 1));
            // The same selection on the item by slug, which reads every column.
            let single = format!("query($s: String!) {{ project(slug: $s) {{ slug {sel} }} }} {frag}");
            for node in &nodes {
                let one = s.gql(&single, json!({ "s": node["slug"] }), None).await;
                assert_eq!(&one.ok()["project"], node, "{b:?}: {list}");
            }
        }
        s.finish().await;
    }
}

/// Reading a field that a list did not fetch stops the tests (debug builds):
/// every query the suite runs would fail if a resolver read a column its
/// selection did not name.
#[tokio::test]
async fn reading_a_field_that_was_not_fetched_is_caught() {
    use relais::model::item::Stage;
    use relais::model::query::{Columns, ListSpec, Source, Window};
    let s = TestServer::start(backends()[0]).await;
    let ty = relais::model::content_type("Project").unwrap();
    let title = ty.fields.iter().position(|f| f.name == "title").unwrap();
    let spec = ListSpec {
        filter: None,
        order: vec![],
        window: Window { first: Some(3), last: None, after: None, before: None },
        locales: vec!["en".into()],
        want_total: false,
        columns: Columns::NONE.with(title),
    };
    let pages = s.store().list(Source::Root(ty), Stage::Live, &spec).await.unwrap();
    let item = pages[&None].edges[0].item.clone();
    assert!(item.value("title").as_text().is_some());
    assert_eq!(
        item.values.iter().filter(|v| **v != relais::model::item::Val::Null).count(),
        1,
        "only the title was read"
    );
    let read = std::panic::catch_unwind(|| item.value("summary").clone());
    assert!(read.is_err(), "reading an unfetched field must not pass unnoticed");
    s.finish().await;
}

/// Nested lists share their field's spec across parents (made once per
/// request), but never across scopes: one fragment spread under two locales
/// answers each in its own, as two separate requests do.
#[tokio::test]
async fn a_fragment_spread_in_two_locales_reads_its_nested_lists_in_each() {
    const R: &str = "fragment R on Project { slug thematicAxes(filter: { title: { contains: \"ion\" } }) { nodes { title } } events(first: 1) { totalCount nodes { title } } }";
    for b in backends() {
        let s = TestServer::start(b).await;
        let both = s
            .gql(
                &format!("{{ fr: projects(first: 4, locale: \"fr\") {{ nodes {{ ...R }} }} ar: projects(first: 4, locale: \"ar\") {{ nodes {{ ...R }} }} }} {R}"),
                json!({}),
                None,
            )
            .await;
        for l in ["fr", "ar"] {
            let alone = s
                .gql(&format!("{{ projects(first: 4, locale: \"{l}\") {{ nodes {{ ...R }} }} }} {R}"), json!({}), None)
                .await;
            assert_eq!(both.ok()[l], alone.ok()["projects"], "{b:?}: {l}");
        }
        assert_ne!(both.ok()["fr"], both.ok()["ar"], "{b:?}: the demo's axes have Arabic titles");
        s.finish().await;
    }
}

/// Sorting by a date some items lack (working copies never published, in a
/// preview): missing dates come first going up and last going down, on both
/// databases, and pages in either direction cover the list once in that
/// order (SQLite orders by the column itself, so that its index serves).
#[tokio::test]
async fn a_sort_on_a_date_some_items_lack_puts_them_first_and_pages_cover_it() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let editor = s.login_as(relais::domain::permissions::Role::Editor).await;
        for i in 0..3 {
            let r = s
                .gql(
                    "mutation($i: ProjectInput!) { createProject(input: $i) { id } }",
                    json!({ "i": { "title": [{ "locale": "fr", "value": format!("Jamais publié {i}") }] } }),
                    Some(&editor),
                )
                .await;
            r.ok();
        }
        let list = |dir: &str, after: Value| {
            format!(
                "{{ projects(preview: true, first: 4, after: {after}, orderBy: [{{ field: PUBLISHED_AT, direction: {dir} }}]) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ slug publishedAt }} }} }}"
            )
        };
        for dir in ["ASC", "DESC"] {
            let mut seen: Vec<Value> = Vec::new();
            let mut after = Value::Null;
            loop {
                let r = s.gql(&list(dir, after.clone()), json!({}), Some(&editor)).await;
                let c = r.ok()["projects"].clone();
                seen.extend(c["nodes"].as_array().unwrap().iter().cloned());
                if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                    break;
                }
                after = c["pageInfo"]["endCursor"].clone();
            }
            let dates: Vec<Option<&str>> = seen.iter().map(|n| n["publishedAt"].as_str()).collect();
            let missing = dates.iter().filter(|d| d.is_none()).count();
            assert!(missing >= 3, "{b:?}: {dates:?}");
            let mut expected = dates.clone();
            // None sorts before Some: missing first going up, last going down.
            expected.sort();
            if dir == "DESC" {
                expected.reverse();
            }
            assert_eq!(dates, expected, "{b:?} {dir}");
            let slugs: std::collections::BTreeSet<&str> = seen.iter().map(|n| n["slug"].as_str().unwrap()).collect();
            assert_eq!(slugs.len(), seen.len(), "{b:?} {dir}: every item once");
        }
        s.finish().await;
    }
}

/// A nested list's first (and last) page, read for many parents in one
/// statement, is the start (and end) of each parent's whole list, with its
/// total and whether more follow: for a list of items that reference their parent (events of a
/// project, read one index read per parent on SQLite) and for links.
#[tokio::test]
async fn nested_first_pages_are_the_start_of_each_parents_whole_list() {
    let page = |window: &str| {
        format!(
            "events({window}, orderBy: [{{ field: STARTS_AT, direction: DESC }}]) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage }} nodes {{ id }} }}
             partners({window}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage }} nodes {{ id }} }}"
        )
    };
    for b in backends() {
        let s = TestServer::start(b).await;
        let q = |window| format!("{{ projects(first: 30) {{ nodes {{ slug {} }} }} }}", page(window));
        let read = |r: crate::common::Reply| r.ok()["projects"]["nodes"].as_array().unwrap().clone();
        let whole = read(s.gql(&q("first: 60"), json!({}), None).await);
        let first = read(s.gql(&q("first: 1"), json!({}), None).await);
        let last = read(s.gql(&q("last: 1"), json!({}), None).await);
        assert_eq!(whole.len(), first.len());
        let mut with_more = 0;
        for ((w, f), l) in whole.iter().zip(&first).zip(&last) {
            for list in ["events", "partners"] {
                let what = format!("{b:?}: {list} of {}", w["slug"]);
                let all = w[list]["nodes"].as_array().unwrap();
                assert!(!w[list]["pageInfo"]["hasNextPage"].as_bool().unwrap(), "{what} fits in 60");
                for (one, end) in [(f, &all[..all.len().min(1)]), (l, &all[all.len().saturating_sub(1)..])] {
                    assert_eq!(one[list]["totalCount"].as_u64().unwrap() as usize, all.len(), "{what}");
                    assert_eq!(one[list]["nodes"].as_array().unwrap()[..], *end, "{what}");
                }
                assert_eq!(f[list]["pageInfo"]["hasNextPage"].as_bool().unwrap(), all.len() > 1, "{what}");
                assert_eq!(l[list]["pageInfo"]["hasPreviousPage"].as_bool().unwrap(), all.len() > 1, "{what}");
                with_more += usize::from(all.len() > 1);
            }
        }
        assert!(with_more >= 2, "{b:?}: the demo has parents with several events and partners");
        s.finish().await;
    }
}
