//! Object storage behind one interface: a local folder (atomic writes) or any
//! S3-compatible service. Keys are our own (`originals/<sha256>`,
//! `variants/<sha256>/<transform>`), checked before they touch a path.

use crate::error::{Error, Result};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use std::path::{Path, PathBuf};

/// An object in a listing, with when it was last written (Unix ms).
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: String,
    pub modified_ms: i64,
}

pub trait ObjectStore: Send + Sync + 'static {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes, content_type: &'a str) -> BoxFuture<'a, Result<()>>;
    /// The object, or `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>>>;
    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<Listed>>>;
    fn describe(&self) -> String;
}

/// Keys are lowercase ASCII words joined by `/`, never `..`, never absolute.
pub fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() < 512
        && !key.starts_with('/')
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        });
    if ok { Ok(()) } else { Err(Error::bad_input(format!("{key:?} is not a media key"))) }
}

/// Opens the store a `RELAIS_MEDIA_URL` names: a folder, or `s3://BUCKET`.
pub async fn open(url: &str, s3: &S3Settings) -> Result<std::sync::Arc<dyn ObjectStore>> {
    if let Some(bucket) = url.strip_prefix("s3://") {
        Ok(std::sync::Arc::new(S3Store::new(bucket.trim_end_matches('/'), s3)?))
    } else {
        let root = url.strip_prefix("file://").unwrap_or(url);
        Ok(std::sync::Arc::new(LocalStore::new(root).await?))
    }
}

pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub async fn new(root: impl AsRef<Path>) -> Result<LocalStore> {
        let root = root.as_ref().to_path_buf();
        tokio::fs::create_dir_all(&root)
            .await
            .map_err(|e| Error::bad_input(format!("cannot create the media folder {}: {e}", root.display())))?;
        Ok(LocalStore { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

impl ObjectStore for LocalStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes, _content_type: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let dir = path.parent().ok_or_else(|| Error::internal("media key without folder"))?;
            tokio::fs::create_dir_all(dir).await.map_err(Error::failed)?;
            // Write beside, then rename: a reader never sees half a file.
            let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
            tokio::fs::write(&tmp, &bytes).await.map_err(Error::failed)?;
            if let Err(e) = tokio::fs::rename(&tmp, &path).await {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(Error::internal(e));
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)?).await {
                Ok(b) => Ok(Some(Bytes::from(b))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::internal(e)),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(tokio::fs::try_exists(self.path(key)?).await.unwrap_or(false)) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::internal(e)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<Listed>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut stack = vec![self.root.join(prefix)];
            while let Some(dir) = stack.pop() {
                let mut rd = match tokio::fs::read_dir(&dir).await {
                    Ok(rd) => rd,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::internal(e)),
                };
                while let Some(entry) = rd.next_entry().await.map_err(Error::failed)? {
                    let meta = entry.metadata().await.map_err(Error::failed)?;
                    let path = entry.path();
                    if meta.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let Ok(rel) = path.strip_prefix(&self.root) else { continue };
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if check_key(&key).is_err() {
                        continue; // temp files and strangers are not ours to list
                    }
                    let modified_ms = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_millis() as i64);
                    out.push(Listed { key, modified_ms });
                }
            }
            Ok(out)
        })
    }

    fn describe(&self) -> String {
        format!("folder {}", self.root.display())
    }
}

/// Where an S3-compatible service is.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<crate::secret::Secret>,
    /// Longest wait for one request to the service (default 10 s; rust-s3
    /// tries a failed request once more).
    pub timeout: Option<std::time::Duration>,
}

pub struct S3Store {
    bucket: Box<s3::Bucket>,
}

/// A service that cannot be reached, times out or answers 5xx is a failure
/// that passes (`MEDIA_STORE_UNAVAILABLE`, retry); anything else is internal.
fn s3_err(e: s3::error::S3Error) -> Error {
    use s3::error::S3Error as E;
    match &e {
        E::Reqwest(_) | E::Io(_) | E::HttpFailWithBody(500..=599, _) => {
            tracing::warn!(error = %e, "media store unavailable");
            Error::new(
                crate::error::Code::MediaStoreUnavailable,
                "The media store is not answering right now; nothing was saved. Try again in a moment.",
            )
        }
        _ => Error::internal(format!("object store: {e}")),
    }
}

fn is_not_found(e: &s3::error::S3Error) -> bool {
    matches!(e, s3::error::S3Error::HttpFailWithBody(404, _))
}

impl S3Store {
    pub fn new(bucket: &str, s: &S3Settings) -> Result<S3Store> {
        let region_name = s.region.clone().unwrap_or_else(|| "us-east-1".into());
        let region = match &s.endpoint {
            Some(endpoint) => s3::Region::Custom { region: region_name, endpoint: endpoint.clone() },
            None => region_name.parse().map_err(|_| Error::bad_input("RELAIS_S3_REGION is not a known region"))?,
        };
        let creds = s3::creds::Credentials::new(
            s.access_key.as_deref(),
            s.secret_key.as_ref().map(|k| k.expose()),
            None,
            None,
            None,
        )
        .map_err(|e| Error::bad_input(format!("S3 credentials: {e}")))?;
        // Path-style requests work with MinIO, Garage, R2 and AWS alike.
        let bucket = s3::Bucket::new(bucket, region, creds)
            .map_err(s3_err)?
            .with_path_style()
            .with_request_timeout(s.timeout.unwrap_or(std::time::Duration::from_secs(10)))
            .map_err(s3_err)?;
        Ok(S3Store { bucket })
    }
}

impl ObjectStore for S3Store {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes, content_type: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            check_key(key)?;
            self.bucket.put_object_with_content_type(key, &bytes, content_type).await.map_err(s3_err)?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>>> {
        Box::pin(async move {
            check_key(key)?;
            match self.bucket.get_object(key).await {
                Ok(r) => Ok(Some(r.bytes().clone())),
                Err(e) if is_not_found(&e) => Ok(None),
                Err(e) => Err(s3_err(e)),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            check_key(key)?;
            match self.bucket.head_object(key).await {
                Ok(_) => Ok(true),
                Err(e) if is_not_found(&e) => Ok(false),
                Err(e) => Err(s3_err(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            check_key(key)?;
            match self.bucket.delete_object(key).await {
                Ok(_) => Ok(()),
                Err(e) if is_not_found(&e) => Ok(()),
                Err(e) => Err(s3_err(e)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<Listed>>> {
        Box::pin(async move {
            let pages = self.bucket.list(prefix.to_owned(), None).await.map_err(s3_err)?;
            Ok(pages
                .into_iter()
                .flat_map(|p| p.contents)
                .map(|o| Listed {
                    modified_ms: chrono::DateTime::parse_from_rfc3339(&o.last_modified)
                        .map_or(0, |d| d.timestamp_millis()),
                    key: o.key,
                })
                .collect())
        })
    }

    fn describe(&self) -> String {
        format!("S3 bucket {}", self.bucket.name())
    }
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn keys_cannot_escape_the_store() {
        assert!(check_key("originals/ab/abcdef").is_ok());
        for bad in ["../etc/passwd", "originals/../../x", "/abs", "a//b", "UPPER", "a/./b", "a\\b", ""] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
