//! The editorial workflow over HTTP, for each role.

use crate::common::{TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: ProjectInput!) { createProject(input: $i) { id slug version workflowState title } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $i: ProjectInput!) { updateProject(id: $id, version: $v, input: $i) { version workflowState title hasUnpublishedChanges } }";
const PUBLIC: &str = "query($s: String!) { project(slug: $s) { title workflowState version } }";
const PREVIEW: &str = "query($s: String!) { project(slug: $s, preview: true) { title workflowState version revisions { number kind message author { role } } } }";

fn transition(name: &str) -> String {
    let comment = if name == "requestChanges" { ", comment: \"Ajoutez le budget\"" } else { "" };
    format!(
        "mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v{comment}) {{ version workflowState publishedAt }} }}"
    )
}

async fn act(s: &TestServer, name: &str, id: &str, v: i64, token: &str) -> Value {
    let r = s.gql(&transition(name), json!({ "id": id, "v": v }), Some(token)).await;
    r.ok()[name].clone()
}

#[tokio::test]
async fn the_whole_workflow_for_each_role() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let author = s.login_as(Role::Author).await;
        let editor = s.login_as(Role::Editor).await;
        let viewer = s.login_as(Role::Viewer).await;
        let other_author = s.login_as(Role::Author).await;

        // An author's draft is invisible to the public.
        let r = s
            .gql(
                CREATE,
                json!({ "i": { "title": [{ "locale": "fr", "value": "Projet pilote" }], "acronym": "PILOTE" } }),
                Some(&author),
            )
            .await;
        let p = r.ok()["createProject"].clone();
        let (id, slug) = (p["id"].as_str().unwrap().to_owned(), p["slug"].as_str().unwrap().to_owned());
        assert_eq!(slug, "projet-pilote", "{b:?}");
        assert_eq!(p["workflowState"], "DRAFT");
        assert_eq!(s.gql(PUBLIC, json!({ "s": slug }), None).await.ok()["project"], Value::Null);
        let list = s.gql("{ projects { totalCount } }", json!({}), None).await;
        assert_eq!(list.ok()["projects"]["totalCount"], 0);
        // Anonymous callers cannot ask for drafts.
        assert_eq!(s.gql(PREVIEW, json!({ "s": slug }), None).await.code(), "UNAUTHENTICATED");

        // Another author may not touch it.
        let r = s.gql(UPDATE, json!({ "id": id, "v": 1, "i": { "acronym": "X" } }), Some(&other_author)).await;
        assert_eq!(r.code(), "FORBIDDEN");

        // Submitted, sent back with a comment, changed, resubmitted.
        let v = act(&s, "submitForReview", &id, 1, &author).await;
        assert_eq!(v["workflowState"], "IN_REVIEW");
        let r = s.gql(&transition("publish"), json!({ "id": id, "v": 2 }), Some(&author)).await;
        assert_eq!(r.code(), "FORBIDDEN", "an author cannot publish");
        let v = act(&s, "requestChanges", &id, 2, &editor).await;
        assert_eq!(v["workflowState"], "DRAFT");
        let r = s
            .gql(
                UPDATE,
                json!({ "id": id, "v": 3, "i": { "budget": { "amount": "1000.50", "currency": "EUR" } } }),
                Some(&author),
            )
            .await;
        assert_eq!(r.ok()["updateProject"]["version"], 4);
        let v = act(&s, "submitForReview", &id, 4, &author).await;
        assert_eq!(v["workflowState"], "IN_REVIEW");

        // Published by an editor: now public.
        let v = act(&s, "publish", &id, 5, &editor).await;
        assert_eq!(v["workflowState"], "PUBLISHED");
        assert!(v["publishedAt"].is_string());
        let public = s.gql(PUBLIC, json!({ "s": slug }), None).await;
        assert_eq!(public.ok()["project"]["title"], "Projet pilote");

        // Edited again: the published version stays visible until republished.
        let r = s
            .gql(
                UPDATE,
                json!({ "id": id, "v": 6, "i": { "title": [{ "locale": "fr", "value": "Projet pilote, phase 2" }] } }),
                Some(&author),
            )
            .await;
        let u = r.ok()["updateProject"].clone();
        assert_eq!(u["workflowState"], "DRAFT");
        assert_eq!(u["hasUnpublishedChanges"], true);
        assert_eq!(s.gql(PUBLIC, json!({ "s": slug }), None).await.ok()["project"]["title"], "Projet pilote");
        let preview = s.gql(PREVIEW, json!({ "s": slug }), Some(&viewer)).await;
        let pv = preview.ok()["project"].clone();
        assert_eq!(pv["title"], "Projet pilote, phase 2", "a viewer reads drafts");
        let kinds: Vec<&str> =
            pv["revisions"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            vec!["save", "publish", "save", "changes_requested", "save"],
            "every save and publish, newest first"
        );
        assert_eq!(pv["revisions"][3]["message"], "Ajoutez le budget");
        assert_eq!(pv["revisions"][1]["author"]["role"], "EDITOR");
        // A viewer may not write.
        let r = s.gql(UPDATE, json!({ "id": id, "v": 7, "i": { "acronym": "V" } }), Some(&viewer)).await;
        assert_eq!(r.code(), "FORBIDDEN");
        // The public does not see the history.
        let r = s
            .gql("query($s: String!) { project(slug: $s) { revisions { number } } }", json!({ "s": slug }), None)
            .await;
        assert_eq!(r.ok()["project"]["revisions"], json!([]));

        // Republished, then archived.
        let v = act(&s, "publish", &id, 7, &editor).await;
        assert_eq!(v["version"], 8);
        assert_eq!(s.gql(PUBLIC, json!({ "s": slug }), None).await.ok()["project"]["title"], "Projet pilote, phase 2");
        let v = act(&s, "archive", &id, 8, &editor).await;
        assert_eq!(v["workflowState"], "ARCHIVED");
        assert_eq!(s.gql(PUBLIC, json!({ "s": slug }), None).await.ok()["project"], Value::Null);
        let v = act(&s, "unarchive", &id, 9, &editor).await;
        assert_eq!(v["workflowState"], "DRAFT");

        // The audit log has every step, with who did it; the item says who reviewed it.
        let admin = s.login_as(Role::Admin).await;
        let r = s
            .gql(
                "query($id: ID!) { auditLog(filter: { itemId: $id }) { nodes { action actorEmail } } }",
                json!({ "id": id }),
                Some(&admin),
            )
            .await;
        let mut steps: Vec<(String, String)> = r.ok()["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let who = n["actorEmail"].as_str().unwrap().split('-').next().unwrap().to_owned();
                (n["action"].as_str().unwrap().to_owned(), who)
            })
            .collect();
        steps.reverse();
        let want: Vec<(String, String)> = [
            ("create", "author"),
            ("submitForReview", "author"),
            ("requestChanges", "editor"),
            ("update", "author"),
            ("submitForReview", "author"),
            ("publish", "editor"),
            ("update", "author"),
            ("publish", "editor"),
            ("archive", "editor"),
            ("unarchive", "editor"),
        ]
        .iter()
        .map(|(a, w)| (a.to_string(), w.to_string()))
        .collect();
        assert_eq!(steps, want, "{b:?}: refused attempts change nothing and are not writes");
        let r = s
            .gql(
                "query($id: ID!) { project(id: $id, preview: true) { reviewHistory { action actorEmail } } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["project"]["reviewHistory"][0]["action"], "submitForReview");
        s.finish().await;
    }
}

