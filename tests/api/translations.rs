//! Translation status: missing and outdated localised fields per locale, on
//! every content type, the list filter, who sees it, and the stamps that
//! existing and bulk-loaded content gets.

use crate::common::{Options, TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};

const STATUS: &str = "translationStatus { locale missing outdated complete }";

fn create() -> String {
    format!("mutation($i: ProjectInput!) {{ createProject(input: $i) {{ id slug version {STATUS} }} }}")
}
fn update() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $i: ProjectInput!) {{ updateProject(id: $id, version: $v, input: $i) {{ version {STATUS} }} }}"
    )
}

/// The status of one locale in a `translationStatus` list.
fn of<'a>(list: &'a Value, locale: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|s| s["locale"] == locale).unwrap_or_else(|| panic!("{locale} in {list}"))
}

fn local(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(l, v)| json!({ "locale": l, "value": v })).collect())
}

/// Slugs of the projects a preview list with this translation filter returns.
async fn filtered(s: &TestServer, token: &str, locale: &str, state: &str) -> Vec<String> {
    let q = "query($l: String!, $st: TranslationState!) { projects(preview: true, first: 50, orderBy: [{ field: SLUG }], filter: { translation: { locale: $l, state: $st } }) { totalCount nodes { slug } } }";
    let r = s.gql(q, json!({ "l": locale, "st": state }), Some(token)).await;
    let c = &r.ok()["projects"];
    let slugs: Vec<String> =
        c["nodes"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()).collect();
    assert_eq!(c["totalCount"], slugs.len(), "{locale} {state}");
    slugs
}

