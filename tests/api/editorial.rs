//! The editor's side over HTTP: scheduling, revisions, preview links, audit
//! log, sessions, users, comments and locks.

use crate::common::{Backend, Options, TestServer, backends};
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::time::Duration;

const CREATE: &str = "mutation($i: ProjectInput!) { createProject(input: $i) { id version slug } }";
const UPDATE: &str =
    "mutation($id: ID!, $v: Int!, $i: ProjectInput!) { updateProject(id: $id, version: $v, input: $i) { version } }";

async fn project(s: &TestServer, token: &str, title: &str) -> (String, i64, String) {
    let r = s.gql(CREATE, json!({ "i": { "title": [{ "locale": "fr", "value": title }] } }), Some(token)).await;
    let p = r.ok()["createProject"].clone();
    (p["id"].as_str().unwrap().to_owned(), p["version"].as_i64().unwrap(), p["slug"].as_str().unwrap().to_owned())
}

async fn public_title(s: &TestServer, slug: &str) -> Value {
    s.gql("query($s: String!) { project(slug: $s) { title } }", json!({ "s": slug }), None).await.ok()["project"]["title"].clone()
}

/// A time `n` seconds from now by the server's clock.
fn in_secs(s: &TestServer, n: i64) -> String {
    (chrono::DateTime::from_timestamp_millis(s.hub.clock().now_ms()).unwrap() + chrono::Duration::seconds(n))
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339()
}

