//! Full-text search in French, Arabic and English with sentences of the source
//! pages: accents, case, word forms and Arabic spelling variants; ranking,
//! snippets, paging; the index following every publish and unpublish.

use crate::common::{Backend, TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};

const SEARCH: &str = r#"query($q: String!, $l: String, $t: [SearchType!], $f: Int, $a: String, $p: Boolean) {
  search(query: $q, locale: $l, types: $t, first: $f, after: $a, preview: $p) {
    totalCount totalCountIsExact pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor type score title snippet node { id slug ... on Project { acronym } } } } }"#;

async fn search(s: &TestServer, q: &str, locale: &str, extra: Value, token: Option<&str>) -> Value {
    let mut vars = json!({ "q": q, "l": locale });
    vars.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    s.gql(SEARCH, vars, token).await.ok()["search"].clone()
}

fn titles(r: &Value) -> Vec<String> {
    r["edges"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
}

fn slugs(r: &Value) -> Vec<String> {
    r["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn french_without_accents_finds_accented_text_ranked_with_snippets() {
    for b in backends() {
        let s = TestServer::start(b).await;
        // "promeut … l'aide humanitaire et le développement durable" (IOM page), typed without accents.
        let r = search(&s, "developpement durable ", "fr", json!({}), None).await;
        assert!(slugs(&r).contains(&"oim".to_owned()), "{b:?}: {r}");
        let oim = r["edges"].as_array().unwrap().iter().find(|e| e["node"]["slug"] == "oim").unwrap();
        let snippet = oim["snippet"].as_str().unwrap();
        assert!(snippet.contains("<mark>développement</mark> <mark>durable</mark>"), "{snippet}");
        assert_eq!(oim["type"], "ORGANISATION");

        // Case and accents in the query do not matter either way.
        let upper = search(&s, "RÉSILIENCE", "fr", json!({}), None).await;
        let plain = search(&s, "resilience", "fr", json!({}), None).await;
        assert_eq!(slugs(&upper), slugs(&plain));
        assert!(titles(&plain).iter().any(|t| t == "Protection et <mark>résilience</mark>"), "{plain}");

        // Word forms: "formation" finds "Deux formations sur les thèmes…", and a
        // title match ranks above a match in the body only.
        let r = search(&s, "formation ", "fr", json!({}), None).await;
        let t = titles(&r);
        assert!(t.iter().any(|x| x.starts_with("Deux <mark>formations</mark> sur les thèmes")), "{b:?}: {t:?}");
        let first_plain = t.iter().position(|x| !x.contains("<mark>")).expect("body-only matches are found too");
        assert!(t[first_plain..].iter().all(|x| !x.contains("<mark>")), "title matches rank first: {t:?}");
        let scores: Vec<f64> = r["edges"].as_array().unwrap().iter().map(|e| e["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
        assert_eq!(r["totalCount"].as_i64().unwrap() as usize, t.len());

        // Every word must match; the last one also as a prefix while typing.
        let r = search(&s, "conference SALE", "fr", json!({}), None).await;
        assert!(
            titles(&r).iter().any(|t| t.contains("<mark>Conférence</mark> de clôture du projet <mark>SALEMM</mark>")),
            "{r}"
        );
        let r = search(&s, "conference zanzibar", "fr", json!({}), None).await;
        assert_eq!(r["totalCount"], 0);
        s.finish().await;
    }
}

#[tokio::test]
async fn arabic_spelling_variants_match() {
    for b in backends() {
        let s = TestServer::start(b).await;
        // "المنظمة الدولية للهجرة": typed with ه for ة, without the definite article's لل.
        let r = search(&s, "المنظمه الدوليه", "ar", json!({}), None).await;
        assert!(slugs(&r).contains(&"oim".to_owned()), "{b:?}: {r}");
        assert!(titles(&r).iter().any(|t| t.contains("<mark>المنظمة</mark> <mark>الدولية</mark>")), "{r}");

        // "الأمم المتحدة" typed with a bare alef and ه.
        let r = search(&s, "الامم المتحده", "ar", json!({}), None).await;
        assert_eq!(titles(&r).first().map(String::as_str), Some("<mark>الأمم</mark> <mark>المتحدة</mark>"), "{r}");

        // Tashkeel and tatweel in the query: "الحماية والقدرة على الصمود".
        let r = search(&s, "الْحِمَايَة والصمـــود", "ar", json!({}), None).await;
        assert_eq!(r["totalCount"], 1, "{b:?}: {r}");
        assert_eq!(r["edges"][0]["type"], "THEMATIC_AXIS");

        // Migration in Arabic: the IOM, its mission, the axis "الهجرة والحكامة والتنمية" and the ministry.
        let r = search(&s, "الهجرة", "ar", json!({}), None).await;
        assert!(r["totalCount"].as_i64().unwrap() >= 3, "{r}");
        assert!(titles(&r).iter().any(|t| t.contains("<mark>الهجرة</mark> والحكامة")), "{r}");
        s.finish().await;
    }
}

#[tokio::test]
async fn arabic_requests_find_french_fallback_text_and_english_stems() {
    for b in backends() {
        let s = TestServer::start(b).await;
        // SALEMM has no Arabic text: an Arabic reader finds it by its French title.
        let r = search(&s, "formations retour", "ar", json!({}), None).await;
        assert!(r["totalCount"].as_i64().unwrap() >= 1, "{b:?}: {r}");
        assert!(titles(&r)[0].contains("<mark>formations</mark>"), "{r}");
        // English: "Agenda" axis, stemmed ("agendas" finds "Agenda").
        let r = search(&s, "agendas", "en", json!({ "t": ["THEMATIC_AXIS"] }), None).await;
        assert_eq!(titles(&r), vec!["2030 <mark>Agenda</mark>".to_owned()], "{r}");
        s.finish().await;
    }
}

#[tokio::test]
async fn types_paging_and_bad_input() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let all = search(&s, "migrations", "fr", json!({}), None).await;
        let total = all["totalCount"].as_i64().unwrap();
        assert!(total >= 4, "{b:?}: {all}");
        let only = search(&s, "migrations", "fr", json!({ "t": ["PROJECT"] }), None).await;
        assert!(only["edges"].as_array().unwrap().iter().all(|e| e["type"] == "PROJECT"), "{only}");
        assert!(only["totalCount"].as_i64().unwrap() < total);

        // Paging through every match, one at a time, gives the first page's order.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = search(&s, "migrations", "fr", json!({ "f": 2, "a": after }), None).await;
            seen.extend(slugs(&page));
            assert_eq!(page["totalCount"].as_i64().unwrap(), total);
            if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        let full = search(&s, "migrations", "fr", json!({ "f": 100 }), None).await;
        assert_eq!(seen, slugs(&full));

        for (vars, field) in [
            (json!({ "q": "  ", "l": "fr" }), "query"),
            (json!({ "q": "x".repeat(300), "l": "fr" }), "query"),
            (json!({ "q": "migration", "l": "xx" }), "locale"),
            (json!({ "q": "migration", "a": "not-a-cursor" }), "after"),
            (json!({ "q": "migration", "f": 500 }), "first"),
        ] {
            let r = s.gql(SEARCH, vars.clone(), None).await;
            assert_eq!(r.code(), "BAD_USER_INPUT", "{vars}: {}", r.body);
            let msg = r.body["errors"][0]["message"].as_str().unwrap();
            assert!(msg.contains(field), "{vars}: {msg}");
        }
        // Query syntax of either engine is just text here.
        let r = search(&s, "\"migration\" OR NEAR( * 'x:* & !", "fr", json!({}), None).await;
        assert!(r["totalCount"].is_i64());
        s.finish().await;
    }
}

#[tokio::test]
async fn the_index_follows_publish_edit_unpublish_and_delete() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let r = s
            .gql(
                "mutation($i: ProjectInput!) { createProject(input: $i) { id version } }",
                json!({ "i": { "title": [{ "locale": "fr", "value": "Caravane de sensibilisation à Berkane" }],
                               "summary": [{ "locale": "ar", "value": "قافلة توعوية في بركان" }] } }),
                Some(&editor),
            )
            .await;
        let id = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
        let count = |q: &'static str, l: &'static str, token: Option<String>| {
            let s = &s;
            async move {
                let p = json!({ "p": token.is_some() });
                search(s, q, l, p, token.as_deref()).await["totalCount"].as_i64().unwrap()
            }
        };
        // A draft: editors find it with preview; the public does not.
        assert_eq!(count("caravane", "fr", None).await, 0, "{b:?}");
        assert_eq!(count("caravane", "fr", Some(editor.clone())).await, 1);
        let transition = |name: &'static str, v: i64| transition(&s, &editor, name, &id, v);
        let v = transition("publish", 1).await;
        assert_eq!(count("caravane", "fr", None).await, 1);
        assert_eq!(count("بركان", "ar", None).await, 1, "Arabic summary");

        // An edit stays in the draft until it is published again.
        let r = s
            .gql(
                "mutation($id: ID!, $v: Int!, $i: ProjectInput!) { updateProject(id: $id, version: $v, input: $i) { version } }",
                json!({ "id": id, "v": v, "i": { "title": [{ "locale": "fr", "value": "Caravane itinérante à Nador" }] } }),
                Some(&editor),
            )
            .await;
        let v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        assert_eq!(count("nador", "fr", None).await, 0, "unpublished edit");
        assert_eq!(count("berkane", "fr", None).await, 1, "the live text");
        assert_eq!(count("nador", "fr", Some(editor.clone())).await, 1, "draft search");
        let v = transition("publish", v).await;
        assert_eq!(count("nador", "fr", None).await, 1);
        assert_eq!(count("berkane", "fr", None).await, 0);

        let v = transition("unpublish", v).await;
        assert_eq!(count("nador", "fr", None).await, 0, "unpublished");
        let r = s
            .gql(
                "mutation($id: ID!, $v: Int!) { deleteProject(id: $id, version: $v) { id } }",
                json!({ "id": id, "v": v }),
                Some(&editor),
            )
            .await;
        r.ok();
        assert_eq!(count("nador", "fr", Some(editor.clone())).await, 0, "deleted");
        s.finish().await;
    }
}

