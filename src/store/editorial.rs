//! SQL of the editor's side: sessions, users, scheduled changes, preview
//! links, comments and soft locks.

use super::sql::Sql;
use super::{Dialect, Store, Tx, UserRow};
use crate::error::Result;
use crate::model::records::{Comment, Lock, PreviewLink, ScheduledChange};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: UserRow,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const SCHEDULE_COLS: &str =
    "id, item_type, item_id, action, run_at, time_zone, status, created_by, created_at, done_at, error";

fn schedule(r: &AnyRow) -> Result<ScheduledChange> {
    Ok(ScheduledChange {
        id: r.try_get(0)?,
        item_type: r.try_get(1)?,
        item_id: r.try_get(2)?,
        action: r.try_get(3)?,
        run_at: r.try_get(4)?,
        time_zone: r.try_get(5)?,
        status: r.try_get(6)?,
        created_by: r.try_get(7)?,
        created_at: r.try_get(8)?,
        done_at: r.try_get(9)?,
        error: r.try_get(10)?,
    })
}

impl Store {
    // ---- sessions ----

    pub async fn insert_session(
        &self,
        id: &str,
        user_id: &str,
        at: i64,
        expires_at: i64,
        ip: Option<&str>,
        ua: Option<&str>,
    ) -> Result<()> {
        let mut q = Sql::new("INSERT INTO sessions (id, user_id, created_at, expires_at, ip, user_agent) VALUES (");
        q.arg(id).push(", ").arg(user_id).push(", ").arg(at).push(", ").arg(expires_at);
        q.push(", ").arg(ip).push(", ").arg(ua).push(")");
        self.execute(q).await?;
        Ok(())
    }

    /// A session with its user, in one statement (every authenticated request).
    pub async fn session_user(&self, session_id: &str) -> Result<Option<SessionUser>> {
        let mut q = Sql::new(
            "SELECT u.id, u.email, u.display_name, u.password_hash, u.role, u.active, u.created_at, s.expires_at, s.revoked_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ",
        );
        q.arg(session_id);
        let Some(r) = self.fetch_optional(q).await? else { return Ok(None) };
        Ok(Some(SessionUser { user: super::user_row(&r)?, expires_at: r.try_get(7)?, revoked_at: r.try_get(8)? }))
    }

    pub async fn revoke_session(&self, id: &str, at: i64) -> Result<()> {
        let mut q = Sql::new("UPDATE sessions SET revoked_at = ");
        q.arg(at).push(" WHERE id = ").arg(id).push(" AND revoked_at IS NULL");
        self.execute(q).await?;
        Ok(())
    }

    /// Revokes every session of a user but `keep`.
    pub async fn revoke_sessions(&self, user_id: &str, keep: Option<&str>, at: i64) -> Result<u64> {
        let mut q = Sql::new("UPDATE sessions SET revoked_at = ");
        q.arg(at).push(" WHERE user_id = ").arg(user_id).push(" AND revoked_at IS NULL");
        if let Some(k) = keep {
            q.push(" AND id <> ").arg(k);
        }
        self.execute(q).await
    }

    // ---- users ----

    /// Failed-login state: (failed attempts, locked until).
    pub async fn login_state(&self, user_id: &str) -> Result<(i64, Option<i64>)> {
        let mut q = Sql::new("SELECT failed_logins, locked_until FROM users WHERE id = ");
        q.arg(user_id);
        let r = self.fetch_optional(q).await?;
        Ok(match r {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (0, None),
        })
    }

    pub async fn set_login_state(&self, user_id: &str, failed: i64, locked_until: Option<i64>) -> Result<()> {
        let mut q = Sql::new("UPDATE users SET failed_logins = ");
        q.arg(failed).push(", locked_until = ").arg(locked_until).push(" WHERE id = ").arg(user_id);
        self.execute(q).await?;
        Ok(())
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>> {
        let q = Sql::new(&format!("{} ORDER BY email", super::USER_SELECT));
        self.fetch_all(q).await?.iter().map(super::user_row).collect()
    }

    /// Changes an account and raises its version; with `expected`, only if
    /// it is still at that version. The audit entry, when given, is written
    /// in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_user(
        &self,
        id: &str,
        expected: Option<i64>,
        role: Option<&str>,
        active: Option<bool>,
        password_hash: Option<&str>,
        at: i64,
        audit: Option<&super::AuditEntry>,
    ) -> Result<bool> {
        let mut q = Sql::new("UPDATE users SET version = version + 1, updated_at = ");
        q.arg(at);
        if let Some(r) = role {
            q.push(", role = ").arg(r);
        }
        if let Some(a) = active {
            q.push(", active = ").arg(a as i64);
        }
        if let Some(h) = password_hash {
            q.push(", password_hash = ").arg(h).push(", invite_hash = NULL, failed_logins = 0, locked_until = NULL");
        }
        q.push(" WHERE id = ").arg(id);
        if let Some(v) = expected {
            q.push(" AND version = ").arg(v);
        }
        match audit {
            Some(a) => self.write_audited(q, a).await,
            None => Ok(self.execute(q).await? == 1),
        }
    }