async fn wait_until<F, Fut>(secs: u64, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 10 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

const PUBLISH_AT: &str = "mutation($id: ID!, $v: Int!, $at: DateTime!) { publish(id: $id, version: $v, at: $at) { workflowState scheduledChanges { id action at timeZone status } } }";

#[tokio::test]
async fn scheduled_publishing_happens_on_time_and_can_be_cancelled() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let (id, v, slug) = project(&s, &editor, "Programmé").await;
        let r = s.gql(PUBLISH_AT, json!({ "id": id, "v": v, "at": in_secs(&s, 600) }), Some(&editor)).await;
        let d = r.ok()["publish"].clone();
        assert_eq!(d["workflowState"], "DRAFT", "{b:?}: nothing happens yet");
        assert_eq!(d["scheduledChanges"][0]["status"], "pending");
        assert_eq!(d["scheduledChanges"][0]["timeZone"], "+01:00", "the zone it was given in is kept");
        assert_eq!(public_title(&s, &slug).await, Value::Null);
        let r = s.gql("{ scheduledChanges(status: \"pending\") { itemId action } }", json!({}), Some(&editor)).await;
        assert_eq!(r.ok()["scheduledChanges"], json!([{ "itemId": id, "action": "publish" }]));
        // Ten minutes later, the scheduler (woken by the clock) publishes it.
        s.hub.clock().advance(Duration::from_secs(600));
        assert!(
            wait_until(8, || async { public_title(&s, &slug).await == "Programmé" }).await,
            "{b:?}: published on time"
        );

        // A second one, cancelled: nothing happens.
        let (id2, v2, slug2) = project(&s, &editor, "Annulé").await;
        let r = s.gql(PUBLISH_AT, json!({ "id": id2, "v": v2, "at": in_secs(&s, 600) }), Some(&editor)).await;
        let sched = r.ok()["publish"]["scheduledChanges"][0]["id"].as_str().unwrap().to_owned();
        let r = s
            .gql(
                "mutation($id: ID!) { cancelScheduledChange(id: $id) { status } }",
                json!({ "id": sched }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["cancelScheduledChange"]["status"], "cancelled");
        s.hub.clock().advance(Duration::from_secs(601));
        assert_eq!(s.hub.content.run_due().await.unwrap(), 0, "{b:?}: nothing due once cancelled");
        assert_eq!(public_title(&s, &slug2).await, Value::Null);
        // In the past, or by a role that may not publish: refused.
        let r = s.gql(PUBLISH_AT, json!({ "id": id2, "v": v2, "at": in_secs(&s, -60) }), Some(&editor)).await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        let author = s.login_as(Role::Author).await;
        let r = s.gql(PUBLISH_AT, json!({ "id": id2, "v": v2, "at": in_secs(&s, 60) }), Some(&author)).await;
        assert_eq!(r.code(), "FORBIDDEN");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_change_due_while_the_server_was_down_happens_at_the_next_start() {
    for b in backends() {
        // The first server has no scheduler running: it is "down" when the time comes.
        let down = TestServer::start_opts(b, Options { demo: false, tasks: false, ..Default::default() }).await;
        let editor = down.login_as(Role::Editor).await;
        let (id, v, slug) = project(&down, &editor, "Pendant la panne").await;
        down.gql(PUBLISH_AT, json!({ "id": id, "v": v, "at": in_secs(&down, 600) }), Some(&editor)).await.ok();
        down.hub.clock().advance(Duration::from_secs(1200));
        assert_eq!(public_title(&down, &slug).await, Value::Null, "{b:?}");
        // The next start (at the same time) catches up.
        let clock = Some(down.hub.clock().clone());
        let up = TestServer::start_opts(
            b,
            Options { demo: false, database: Some(down.db_url.clone()), clock, ..Default::default() },
        )
        .await;
        assert!(wait_until(5, || async { public_title(&up, &slug).await == "Pendant la panne" }).await, "{b:?}");
        up.hub.store().close().await;
        down.finish().await;
    }
}

#[tokio::test]
async fn two_servers_on_one_postgresql_carry_out_each_change_once() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let mut a = TestServer::start_with(Backend::Postgres, Default::default(), false).await;
    let clock = Some(a.hub.clock().clone());
    let mut b = TestServer::start_opts(
        Backend::Postgres,
        Options { demo: false, database: Some(a.db_url.clone()), clock, ..Default::default() },
    )
    .await;
    let editor = a.login_as(Role::Editor).await;
    let mut slugs = vec![];
    for i in 0..12 {
        let (id, v, slug) = project(&a, &editor, &format!("Double {i}")).await;
        a.gql(PUBLISH_AT, json!({ "id": id, "v": v, "at": in_secs(&a, 600) }), Some(&editor)).await.ok();
        slugs.push((id, slug));
    }
    // Both schedulers wake as the ten minutes pass and race for the same changes.
    a.hub.clock().advance(Duration::from_secs(600));
    for (_, slug) in &slugs {
        let slug = slug.clone();
        assert!(wait_until(10, || async { public_title(&b, &slug).await.is_string() }).await);
    }
    // Both down, their schedulers done with whatever they had started; a third reads.
    let url = a.db_url.clone();
    a.stop_serving().await;
    b.stop_serving().await;
    let c = TestServer::start_opts(
        Backend::Postgres,
        Options { demo: false, tasks: false, database: Some(url), ..Default::default() },
    )
    .await;
    let admin = c.login_as(Role::Admin).await;
    for (id, _) in &slugs {
        let q = "query($id: ID!) { auditLog(filter: { itemId: $id, action: \"publish\" }) { nodes { actorEmail } } project(id: $id, preview: true) { revisions { kind } } }";
        let r = c.gql(q, json!({ "id": id }), Some(&admin)).await;
        let d = r.ok();
        assert_eq!(d["auditLog"]["nodes"].as_array().unwrap().len(), 1, "published once");
        let publishes = d["project"]["revisions"].as_array().unwrap().iter().filter(|r| r["kind"] == "publish").count();
        assert_eq!(publishes, 1);
    }
    let r = c.gql("{ scheduledChanges(status: \"done\") { id } }", json!({}), Some(&admin)).await;
    assert_eq!(r.ok()["scheduledChanges"].as_array().unwrap().len(), 12);
    c.hub.store().close().await;
    b.hub.store().close().await;
    a.finish().await;
}

#[tokio::test]
async fn a_revision_from_three_saves_ago_is_restored_and_the_diff_is_exact() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let (id, _, _) = project(&s, &editor, "Titre d'origine").await; // revision 1
        let saves = [
            json!({ "title": [{ "locale": "fr", "value": "Titre revu" }, { "locale": "en", "value": "Revised title" }] }),
            json!({ "acronym": "REVU", "budget": { "amount": "1000.00", "currency": "EUR" } }),
            json!({ "summary": [{ "locale": "fr", "value": "Un résumé." }], "beneficiaryCountries": ["MA"] }),
        ];
        for (i, input) in saves.iter().enumerate() {
            s.gql(UPDATE, json!({ "id": id, "v": i + 1, "i": input }), Some(&editor)).await.ok();
        }
        let diff = "query($id: ID!, $a: Int!, $b: Int!) { revisionDiff(id: $id, from: $a, to: $b) { field locale before after } }";
        let r = s.gql(diff, json!({ "id": id, "a": 3, "b": 4 }), Some(&editor)).await;
        assert_eq!(
            r.ok()["revisionDiff"],
            json!([
                { "field": "summary", "locale": "fr", "before": null, "after": "Un résumé." },
                { "field": "beneficiaryCountries", "locale": null, "before": null, "after": ["MA"] },
            ]),
            "{b:?}"
        );
        // Restore revision 1, three saves ago.
        let restore = "mutation($id: ID!, $v: Int!) { restoreRevision(id: $id, version: $v, revision: 1) { version ... on Project { title acronym summary budget { amount } beneficiaryCountries { code } } } }";
        let r = s.gql(restore, json!({ "id": id, "v": 4 }), Some(&editor)).await;
        let p = r.ok()["restoreRevision"].clone();
        assert_eq!(p["title"], "Titre d'origine");
        assert_eq!(
            (p["acronym"].clone(), p["summary"].clone(), p["budget"].clone()),
            (Value::Null, Value::Null, Value::Null)
        );
        assert_eq!(p["beneficiaryCountries"], json!([]));
        let r = s.gql(diff, json!({ "id": id, "a": 4, "b": 5 }), Some(&editor)).await;
        let fields: Vec<(String, Value)> = r.ok()["revisionDiff"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["field"].as_str().unwrap().to_owned(), c["locale"].clone()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("title".into(), json!("en")),
                ("title".into(), json!("fr")),
                ("acronym".into(), Value::Null),
                ("summary".into(), json!("fr")),
                ("budget".into(), Value::Null),
                ("beneficiaryCountries".into(), Value::Null),
            ],
            "exactly the fields that changed"
        );
        let r = s.gql(diff, json!({ "id": id, "a": 1, "b": 5 }), Some(&editor)).await;
        assert_eq!(r.ok()["revisionDiff"], json!([]), "the restored draft equals revision 1");
        let r = s
            .gql(
                "query($id: ID!) { project(id: $id, preview: true) { revisions { number kind } } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        assert_eq!(r.ok()["project"]["revisions"].as_array().unwrap().len(), 5, "history is kept, not rewritten");
        let r = s
            .gql(restore.replace("revision: 1", "revision: 99").as_str(), json!({ "id": id, "v": 5 }), Some(&editor))
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT");
        s.finish().await;
    }
}

