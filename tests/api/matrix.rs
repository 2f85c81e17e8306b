//! The permission matrix, tested: every mutation of the schema, called by
//! every role (the author on its own item and on another's), anonymously,
//! with an expired token and with a revoked one. Each answer is checked
//! against `GRANTS` (src/domain/permissions.rs), and a refused call must
//! change nothing.

use crate::common::{Backend, TestServer, backends};
use relais::domain::auth::{Actor, Viewer};
use relais::domain::ids;
use relais::domain::permissions::{Action, Role, Subject, allowed};
use relais::domain::workflow::Transition;
use relais::model::item::{Stage, Versioned};
use relais::model::{CONTENT_TYPES, TypeDef, content_type};
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Expired,
    Revoked,
    Admin,
    Editor,
    AuthorOwn,
    AuthorOther,
    Viewer,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::Expired,
    Who::Revoked,
    Who::Admin,
    Who::Editor,
    Who::AuthorOwn,
    Who::AuthorOther,
    Who::Viewer,
];

impl Who {
    fn role(self) -> Option<Role> {
        match self {
            Who::Admin => Some(Role::Admin),
            Who::Editor => Some(Role::Editor),
            Who::AuthorOwn | Who::AuthorOther => Some(Role::Author),
            Who::Viewer => Some(Role::Viewer),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq)]
enum Expect {
    Allowed,
    Forbidden,
    Unauthenticated,
}

/// The state of a fixture item a denied call must leave as it was.
#[derive(Debug, Clone, Copy)]
enum State {
    Draft,
    InReview,
    Published,
    Archived,
}

struct Env {
    s: TestServer,
    tokens: HashMap<Who, String>,
    owner: Viewer,
    admin: Actor,
}

fn token_claims_expired(secret: &str, user: &str) -> String {
    #[derive(serde::Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        sid: &'a str,
        role: &'a str,
        iat: i64,
        exp: i64,
    }
    let now = chrono::Utc::now().timestamp();
    let c = Claims { sub: user, sid: "gone", role: "ADMIN", iat: now - 7200, exp: now - 3600 };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &c,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

impl Env {
    async fn new(b: Backend) -> Env {
        let s = TestServer::start_with(b, Default::default(), false).await;
        let mut tokens = HashMap::new();
        let (admin_id, admin_token, admin_email) = s.user_as(Role::Admin).await;
        tokens.insert(Who::Admin, admin_token);
        tokens.insert(Who::Editor, s.login_as(Role::Editor).await);
        let (owner_id, owner_token, owner_email) = s.user_as(Role::Author).await;
        tokens.insert(Who::AuthorOwn, owner_token);
        tokens.insert(Who::AuthorOther, s.login_as(Role::Author).await);
        tokens.insert(Who::Viewer, s.login_as(Role::Viewer).await);
        let revoked = s.login_as(Role::Admin).await;
        s.gql("mutation { logout }", json!({}), Some(&revoked)).await.ok();
        tokens.insert(Who::Revoked, revoked);
        let secret = s.store().setting("jwt_secret").await.unwrap().unwrap();
        tokens.insert(Who::Expired, token_claims_expired(&secret, &admin_id));
        let owner = Viewer { id: owner_id, email: owner_email, role: Role::Author, session_id: None };
        let admin = Actor {
            viewer: Some(Viewer { id: admin_id, email: admin_email, role: Role::Admin, session_id: None }),
            ..Default::default()
        };
        Env { s, tokens, owner, admin }
    }

    fn owner_actor(&self) -> Actor {
        Actor { viewer: Some(self.owner.clone()), ..Default::default() }
    }

    /// An item of `ty` created by the author, brought to `state`.
    async fn item(&self, ty: &'static TypeDef, state: State) -> (String, i64) {
        let input = json!({ ty.title_field: { "fr": format!("Fixture {}", uuid::Uuid::now_v7().simple()) } });
        let resolve = |t: &'static TypeDef, raw: &str, p: &str| relais::domain::values::by_global_id(t, raw, p);
        let c = &self.s.hub.content;
        let item = c.create(&self.owner_actor(), ty, &input, &resolve).await.unwrap();
        let (id, v) = (item.id, item.version);
        let to = match state {
            State::Draft => return (id, v),
            State::InReview => (Transition::SubmitForReview, self.owner_actor()),
            State::Published => (Transition::Publish, self.admin.clone()),
            State::Archived => (Transition::Archive, self.admin.clone()),
        };
        let it = c.transition(&to.1, Versioned { ty, id: &id, version: v }, to.0, Some("fixture")).await.unwrap();
        (id, it.version)
    }

