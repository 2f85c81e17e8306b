//! The export archive: SQLite → export → import into PostgreSQL → export →
//! import into SQLite gives the same database, table for table and field for
//! field, and the restored service answers as the first one did.

use crate::common::*;
use relais::domain::archive::{self, ExportOptions};
use relais::domain::permissions::Role;
use relais::store::{Keep, dump};
use serde_json::{Value, json};
use sqlx::{Column as _, Row as _};
use std::collections::BTreeMap;

/// Every table an export carries, read straight from the database (not
/// through the export): column → value maps, sorted.
async fn contents(db_url: &str) -> BTreeMap<&'static str, Vec<BTreeMap<String, Value>>> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(db_url).await.expect("connect");
    let mut out = BTreeMap::new();
    for (table, keep) in dump::TABLES {
        if !matches!(keep, Keep::Rows | Keep::Replace) {
            continue;
        }
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_all(&mut conn).await.unwrap();
        let mut list: Vec<BTreeMap<String, Value>> = rows
            .iter()
            .map(|r| {
                r.columns()
                    .iter()
                    .map(|c| {
                        let i = c.ordinal();
                        let v = match r.try_get::<Option<i64>, _>(i) {
                            Ok(v) => v.map_or(Value::Null, Value::from),
                            Err(_) => r.try_get::<Option<String>, _>(i).unwrap().map_or(Value::Null, Value::from),
                        };
                        (c.name().to_owned(), v)
                    })
                    .collect()
            })
            .collect();
        list.sort_by_key(|m| serde_json::to_string(m).unwrap());
        out.insert(*table, list);
    }
    out
}

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(&img, 64, 48, image::ExtendedColorType::Rgb8).unwrap();
    png
}
use image::ImageEncoder as _;

const ITEM: &str = "query($id: ID!, $p: Boolean) { nodeIn(id: $id, preview: $p) { ... on Project { title workflowState publishedAt hasUnpublishedChanges } } }";

async fn item(s: &TestServer, id: &str, preview: bool, token: Option<&str>) -> Value {
    s.gql(ITEM, json!({ "id": id, "p": preview }), token).await.ok()["nodeIn"].clone()
}