/// SQLite ranks with document counts kept beside the index (`search_terms`,
/// so that a common word costs no scan of its whole posting list): as
/// documents come, change, move between stages and go, the counts stay what
/// FTS5's own index holds, and the scores are FTS5's BM25.
#[tokio::test]
async fn sqlite_scores_are_fts5_bm25_and_the_term_counts_follow_every_change() {
    use relais::search::{Lang, QueryPlan};
    use sqlx::{Connection, Row};
    let s = TestServer::start(Backend::Sqlite).await;
    let mut db = sqlx::AnyConnection::connect(&s.db_url).await.unwrap();
    sqlx::raw_sql("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search_fts, 'instance')")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(term_count_drift(&mut db).await, 0, "after the demo content");

    let editor = s.login_as(Role::Editor).await;
    let mutate = |q: &'static str, vars: Value| {
        let (s, editor) = (&s, editor.clone());
        async move { s.gql(q, vars, Some(&editor)).await.ok().clone() }
    };
    let r = mutate(
        "mutation($i: ProjectInput!) { createProject(input: $i) { id version } }",
        json!({ "i": { "title": [{ "locale": "fr", "value": "Formation des formateurs à Berkane" }],
                       "summary": [{ "locale": "fr", "value": "Une formation, puis une autre formation." }] } }),
    )
    .await;
    let id = r["createProject"]["id"].as_str().unwrap().to_owned();
    let transition = |name: &'static str, v: i64| transition(&s, &editor, name, &id, v);
    assert_eq!(term_count_drift(&mut db).await, 0, "after a create");
    let v = transition("publish", 1).await;
    assert_eq!(term_count_drift(&mut db).await, 0, "after a publish");
    let r = mutate(
        "mutation($id: ID!, $v: Int!, $i: ProjectInput!) { updateProject(id: $id, version: $v, input: $i) { version } }",
        json!({ "id": id, "v": v, "i": { "title": [{ "locale": "fr", "value": "Formation itinérante à Nador" }] } }),
    )
    .await;
    let v = r["updateProject"]["version"].as_i64().unwrap();
    assert_eq!(term_count_drift(&mut db).await, 0, "after an edit");
    let v = transition("publish", v).await;
    assert_eq!(term_count_drift(&mut db).await, 0, "after publishing the edit");

    // The scores of a search are BM25 as FTS5 computes it, match for match.
    let plan = QueryPlan::parse("formation ", &[Lang::of_locale("fr")]).unwrap();
    let m = format!("{{title_terms body_terms}} : ({}) AND scope : (\"slive\" AND \"lfr\")", plan.fts5());
    let mut want = std::collections::BTreeMap::new();
    let q = "SELECT d.item_type, d.item_id, m.score FROM (SELECT rowid AS rid, -bm25(search_fts, 3.0, 1.0, 0.0) AS score \
             FROM search_fts WHERE search_fts MATCH ?) m JOIN search_docs d ON d.id = m.rid";
    for row in sqlx::query(q).bind(m).fetch_all(&mut db).await.unwrap() {
        let (ty, item) = (row.get::<String, _>(0), row.get::<String, _>(1));
        want.insert(relais::domain::ids::encode(&ty, &item), row.get::<f64, _>(2));
    }
    let r = search(&s, "formation ", "fr", json!({ "f": 100 }), None).await;
    let got: std::collections::BTreeMap<String, f64> = r["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["node"]["id"].as_str().unwrap().to_owned(), e["score"].as_f64().unwrap()))
        .collect();
    assert!(want.len() > 3 && want.contains_key(&id), "{want:?}");
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "the same matches");
    for (item, score) in &want {
        assert!(
            (got[item] - score).abs() <= 1e-9 * score.abs().max(1.0),
            "{item}: {} against FTS5's {score}",
            got[item]
        );
    }

    let v = transition("unpublish", v).await;
    assert_eq!(term_count_drift(&mut db).await, 0, "after an unpublish");
    mutate("mutation($id: ID!, $v: Int!) { deleteProject(id: $id, version: $v) { id } }", json!({ "id": id, "v": v }))
        .await;
    assert_eq!(term_count_drift(&mut db).await, 0, "after a delete");
    db.close().await.unwrap();
    s.finish().await;
}

