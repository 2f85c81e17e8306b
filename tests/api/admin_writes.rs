//! Administrative records (API keys, webhooks, accounts) carry a version:
//! two admins editing the same one cannot overwrite each other unseen, and
//! every write is in the audit log with who made it.

use crate::common::backends;
use relais::domain::permissions::Role;
use serde_json::{Value, json};

/// The audit entries whose detail names `id`, oldest first, as the API lists them.
async fn audited(s: &crate::common::TestServer, admin: &str, id: &str) -> Vec<(String, Value)> {
    let r = s.gql("{ auditLog(first: 100) { nodes { action actorId detail } } }", json!({}), Some(admin)).await;
    let mut out: Vec<(String, Value)> = r.ok()["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["detail"].as_object().is_some_and(|d| d.values().any(|v| v.as_str() == Some(id))))
        .map(|n| (n["action"].as_str().unwrap().to_owned(), n.clone()))
        .collect();
    out.reverse();
    out
}

#[tokio::test]
async fn a_stale_version_is_refused_and_every_write_is_audited() {
    for b in backends() {
        let s = crate::common::TestServer::start(b).await;
        let (admin_id, one, _) = s.user_as(Role::Admin).await;
        let two = s.login_as(Role::Admin).await;

        // An API key: both admins read version 1; the first to write wins.
        let r = s
            .gql(
                "mutation { createApiKey(input: { name: \"Partenaire\", scopes: [FEEDS] }) { key { id version } } }",
                json!({}),
                Some(&one),
            )
            .await;
        let key = r.ok()["createApiKey"]["key"]["id"].as_str().unwrap().to_owned();
        assert_eq!(r.ok()["createApiKey"]["key"]["version"], 1);
        let rename = "mutation($id: ID!, $v: Int, $n: String!) { updateApiKey(id: $id, version: $v, input: { name: $n, scopes: [FEEDS] }) { name version } }";
        let r = s.gql(rename, json!({ "id": key, "v": 1, "n": "Premier" }), Some(&one)).await;
        assert_eq!(r.ok()["updateApiKey"], json!({ "name": "Premier", "version": 2 }), "{b:?}");
        let r = s.gql(rename, json!({ "id": key, "v": 1, "n": "Second" }), Some(&two)).await;
        assert_eq!(r.code(), "CONFLICT", "{b:?}: {:?}", r.body);
        let msg = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains("version 1") && msg.contains("version is 2"), "{msg}");
        for q in [
            "mutation($id: ID!) { rotateApiKey(id: $id, version: 1) { secret } }",
            "mutation($id: ID!) { revokeApiKey(id: $id, version: 1) { id } }",
        ] {
            assert_eq!(s.gql(q, json!({ "id": key }), Some(&two)).await.code(), "CONFLICT", "{q}");
        }
        let keys = s.gql("{ apiKeys { id name version revokedAt } }", json!({}), Some(&one)).await;
        assert_eq!(keys.ok()["apiKeys"][0], json!({ "id": key, "name": "Premier", "version": 2, "revokedAt": null }));
        // Without a version, the write applies to what is there now.
        let r = s
            .gql("mutation($id: ID!) { rotateApiKey(id: $id) { key { version } } }", json!({ "id": key }), Some(&two))
            .await;
        assert_eq!(r.ok()["rotateApiKey"]["key"]["version"], 3);
        let r = s
            .gql(
                "mutation($id: ID!) { revokeApiKey(id: $id, version: 3) { version } }",
                json!({ "id": key }),
                Some(&two),
            )
            .await;
        assert_eq!(r.ok()["revokeApiKey"]["version"], 4);
        let log = audited(&s, &one, &key).await;
        let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["apiKey.create", "apiKey.update", "apiKey.rotate", "apiKey.revoke"], "{b:?}");
        assert_eq!(log[1].1["actorId"], admin_id.as_str(), "the audit entry says who");
        assert_eq!(log[3].1["detail"]["version"], 4);

        // A webhook.
        let r = s
            .gql(
                "mutation { createWebhook(input: { url: \"https://hooks.example/relais\", active: false }) { id version } }",
                json!({}),
                Some(&one),
            )
            .await;
        let hook = r.ok()["createWebhook"]["id"].as_str().unwrap().to_owned();
        let edit = "mutation($id: ID!, $v: Int, $u: String!) { updateWebhook(id: $id, version: $v, input: { url: $u, active: false }) { url version } }";
        let r = s.gql(edit, json!({ "id": hook, "v": 1, "u": "https://hooks.example/a" }), Some(&one)).await;
        assert_eq!(r.ok()["updateWebhook"], json!({ "url": "https://hooks.example/a", "version": 2 }));
        let r = s.gql(edit, json!({ "id": hook, "v": 1, "u": "https://hooks.example/b" }), Some(&two)).await;
        assert_eq!(r.code(), "CONFLICT", "{b:?}");
        let r =
            s.gql("mutation($id: ID!) { deleteWebhook(id: $id, version: 1) }", json!({ "id": hook }), Some(&two)).await;
        assert_eq!(r.code(), "CONFLICT", "a delete of what the admin did not see is refused too");
        let hooks = s.gql("{ webhooks { url version } }", json!({}), Some(&one)).await;
        assert_eq!(hooks.ok()["webhooks"][0], json!({ "url": "https://hooks.example/a", "version": 2 }));
        let r =
            s.gql("mutation($id: ID!) { deleteWebhook(id: $id, version: 2) }", json!({ "id": hook }), Some(&two)).await;
        assert_eq!(r.ok()["deleteWebhook"], true);
        let actions: Vec<String> = audited(&s, &one, &hook).await.into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["webhook.create", "webhook.update", "webhook.delete"], "{b:?}");

        // An account: role and activation.
        let (user, _, _) = s.user_as(Role::Author).await;
        let users = s.gql("{ users { id version active } }", json!({}), Some(&one)).await;
        let u = users.ok()["users"].as_array().unwrap().iter().find(|u| u["id"] == user.as_str()).unwrap().clone();
        assert_eq!((u["version"].as_i64(), u["active"].as_bool()), (Some(1), Some(true)));
        let role =
            "mutation($u: ID!, $v: Int) { updateUserRole(userId: $u, role: EDITOR, version: $v) { role version } }";
        let r = s.gql(role, json!({ "u": user, "v": 1 }), Some(&one)).await;
        assert_eq!(r.ok()["updateUserRole"], json!({ "role": "EDITOR", "version": 2 }));
        let r = s
            .gql(
                "mutation($u: ID!) { deactivateUser(userId: $u, version: 1) { active } }",
                json!({ "u": user }),
                Some(&two),
            )
            .await;
        assert_eq!(r.code(), "CONFLICT", "{b:?}");
        let r = s
            .gql(
                "mutation($u: ID!) { deactivateUser(userId: $u, version: 2) { active version } }",
                json!({ "u": user }),
                Some(&two),
            )
            .await;
        assert_eq!(r.ok()["deactivateUser"], json!({ "active": false, "version": 3 }));
        let actions: Vec<String> = audited(&s, &one, &user).await.into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["user.role", "user.deactivate"], "{b:?}");
        s.finish().await;
    }
}