    pub async fn set_invite(&self, user_id: &str, invite_hash: &str) -> Result<()> {
        let mut q = Sql::new("UPDATE users SET invite_hash = ");
        q.arg(invite_hash).push(" WHERE id = ").arg(user_id);
        self.execute(q).await?;
        Ok(())
    }

    pub async fn user_by_invite(&self, invite_hash: &str) -> Result<Option<UserRow>> {
        let mut q = Sql::new(super::USER_SELECT);
        q.push(" WHERE invite_hash = ").arg(invite_hash);
        self.fetch_optional(q).await?.map(|r| super::user_row(&r)).transpose()
    }

    pub async fn delete_user(&self, id: &str) -> Result<bool> {
        let mut q = Sql::new("DELETE FROM sessions WHERE user_id = ");
        q.arg(id);
        self.execute(q).await?;
        let mut q = Sql::new("DELETE FROM users WHERE id = ");
        q.arg(id);
        Ok(self.execute(q).await? == 1)
    }

    // ---- scheduled changes ----

    pub async fn insert_schedule(&self, s: &ScheduledChange) -> Result<()> {
        let mut q = Sql::new(&format!("INSERT INTO schedules ({SCHEDULE_COLS}) VALUES ("));
        q.arg(s.id.as_str()).push(", ").arg(s.item_type.as_str()).push(", ").arg(s.item_id.as_str());
        q.push(", ").arg(s.action.as_str()).push(", ").arg(s.run_at).push(", ").arg(s.time_zone.clone());
        q.push(", ").arg(s.status.as_str()).push(", ").arg(s.created_by.clone()).push(", ").arg(s.created_at);
        q.push(", NULL, NULL)");
        self.execute(q).await?;
        Ok(())
    }

    /// Scheduled changes, soonest first; `item_ids` narrows to some items.
    pub async fn schedules(&self, status: Option<&str>, item_ids: Option<&[String]>) -> Result<Vec<ScheduledChange>> {
        let mut q = Sql::new(&format!("SELECT {SCHEDULE_COLS} FROM schedules WHERE 1=1"));
        if let Some(s) = status {
            q.push(" AND status = ").arg(s);
        }
        if let Some(ids) = item_ids {
            q.push(" AND item_id IN (").list(ids.iter().map(String::as_str)).push(")");
        }
        q.push(" ORDER BY run_at, id LIMIT 1000");
        self.fetch_all(q).await?.iter().map(schedule).collect()
    }

    pub async fn schedule_by_id(&self, id: &str) -> Result<Option<ScheduledChange>> {
        let mut q = Sql::new(&format!("SELECT {SCHEDULE_COLS} FROM schedules WHERE id = "));
        q.arg(id);
        self.fetch_optional(q).await?.map(|r| schedule(&r)).transpose()
    }

    /// Cancels a pending change; false when it is no longer pending.
    pub async fn cancel_schedule(&self, id: &str, at: i64) -> Result<bool> {
        let mut q = Sql::new("UPDATE schedules SET status = 'cancelled', done_at = ");
        q.arg(at).push(" WHERE id = ").arg(id).push(" AND status = 'pending'");
        Ok(self.execute(q).await? == 1)
    }

    /// The soonest pending time, to know how long to sleep.
    pub async fn next_due(&self) -> Result<Option<i64>> {
        let r = self.fetch_optional(Sql::new("SELECT MIN(run_at) FROM schedules WHERE status = 'pending'")).await?;
        Ok(r.map(|r| r.try_get::<Option<i64>, _>(0)).transpose()?.flatten())
    }

    // ---- preview links ----

    /// Stores a preview link (its token only as a hash).
    pub async fn insert_preview(&self, p: &PreviewLink, hash: &str, by: &str, at: i64) -> Result<()> {
        let mut q = Sql::new(
            "INSERT INTO preview_tokens (id, token_hash, item_type, item_id, created_by, created_at, expires_at) VALUES (",
        );
        q.arg(p.id.as_str())
            .push(", ")
            .arg(hash)
            .push(", ")
            .arg(p.item_type.as_str())
            .push(", ")
            .arg(p.item_id.as_str());
        q.push(", ").arg(by).push(", ").arg(at).push(", ").arg(p.expires_at).push(")");
        self.execute(q).await?;
        Ok(())
    }

    pub async fn preview_by_hash(&self, hash: &str) -> Result<Option<PreviewLink>> {
        let mut q =
            Sql::new("SELECT id, item_type, item_id, expires_at, revoked_at FROM preview_tokens WHERE token_hash = ");
        q.arg(hash);
        let Some(r) = self.fetch_optional(q).await? else { return Ok(None) };
        Ok(Some(PreviewLink {
            id: r.try_get(0)?,
            item_type: r.try_get(1)?,
            item_id: r.try_get(2)?,
            expires_at: r.try_get(3)?,
            revoked_at: r.try_get(4)?,
        }))
    }

