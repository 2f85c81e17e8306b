//! The lossless export: everything needed to rebuild a service, as a tar
//! archive anyone can open (JSON lines and files).
//!
//! - `relais-archive.json` first: the format, the schema version, what the
//!   archive holds (password hashes always, webhook secrets and media files
//!   when asked) and each table's columns;
//! - `tables/<table>/<n>.jsonl`: the rows as stored, one JSON array a line,
//!   both copies of every item, revisions, comments, schedules, users, keys,
//!   webhooks and their queue, read from one snapshot while writes go on;
//! - `media/<sha256>`: the original files, with `--media`;
//! - `summary.json` last: the counts, so a cut-short archive is refused.
//!
//! Import restores an archive into an empty database of either dialect in
//! one transaction, then rebuilds the search index.

use super::content::{Content, LiveChange};
use crate::error::{Error, Result};
use crate::media::Media;
use crate::store::{Column, Store, dump};
use serde_json::{Value as J, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

const FORMAT: &str = "relais-archive";
const FORMAT_VERSION: i64 = 1;
const MANIFEST: &str = "relais-archive.json";
const SUMMARY: &str = "summary.json";
/// Rows and bytes per table file: small enough to hold in memory.
const CHUNK_ROWS: usize = 10_000;
const CHUNK_BYTES: usize = 8 << 20;
/// Values that are secrets in clear, left out unless asked for.
const SECRETS: &[(&str, &str)] = &[("webhooks", "secret")];

#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// The original media files.
    pub media: bool,
    /// Webhook signing secrets (otherwise new ones are made on import).
    pub secrets: bool,
}