#[tokio::test]
async fn preview_links_open_one_draft_until_revoked_or_expired() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let editor = s.login_as(Role::Editor).await;
        let (id, _, slug) = project(&s, &editor, "Brouillon partagé").await;
        let (other, _, _) = project(&s, &editor, "Autre brouillon").await;
        let mk = "mutation($id: ID!, $t: Int) { createPreviewLink(id: $id, expiresIn: $t) { id token expiresAt } }";
        let link = s.gql(mk, json!({ "id": id }), Some(&editor)).await.ok()["createPreviewLink"].clone();
        let token = link["token"].as_str().unwrap().to_owned();
        let q = "query($s: String!, $t: String) { project(slug: $s, previewToken: $t) { title workflowState } }";
        let r = s.gql(q, json!({ "s": slug, "t": token }), None).await;
        assert_eq!(r.ok()["project"], json!({ "title": "Brouillon partagé", "workflowState": "DRAFT" }), "{b:?}");
        assert_eq!(s.gql(q, json!({ "s": slug, "t": null }), None).await.ok()["project"], Value::Null);
        let r = s
            .gql(
                "query($id: ID!, $t: String) { project(id: $id, previewToken: $t) { title } }",
                json!({ "id": other, "t": token }),
                None,
            )
            .await;
        assert_eq!(r.code(), "FORBIDDEN", "scoped to its item");
        let r = s
            .gql("mutation($id: ID!) { revokePreviewLink(id: $id) }", json!({ "id": link["id"] }), Some(&editor))
            .await;
        assert_eq!(r.ok()["revokePreviewLink"], true);
        assert_eq!(s.gql(q, json!({ "s": slug, "t": token }), None).await.code(), "UNAUTHENTICATED");
        let short =
            s.gql(mk, json!({ "id": id, "t": 1 }), Some(&editor)).await.ok()["createPreviewLink"]["token"].clone();
        s.hub.clock().advance(Duration::from_millis(1200));
        assert_eq!(s.gql(q, json!({ "s": slug, "t": short }), None).await.code(), "UNAUTHENTICATED", "expired");
        s.finish().await;
    }
}