#[tokio::test]
async fn missing_and_outdated_fields_per_locale_and_the_list_filter() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;

        // French and Arabic titles, a summary in French only.
        let r = s
            .gql(
                &create(),
                json!({ "i": { "slug": "a-partiel", "title": local(&[("fr", "Puits"), ("ar", "آبار")]),
                               "summary": local(&[("fr", "Des puits pour les oasis")]) } }),
                Some(&editor),
            )
            .await;
        let a = r.ok()["createProject"].clone();
        let st = &a["translationStatus"];
        assert_eq!(st.as_array().unwrap().len(), 3, "one entry per configured locale, {b:?}: {st}");
        assert_eq!(st[0]["locale"], "fr", "the default (source) locale first");
        assert_eq!(of(st, "fr"), &json!({ "locale": "fr", "missing": [], "outdated": [], "complete": true }));
        assert_eq!(of(st, "ar")["missing"], json!(["summary"]));
        assert_eq!(of(st, "ar")["outdated"], json!([]));
        assert_eq!(of(st, "ar")["complete"], false);
        assert_eq!(of(st, "en")["missing"], json!(["title", "summary"]));
        let (a_id, a_v) = (a["id"].as_str().unwrap().to_owned(), a["version"].as_i64().unwrap());

        // Complete in every locale; and a French-only one.
        let all = |fr: &str| local(&[("fr", fr), ("en", "In English"), ("ar", "بالعربية")]);
        let r = s
            .gql(
                &create(),
                json!({ "i": { "slug": "b-complet", "title": all("Complet"), "summary": all("Résumé") } }),
                Some(&editor),
            )
            .await;
        assert!(r.ok()["createProject"]["translationStatus"].as_array().unwrap().iter().all(|x| x["complete"] == true));
        let r = s
            .gql(
                &create(),
                json!({ "i": { "slug": "c-francais", "title": local(&[("fr", "Français seul")]) } }),
                Some(&editor),
            )
            .await;
        assert_eq!(of(&r.ok()["createProject"]["translationStatus"], "ar")["missing"], json!(["title"]));
        let c = r.ok()["createProject"].clone();

        // The French title changes later: the Arabic title is outdated.
        let r = s
            .gql(
                &update(),
                json!({ "id": a_id, "v": a_v, "i": { "title": local(&[("fr", "Puits et citernes")]) } }),
                Some(&editor),
            )
            .await;
        let st = r.ok()["updateProject"]["translationStatus"].clone();
        let a_v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        assert_eq!(of(&st, "ar")["outdated"], json!(["title"]), "{b:?}: {st}");
        assert_eq!(of(&st, "ar")["missing"], json!(["summary"]));
        assert_eq!(of(&st, "en")["outdated"], json!([]), "English has no title to be outdated");
        assert_eq!(of(&st, "fr")["complete"], true);

        // An edit that leaves the texts alone changes nothing.
        let r = s.gql(&update(), json!({ "id": a_id, "v": a_v, "i": { "acronym": "PUITS" } }), Some(&editor)).await;
        assert_eq!(r.ok()["updateProject"]["translationStatus"], st);
        let a_v = r.ok()["updateProject"]["version"].as_i64().unwrap();

        // The list filter, per state and locale.
        assert_eq!(filtered(&s, &editor, "ar", "MISSING").await, ["a-partiel", "c-francais"]);
        assert_eq!(filtered(&s, &editor, "ar", "OUTDATED").await, ["a-partiel"]);
        assert_eq!(filtered(&s, &editor, "ar", "INCOMPLETE").await, ["a-partiel", "c-francais"]);
        assert_eq!(filtered(&s, &editor, "ar", "COMPLETE").await, ["b-complet"]);
        assert_eq!(filtered(&s, &editor, "en", "MISSING").await, ["a-partiel", "c-francais"]);
        assert_eq!(filtered(&s, &editor, "en", "OUTDATED").await, Vec::<String>::new());
        assert_eq!(filtered(&s, &editor, "fr", "COMPLETE").await, ["a-partiel", "b-complet", "c-francais"]);

        // The Arabic title is saved again: no longer outdated, still missing its summary.
        let r = s
            .gql(
                &update(),
                json!({ "id": a_id, "v": a_v, "i": { "title": local(&[("ar", "آبار وصهاريج")]) } }),
                Some(&editor),
            )
            .await;
        let st = r.ok()["updateProject"]["translationStatus"].clone();
        let a_v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        assert_eq!(of(&st, "ar")["outdated"], json!([]), "{b:?}: {st}");
        assert_eq!(filtered(&s, &editor, "ar", "OUTDATED").await, Vec::<String>::new());
        // And the summary translated: complete in Arabic.
        let r = s
            .gql(
                &update(),
                json!({ "id": a_id, "v": a_v, "i": { "summary": local(&[("ar", "آبار للواحات")]) } }),
                Some(&editor),
            )
            .await;
        assert_eq!(of(&r.ok()["updateProject"]["translationStatus"], "ar")["complete"], true);
        let a_v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        assert_eq!(filtered(&s, &editor, "ar", "COMPLETE").await, ["a-partiel", "b-complet"]);

        // The filter combines with the others, `not` included.
        let q = r#"{ projects(preview: true, filter: { not: { translation: { locale: "ar", state: COMPLETE } }, slug: { startsWith: "c" } }) { nodes { slug } } }"#;
        assert_eq!(
            s.gql(q, json!({}), Some(&editor)).await.ok()["projects"]["nodes"],
            json!([{ "slug": "c-francais" }])
        );

        // Bad input names the field: an unknown locale, a live read.
        let r = s.gql(r#"{ projects(preview: true, filter: { translation: { locale: "de", state: MISSING } }) { totalCount } }"#, json!({}), Some(&editor)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "filter.translation.locale");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("fr, en, ar"), "{}", r.body);
        let r = s
            .gql(
                r#"{ projects(filter: { translation: { locale: "ar", state: MISSING } }) { totalCount } }"#,
                json!({}),
                Some(&editor),
            )
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "filter.translation");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("preview: true"), "{}", r.body);

        // Lists of localised values and sub-items: every entry counts.
        let r = s
            .gql(
                &format!("mutation($i: EventInput!) {{ createEvent(input: $i) {{ id version {STATUS} }} }}"),
                json!({ "i": { "title": local(&[("fr", "Atelier"), ("ar", "ورشة")]),
                               "outcomes": [local(&[("fr", "Un"), ("ar", "واحد")]), local(&[("fr", "Deux")])],
                               "sessions": [{ "title": local(&[("fr", "Ouverture"), ("ar", "الافتتاح")]) }] } }),
                Some(&editor),
            )
            .await;
        let e = r.ok()["createEvent"].clone();
        assert_eq!(of(&e["translationStatus"], "ar")["missing"], json!(["outcomes"]), "{b:?}");
        let r = s
            .gql(
                &format!("mutation($id: ID!, $v: Int!, $i: EventInput!) {{ updateEvent(id: $id, version: $v, input: $i) {{ {STATUS} }} }}"),
                json!({ "id": e["id"], "v": e["version"], "i": {
                    "outcomes": [local(&[("fr", "Un"), ("ar", "واحد")]), local(&[("fr", "Deux"), ("ar", "اثنان")])],
                    "sessions": [{ "title": local(&[("fr", "Séance d'ouverture"), ("ar", "الافتتاح")]) }] } }),
                Some(&editor),
            )
            .await;
        let st = r.ok()["updateEvent"]["translationStatus"].clone();
        assert_eq!(of(&st, "ar")["missing"], json!([]), "{st}");
        assert_eq!(of(&st, "ar")["outdated"], json!(["sessions"]), "a session's French title changed: {st}");

        // Only callers who may read the item's drafts see it, and only on the working copy.
        let b_id = {
            let r = s
                .gql(r#"{ project(slug: "b-complet", preview: true) { id version } }"#, json!({}), Some(&editor))
                .await;
            r.ok()["project"].clone()
        };
        let r = s
            .gql(
                "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { version } }",
                json!({ "id": b_id["id"], "v": b_id["version"] }),
                Some(&editor),
            )
            .await;
        r.ok();
        let live = format!(r#"{{ project(slug: "b-complet") {{ slug {STATUS} }} }}"#);
        let r = s.gql(&live, json!({}), None).await;
        assert_eq!(r.ok()["project"]["translationStatus"], json!([]), "anonymous");
        let r = s.gql(&live, json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["project"]["translationStatus"], json!([]), "a live read describes no working copy");
        let viewer = s.login_as(Role::Viewer).await;
        let preview = format!(r#"{{ project(slug: "a-partiel", preview: true) {{ {STATUS} }} }}"#);
        let r = s.gql(&preview, json!({}), Some(&viewer)).await;
        assert_eq!(r.ok()["project"]["translationStatus"].as_array().unwrap().len(), 3, "viewers read drafts");
        let author = s.login_as(Role::Author).await;
        let r = s.gql(&preview, json!({}), Some(&author)).await;
        assert_eq!(r.ok()["project"], Value::Null, "another's draft stays out of an author's preview");

        // One statement for a page's statuses, whatever its size.
        let page = |n: usize| format!("{{ projects(preview: true, first: {n}) {{ nodes {{ slug {STATUS} }} }} }}");
        let before = s.store().statement_count();
        s.gql(&page(1), json!({}), Some(&editor)).await.ok();
        let one = s.store().statement_count() - before;
        let before = s.store().statement_count();
        let r = s.gql(&page(3), json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["projects"]["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(s.store().statement_count() - before, one, "statuses are loaded in one batch");

        // Restoring the first revision brings back both old titles at once
        // (nothing outdated) and a summary without Arabic.
        let restore = format!(
            "mutation($id: ID!, $v: Int!) {{ restoreRevision(id: $id, version: $v, revision: 1) {{ version {STATUS} }} }}"
        );
        let r = s.gql(&restore, json!({ "id": a_id, "v": a_v }), Some(&editor)).await;
        let st = r.ok()["restoreRevision"]["translationStatus"].clone();
        assert_eq!(of(&st, "ar")["missing"], json!(["summary"]), "{b:?}: {st}");
        assert_eq!(of(&st, "ar")["outdated"], json!([]));
        // A deleted item's stamps go with it.
        let delete = "mutation($id: ID!, $v: Int!) { deleteProject(id: $id, version: $v) { id } }";
        s.gql(delete, json!({ "id": c["id"], "v": c["version"] }), Some(&editor)).await.ok();
        assert_eq!(filtered(&s, &editor, "ar", "MISSING").await, ["a-partiel"]);
        assert_eq!(filtered(&s, &editor, "ar", "COMPLETE").await, ["b-complet"]);
        s.finish().await;
    }
}

/// Every project's status as an editor previews it, by slug.
async fn statuses(s: &TestServer, token: &str) -> Value {
    let q = format!(
        "{{ projects(preview: true, first: 100, orderBy: [{{ field: SLUG }}]) {{ nodes {{ slug {STATUS} }} }} }}"
    );
    s.gql(&q, json!({}), Some(token)).await.ok()["projects"]["nodes"].clone()
}

#[tokio::test]
async fn demo_bulk_loaded_and_older_content_has_a_status_from_the_start() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let editor = s.login_as(Role::Editor).await;
        let demo = statuses(&s, &editor).await;
        let nodes = demo.as_array().unwrap();
        assert!(!nodes.is_empty());
        assert!(
            nodes.iter().any(|n| !of(&n["translationStatus"], "ar")["missing"].as_array().unwrap().is_empty()),
            "the demo content lacks Arabic here and there: {demo}"
        );
        assert!(nodes.iter().all(|n| of(&n["translationStatus"], "fr")["outdated"] == json!([])));

        // A bulk import stamps what it writes.
        let items = vec![Ok((
            "line 1".to_owned(),
            json!({ "type": "Project", "slug": "en-vrac", "fields": {
                "title": { "fr": "En vrac", "ar": "بالجملة" }, "summary": { "fr": "Chargé d'un coup" } } }),
        ))];
        relais::domain::import::import_bulk(&s.hub.content, items.into_iter(), |_| {}).await.unwrap();
        let r = s
            .gql(&format!(r#"{{ project(slug: "en-vrac", preview: true) {{ {STATUS} }} }}"#), json!({}), Some(&editor))
            .await;
        assert_eq!(of(&r.ok()["project"]["translationStatus"], "ar")["missing"], json!(["summary"]), "{b:?}");
        let before = statuses(&s, &editor).await;

        // A database from before translation status: no stamps. The next
        // start stamps every working copy once.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&s.db_url).await.unwrap();
        sqlx::query("DELETE FROM translation_stamps").execute(&pool).await.unwrap();
        sqlx::query("DELETE FROM settings WHERE key = 'translation_stamps'").execute(&pool).await.unwrap();
        pool.close().await;
        let bare = statuses(&s, &editor).await;
        assert!(bare.as_array().unwrap().iter().all(|n| of(&n["translationStatus"], "ar")["complete"] == true));
        let again =
            TestServer::start_opts(b, Options { demo: false, database: Some(s.db_url.clone()), ..Default::default() })
                .await;
        let editor2 = again.login_as(Role::Editor).await;
        assert_eq!(statuses(&again, &editor2).await, before, "{b:?}");
        again.finish().await;
        s.finish().await;
    }
}
