//! Users and sessions: invitations, roles, deactivation, passwords, logout.
//! Every change is in the audit log.

use super::auth::{Actor, Auth, Viewer, create_user, hash_password};
use super::content::audit_row;
use super::permissions::{Action, Role, allowed};
use crate::error::{Error, Result};
use crate::store::{Store, UserRow, now_ms};
use serde_json::json;

fn admin(actor: &Actor) -> Result<&Viewer> {
    let v = actor.viewer.as_ref().ok_or_else(|| Error::unauthenticated("Log in first."))?;
    if allowed(v.role, Action::ManageUsers, None) {
        Ok(v)
    } else {
        Err(Error::forbidden(format!("Your role {} may not manage users.", v.role)))
    }
}

fn me(actor: &Actor) -> Result<&Viewer> {
    actor.viewer.as_ref().ok_or_else(|| Error::unauthenticated("Log in first."))
}

async fn log(store: &Store, actor: &Actor, action: &str, detail: serde_json::Value) -> Result<()> {
    store.insert_audit(&audit_row(actor, action, None, Some(detail))).await
}

async fn target(store: &Store, id: &str) -> Result<UserRow> {
    store.user_by_id(id).await?.ok_or_else(|| Error::not_found(format!("user {id}")))
}

pub fn token_hash(token: &str) -> String {
    crate::media::sha256_hex(token.as_bytes())
}

fn fresh_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Creates a user who sets a password with the returned invitation token.
pub async fn invite(store: &Store, actor: &Actor, email: &str, role: Role) -> Result<(UserRow, String)> {
    admin(actor)?;
    // Unusable until the invitation is accepted: nobody knows this password.
    let user = create_user(store, email, role, format!("{}-{}", fresh_token(), fresh_token())).await?;
    let token = fresh_token();
    store.set_invite(&user.id, &token_hash(&token)).await?;
    log(store, actor, "user.invite", json!({ "user": user.id, "email": user.email, "role": role.as_str() })).await?;
    Ok((user, token))
}

pub async fn accept_invite(
    store: &Store,
    auth: &Auth,
    actor: &Actor,
    token: &str,
    password: &str,
) -> Result<(String, i64, UserRow)> {
    let user = store
        .user_by_invite(&token_hash(token))
        .await?
        .ok_or_else(|| Error::unauthenticated("This invitation is not valid (used already, or withdrawn)."))?;
    let hash = hash_password(password.to_owned()).await?;
    store.update_user(&user.id, None, None, Some(true), Some(&hash), now_ms(), None).await?;
    let (token, exp) = auth.open_session(store, &user, actor).await?;
    log(store, actor, "user.acceptInvite", json!({ "user": user.id })).await?;
    Ok((token, exp, user))
}

/// Writes an admin's change to an account with its audit entry, if the
/// account is still at `version`.
async fn admin_write(
    store: &Store,
    actor: &Actor,
    u: &UserRow,
    version: i64,
    change: (Option<&str>, Option<bool>),
    action: &str,
    mut detail: serde_json::Value,
) -> Result<UserRow> {
    detail["user"] = json!(u.id);
    detail["version"] = json!(version + 1);
    let audit = audit_row(actor, action, None, Some(detail));
    if !store.update_user(&u.id, Some(version), change.0, change.1, None, now_ms(), Some(&audit)).await? {
        let now = target(store, &u.id).await?;
        return Err(super::moved(&format!("The account {}", u.email), version, now.version));
    }
    target(store, &u.id).await
}

pub async fn set_role(store: &Store, actor: &Actor, id: &str, role: Role, version: Option<i64>) -> Result<UserRow> {
    let me = admin(actor)?;
    let u = target(store, id).await?;
    let version = super::check_version(&format!("The account {}", u.email), u.version, version)?;
    if u.id == me.id && role != Role::Admin {
        return Err(Error::bad_input("You cannot take away your own admin role; ask another admin."));
    }
    let detail = json!({ "from": u.role, "to": role.as_str() });
    admin_write(store, actor, &u, version, (Some(role.as_str()), None), "user.role", detail).await
}

pub async fn set_active(store: &Store, actor: &Actor, id: &str, active: bool, version: Option<i64>) -> Result<UserRow> {
    let me = admin(actor)?;
    let u = target(store, id).await?;
    let version = super::check_version(&format!("The account {}", u.email), u.version, version)?;
    if id == me.id && !active {
        return Err(Error::bad_input("You cannot deactivate yourself; ask another admin."));
    }
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    let u = admin_write(store, actor, &u, version, (None, Some(active)), action, json!({})).await?;
    if !active {
        store.revoke_sessions(id, None, now_ms()).await?;
    }
    Ok(u)
}

pub async fn delete(store: &Store, actor: &Actor, id: &str) -> Result<()> {
    let me = admin(actor)?;
    let u = target(store, id).await?;
    if id == me.id {
        return Err(Error::bad_input("You cannot delete yourself; ask another admin."));
    }
    store.delete_user(id).await?;
    log(store, actor, "user.delete", json!({ "user": id, "email": u.email })).await
}

/// Changes the caller's password; every other session of theirs is logged out.
pub async fn change_password(store: &Store, actor: &Actor, current: &str, new: &str) -> Result<()> {
    let v = me(actor)?;
    let user = target(store, &v.id).await?;
    let ok = {
        let (pw, hash) = (current.to_owned(), user.password_hash.clone());
        tokio::task::spawn_blocking(move || super::auth::verify_hash(&pw, &hash)).await.map_err(Error::internal)?
    };
    if !ok {
        return Err(Error::field("currentPassword", "is not your current password"));
    }
    let hash = hash_password(new.to_owned()).await?;
    store.update_user(&v.id, None, None, None, Some(&hash), now_ms(), None).await?;
    store.revoke_sessions(&v.id, v.session_id.as_deref(), now_ms()).await?;
    log(store, actor, "password.change", json!({ "user": v.id })).await
}

pub async fn logout(store: &Store, actor: &Actor) -> Result<()> {
    let v = me(actor)?;
    if let Some(sid) = &v.session_id {
        store.revoke_session(sid, now_ms()).await?;
    }
    log(store, actor, "logout", json!({})).await
}

pub async fn logout_everywhere(store: &Store, actor: &Actor) -> Result<u64> {
    let v = me(actor)?;
    let n = store.revoke_sessions(&v.id, None, now_ms()).await?;
    log(store, actor, "logoutEverywhere", json!({ "sessions": n })).await?;
    Ok(n)
}

/// A fresh token for the caller's session; the old session ends.
pub async fn refresh(store: &Store, auth: &Auth, actor: &Actor) -> Result<(String, i64, UserRow)> {
    let v = me(actor)?;
    let user = target(store, &v.id).await?;
    let (token, exp) = auth.open_session(store, &user, actor).await?;
    if let Some(sid) = &v.session_id {
        store.revoke_session(sid, now_ms()).await?;
    }
    log(store, actor, "refresh", json!({})).await?;
    Ok((token, exp, user))
}

pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<UserRow>> {
    admin(actor)?;
    store.list_users().await
}
