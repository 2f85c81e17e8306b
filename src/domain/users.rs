//! Users and sessions: invitations, roles, deactivation, passwords, logout.
//! Every change is in the audit log.

use super::audit;
use super::auth::{Actor, Auth, Session, User, Viewer, create_user, hash_password};
use super::permissions::{Action, Role, allowed};
use crate::error::{Error, Result};
use crate::store::{Store, UserRow};
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

pub fn token_hash(token: &str) -> String {
    crate::media::sha256_hex(token.as_bytes())
}

fn fresh_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The accounts: every read and change of one goes through here.
#[derive(Clone)]
pub struct Users {
    store: Store,
    auth: Auth,
}

impl Users {
    pub fn new(store: Store, auth: Auth) -> Users {
        Users { store, auth }
    }

    async fn log(&self, actor: &Actor, action: &str, detail: serde_json::Value) -> Result<()> {
        self.store.insert_audit(&audit::entry(actor, action, None, Some(detail))).await
    }

    async fn target(&self, id: &str) -> Result<UserRow> {
        self.store.user_by_id(id).await?.ok_or_else(|| Error::not_found(format!("user {id}")))
    }

    /// A new active account with this password (the command line, tests).
    pub async fn create(&self, email: &str, role: Role, password: String) -> Result<User> {
        User::of(create_user(&self.store, email, role, password).await?)
    }

    /// Creates a user who sets a password with the returned invitation token.
    pub async fn invite(&self, actor: &Actor, email: &str, role: Role) -> Result<(User, String)> {
        admin(actor)?;
        // Unusable until the invitation is accepted: nobody knows this password.
        let user = self.create(email, role, format!("{}-{}", fresh_token(), fresh_token())).await?;
        let token = fresh_token();
        self.store.set_invite(&user.id, &token_hash(&token)).await?;
        self.log(actor, "user.invite", json!({ "user": user.id, "email": user.email, "role": role.as_str() })).await?;
        Ok((user, token))
    }

    pub async fn accept_invite(&self, actor: &Actor, token: &str, password: &str) -> Result<Session> {
        let user = self
            .store
            .user_by_invite(&token_hash(token))
            .await?
            .ok_or_else(|| Error::unauthenticated("This invitation is not valid (used already, or withdrawn)."))?;
        let hash = hash_password(password.to_owned()).await?;
        self.store.update_user(&user.id, None, None, Some(true), Some(&hash), self.store.now_ms(), None).await?;
        let session = self.auth.open_session(User::of(user)?, actor).await?;
        self.log(actor, "user.acceptInvite", json!({ "user": session.user.id })).await?;
        Ok(session)
    }

    /// Writes an admin's change to an account with its audit entry, if the
    /// account is still at `version`.
    async fn admin_write(
        &self,
        actor: &Actor,
        u: &UserRow,
        version: i64,
        change: (Option<&str>, Option<bool>),
        action: &str,
        mut detail: serde_json::Value,
    ) -> Result<User> {
        detail["user"] = json!(u.id);
        detail["version"] = json!(version + 1);
        let audit = audit::entry(actor, action, None, Some(detail));
        if !self
            .store
            .update_user(&u.id, Some(version), change.0, change.1, None, self.store.now_ms(), Some(&audit))
            .await?
        {
            let now = self.target(&u.id).await?;
            return Err(super::moved(&format!("The account {}", u.email), version, now.version));
        }
        User::of(self.target(&u.id).await?)
    }

    pub async fn set_role(&self, actor: &Actor, id: &str, role: Role, version: Option<i64>) -> Result<User> {
        let me = admin(actor)?;
        let u = self.target(id).await?;
        let version = super::check_version(&format!("The account {}", u.email), u.version, version)?;
        if u.id == me.id && role != Role::Admin {
            return Err(Error::bad_input("You cannot take away your own admin role; ask another admin."));
        }
        let detail = json!({ "from": u.role, "to": role.as_str() });
        self.admin_write(actor, &u, version, (Some(role.as_str()), None), "user.role", detail).await
    }

    pub async fn set_active(&self, actor: &Actor, id: &str, active: bool, version: Option<i64>) -> Result<User> {
        let me = admin(actor)?;
        let u = self.target(id).await?;
        let version = super::check_version(&format!("The account {}", u.email), u.version, version)?;
        if id == me.id && !active {
            return Err(Error::bad_input("You cannot deactivate yourself; ask another admin."));
        }
        let action = if active { "user.reactivate" } else { "user.deactivate" };
        let u = self.admin_write(actor, &u, version, (None, Some(active)), action, json!({})).await?;
        if !active {
            self.store.revoke_sessions(id, None, self.store.now_ms()).await?;
        }
        Ok(u)
    }

    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<()> {
        let me = admin(actor)?;
        let u = self.target(id).await?;
        if id == me.id {
            return Err(Error::bad_input("You cannot delete yourself; ask another admin."));
        }
        self.store.delete_user(id).await?;
        self.log(actor, "user.delete", json!({ "user": id, "email": u.email })).await
    }

    /// Changes the caller's password; every other session of theirs is logged out.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        let v = me(actor)?;
        let user = self.target(&v.id).await?;
        let ok = {
            let (pw, hash) = (current.to_owned(), user.password_hash);
            tokio::task::spawn_blocking(move || super::auth::verify_hash(&pw, &hash)).await.map_err(Error::failed)?
        };
        if !ok {
            return Err(Error::field("currentPassword", "is not your current password"));
        }
        let hash = hash_password(new.to_owned()).await?;
        self.store.update_user(&v.id, None, None, None, Some(&hash), self.store.now_ms(), None).await?;
        self.store.revoke_sessions(&v.id, v.session_id.as_deref(), self.store.now_ms()).await?;
        self.log(actor, "password.change", json!({ "user": v.id })).await
    }

    pub async fn logout(&self, actor: &Actor) -> Result<()> {
        let v = me(actor)?;
        if let Some(sid) = &v.session_id {
            self.store.revoke_session(sid, self.store.now_ms()).await?;
        }
        self.log(actor, "logout", json!({})).await
    }

    pub async fn logout_everywhere(&self, actor: &Actor) -> Result<u64> {
        let v = me(actor)?;
        let n = self.store.revoke_sessions(&v.id, None, self.store.now_ms()).await?;
        self.log(actor, "logoutEverywhere", json!({ "sessions": n })).await?;
        Ok(n)
    }

    /// A fresh token for the caller's session; the old session ends.
    pub async fn refresh(&self, actor: &Actor) -> Result<Session> {
        let v = me(actor)?;
        let user = User::of(self.target(&v.id).await?)?;
        let session = self.auth.open_session(user, actor).await?;
        if let Some(sid) = &v.session_id {
            self.store.revoke_session(sid, self.store.now_ms()).await?;
        }
        self.log(actor, "refresh", json!({})).await?;
        Ok(session)
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<User>> {
        admin(actor)?;
        self.store.list_users().await?.into_iter().map(User::of).collect()
    }
}