#[tokio::test]
async fn stale_versions_conflict_and_change_nothing() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let r =
            s.gql(CREATE, json!({ "i": { "title": [{ "locale": "fr", "value": "Version" }] } }), Some(&editor)).await;
        let id = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
        let r = s.gql(UPDATE, json!({ "id": id, "v": 1, "i": { "acronym": "A" } }), Some(&editor)).await;
        assert_eq!(r.ok()["updateProject"]["version"], 2);
        // A second editor still holding version 1.
        let r = s.gql(UPDATE, json!({ "id": id, "v": 1, "i": { "acronym": "B" } }), Some(&editor)).await;
        assert_eq!(r.code(), "CONFLICT", "{b:?}");
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("current version is 2"));
        let r = s.gql(&transition("publish"), json!({ "id": id, "v": 1 }), Some(&editor)).await;
        assert_eq!(r.code(), "CONFLICT");
        let r = s
            .gql("mutation($id: ID!) { deleteProject(id: $id, version: 1) { id } }", json!({ "id": id }), Some(&editor))
            .await;
        assert_eq!(r.code(), "CONFLICT");
        let r = s
            .gql(
                "query($id: ID!) { project(id: $id, preview: true) { acronym version workflowState } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["project"], json!({ "acronym": "A", "version": 2, "workflowState": "DRAFT" }));
        // The current version deletes.
        let r = s
            .gql("mutation($id: ID!) { deleteProject(id: $id, version: 2) { id } }", json!({ "id": id }), Some(&editor))
            .await;
        assert_eq!(r.ok()["deleteProject"]["id"], id.as_str());
        s.finish().await;
    }
}

