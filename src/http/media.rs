//! Media files and their image variants, straight from the object store.

use super::{AppState, error_response};
use crate::error::Error;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/media/{sha}/{spec}", get(media_file))
}

/// Media files and image variants: `/media/<sha256>/<spec>`, where spec is a
/// variant (`w400_inside_q75.webp`), `original` or `download`.
async fn media_file(
    State(s): State<AppState>,
    axum::extract::Path((sha, spec)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match media_response(&s, &sha, &spec, &headers).await {
        Ok(r) => r,
        Err(e) => error_response(&e, false),
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn media_response(s: &AppState, sha: &str, spec: &str, headers: &HeaderMap) -> Result<Response, Error> {
    use crate::media::{Transform, image::OutFormat, is_sha};
    if !is_sha(sha) {
        return Err(Error::bad_input("a media URL names a file by its SHA-256 (64 lowercase hex digits)"));
    }
    let etag = format!("\"{sha}.{spec}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).map_err(Error::failed)?);
        return Ok(r);
    }
    let media = &s.hub.media;
    let (t, download) = match spec {
        "original" | "download" => (None, spec == "download"),
        _ => (Some(Transform::parse(spec)?), false),
    };
    // A variant made before is served from the store, with no database work.
    if let Some(t) = &t
        && let Some(bytes) = media.stored_variant(sha, spec).await?
    {
        return Ok(file_response(bytes, t.format.mime(), &etag, None, headers, "stored"));
    }
    let rows = s.hub.ops.media_files(sha).await?;
    let Some((mime, name, _)) = rows.first().cloned() else {
        return Err(Error::not_found("this media file"));
    };
    let sniffed = match mime.as_str() {
        "image/jpeg" => Some(::image::ImageFormat::Jpeg),
        "image/png" => Some(::image::ImageFormat::Png),
        "image/gif" => Some(::image::ImageFormat::Gif),
        "image/webp" => Some(::image::ImageFormat::WebP),
        _ => None,
    }
    .map(crate::media::image::Sniffed::Image);
    let disposition = |kind: &str| format!("{kind}; filename=\"{}\"", name.clone().unwrap_or_else(|| "file".into()));
    let t = match (t, sniffed) {
        (Some(t), Some(_)) => t,
        (Some(_), None) => return Err(Error::bad_input("only images have variants; use /original or /download")),
        // Images are served re-encoded at full size, so no EXIF (location) leaves the server.
        (None, Some(sn)) => {
            let format = match mime.as_str() {
                "image/jpeg" => OutFormat::Jpeg,
                "image/webp" => OutFormat::WebP,
                _ => OutFormat::Png,
            };
            let mut t = Transform::new(format);
            t.quality = 90;
            let bytes = match media.stored_variant(sha, &t.spec()).await? {
                Some(b) => b,
                None => media.make_variant(sha, &t, sn, (0.5, 0.5)).await?,
            };
            let d = disposition(if download { "attachment" } else { "inline" });
            return Ok(file_response(bytes, format.mime(), &etag, Some(&d), headers, "original"));
        }
        (None, None) => {
            let bytes = media.original(sha).await?.ok_or_else(|| Error::not_found("this media file"))?;
            let d = disposition(if download { "attachment" } else { "inline" });
            return Ok(file_response(bytes, &mime, &etag, Some(&d), headers, "original"));
        }
    };
    // The focal point in the URL must be one an asset with this file has.
    let focal = match t.focal {
        None => (0.5, 0.5),
        Some((x, y)) => {
            let matches = rows.iter().any(|(_, _, fp)| {
                let fp: Option<serde_json::Value> = fp.as_deref().and_then(|f| serde_json::from_str(f).ok());
                let pct = |k: &str| {
                    fp.as_ref().and_then(|v| v[k].as_f64()).map_or(50, |v| (v.clamp(0.0, 1.0) * 100.0).round() as u8)
                };
                (pct("x"), pct("y")) == (x, y)
            });
            if !matches {
                return Err(Error::bad_input("this focal point is not the image's; take the URL from the API"));
            }
            (x as f32 / 100.0, y as f32 / 100.0)
        }
    };
    let bytes = media.make_variant(sha, &t, sniffed.expect("an image"), focal).await?;
    Ok(file_response(bytes, t.format.mime(), &etag, None, headers, "rendered"))
}

/// A file with immutable caching, an ETag and single-range support.
fn file_response(
    bytes: bytes::Bytes,
    mime: &str,
    etag: &str,
    disposition: Option<&str>,
    headers: &HeaderMap,
    source: &'static str,
) -> Response {
    let len = bytes.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .filter(|r| !r.contains(','))
        .map(|r| {
            let (a, b) = r.split_once('-').unwrap_or((r, ""));
            match (a.parse::<usize>().ok(), b.parse::<usize>().ok()) {
                (Some(a), Some(b)) if a <= b && a < len => Some((a, b.min(len - 1))),
                (Some(a), None) if a < len => Some((a, len - 1)),
                (None, Some(n)) if n > 0 && len > 0 => Some((len.saturating_sub(n), len - 1)),
                _ => None,
            }
        });
    let (status, body, content_range) = match range {
        None => (StatusCode::OK, bytes, None),
        Some(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, bytes.slice(a..=b), Some(format!("bytes {a}-{b}/{len}"))),
        Some(None) => (StatusCode::RANGE_NOT_SATISFIABLE, bytes::Bytes::new(), Some(format!("bytes */{len}"))),
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    let put = |h: &mut HeaderMap, k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    put(h, header::CONTENT_TYPE, mime);
    put(h, header::CACHE_CONTROL, IMMUTABLE);
    put(h, header::ETAG, etag);
    put(h, header::ACCEPT_RANGES, "bytes");
    put(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    put(h, header::HeaderName::from_static("x-relais-media"), source);
    if let Some(d) = disposition {
        put(h, header::CONTENT_DISPOSITION, d);
    }
    if let Some(cr) = content_range {
        put(h, header::CONTENT_RANGE, &cr);
    }
    r
}