#[derive(Debug, Default)]
pub struct Exported {
    pub rows: u64,
    pub media_files: u64,
    /// Files the media store did not have (their assets are exported).
    pub media_missing: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Imported {
    pub rows: u64,
    pub media_files: u64,
    /// Webhooks exported without their secret, given a new one.
    pub new_secrets: Vec<String>,
    /// Files of media assets neither in the archive nor in the media store.
    pub media_missing: Vec<String>,
}

/// Entries travel between the database side and the file side (a blocking
/// thread) through a short queue, so neither holds more than a few chunks.
type Entry = (String, Vec<u8>);

/// Writes the archive to `path` (through `path.partial`, renamed at the end,
/// so a failed export leaves no archive). `progress` hears rows and files
/// done and the total.
pub async fn export(
    store: &Store,
    media: &Media,
    path: &std::path::Path,
    opts: ExportOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<Exported> {
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .map_err(|e| Error::bad_input(format!("cannot write {}: {e}", partial.display())))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Entry>(4);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut tar = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, file));
        let mtime = chrono::Utc::now().timestamp();
        while let Some((name, bytes)) = rx.blocking_recv() {
            let mut h = tar::Header::new_ustar();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            h.set_mtime(mtime as u64);
            tar.append_data(&mut h, &name, bytes.as_slice())?;
        }
        let mut out = tar.into_inner()?;
        out.flush()?;
        out.get_ref().sync_all()
    });
    let sent = write_entries(store, media, opts, &tx, &mut progress).await;
    drop(tx);
    let written = writer.await.map_err(|e| Error::internal(format!("archive writer: {e}")))?;
    let done = sent.and_then(|out| {
        written.map_err(|e| Error::bad_input(format!("cannot write {}: {e}", partial.display())))?;
        Ok(out)
    });
    match done {
        Ok(out) => {
            std::fs::rename(&partial, path)
                .map_err(|e| Error::bad_input(format!("cannot write {}: {e}", path.display())))?;
            Ok(out)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn send(tx: &tokio::sync::mpsc::Sender<Entry>, name: String, bytes: Vec<u8>) -> Result<()> {
    tx.send((name, bytes)).await.map_err(|_| Error::internal("the archive writer stopped"))
}

async fn write_entries(
    store: &Store,
    media: &Media,
    opts: ExportOptions,
    tx: &tokio::sync::mpsc::Sender<Entry>,
    progress: &mut impl FnMut(u64, u64),
) -> Result<Exported> {
    let mut snap = store.snapshot().await?;
    let mut tables = serde_json::Map::new();
    let mut plan = Vec::new();
    let mut total = 0;
    for table in dump::exported() {
        let cols = snap.columns(table).await?;
        let n = snap.count(table).await?;
        total += n;
        tables.insert(table.into(), json!({ "columns": cols.iter().map(|c| &c.name).collect::<Vec<_>>() }));
        plan.push((table, cols));
    }
    // Checksums of media files, as the snapshot has them.
    let mut checksums = std::collections::BTreeSet::new();
    let manifest = json!({
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "relais": env!("CARGO_PKG_VERSION"),
        "schemaVersion": store.schema_version().await?,
        "database": format!("{:?}", store.dialect()).to_lowercase(),
        "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "contains": { "passwordHashes": true, "webhookSecrets": opts.secrets, "mediaFiles": opts.media },
        "tables": tables,
    });
    send(tx, MANIFEST.into(), serde_json::to_vec_pretty(&manifest)?).await?;
    let mut counts = BTreeMap::new();
    let mut done = 0u64;
    for (table, cols) in &plan {
        let hidden: Vec<usize> = cols
            .iter()
            .enumerate()
            .filter(|(_, c)| !opts.secrets && SECRETS.contains(&(*table, c.name.as_str())))
            .map(|(i, _)| i)
            .collect();
        let sum = cols.iter().position(|c| *table == "media_assets" && c.name == "checksum");
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut buf = Vec::new();
        let mut in_buf = 0;
        let mut n = 0u64;
        // Rows are gathered a chunk at a time while the snapshot streams, then
        // sent: the stream borrows the snapshot, so sending happens between.
        snap.rows(table, cols, |mut row| {
            for &i in &hidden {
                row[i] = J::Null;
            }
            if let Some(J::String(s)) = sum.map(|i| &row[i]) {
                checksums.insert(s.clone());
            }
            serde_json::to_writer(&mut buf, &row)?;
            buf.push(b'\n');
            in_buf += 1;
            n += 1;
            if in_buf >= CHUNK_ROWS || buf.len() >= CHUNK_BYTES {
                chunks.push(std::mem::take(&mut buf));
                in_buf = 0;
            }
            Ok(())
        })
        .await?;
        if in_buf > 0 {
            chunks.push(buf);
        }
        for (i, c) in chunks.into_iter().enumerate() {
            send(tx, format!("tables/{table}/{:06}.jsonl", i + 1), c).await?;
        }
        done += n;
        progress(done, total);
        counts.insert(table.to_string(), n);
    }
    snap.end().await?;
    let mut out = Exported { rows: done, ..Default::default() };
    if opts.media {
        let total = total + checksums.len() as u64;
        for sha in &checksums {
            match media.original(sha).await? {
                Some(bytes) => {
                    send(tx, format!("media/{sha}"), bytes.to_vec()).await?;
                    out.media_files += 1;
                }
                None => out.media_missing.push(sha.clone()),
            }
            progress(done + out.media_files + out.media_missing.len() as u64, total);
        }
    }
    let summary = json!({ "rows": counts, "mediaFiles": out.media_files, "mediaMissing": out.media_missing });
    send(tx, SUMMARY.into(), serde_json::to_vec_pretty(&summary)?).await?;
    Ok(out)
}

/// Whether the file is an archive (a tar file) rather than a content file.
pub fn is_archive(path: &std::path::Path) -> bool {
    let mut head = [0u8; 263];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head[257..262] == b"ustar"
}

/// Restores an archive into an empty database (see the module's notes).
/// `progress` hears the rows restored and the bytes read.
pub async fn import(
    content: &Content,
    media: &Media,
    path: &std::path::Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<Imported> {
    let store = &content.store;
    let file =
        std::fs::File::open(path).map_err(|e| Error::bad_input(format!("cannot read {}: {e}", path.display())))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<(Entry, u64)>>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let mut archive = tar::Archive::new(std::io::BufReader::with_capacity(1 << 20, file));
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return drop(tx.blocking_send(Err(e))),
        };
        for entry in entries {
            let next = entry.and_then(|mut e| {
                let name = e.path()?.to_string_lossy().into_owned();
                let mut bytes = Vec::with_capacity(e.size() as usize);
                e.read_to_end(&mut bytes)?;
                Ok(((name, bytes), e.raw_header_position() + e.size()))
            });
            let stop = next.is_err();
            if tx.blocking_send(next).is_err() || stop {
                return;
            }
        }
    });
    let bad = |what: String| Error::bad_input(format!("{} is not a Relais archive: {what}", path.display()));
    let mut next = async || -> Result<Option<(Entry, u64)>> {
        match rx.recv().await {
            None => Ok(None),
            Some(Ok(e)) => Ok(Some(e)),
            Some(Err(e)) => Err(bad(e.to_string())),
        }
    };

    let Some(((name, bytes), _)) = next().await? else { return Err(bad("it is empty".into())) };
    if name != MANIFEST {
        return Err(bad(format!("it begins with {name:?}, not {MANIFEST}")));
    }
    let manifest: J = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if manifest["format"] != FORMAT {
        return Err(bad("the manifest names another format".into()));
    }
    let version = manifest["formatVersion"].as_i64().unwrap_or(0);
    if version != FORMAT_VERSION {
        return Err(Error::bad_input(format!(
            "the archive is in format version {version}; this Relais reads version {FORMAT_VERSION}"
        )));
    }
    let theirs = manifest["schemaVersion"].as_i64().unwrap_or(i64::MAX);
    let ours = store.schema_version().await?;
    if theirs > ours {
        return Err(Error::bad_input(format!(
            "the archive was made by a newer Relais (schema {theirs}, this one is at {ours}): upgrade before importing"
        )));
    }
    if let Some(table) = store.first_filled_table().await? {
        return Err(Error::conflict(format!(
            "this database holds data already ({table} has rows): an archive is restored into an empty database"
        )));
    }
    let mut columns: HashMap<String, (Vec<String>, Vec<Column>)> = HashMap::new();
    let tables = manifest["tables"].as_object().ok_or_else(|| bad("the manifest lists no tables".into()))?;
    let mut db = store.begin().await?;
    for (table, spec) in tables {
        let names: Vec<String> = spec["columns"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let have = store.columns(table).await?;
        db.clear_for_restore(table).await?;
        columns.insert(table.clone(), (names, have));
    }
    let mut out = Imported::default();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut wanted: HashMap<String, String> = HashMap::new(); // checksum → MIME type
    let mut summary = None;
    while let Some(((name, bytes), at)) = next().await? {
        progress(out.rows, at);
        if summary.is_some() {
            return Err(bad(format!("{name:?} comes after {SUMMARY}")));
        }
        if name == SUMMARY {
            summary = Some(serde_json::from_slice::<J>(&bytes).map_err(|e| bad(e.to_string()))?);
        } else if let Some(rest) = name.strip_prefix("tables/") {
            let table = rest.split('/').next().unwrap_or("");
            let (names, have) = columns.get(table).ok_or_else(|| bad(format!("{name:?} is of no table it lists")))?;
            let mut rows = Vec::new();
            for (i, line) in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
                let row: Vec<J> =
                    serde_json::from_slice(line).map_err(|e| bad(format!("{name}, line {}: {e}", i + 1)))?;
                rows.push(row);
            }
            after_read(table, names, &mut rows, &mut out, &mut wanted);
            db.restore_rows(table, names, have, &rows).await?;
            *counts.entry(table.to_owned()).or_default() += rows.len() as u64;
            out.rows += rows.len() as u64;
        } else if let Some(sha) = name.strip_prefix("media/") {
            if crate::media::sha256_hex(&bytes) != sha {
                return Err(bad(format!("{name} does not hold the file its name promises")));
            }
            let mime = wanted.get(sha).map_or("application/octet-stream", String::as_str);
            media.put_original(sha, bytes.into(), mime).await?;
            out.media_files += 1;
        } else {
            return Err(bad(format!("it holds {name:?}, which Relais does not know")));
        }
    }
    let _ = reader.await;
    let Some(summary) = summary else {
        return Err(bad(format!("it ends before {SUMMARY}: the file was cut short")));
    };
    for table in tables.keys() {
        let said = summary["rows"][table].as_u64().unwrap_or(0);
        let got = counts.get(table).copied().unwrap_or(0);
        if said != got {
            return Err(bad(format!("{table} should have {said} rows and has {got}: the file is damaged")));
        }
    }
    if summary["mediaFiles"].as_u64().unwrap_or(0) != out.media_files {
        return Err(bad("some media files are missing: the file is damaged".into()));
    }
    db.commit().await?;
    content.reindex(true).await?;
    let mut missing: Vec<String> = Vec::new();
    for sha in wanted.keys() {
        if !media.store.exists(&crate::media::original_key(sha)).await? {
            missing.push(sha.clone());
        }
    }
    missing.sort();
    out.media_missing = missing;
    let _ = content.changes.send(LiveChange::all());
    Ok(out)
}

/// What import does to rows as they come: new secrets for webhooks that
/// came without theirs, and note of the media files assets need.
fn after_read(
    table: &str,
    names: &[String],
    rows: &mut [Vec<J>],
    out: &mut Imported,
    wanted: &mut HashMap<String, String>,
) {
    let at = |col: &str| names.iter().position(|n| n == col);
    for (t, col) in SECRETS {
        if *t != table {
            continue;
        }
        if let (Some(i), id) = (at(col), at("id")) {
            for row in rows.iter_mut().filter(|r| r.get(i).is_some_and(J::is_null)) {
                row[i] = J::String(super::webhooks::new_secret());
                out.new_secrets.extend(id.and_then(|k| row.get(k)).and_then(J::as_str).map(str::to_owned));
            }
        }
    }
    if table == "media_assets"
        && let (Some(sum), Some(mime)) = (at("checksum"), at("mime_type"))
    {
        for row in rows.iter() {
            if let Some(J::String(s)) = row.get(sum) {
                let m = row.get(mime).and_then(J::as_str).unwrap_or("application/octet-stream");
                wanted.entry(s.clone()).or_insert_with(|| m.to_owned());
            }
        }
    }
}