async fn act(s: &TestServer, what: &str, id: &str, token: &str, extra: &str) -> i64 {
    let v = s
        .gql(
            "query($id: ID!) { nodeIn(id: $id, preview: true) { ... on Project { version } } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    let version = v.ok()["nodeIn"]["version"].as_i64().unwrap();
    let q = format!("mutation($id: ID!, $v: Int!) {{ {what}(id: $id, version: $v{extra}) {{ version }} }}");
    s.gql(&q, json!({ "id": id, "v": version }), Some(token)).await.ok()[what]["version"].as_i64().unwrap()
}

fn server(demo: bool) -> Options {
    Options { demo, tasks: false, ..Default::default() }
}

#[tokio::test]
async fn export_and_import_across_both_databases_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = TestServer::start_opts(Backend::Sqlite, server(true)).await;
    let admin = a.login_as(Role::Admin).await;
    let (_, author, author_email) = a.user_as(Role::Author).await;
    // A webhook first, so that the changes below queue deliveries.
    let r = a
        .gql(
            "mutation { createWebhook(input: { url: \"https://hooks.example/relais\" }) { id secret } }",
            json!({}),
            Some(&admin),
        )
        .await;
    let hook_secret = r.ok()["createWebhook"]["secret"].as_str().unwrap().to_owned();
    let hook_id = r.ok()["createWebhook"]["id"].as_str().unwrap().to_owned();
    let key = a
        .gql(
            "mutation { createApiKey(input: { name: \"Partenaire\", scopes: [CONTENT] }) { secret } }",
            json!({}),
            Some(&admin),
        )
        .await
        .ok()["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // A query a client registered (automatic persisted queries).
    let text = "{ projects(first: 2) { edges { node { title } } } }";
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": relais::media::sha256_hex(text.as_bytes()) } });
    a.post(json!({ "query": text, "extensions": ext }), None).await.ok();
    // A file in the media store.
    let file = photo();
    let (status, up) = a
        .multipart(
            "mutation($f: Upload!) { uploadMedia(file: $f) { id downloadUrl } }",
            json!({ "f": null }),
            vec![("variables.f", file.clone(), "atelier.png")],
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200, "{up}");
    // Published, then edited: the live copy and the pending edit differ.
    let create = "mutation($i: ProjectInput!) { createProject(input: $i) { id } }";
    let title = |t: &str| json!({ "title": [{ "locale": "fr", "value": t }, { "locale": "en", "value": format!("{t} (en)") }] });
    let pending = a.gql(create, json!({ "i": title("Migration et climat") }), Some(&admin)).await.ok()["createProject"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    act(&a, "publish", &pending, &admin, "").await;
    let v = act(&a, "unpublish", &pending, &admin, ", at: \"2031-05-01T08:00:00Z\"").await;
    let upd = "mutation($id: ID!, $v: Int!, $i: ProjectInput!) { updateProject(id: $id, version: $v, input: $i) { version } }";
    a.gql(upd, json!({ "id": pending, "v": v, "i": title("Migration, climat et villes") }), Some(&admin)).await.ok();
    a.gql(
        "mutation($id: ID!) { addComment(id: $id, body: \"Relire le titre anglais.\") { id } }",
        json!({ "id": pending }),
        Some(&admin),
    )
    .await
    .ok();
    a.gql("mutation($id: ID!) { createPreviewLink(id: $id) { token } }", json!({ "id": pending }), Some(&admin))
        .await
        .ok();
    // In review, written by the author.
    let review = a.gql(create, json!({ "i": title("Retours volontaires") }), Some(&author)).await.ok()["createProject"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    act(&a, "submitForReview", &review, &author, "").await;
    // Archived.
    let archived =
        a.gql(create, json!({ "i": title("Ancien programme") }), Some(&admin)).await.ok()["createProject"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    act(&a, "publish", &archived, &admin, "").await;
    act(&a, "archive", &archived, &admin, "").await;
    let before = (
        item(&a, &pending, false, None).await,
        item(&a, &pending, true, Some(&admin)).await,
        item(&a, &review, true, Some(&admin)).await,
        item(&a, &archived, true, Some(&admin)).await,
    );
    assert_eq!(before.0["title"], "Migration et climat", "{before:?}");
    assert_eq!(before.1["title"], "Migration, climat et villes");
    assert_eq!(before.2["workflowState"], "IN_REVIEW");
    assert_eq!(before.3["workflowState"], "ARCHIVED");

    // SQLite → archive → the other database (PostgreSQL when there is one) → archive → SQLite.
    let middle = *backends().last().unwrap();
    let first = dir.path().join("first.tar");
    let full = ExportOptions { media: true, secrets: true };
    let out = archive::export(a.store(), &a.hub.media, &first, full, |_, _| {}).await.unwrap();
    assert_eq!(out.media_files, 1);
    let b = TestServer::start_opts(middle, server(false)).await;
    let inb = archive::import(&b.hub.content, &b.hub.media, &first, |_, _| {}).await.unwrap();
    assert_eq!((inb.rows, inb.media_files), (out.rows, 1));
    assert!(inb.new_secrets.is_empty() && inb.media_missing.is_empty(), "{inb:?}");
    let second = dir.path().join("second.tar");
    archive::export(b.store(), &b.hub.media, &second, full, |_, _| {}).await.unwrap();
    let c = TestServer::start_opts(Backend::Sqlite, server(false)).await;
    archive::import(&c.hub.content, &c.hub.media, &second, |_, _| {}).await.unwrap();

    let (ta, tb, tc) = (contents(&a.db_url).await, contents(&b.db_url).await, contents(&c.db_url).await);
    for table in ta.keys() {
        assert!(
            !ta[table].is_empty() || ["schedules", "webhook_attempts"].contains(table),
            "{table} holds rows to compare"
        );
        assert_eq!(ta[table], tb[table], "{table}: SQLite and {middle:?} after import");
        assert_eq!(ta[table], tc[table], "{table}: SQLite and SQLite after two imports");
    }
    assert_eq!(ta["schedules"].len(), 1, "the scheduled unpublish travelled");

    // The restored service answers as the first did.
    for s in [&b, &c] {
        let admin = s.login_as(Role::Admin).await;
        let after = (
            item(s, &pending, false, None).await,
            item(s, &pending, true, Some(&admin)).await,
            item(s, &review, true, Some(&admin)).await,
            item(s, &archived, true, Some(&admin)).await,
        );
        assert_eq!(after, before, "{:?}", s.backend);
        // The author signs in with their password; the partner's key works.
        let r = s
            .gql(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { role } } }",
                json!({ "e": author_email, "p": "correct horse battery staple" }),
                None,
            )
            .await;
        assert_eq!(r.ok()["login"]["user"]["role"], "AUTHOR");
        let r = s
            .client
            .post(&s.url)
            .header("x-api-key", &key)
            .json(&json!({ "query": "{ projects(first: 1) { totalCount } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The file, byte for byte, and the rebuilt search index.
        let url = up["data"]["uploadMedia"]["downloadUrl"].as_str().unwrap().replace(a.base(), s.base());
        assert_eq!(s.client.get(&url).send().await.unwrap().bytes().await.unwrap().as_ref(), file.as_slice());
        let r = s
            .gql(
                "{ search(query: \"villes climat\", preview: true) { edges { node { ... on Project { id } } } } }",
                json!({}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.ok()["search"]["edges"][0]["node"]["id"], pending.as_str(), "{}", r.ok());
        let secret = s.gql("{ webhooks { id secret } }", json!({}), Some(&admin)).await;
        assert!(secret.ok().to_string().contains(&hook_secret), "the webhook keeps its secret");
    }

    // An archive goes into an empty database only, and a refusal changes nothing.
    let held = contents(&c.db_url).await;
    let again = archive::import(&c.hub.content, &c.hub.media, &second, |_, _| {}).await.unwrap_err();
    assert_eq!(again.code.as_str(), "CONFLICT", "{again:?}");
    assert!(contents(&c.db_url).await == held, "a refused import changed the database");

    // Without --secrets the secret stays home and the import makes a new one.
    let plain = dir.path().join("plain.tar");
    archive::export(c.store(), &c.hub.media, &plain, ExportOptions::default(), |_, _| {}).await.unwrap();
    assert!(!String::from_utf8_lossy(&std::fs::read(&plain).unwrap()).contains(&hook_secret));
    let d = TestServer::start_opts(Backend::Sqlite, server(false)).await;
    let ind = archive::import(&d.hub.content, &d.hub.media, &plain, |_, _| {}).await.unwrap();
    assert_eq!(ind.new_secrets.len(), 1, "{ind:?}");
    let admin = d.login_as(Role::Admin).await;
    let hooks = d.gql("{ webhooks { id secret } }", json!({}), Some(&admin)).await;
    assert_eq!(hooks.ok()["webhooks"][0]["id"], hook_id.as_str());
    let made = hooks.ok()["webhooks"][0]["secret"].as_str().unwrap().to_owned();
    assert!(made.starts_with("whsec_") && made != hook_secret, "{made}");
    assert_eq!(ind.media_missing.len(), 1, "the file was not exported, and this media store lacks it");

    // A cut-short archive is refused and leaves the database empty.
    let bytes = std::fs::read(&second).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let e = TestServer::start_opts(Backend::Sqlite, server(false)).await;
    let err = archive::import(&e.hub.content, &e.hub.media, &cut, |_, _| {}).await.unwrap_err();
    assert_eq!(err.code.as_str(), "BAD_USER_INPUT", "{err:?}");
    assert!(err.message.contains("not a Relais archive"), "{}", err.message);
    assert_eq!(e.store().first_filled_table().await.unwrap(), None);

    for s in [a, b, c, d, e] {
        s.finish().await;
    }
}

#[tokio::test]
async fn every_table_is_classified_for_export() {
    for backend in backends() {
        let s = TestServer::start_opts(backend, server(false)).await;
        for table in s.store().table_names().await.unwrap() {
            assert!(
                dump::TABLES.iter().any(|(t, _)| *t == table),
                "{backend:?}: {table} is not in store::dump::TABLES"
            );
        }
        for table in dump::exported() {
            s.store().columns(table).await.unwrap_or_else(|e| panic!("{backend:?}: {table}: {e:?}"));
        }
        s.finish().await;
    }
}