#[tokio::test]
async fn sessions_end_on_logout_and_failed_logins_slow_down() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let (_, token, email) = s.user_as(Role::Editor).await;
        let viewer = "{ viewer { email } }";
        assert_eq!(s.gql(viewer, json!({}), Some(&token)).await.ok()["viewer"]["email"], email.as_str(), "{b:?}");
        // Refresh: a new token; the old one ends.
        let r = s.gql("mutation { refreshToken { token } }", json!({}), Some(&token)).await;
        let fresh = r.ok()["refreshToken"]["token"].as_str().unwrap().to_owned();
        assert_eq!(s.gql(viewer, json!({}), Some(&token)).await.code(), "UNAUTHENTICATED");
        // Logout ends this session.
        s.gql("mutation { logout }", json!({}), Some(&fresh)).await.ok();
        assert_eq!(s.gql(viewer, json!({}), Some(&fresh)).await.code(), "UNAUTHENTICATED");
        // Logout everywhere ends them all.
        let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
        let t1 =
            s.gql(login, json!({ "e": email, "p": "correct horse battery staple" }), None).await.ok()["login"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
        let t2 =
            s.gql(login, json!({ "e": email, "p": "correct horse battery staple" }), None).await.ok()["login"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
        assert_eq!(s.gql("mutation { logoutEverywhere }", json!({}), Some(&t1)).await.ok()["logoutEverywhere"], 2);
        assert_eq!(s.gql(viewer, json!({}), Some(&t2)).await.code(), "UNAUTHENTICATED");
        // Five failures lock the account for a while: the right password is refused too,
        // and the answer reads as for an unknown email.
        for _ in 0..5 {
            assert_eq!(
                s.gql(login, json!({ "e": email, "p": "not the password" }), None).await.code(),
                "UNAUTHENTICATED"
            );
        }
        let locked = s.gql(login, json!({ "e": email, "p": "correct horse battery staple" }), None).await;
        let unknown = s.gql(login, json!({ "e": "nobody@example.org", "p": "whatever it is" }), None).await;
        assert_eq!(locked.code(), "UNAUTHENTICATED");
        assert_eq!(locked.body["errors"][0]["message"], unknown.body["errors"][0]["message"]);
        s.hub.clock().advance(Duration::from_millis(1200));
        assert!(
            s.gql(login, json!({ "e": email, "p": "correct horse battery staple" }), None).await.body["data"]["login"]
                ["token"]
                .is_string()
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn admins_invite_change_deactivate_and_delete_users_and_read_the_audit_log() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let admin = s.login_as(Role::Admin).await;
        let r = s
            .gql(
                "mutation { inviteUser(email: \"nouvelle@example.org\", role: AUTHOR) { user { id role } token } }",
                json!({}),
                Some(&admin),
            )
            .await;
        let inv = r.ok()["inviteUser"].clone();
        let uid = inv["user"]["id"].as_str().unwrap().to_owned();
        let accept = "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { token user { email role } } }";
        let r = s.gql(accept, json!({ "t": inv["token"], "p": "short" }), None).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{b:?}: password rules");
        let r = s.gql(accept, json!({ "t": inv["token"], "p": "une phrase de passe longue" }), None).await;
        let token = r.ok()["acceptInvitation"]["token"].as_str().unwrap().to_owned();
        let r = s.gql(accept, json!({ "t": inv["token"], "p": "une phrase de passe longue" }), None).await;
        assert_eq!(r.code(), "UNAUTHENTICATED", "an invitation works once");
        let r = s
            .gql(
                "mutation($u: ID!) { updateUserRole(userId: $u, role: EDITOR) { role } }",
                json!({ "u": uid }),
                Some(&admin),
            )
            .await;
        assert_eq!(r.ok()["updateUserRole"]["role"], "EDITOR");
        let r =
            s.gql("mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": uid }), Some(&admin)).await;
        r.ok();
        assert_eq!(
            s.gql("{ viewer { email } }", json!({}), Some(&token)).await.code(),
            "UNAUTHENTICATED",
            "deactivated"
        );
        let r = s.gql("mutation($u: ID!) { deleteUser(userId: $u) }", json!({ "u": uid }), Some(&token)).await;
        assert_eq!(r.code(), "UNAUTHENTICATED");
        let r = s.gql("mutation($u: ID!) { deleteUser(userId: $u) }", json!({ "u": uid }), Some(&admin)).await;
        assert_eq!(r.ok()["deleteUser"], true);
        // The audit log has each step, with who and from where; editors may not read it.
        let r = s
            .gql(
                "{ auditLog(first: 20) { nodes { action actorEmail ip } pageInfo { hasNextPage } } }",
                json!({}),
                Some(&admin),
            )
            .await;
        let actions: Vec<String> = r.ok()["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["action"].as_str().unwrap().to_owned())
            .collect();
        for a in ["user.invite", "user.acceptInvite", "user.role", "user.deactivate", "user.delete", "login"] {
            assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
        }
        assert_eq!(r.ok()["auditLog"]["nodes"][0]["ip"], "127.0.0.1");
        let editor = s.login_as(Role::Editor).await;
        assert_eq!(s.gql("{ auditLog { nodes { action } } }", json!({}), Some(&editor)).await.code(), "FORBIDDEN");
        s.finish().await;
    }
}