#[tokio::test]
async fn roles_are_enforced_on_every_kind_of_write() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let admin = s.login_as(Role::Admin).await;
        let author = s.login_as(Role::Author).await;
        let viewer = s.login_as(Role::Viewer).await;
        let create = "mutation($i: OrganisationInput!) { createOrganisation(input: $i) { id version } }";
        let input = json!({ "i": { "name": [{ "locale": "fr", "value": "Association test" }] } });
        assert_eq!(s.gql(create, input.clone(), None).await.code(), "UNAUTHENTICATED", "{b:?}");
        assert_eq!(s.gql(create, input.clone(), Some(&viewer)).await.code(), "FORBIDDEN");
        let r = s.gql(create, input.clone(), Some(&author)).await;
        let id = r.ok()["createOrganisation"]["id"].as_str().unwrap().to_owned();
        // Only an editor or admin publishes; an author may delete its unpublished draft.
        let publish = transition("publish");
        assert_eq!(s.gql(&publish, json!({ "id": id, "v": 1 }), Some(&author)).await.code(), "FORBIDDEN");
        assert_eq!(
            s.gql(&publish, json!({ "id": id, "v": 1 }), Some(&admin)).await.ok()["publish"]["workflowState"],
            "PUBLISHED"
        );
        let del = "mutation($id: ID!, $v: Int!) { deleteOrganisation(id: $id, version: $v) { id } }";
        assert_eq!(
            s.gql(del, json!({ "id": id, "v": 2 }), Some(&author)).await.code(),
            "FORBIDDEN",
            "published: not the author's to delete"
        );
        assert_eq!(
            s.gql("{ organisations { totalCount } }", json!({}), None).await.ok()["organisations"]["totalCount"],
            1
        );
        // An expired or forged token is refused before anything runs.
        let r = s.gql("{ viewer { email } }", json!({}), Some("not-a-token")).await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
        s.finish().await;
    }
}

#[tokio::test]
async fn unpublish_takes_down_and_authors_delete_their_own_drafts() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let author = s.login_as(Role::Author).await;
        let editor = s.login_as(Role::Editor).await;
        let r =
            s.gql(CREATE, json!({ "i": { "title": [{ "locale": "fr", "value": "Éphémère" }] } }), Some(&author)).await;
        let id = r.ok()["createProject"]["id"].as_str().unwrap().to_owned();
        act(&s, "publish", &id, 1, &editor).await;
        assert_eq!(s.gql(PUBLIC, json!({ "s": "ephemere" }), None).await.ok()["project"]["title"], "Éphémère", "{b:?}");
        let v = act(&s, "unpublish", &id, 2, &editor).await;
        assert_eq!(v["workflowState"], "DRAFT");
        assert_eq!(v["publishedAt"], Value::Null);
        assert_eq!(s.gql(PUBLIC, json!({ "s": "ephemere" }), None).await.ok()["project"], Value::Null);
        let r = s.gql(&transition("unpublish"), json!({ "id": id, "v": 3 }), Some(&editor)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "nothing to unpublish");
        // Its author may delete it now that it is an unpublished draft again.
        let r = s
            .gql("mutation($id: ID!) { deleteProject(id: $id, version: 3) { id } }", json!({ "id": id }), Some(&author))
            .await;
        assert_eq!(r.ok()["deleteProject"]["id"], id.as_str());
        let r = s
            .gql("query($id: ID!) { project(id: $id, preview: true) { id } }", json!({ "id": id }), Some(&editor))
            .await;
        assert_eq!(r.ok()["project"], Value::Null);
        s.finish().await;
    }
}

#[tokio::test]
async fn an_import_that_fails_half_way_leaves_nothing() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let file = json!({ "items": [
            { "type": "Organisation", "key": "a", "publish": true, "fields": { "name": { "fr": "A" } } },
            { "type": "Project", "key": "p", "publish": true, "fields": { "title": { "fr": "P" }, "partners": ["@a"] } },
            { "type": "Project", "fields": { "title": { "fr": "Q" }, "startDate": "not a date" } },
        ] });
        let err = relais::domain::import::import(&s.hub.content, &file.to_string()).await.unwrap_err();
        assert!(err.message.starts_with("items[2] (Project): startDate"), "{b:?}: {}", err.message);
        let editor = s.login_as(Role::Editor).await;
        let r = s
            .gql(
                "{ organisations(preview: true) { totalCount } projects(preview: true) { totalCount } }",
                json!({}),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["organisations"]["totalCount"], 0);
        assert_eq!(r.ok()["projects"]["totalCount"], 0);
        s.finish().await;
    }
}
