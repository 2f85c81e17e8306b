//! Uploads: what a file is decides what is kept; the object is stored before
//! its row, so a failure leaves at most an unreferenced object, which the
//! sweep removes (never one a row or a revision refers to).

use super::auth::Actor;
use super::content::{Content, CreateOpts};
use super::values::Resolver;
use crate::error::{Error, Result};
use crate::media::{Inspected, Media};
use crate::model::content_type;
use crate::model::item::{Item, Versioned};
use crate::store::Store;
use bytes::Bytes;
use serde_json::{Map, Value as J, json};
use std::collections::HashSet;
use std::sync::Arc;

pub struct UploadedFile {
    pub name: String,
    pub bytes: Bytes,
}

/// The read-only fields an uploaded file sets (nulls clear old facts).
fn file_fields(f: &Inspected, name: &str) -> Map<String, J> {
    let img = f.image.as_ref();
    let mut m = Map::new();
    m.insert("kind".into(), J::from(f.sniffed.kind()));
    m.insert("mimeType".into(), J::from(f.sniffed.mime()));
    m.insert("fileName".into(), J::from(clean_name(name)));
    m.insert("fileSize".into(), J::from(f.size as i64));
    m.insert("checksum".into(), J::from(f.sha.clone()));
    m.insert("width".into(), img.map_or(J::Null, |i| J::from(i.width)));
    m.insert("height".into(), img.map_or(J::Null, |i| J::from(i.height)));
    m.insert("blurhash".into(), img.map_or(J::Null, |i| J::from(i.blurhash.clone())));
    m.insert("dominantColor".into(), img.map_or(J::Null, |i| J::from(i.dominant.clone())));
    m.insert("pageCount".into(), f.pages.map_or(J::Null, J::from));
    m.insert("durationMs".into(), f.duration_ms.map_or(J::Null, J::from));
    m
}

/// A file name fit for a Content-Disposition header: no path, no quotes.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\')).take(200).collect();
    if s.trim().is_empty() { "file".into() } else { s }
}

pub async fn upload(
    content: &Content,
    media: &Arc<Media>,
    actor: &Actor,
    file: UploadedFile,
    input: Option<&J>,
    resolve: Resolver<'_>,
) -> Result<Item> {
    // Refuse early, before any work, when the caller may not create.
    content.may_create(actor)?;
    let facts = media.inspect(file.bytes.clone()).await?;
    let mut fields = match input {
        Some(J::Object(o)) => o.clone(),
        Some(J::Null) | None => Map::new(),
        Some(_) => return Err(Error::bad_input("input must be an object")),
    };
    if fields.get("title").is_none_or(J::is_null) {
        fields.insert("title".into(), json!({ content.locales.default_locale(): clean_name(&file.name) }));
    }
    fields.extend(file_fields(&facts, &file.name));
    media.put_original(&facts.sha, file.bytes, facts.sniffed.mime()).await?;
    let ty = content_type("MediaAsset").expect("declared");
    let mut tx = content.store.begin().await?;
    let item = content
        .create_in(&mut tx, actor, ty, &J::Object(fields), resolve, &CreateOpts { trusted: true, ..Default::default() })
        .await?;
    tx.commit().await?;
    Ok(item)
}

/// Replaces the file of an asset: same id, same references, new facts.
pub async fn replace(
    content: &Content,
    media: &Arc<Media>,
    actor: &Actor,
    id: &str,
    version: i64,
    file: UploadedFile,
    resolve: Resolver<'_>,
) -> Result<Item> {
    let ty = content_type("MediaAsset").expect("declared");
    content.may_update(actor, ty, id, version).await?;
    let facts = media.inspect(file.bytes.clone()).await?;
    let fields = file_fields(&facts, &file.name);
    media.put_original(&facts.sha, file.bytes, facts.sniffed.mime()).await?;
    content.update(actor, Versioned { ty, id, version }, &J::Object(fields), resolve, true).await
}

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub removed: usize,
    pub kept: usize,
}

/// Removes stored objects that no row and no revision refers to, leaving
/// anything younger than `grace_ms` (an upload may be between its object and
/// its row).
pub async fn sweep(store: &Store, media: &Media, grace_ms: i64) -> Result<Swept> {
    let live: HashSet<String> = store.media_checksums().await?;
    let cutoff = store.now_ms() - grace_ms;
    let mut out = Swept::default();
    for prefix in ["originals/", "variants/"] {
        for obj in media.store.list(prefix).await? {
            // originals/aa/<sha> and variants/aa/<sha>/<spec>
            let sha = obj.key.split('/').nth(2).unwrap_or("");
            if live.contains(sha) || obj.modified_ms > cutoff {
                out.kept += 1;
            } else {
                media.store.delete(&obj.key).await?;
                out.removed += 1;
            }
        }
    }
    if out.removed > 0 {
        tracing::info!(removed = out.removed, kept = out.kept, "media sweep");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_cannot_smuggle_paths_or_quotes() {
        assert_eq!(super::clean_name("../../etc/passwd"), "passwd");
        assert_eq!(super::clean_name("C:\\photos\\a\"b.jpg"), "ab.jpg");
        assert_eq!(super::clean_name(""), "file");
    }
}