    /// Version and state of an item (or none when deleted).
    async fn state_of(&self, ty: &'static TypeDef, id: &str) -> Value {
        let items = self.s.store().by_ids(ty, Stage::Draft, &[id.to_owned()]).await.unwrap();
        items.first().map_or(Value::Null, |i| json!([i.version, i.state, i.published_at.is_some()]))
    }

    fn subject(&self, who: Who, state: State) -> Subject {
        Subject {
            own: who == Who::AuthorOwn,
            draft: matches!(state, State::Draft),
            live_state: matches!(state, State::Published),
            published: matches!(state, State::Published),
        }
    }

    fn expect(&self, who: Who, action: Option<(Action, Option<Subject>)>) -> Expect {
        match (who.role(), action) {
            (None, None) if who == Who::Anonymous => Expect::Allowed,
            (None, _) => Expect::Unauthenticated,
            (Some(_), None) => Expect::Allowed,
            (Some(role), Some((a, subject))) => {
                if allowed(role, a, subject) {
                    Expect::Allowed
                } else {
                    Expect::Forbidden
                }
            }
        }
    }
}

fn outcome(r: &Value) -> Expect {
    match r["errors"][0]["extensions"]["code"].as_str() {
        None => Expect::Allowed,
        Some("FORBIDDEN") => Expect::Forbidden,
        Some("UNAUTHENTICATED") => Expect::Unauthenticated,
        Some(other) => panic!("unexpected error {other}: {r}"),
    }
}

fn transition_of(name: &str) -> Option<(Action, State)> {
    let t = Transition::parse(name)?;
    let from = match t {
        Transition::RequestChanges => State::InReview,
        Transition::Unpublish => State::Published,
        Transition::Unarchive => State::Archived,
        Transition::SubmitForReview | Transition::Publish | Transition::Archive => State::Draft,
    };
    Some((Action::Workflow(t), from))
}

async fn audit_count(s: &TestServer) -> usize {
    let q = relais::model::query::AuditQuery { first: 10_000, ..Default::default() };
    s.store().audit(&q).await.unwrap().0.len()
}

/// An administrative write that went through left one audit entry (or more:
/// deactivation also ends sessions); a refused one, none.
async fn admin_write_recorded(s: &TestServer, name: &str, before: usize, body: &Value, who: Who) {
    let after = audit_count(s).await;
    if outcome(body) == Expect::Allowed {
        assert!(after > before, "{name} as {who:?} went through without an audit entry");
        let q = relais::model::query::AuditQuery { first: 1, ..Default::default() };
        let last = s.store().audit(&q).await.unwrap().0.remove(0);
        let actor = last.actor_id.unwrap_or_default();
        assert!(!actor.is_empty(), "{name}: the audit entry names who did it: {}", last.action);
    } else {
        assert_eq!(after, before, "{name} as {who:?} was refused but wrote an audit entry");
    }
}

/// Calls `name` as `who`; returns (expected, got, what it changed when it should not have).
async fn check(env: &Env, who: Who, name: &str) -> (Expect, Expect, Option<String>) {
    let s = &env.s;
    let mut token = env.tokens.get(&who).cloned();
    let project = content_type("Project").unwrap();
    let media = content_type("MediaAsset").unwrap();
    let ty_of = |prefix: &str| -> Option<&'static TypeDef> {
        CONTENT_TYPES.iter().find(|t| name == format!("{prefix}{}", t.name))
    };
    // Content writes on one item: (type, id, state, action, query, vars).
    let mut item: Option<(&'static TypeDef, String, State)> = None;
    let mut before = Value::Null;
    let (expect, body) = if let Some(ty) = ty_of("create") {
        let q = format!("mutation($i: {0}Input!) {{ create{0}(input: $i) {{ id }} }}", ty.name);
        let vars = json!({ "i": { ty.title_field: [{ "locale": "fr", "value": "Matrice" }] } });
        (env.expect(who, Some((Action::Create, None))), s.gql(&q, vars, token.as_deref()).await.body)
    } else if let Some(ty) = ty_of("update") {
        let (id, v) = env.item(ty, State::Draft).await;
        item = Some((ty, id.clone(), State::Draft));
        before = env.state_of(ty, &id).await;
        let q = format!(
            "mutation($id: ID!, $v: Int!, $i: {0}Input!) {{ update{0}(id: $id, version: $v, input: $i) {{ id }} }}",
            ty.name
        );
        let vars = json!({ "id": ids::encode(ty.name, &id), "v": v, "i": { ty.title_field: [{ "locale": "en", "value": "Changed" }] } });
        (
            env.expect(who, Some((Action::Update, Some(env.subject(who, State::Draft))))),
            s.gql(&q, vars, token.as_deref()).await.body,
        )
    } else if let Some(ty) = ty_of("delete") {
        let (id, v) = env.item(ty, State::Draft).await;
        item = Some((ty, id.clone(), State::Draft));
        before = env.state_of(ty, &id).await;
        let q = format!("mutation($id: ID!, $v: Int!) {{ delete{0}(id: $id, version: $v) {{ id }} }}", ty.name);
        let vars = json!({ "id": ids::encode(ty.name, &id), "v": v });
        (
            env.expect(who, Some((Action::Delete, Some(env.subject(who, State::Draft))))),
            s.gql(&q, vars, token.as_deref()).await.body,
        )
    } else if let Some((action, state)) = transition_of(name) {
        let (id, v) = env.item(project, state).await;
        item = Some((project, id.clone(), state));
        before = env.state_of(project, &id).await;
        let comment = if name == "requestChanges" { ", comment: \"non\"" } else { "" };
        let q = format!("mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v{comment}) {{ id }} }}");
        let vars = json!({ "id": ids::encode("Project", &id), "v": v });
        (env.expect(who, Some((action, Some(env.subject(who, state))))), s.gql(&q, vars, token.as_deref()).await.body)
    } else {
        match name {
            "login" => {
                let (_, _, email) = s.user_as(Role::Viewer).await;
                let q =
                    "mutation($e: String!) { login(email: $e, password: \"correct horse battery staple\") { token } }";
                let want =
                    if matches!(who, Who::Expired | Who::Revoked) { Expect::Unauthenticated } else { Expect::Allowed };
                (want, s.gql(q, json!({ "e": email }), token.as_deref()).await.body)
            }
            "acceptInvitation" => {
                let inv = s
                    .hub
                    .users
                    .invite(&env.admin, &format!("{}@example.org", uuid::Uuid::now_v7().simple()), Role::Author)
                    .await
                    .unwrap();
                let q = "mutation($t: String!) { acceptInvitation(token: $t, password: \"a long new passphrase\") { token } }";
                let want =
                    if matches!(who, Who::Expired | Who::Revoked) { Expect::Unauthenticated } else { Expect::Allowed };
                (want, s.gql(q, json!({ "t": inv.1 }), token.as_deref()).await.body)
            }
            "changePassword" | "refreshToken" | "logout" | "logoutEverywhere" => {
                // Each with a fresh session of the same role, so the matrix's own tokens stay valid.
                if let Some(role) = who.role() {
                    token = Some(s.login_as(role).await);
                }
                let q = match name {
                    "changePassword" => {
                        "mutation { changePassword(currentPassword: \"correct horse battery staple\", newPassword: \"correct horse battery staple\") }"
                    }
                    "refreshToken" => "mutation { refreshToken { token } }",
                    "logout" => "mutation { logout }",
                    _ => "mutation { logoutEverywhere }",
                };
                (
                    env.expect(who, if who.role().is_some() { None } else { Some((Action::ReadDrafts, None)) }),
                    s.gql(q, json!({}), token.as_deref()).await.body,
                )
            }
            "inviteUser" | "updateUserRole" | "deactivateUser" | "reactivateUser" | "deleteUser" => {
                let victim = s
                    .hub
                    .users
                    .create(
                        &format!("{}@example.org", uuid::Uuid::now_v7().simple()),
                        Role::Author,
                        "a fixture passphrase".into(),
                    )
                    .await
                    .unwrap();
                let q: String = match name {
                    "inviteUser" => {
                        "mutation { inviteUser(email: \"invited@example.org\", role: VIEWER) { token } }".into()
                    }
                    "updateUserRole" => "mutation($u: ID!) { updateUserRole(userId: $u, role: EDITOR) { id } }".into(),
                    "deactivateUser" => "mutation($u: ID!) { deactivateUser(userId: $u) { id } }".into(),
                    "reactivateUser" => "mutation($u: ID!) { reactivateUser(userId: $u) { id } }".into(),
                    _ => "mutation($u: ID!) { deleteUser(userId: $u) }".into(),
                };
                let before = s.store().user_by_id(&victim.id).await.unwrap().map(|u| (u.role, u.active));
                let audits = audit_count(s).await;
                let body = s.gql(&q, json!({ "u": victim.id }), token.as_deref()).await.body;
                let want = env.expect(who, Some((Action::ManageUsers, None)));
                admin_write_recorded(s, name, audits, &body, who).await;
                if outcome(&body) == Expect::Allowed && !matches!(name, "inviteUser" | "deleteUser") {
                    let v = s.store().user_by_id(&victim.id).await.unwrap().unwrap().version;
                    assert_eq!(v, victim.version + 1, "{name} raises the account's version");
                }
                let after = s.store().user_by_id(&victim.id).await.unwrap().map(|u| (u.role, u.active));
                let got = outcome(&body);
                let invited = s.store().user_by_email("invited@example.org").await.unwrap();
                if let Some(u) = &invited {
                    s.store().delete_user(&u.id).await.unwrap();
                }
                let changed = (got != Expect::Allowed
                    && (before != after || (name == "inviteUser" && invited.is_some())))
                .then(|| format!("{before:?} -> {after:?}"));
                return (want, got, changed);
            }
            "createApiKey" | "updateApiKey" | "rotateApiKey" | "revokeApiKey" => {
                let settings = relais::domain::partners::KeySettings {
                    name: "Fixture".into(),
                    scopes: vec![relais::domain::partners::KeyScope::Feeds],
                    restrictions: Default::default(),
                    origins: vec![],
                    rate_per_minute: 60,
                    page_pattern: None,
                    expires_at: None,
                };
                let (key, _) = s.hub.partners.create(&env.admin, settings).await.unwrap();
                let q = match name {
                    "createApiKey" => "mutation { createApiKey(input: { name: \"New\", scopes: [FEEDS] }) { secret } }",
                    "updateApiKey" => {
                        "mutation($k: ID!) { updateApiKey(id: $k, input: { name: \"Renamed\", scopes: [FEEDS] }) { id } }"
                    }
                    "rotateApiKey" => "mutation($k: ID!) { rotateApiKey(id: $k) { secret } }",
                    _ => "mutation($k: ID!) { revokeApiKey(id: $k) { id } }",
                };
                let snapshot = || async {
                    let mut rows: Vec<String> = s
                        .store()
                        .api_keys()
                        .await
                        .unwrap()
                        .iter()
                        .map(|k| format!("{}:{}:{}:{:?}", k.name, k.secret_hash, k.scopes, k.revoked_at))
                        .collect();
                    rows.sort();
                    rows
                };
                let before = snapshot().await;
                let audits = audit_count(s).await;
                let body = s.gql(q, json!({ "k": key.id }), token.as_deref()).await.body;
                let after = snapshot().await;
                let want = env.expect(who, Some((Action::ManageUsers, None)));
                admin_write_recorded(s, name, audits, &body, who).await;
                if outcome(&body) == Expect::Allowed && name != "createApiKey" {
                    let v = s.store().api_key(&key.id).await.unwrap().unwrap().version;
                    assert_eq!(v, key.version + 1, "{name} raises the key's version");
                }
                let got = outcome(&body);
                let changed = (got != Expect::Allowed && before != after).then(|| format!("{before:?} -> {after:?}"));
                return (want, got, changed);
            }
            "createWebhook" | "updateWebhook" | "deleteWebhook" | "replayWebhookDelivery" => {
                let settings = relais::domain::webhooks::WebhookSettings {
                    url: "http://127.0.0.1:9/never".into(),
                    events: vec!["content.deleted".into()],
                    types: vec![],
                    description: None,
                    active: false,
                };
                let hook = s.hub.webhooks.create(&env.admin, settings).await.unwrap();
                let now = s.hub.clock().now_ms();
                let delivery = relais::model::records::Delivery {
                    id: uuid::Uuid::now_v7().to_string(),
                    webhook_id: hook.id.clone(),
                    event: "content.deleted".into(),
                    payload: "{}".into(),
                    status: "failed".into(),
                    attempts: 1,
                    next_attempt_at: now,
                    created_at: now,
                    delivered_at: None,
                    replay_of: None,
                };
                s.store()
                    .insert_delivery(&delivery, &relais::domain::audit::entry(&env.admin, "fixture", None, None))
                    .await
                    .unwrap();
                let q = match name {
                    "createWebhook" => {
                        "mutation { createWebhook(input: { url: \"https://new.example/h\", active: false }) { id } }"
                    }
                    "updateWebhook" => {
                        "mutation($k: ID!) { updateWebhook(id: $k, input: { url: \"https://changed.example/h\", active: false }) { id } }"
                    }
                    "deleteWebhook" => "mutation($k: ID!) { deleteWebhook(id: $k) }",
                    _ => "mutation($d: ID!) { replayWebhookDelivery(id: $d) { id } }",
                };
                let snapshot = || async {
                    let hooks = s.store().webhooks().await.unwrap();
                    let mut rows: Vec<String> = hooks.iter().map(|h| format!("{}:{}", h.id, h.url)).collect();
                    for h in &hooks {
                        rows.push(format!("{}:{}", h.id, s.store().deliveries(&h.id, 100).await.unwrap().len()));
                    }
                    rows.sort();
                    rows
                };
                let before = snapshot().await;
                let audits = audit_count(s).await;
                let body = s.gql(q, json!({ "k": hook.id, "d": delivery.id }), token.as_deref()).await.body;
                let after = snapshot().await;
                let want = env.expect(who, Some((Action::ManageUsers, None)));
                admin_write_recorded(s, name, audits, &body, who).await;
                if outcome(&body) == Expect::Allowed && name == "updateWebhook" {
                    let v = s.store().webhook(&hook.id).await.unwrap().unwrap().version;
                    assert_eq!(v, hook.version + 1, "{name} raises the webhook's version");
                }
                let got = outcome(&body);
                let changed = (got != Expect::Allowed && before != after).then(|| format!("{before:?} -> {after:?}"));
                return (want, got, changed);
            }
            "uploadMedia" => {
                let png = crate::media::png(4, 4);
                let (_, body) = s
                    .multipart(
                        "mutation($f: Upload!) { uploadMedia(file: $f) { id } }",
                        json!({ "f": null }),
                        vec![("variables.f", png, "a.png")],
                        token.as_deref(),
                    )
                    .await;
                (env.expect(who, Some((Action::Create, None))), body)
            }
            "replaceMediaFile" => {
                let (id, v) = env.item(media, State::Draft).await;
                item = Some((media, id.clone(), State::Draft));
                before = env.state_of(media, &id).await;
                let png = crate::media::png(5, 5);
                let q = "mutation($id: ID!, $v: Int!, $f: Upload!) { replaceMediaFile(id: $id, version: $v, file: $f) { id } }";
                let vars = json!({ "id": ids::encode("MediaAsset", &id), "v": v, "f": null });
                let (_, body) = s.multipart(q, vars, vec![("variables.f", png, "b.png")], token.as_deref()).await;
                (env.expect(who, Some((Action::Update, Some(env.subject(who, State::Draft))))), body)
            }
            "restoreRevision" | "lockItem" | "unlockItem" | "addComment" | "createPreviewLink" => {
                let (id, v) = env.item(project, State::Draft).await;
                item = Some((project, id.clone(), State::Draft));
                before = env.state_of(project, &id).await;
                let gid = ids::encode("Project", &id);
                let (q, action) = match name {
                    "restoreRevision" => (
                        "mutation($id: ID!, $v: Int!) { restoreRevision(id: $id, version: $v, revision: 1) { id } }",
                        Action::Update,
                    ),
                    "lockItem" => ("mutation($id: ID!) { lockItem(id: $id) { since } }", Action::Update),
                    "unlockItem" => ("mutation($id: ID!) { unlockItem(id: $id) }", Action::Update),
                    "addComment" => {
                        ("mutation($id: ID!) { addComment(id: $id, body: \"Bien.\") { id } }", Action::Comment)
                    }
                    _ => ("mutation($id: ID!) { createPreviewLink(id: $id) { token } }", Action::CreatePreview),
                };
                (
                    env.expect(who, Some((action, Some(env.subject(who, State::Draft))))),
                    s.gql(q, json!({ "id": gid, "v": v }), token.as_deref()).await.body,
                )
            }
            "revokePreviewLink" => {
                let (id, _) = env.item(project, State::Draft).await;
                let (p, tok) = s.hub.content.create_preview(&env.admin, project, &id, 3600).await.unwrap();
                let body = s
                    .gql("mutation($id: ID!) { revokePreviewLink(id: $id) }", json!({ "id": p.id }), token.as_deref())
                    .await
                    .body;
                let want = env.expect(who, Some((Action::RevokePreview, None)));
                let got = outcome(&body);
                let still = s.hub.content.preview_target(&tok).await.is_ok();
                let changed = (got != Expect::Allowed && !still).then(|| "the link was revoked".to_owned());
                return (want, got, changed);
            }
            "cancelScheduledChange" => {
                let (id, v) = env.item(project, State::Draft).await;
                let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
                let row = s
                    .hub
                    .content
                    .schedule(&env.admin, Versioned { ty: project, id: &id, version: v }, Transition::Publish, &at)
                    .await
                    .unwrap();
                let body = s
                    .gql(
                        "mutation($id: ID!) { cancelScheduledChange(id: $id) { status } }",
                        json!({ "id": row.id }),
                        token.as_deref(),
                    )
                    .await
                    .body;
                let want = env
                    .expect(who, Some((Action::Workflow(Transition::Publish), Some(env.subject(who, State::Draft)))));
                let got = outcome(&body);
                let status = s.store().schedule_by_id(&row.id).await.unwrap().unwrap().status;
                let changed = (got != Expect::Allowed && status != "pending").then(|| format!("status {status}"));
                return (want, got, changed);
            }
            other => panic!(
                "the mutation {other} is not in the permission matrix test: add it (and to GRANTS if it needs a grant)"
            ),
        }
    };
    let got = outcome(&body);
    let mut changed = None;
    if let Some((ty, id, _)) = item
        && got != Expect::Allowed
    {
        // A refused call leaves the item as it was.
        let now = env.state_of(ty, &id).await;
        if now != before {
            changed = Some(format!("{before} -> {now}"));
        }
    }
    (expect, got, changed)
}

#[tokio::test]
async fn every_mutation_for_every_role_matches_the_table() {
    for b in backends() {
        let env = Env::new(b).await;
        let r = env.s.gql("{ __schema { mutationType { fields { name } } } }", json!({}), None).await;
        let names: Vec<String> = r.ok()["__schema"]["mutationType"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(names.len() > 40, "{names:?}");
        let mut failures = vec![];
        let mut checked = 0;
        for name in &names {
            for who in EVERYONE {
                let (want, got, changed) = check(&env, who, name).await;
                checked += 1;
                if want != got {
                    failures.push(format!("{name} as {who:?}: expected {want:?}, got {got:?}"));
                }
                if let Some(c) = changed {
                    failures.push(format!("{name} as {who:?} was refused but changed something: {c}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{b:?}: {} of {checked} calls disagree with the table:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(!names.iter().any(|n| n.to_lowercase().contains("audit")), "nothing edits the audit log");
        env.s.finish().await;
    }
}

/// Who reads which working copies with `preview: true`, as the table says
/// (an author: their own items only) and as the setting that widens an
/// author's reach says; through the single read, lists, revisions, editorial
/// fields, the review queue and search. Expected answers come from
/// `allowed` and the setting, not from a copy of them.
#[tokio::test]
async fn drafts_are_read_as_the_table_says_with_and_without_the_wider_setting() {
    for b in backends() {
        for wide in [false, true] {
            let s = TestServer::start_opts(
                b,
                crate::common::Options { demo: false, authors_read_all_drafts: wide, ..Default::default() },
            )
            .await;
            let (_, owner, _) = s.user_as(Role::Author).await;
            let editor = s.login_as(Role::Editor).await;
            let create = "mutation($i: ProjectInput!) { createProject(input: $i) { id } }";
            let mut ids = HashMap::new();
            for (whose, tok) in [("own", &owner), ("other", &editor)] {
                let title = format!("Brouillon quetzal {whose}");
                let i = json!({ "title": [{ "locale": "fr", "value": title }] });
                let r = s.gql(create, json!({ "i": i }), Some(tok)).await;
                ids.insert(whose, r.ok()["createProject"]["id"].as_str().unwrap().to_owned());
                // A review comment, so that editorial fields have something to hide.
                let id = ids[whose].clone();
                s.gql(
                    "mutation($id: ID!) { addComment(id: $id, body: \"Relire.\") { id } }",
                    json!({ "id": id }),
                    Some(&editor),
                )
                .await
                .ok();
            }
            let readers = [
                (Who::Admin, Some(s.login_as(Role::Admin).await)),
                (Who::Editor, Some(editor.clone())),
                (Who::AuthorOwn, Some(owner.clone())),
                (Who::AuthorOther, Some(s.login_as(Role::Author).await)),
                (Who::Viewer, Some(s.login_as(Role::Viewer).await)),
                (Who::Anonymous, None),
            ];
            let mut failures = vec![];
            for (who, tok) in &readers {
                for whose in ["own", "other"] {
                    let own = *who == Who::AuthorOwn && whose == "own";
                    let subject = Subject { own, draft: true, live_state: false, published: false };
                    let want = who.role().is_some_and(|r| {
                        allowed(r, Action::ReadDrafts, Some(subject))
                            || (wide && allowed(r, Action::ReadDrafts, Some(Subject { own: true, ..subject })))
                    });
                    let id = &ids[whose];
                    let one = s
                        .gql(
                            "query($id: ID!) { project(id: $id, preview: true) { id revisions { number } comments { body } } }",
                            json!({ "id": id }),
                            tok.as_deref(),
                        )
                        .await;
                    let listed = s
                        .gql("{ projects(preview: true, first: 100) { nodes { id } } }", json!({}), tok.as_deref())
                        .await;
                    let found = s
                        .gql(
                            "query($q: String!) { search(query: $q, locale: \"fr\", preview: true) { edges { node { id } } } }",
                            json!({ "q": format!("quetzal {whose}") }),
                            tok.as_deref(),
                        )
                        .await;
                    let seen = [
                        ("single read", one.body["data"]["project"]["id"].as_str() == Some(id.as_str())),
                        (
                            "list",
                            listed.body["data"]["projects"]["nodes"]
                                .as_array()
                                .is_some_and(|n| n.iter().any(|x| x["id"].as_str() == Some(id.as_str()))),
                        ),
                        (
                            "search",
                            found.body["data"]["search"]["edges"]
                                .as_array()
                                .is_some_and(|n| n.iter().any(|x| x["node"]["id"].as_str() == Some(id.as_str()))),
                        ),
                        (
                            "revisions",
                            one.body["data"]["project"]["revisions"].as_array().is_some_and(|r| !r.is_empty()),
                        ),
                        ("comments", one.body["data"]["project"]["comments"].as_array().is_some_and(|r| !r.is_empty())),
                    ];
                    for (how, saw) in seen {
                        if saw != want {
                            failures.push(format!(
                                "{who:?} reading the {whose} draft by {how}: expected {want}, saw {saw}"
                            ));
                        }
                    }
                    // Those who may read no draft are told why, with a code.
                    if who.role().is_none() {
                        assert_eq!(one.code(), "UNAUTHENTICATED", "{b:?}");
                    }
                }
            }
            // The queue of items in review: an author with the narrow reach sees only their own.
            let submit = "mutation($id: ID!) { submitForReview(id: $id, version: 1) { id } }";
            s.gql(submit, json!({ "id": ids["own"] }), Some(&owner)).await.ok();
            s.gql(submit, json!({ "id": ids["other"] }), Some(&editor)).await.ok();
            let queue = s.gql("{ reviewQueue { id } }", json!({}), Some(&owner)).await;
            let queued: Vec<&str> =
                queue.ok()["reviewQueue"].as_array().unwrap().iter().filter_map(|x| x["id"].as_str()).collect();
            assert!(queued.contains(&ids["own"].as_str()), "{b:?} wide={wide}: {queued:?}");
            assert_eq!(queued.contains(&ids["other"].as_str()), wide, "{b:?} wide={wide}: {queued:?}");
            assert!(failures.is_empty(), "{b:?} wide={wide}:\n{}", failures.join("\n"));
            s.finish().await;
        }
    }
}
