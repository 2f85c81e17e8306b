//! Partner API keys.

use super::Store;
use super::sql::Sql;
use crate::error::Result;
use crate::model::records::AuditEntry;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A key as stored (JSON lists as text).
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub scopes: String,
    pub restrictions: String,
    pub origins: String,
    pub rate_per_minute: i64,
    pub page_pattern: Option<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub use_count: i64,
    /// Raised by every administrative write.
    pub version: i64,
}

const COLS: &str = "id, name, prefix, secret_hash, scopes, restrictions, origins, rate_per_minute, page_pattern, \
                    expires_at, revoked_at, created_by, created_at, last_used_at, use_count, version";

fn row(r: &AnyRow) -> Result<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        prefix: r.try_get(2)?,
        secret_hash: r.try_get(3)?,
        scopes: r.try_get(4)?,
        restrictions: r.try_get(5)?,
        origins: r.try_get(6)?,
        rate_per_minute: r.try_get(7)?,
        page_pattern: r.try_get(8)?,
        expires_at: r.try_get(9)?,
        revoked_at: r.try_get(10)?,
        created_by: r.try_get(11)?,
        created_at: r.try_get(12)?,
        last_used_at: r.try_get(13)?,
        use_count: r.try_get(14)?,
        version: r.try_get(15)?,
    })
}

impl Store {
    pub async fn insert_api_key(&self, k: &ApiKeyRow, audit: &AuditEntry) -> Result<()> {
        let mut q = Sql::new(&format!("INSERT INTO api_keys ({COLS}) VALUES ("));
        q.arg(k.id.as_str()).push(", ").arg(k.name.as_str()).push(", ").arg(k.prefix.as_str());
        q.push(", ").arg(k.secret_hash.as_str()).push(", ").arg(k.scopes.as_str());
        q.push(", ").arg(k.restrictions.as_str()).push(", ").arg(k.origins.as_str());
        q.push(", ").arg(k.rate_per_minute).push(", ").arg(k.page_pattern.clone());
        q.push(", ").arg(k.expires_at).push(", ").arg(k.revoked_at).push(", ").arg(k.created_by.clone());
        q.push(", ").arg(k.created_at).push(", NULL, 0, 1)");
        self.write_audited(q, audit).await?;
        Ok(())
    }

    /// Rewrites what an admin may change (not the secret, not the usage), if
    /// the key is still at `k.version`; raises the version.
    pub async fn update_api_key(&self, k: &ApiKeyRow, audit: &AuditEntry) -> Result<bool> {
        let mut q = Sql::new("UPDATE api_keys SET name = ");
        q.arg(k.name.as_str()).push(", scopes = ").arg(k.scopes.as_str());
        q.push(", restrictions = ").arg(k.restrictions.as_str()).push(", origins = ").arg(k.origins.as_str());
        q.push(", rate_per_minute = ").arg(k.rate_per_minute).push(", page_pattern = ").arg(k.page_pattern.clone());
        q.push(", expires_at = ").arg(k.expires_at).push(", revoked_at = ").arg(k.revoked_at);
        q.push(", version = version + 1 WHERE id = ").arg(k.id.as_str()).push(" AND version = ").arg(k.version);
        self.write_audited(q, audit).await
    }

    /// A new secret, if the key is still at `version`; raises the version.
    pub async fn set_api_key_secret(
        &self,
        id: &str,
        version: i64,
        prefix: &str,
        hash: &str,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let mut q = Sql::new("UPDATE api_keys SET prefix = ");
        q.arg(prefix).push(", secret_hash = ").arg(hash).push(", version = version + 1 WHERE id = ").arg(id);
        q.push(" AND version = ").arg(version);
        self.write_audited(q, audit).await
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>> {
        let q = Sql::new(&format!("SELECT {COLS} FROM api_keys ORDER BY created_at, id"));
        self.fetch_all(q).await?.iter().map(row).collect()
    }

    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRow>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM api_keys WHERE id = "));
        q.arg(id);
        self.fetch_optional(q).await?.as_ref().map(row).transpose()
    }

    pub async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKeyRow>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM api_keys WHERE secret_hash = "));
        q.arg(hash);
        self.fetch_optional(q).await?.as_ref().map(row).transpose()
    }

    /// Adds requests counted in memory since the last flush.
    pub async fn add_api_key_usage(&self, id: &str, count: i64, last_used: i64) -> Result<()> {
        let mut q = Sql::new("UPDATE api_keys SET use_count = use_count + ");
        q.arg(count).push(", last_used_at = ").arg(last_used).push(" WHERE id = ").arg(id);
        self.execute(q).await?;
        Ok(())
    }
}
