//! Feeds of projects, events and news: `GET /feeds/{projects|events|news}.{json|atom|rss}`,
//! filtered by organisation, partner, axis, country, project and kind, in a
//! locale, limited by the API key's restrictions, with conditional GET.

use super::AppState;
use super::partners::key_of;
use crate::domain::partners::KeyScope;
use crate::domain::syndication::{self, FeedQuery, MAX_ITEMS};
use crate::error::{Error, Result};
use crate::feeds;
use crate::model::{CONTENT_TYPES, feed_type};
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

fn http_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/feeds/{file}", axum::routing::get(feed))
}

pub async fn feed(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    match build(&s, &file, &params, &headers, &extensions).await {
        Ok(r) => r,
        Err(e) => super::error_response(&e, false),
    }
}

async fn build(
    s: &AppState,
    file: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Result<Response> {
    let hub = &s.hub;
    let (t, format) = file
        .rsplit_once('.')
        .filter(|(_, f)| ["json", "atom", "rss"].contains(f))
        .and_then(|(what, f)| Some((feed_type(what)?, f)))
        .ok_or_else(|| {
            let paths: Vec<&str> = CONTENT_TYPES.iter().filter_map(|t| t.feed.as_ref().map(|f| f.path)).collect();
            Error::not_found(format!("The feed {file:?}: feeds are /feeds/{{{}}}.{{json|atom|rss}}", paths.join("|")))
        })?;
    let key = key_of(extensions);
    if let Some(k) = &key
        && !k.has(KeyScope::Feeds)
    {
        return Err(Error::forbidden("This API key may not read feeds; ask for one with the FEEDS scope."));
    }
    let locales = &hub.content.locales;
    let locale = match params.get("locale") {
        Some(l) => locales.locale(l).map_err(|_| {
            Error::field("locale", format!("unknown locale {l:?}; use one of {}", locales.codes.join(", ")))
        })?,
        None => locales.negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    };
    let limit = match params.get("limit") {
        None => 20,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_ITEMS).contains(n))
            .ok_or_else(|| Error::field("limit", format!("must be a whole number from 1 to {MAX_ITEMS}")))?,
    };
    let q = FeedQuery {
        locale,
        limit,
        organisation: params.get("organisation").cloned(),
        partner: params.get("partner").cloned(),
        project: params.get("project").cloned(),
        axis: params.get("axis").cloned(),
        country: params.get("country").cloned(),
        kind: params.get("kind").cloned(),
        upcoming: params.get("upcoming").is_some_and(|v| v == "true" || v == "1"),
    };
    // The feed's own address without the key (sorted, so it is stable for the ETag).
    let mut query: Vec<(&String, &String)> = params.iter().filter(|(k, _)| k.as_str() != "key").collect();
    query.sort();
    let enc = |v: &str| -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    let base = format!("{}/feeds/{file}", hub.public_url);
    let self_url = if query.is_empty() { base } else { format!("{base}?{}", query.join("&")) };
    let f = syndication::read(&hub.content, key, t, &q, &hub.public_url, self_url).await?;
    let newest = f.updated_ms;
    let (body, ctype) = match format {
        "json" => (feeds::json_feed(&f), feeds::JSON_FEED_TYPE),
        "atom" => (feeds::atom(&f), feeds::ATOM_TYPE),
        _ => (feeds::rss(&f), feeds::RSS_TYPE),
    };
    let etag = format!("\"{}\"", &crate::media::sha256_hex(body.as_bytes())[..32]);
    let last_modified = http_date(newest);
    let fresh = match headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(inm) => inm.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(&d.replace("GMT", "+0000")).ok())
            .is_some_and(|since| newest / 1000 <= since.timestamp()),
    };
    let mut r = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(r)
}
