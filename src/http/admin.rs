//! The admin client at `/admin`: the bundle built from `admin/` (committed, so
//! a build without Node serves it) embedded in the binary. `index.html` is
//! never cached and carries a strict Content-Security-Policy (no inline
//! script); hashed assets are immutable; a missing asset is `404`, and any
//! other path under `/admin` is a client route and gets the index.

use super::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(rust_embed::Embed)]
#[folder = "admin/dist"]
struct Bundle;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(index)).route("/admin/", get(index)).route("/admin/{*path}", get(file))
}

async fn index() -> Response {
    let Some(f) = Bundle::get("index.html") else {
        return (StatusCode::NOT_FOUND, "the admin bundle is missing: build it in admin/ (npm run build)")
            .into_response();
    };
    let mut r = Response::new(Body::from(f.data.into_owned()));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r
}

async fn file(Path(path): Path<String>) -> Response {
    if !path.starts_with("assets/") {
        return index().await;
    }
    let Some(f) = Bundle::get(&path) else {
        return (StatusCode::NOT_FOUND, "no such file in the admin bundle").into_response();
    };
    let mime = f.metadata.mimetype().to_owned();
    let mut r = Response::new(Body::from(f.data.into_owned()));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Names carry a hash of the content: a new build makes new names.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r
}