    pub async fn revoke_preview(&self, id: &str, at: i64) -> Result<bool> {
        let mut q = Sql::new("UPDATE preview_tokens SET revoked_at = ");
        q.arg(at).push(" WHERE id = ").arg(id).push(" AND revoked_at IS NULL");
        Ok(self.execute(q).await? == 1)
    }

    // ---- comments ----

    pub async fn insert_comment(&self, c: &Comment) -> Result<()> {
        let mut q = Sql::new("INSERT INTO comments (id, item_id, author_id, body, created_at) VALUES (");
        q.arg(c.id.as_str()).push(", ").arg(c.item_id.as_str()).push(", ").arg(c.author_id.clone());
        q.push(", ").arg(c.body.as_str()).push(", ").arg(c.created_at).push(")");
        self.execute(q).await?;
        Ok(())
    }

    pub async fn comments(&self, item_ids: &[String]) -> Result<Vec<Comment>> {
        let mut q = Sql::new("SELECT id, item_id, author_id, body, created_at FROM comments WHERE item_id IN (");
        q.list(item_ids.iter().map(String::as_str)).push(") ORDER BY created_at, id");
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(Comment {
                    id: r.try_get(0)?,
                    item_id: r.try_get(1)?,
                    author_id: r.try_get(2)?,
                    body: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    // ---- soft locks ----

    /// Takes or renews the lock of an item: the caller's, or an expired one.
    /// Returns the lock as it now stands (possibly someone else's).
    pub async fn take_lock(&self, item_id: &str, user_id: &str, now: i64, ttl_ms: i64) -> Result<Lock> {
        let mut q = Sql::new("INSERT INTO locks (item_id, user_id, since, expires_at) VALUES (");
        q.arg(item_id).push(", ").arg(user_id).push(", ").arg(now).push(", ").arg(now + ttl_ms);
        q.push(") ON CONFLICT (item_id) DO UPDATE SET user_id = excluded.user_id, ");
        q.push("since = CASE WHEN locks.user_id = excluded.user_id THEN locks.since ELSE excluded.since END, ");
        q.push("expires_at = excluded.expires_at WHERE locks.user_id = excluded.user_id OR locks.expires_at < ")
            .arg(now);
        self.execute(q).await?;
        let locks = self.locks(&[item_id.to_owned()], now).await?;
        locks.into_iter().next().ok_or_else(|| crate::error::Error::internal("lock vanished"))
    }

    pub async fn release_lock(&self, item_id: &str, user_id: &str) -> Result<bool> {
        let mut q = Sql::new("DELETE FROM locks WHERE item_id = ");
        q.arg(item_id).push(" AND user_id = ").arg(user_id);
        Ok(self.execute(q).await? == 1)
    }

    /// Locks still in force.
    pub async fn locks(&self, item_ids: &[String], now: i64) -> Result<Vec<Lock>> {
        let mut q = Sql::new("SELECT item_id, user_id, since, expires_at FROM locks WHERE item_id IN (");
        q.list(item_ids.iter().map(String::as_str)).push(") AND expires_at >= ").arg(now);
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(Lock {
                    item_id: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    since: r.try_get(2)?,
                    expires_at: r.try_get(3)?,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Claims the next due change for this transaction: on PostgreSQL with
    /// `FOR UPDATE SKIP LOCKED`, so several instances never take the same one;
    /// SQLite has a single writer, which this transaction already is.
    pub async fn claim_due(&mut self, now: i64) -> Result<Option<ScheduledChange>> {
        let mut q = Sql::new(&format!("SELECT {SCHEDULE_COLS} FROM schedules WHERE status = 'pending' AND run_at <= "));
        q.arg(now).push(" ORDER BY run_at, id LIMIT 1");
        if self.dialect() == Dialect::Postgres {
            q.push(" FOR UPDATE SKIP LOCKED");
        }
        let rows = self.fetch_all(q).await?;
        rows.first().map(schedule).transpose()
    }

    pub async fn finish_schedule(&mut self, id: &str, status: &str, error: Option<&str>, at: i64) -> Result<()> {
        let mut q = Sql::new("UPDATE schedules SET status = ");
        q.arg(status).push(", error = ").arg(error).push(", done_at = ").arg(at).push(" WHERE id = ").arg(id);
        self.execute(q).await?;
        Ok(())
    }

    /// Keeps the newest `keep` saves of an item; publishes are always kept.
    pub async fn prune_revisions(&mut self, item_id: &str, keep: i64) -> Result<()> {
        let mut q = Sql::new("DELETE FROM revisions WHERE item_id = ");
        q.arg(item_id).push(
            " AND kind <> 'publish' AND number <= (SELECT COALESCE(MAX(number), 0) FROM revisions WHERE item_id = ",
        );
        q.arg(item_id).push(") - ").arg(keep);
        self.execute(q).await?;
        Ok(())
    }
}