/// A search matching more documents than the window (3 here, 10,000 by
/// default) counts "at least 3" and ranks only the newest 3 matches, by the
/// very scores of a full search, on both databases. Pages stop at the window
/// and narrower searches are exact.
#[tokio::test]
async fn a_search_matching_more_than_its_window_counts_at_least_and_ranks_the_newest() {
    for b in backends() {
        let narrow = relais::app::Limits { search_window: 3, ..Default::default() };
        let s = TestServer::start_with(b, narrow, true).await;
        let full = TestServer::start(b).await;
        // The newest match, published last on both servers.
        for server in [&s, &full] {
            let editor = server.login_as(Role::Editor).await;
            let r = server
                .gql(
                    "mutation($i: ProjectInput!) { createProject(input: $i) { id version } }",
                    json!({ "i": { "slug": "migrations-zellige", "title": [{ "locale": "fr", "value": "Migrations et zellige à Fès" }] } }),
                    Some(&editor),
                )
                .await;
            let id = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
            transition(server, &editor, "publish", &id, 1).await;
        }
        let all = search(&full, "migrations", "fr", json!({ "f": 100 }), None).await;
        let total = all["totalCount"].as_i64().unwrap();
        assert!(total > 4 && all["totalCountIsExact"] == true, "{b:?}: {all}");

        let some = search(&s, "migrations", "fr", json!({ "f": 100 }), None).await;
        assert_eq!(slugs(&some).len(), 3, "{b:?}: pages stop at the window: {some}");
        assert_eq!(some["pageInfo"]["hasNextPage"], false, "{b:?}: {some}");
        let score_of = |r: &Value, slug: &str| {
            r["edges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["node"]["slug"] == slug)
                .map(|e| e["score"].as_f64().unwrap())
        };
        assert_eq!(some["totalCount"], 3, "{some}");
        assert_eq!(some["totalCountIsExact"], false, "{some}");
        assert!(slugs(&some).contains(&"migrations-zellige".to_owned()), "the newest match is among them: {some}");
        // The same scores as the full search, best first.
        let mut want: Vec<(f64, String)> =
            slugs(&some).into_iter().map(|slug| (score_of(&all, &slug).unwrap(), slug)).collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0));
        let got: Vec<(f64, String)> =
            slugs(&some).into_iter().map(|slug| (score_of(&some, &slug).unwrap(), slug)).collect();
        for ((g, gs), (w, ws)) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{gs} {g} against {ws} {w}");
        }
        assert_eq!(
            got.iter().map(|g| g.0.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|w| w.0.to_bits()).collect::<Vec<_>>()
        );
        // Paging reaches the window and no further.
        let page = search(&s, "migrations", "fr", json!({ "f": 2 }), None).await;
        assert_eq!(page["pageInfo"]["hasNextPage"], true, "{b:?}: {page}");
        let rest = search(&s, "migrations", "fr", json!({ "f": 2, "a": page["pageInfo"]["endCursor"] }), None).await;
        assert_eq!([slugs(&page), slugs(&rest)].concat(), slugs(&some), "{b:?}");
        assert_eq!(rest["pageInfo"]["hasNextPage"], false, "{b:?}: {rest}");
        let past = s.gql(SEARCH, json!({ "q": "migrations", "f": 2, "a": rest["pageInfo"]["endCursor"] }), None).await;
        assert_eq!(past.code(), "BAD_USER_INPUT", "{b:?}: {}", past.body);
        assert!(past.body["errors"][0]["message"].as_str().unwrap().contains("stop at result 3"), "{}", past.body);
        // A search under the window is counted and ranked exactly.
        let one = search(&s, "zellige", "fr", json!({}), None).await;
        assert_eq!(
            (one["totalCount"].as_i64(), one["totalCountIsExact"].as_bool()),
            (Some(1), Some(true)),
            "{b:?}: {one}"
        );
        s.finish().await;
        full.finish().await;
    }
}

/// How many terms `search_terms` counts differently from the documents FTS5
/// holds them in (both ways).
async fn term_count_drift(db: &mut sqlx::AnyConnection) -> i64 {
    use sqlx::Row;
    let fts =
        "SELECT term, COUNT(DISTINCT doc) FROM temp.vocab WHERE col IN ('title_terms', 'body_terms') GROUP BY term";
    let kept = "SELECT term, docs FROM search_terms WHERE docs > 0";
    let q =
        format!("SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {fts})) + (SELECT COUNT(*) FROM ({fts} EXCEPT {kept}))");
    sqlx::query(sqlx::AssertSqlSafe(q)).fetch_one(db).await.unwrap().get::<i64, _>(0)
}

/// A workflow mutation (`publish`, `unpublish`…) on a project; its new version.
async fn transition(s: &TestServer, token: &str, name: &str, id: &str, version: i64) -> i64 {
    let q = format!("mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v) {{ version }} }}");
    s.gql(&q, json!({ "id": id, "v": version }), Some(token)).await.ok()[name]["version"].as_i64().unwrap()
}