#[tokio::test]
async fn comments_locks_and_review_queues() {
    for b in backends() {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let (_, author, _) = s.user_as(Role::Author).await;
        let (_, alice, alice_email) = s.user_as(Role::Editor).await;
        let bob = s.login_as(Role::Editor).await;
        let (id, v, _) = project(&s, &author, "À relire").await;
        let r = s.gql("{ myDrafts { id } }", json!({}), Some(&author)).await;
        assert_eq!(r.ok()["myDrafts"], json!([{ "id": id }]), "{b:?}");
        s.gql(
            "mutation($id: ID!, $v: Int!) { submitForReview(id: $id, version: $v) { id } }",
            json!({ "id": id, "v": v }),
            Some(&author),
        )
        .await
        .ok();
        let r = s.gql("{ reviewQueue { id workflowState } }", json!({}), Some(&alice)).await;
        assert_eq!(r.ok()["reviewQueue"], json!([{ "id": id, "workflowState": "IN_REVIEW" }]));
        s.gql(
            "mutation($id: ID!) { addComment(id: $id, body: \"Le titre est trop long.\") { id } }",
            json!({ "id": id }),
            Some(&alice),
        )
        .await
        .ok();
        // Alice opens it for editing; Bob sees her; his lock request returns hers.
        let lock = "mutation($id: ID!) { lockItem(id: $id) { user { email } since expiresAt } }";
        assert_eq!(
            s.gql(lock, json!({ "id": id }), Some(&alice)).await.ok()["lockItem"]["user"]["email"],
            alice_email.as_str()
        );
        assert_eq!(
            s.gql(lock, json!({ "id": id }), Some(&bob)).await.ok()["lockItem"]["user"]["email"],
            alice_email.as_str()
        );
        let q = "query($id: ID!) { project(id: $id, preview: true) { comments { body author { email } } editLock { user { email } } } }";
        let r = s.gql(q, json!({ "id": id }), Some(&bob)).await;
        assert_eq!(r.ok()["project"]["comments"][0]["body"], "Le titre est trop long.");
        assert_eq!(r.ok()["project"]["editLock"]["user"]["email"], alice_email.as_str());
        // The lock does not block Bob's write; the version check decides.
        let r = s.gql(UPDATE, json!({ "id": id, "v": 2, "i": { "acronym": "BOB" } }), Some(&bob)).await;
        assert_eq!(r.ok()["updateProject"]["version"], 3);
        assert_eq!(
            s.gql(UPDATE, json!({ "id": id, "v": 2, "i": { "acronym": "ALICE" } }), Some(&alice)).await.code(),
            "CONFLICT"
        );
        assert_eq!(
            s.gql("mutation($id: ID!) { unlockItem(id: $id) }", json!({ "id": id }), Some(&alice)).await.ok()["unlockItem"],
            true
        );
        // The public sees none of it.
        let r = s
            .gql(
                "{ organisations { nodes { comments { body } editLock { since } scheduledChanges { id } } } }",
                json!({}),
                None,
            )
            .await;
        r.ok();
        s.finish().await;
    }
}

#[tokio::test]
async fn retention_keeps_the_last_saves_and_every_publish() {
    for b in backends() {
        let s = TestServer::start_opts(b, Options { demo: false, revisions_keep: 3, ..Default::default() }).await;
        let editor = s.login_as(Role::Editor).await;
        let (id, mut v, _) = project(&s, &editor, "Gardé").await;
        for i in 0..4 {
            let r =
                s.gql(UPDATE, json!({ "id": id, "v": v, "i": { "acronym": format!("V{i}") } }), Some(&editor)).await;
            v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        }
        let r = s
            .gql(
                "mutation($id: ID!, $v: Int!) { publish(id: $id, version: $v) { version } }",
                json!({ "id": id, "v": v }),
                Some(&editor),
            )
            .await;
        v = r.ok()["publish"]["version"].as_i64().unwrap();
        for i in 0..3 {
            let r =
                s.gql(UPDATE, json!({ "id": id, "v": v, "i": { "acronym": format!("W{i}") } }), Some(&editor)).await;
            v = r.ok()["updateProject"]["version"].as_i64().unwrap();
        }
        let r = s
            .gql(
                "query($id: ID!) { project(id: $id, preview: true) { revisions { number kind } } }",
                json!({ "id": id }),
                Some(&editor),
            )
            .await;
        let kept: Vec<(i64, String)> = r.ok()["project"]["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["number"].as_i64().unwrap(), r["kind"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            kept,
            vec![(9, "save".into()), (8, "save".into()), (7, "save".into()), (6, "publish".into())],
            "{b:?}"
        );
        s.finish().await;
    }
}
