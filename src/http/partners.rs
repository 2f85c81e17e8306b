//! The gate every request passes: the API key it presents (header
//! `X-Api-Key` or `?key=`), CORS answered per key, and request limits per key
//! or, without a key or a login, per IP.

use super::{AppState, client_ip};
use crate::app::Cidr;
use crate::domain::auth::Viewer;
use crate::domain::partners::{ApiKey, RateState};
use crate::error::{Code, Error};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

const ALLOW_HEADERS: &str =
    "content-type, authorization, accept, accept-language, x-api-key, if-none-match, relais-preview, idempotency-key";
const EXPOSE_HEADERS: &str = "etag, last-modified, retry-after, ratelimit, ratelimit-policy, ratelimit-limit, ratelimit-remaining, ratelimit-reset";

/// The key a request carries: the header first, then the `key` query parameter
/// (what a page's `<script>` or a feed reader can send).
fn presented(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned());
    }
    req.uri().query()?.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == "key" && !v.is_empty()).then(|| v.to_owned())
    })
}

/// `Access-Control-*` for a page on `origin`: any origin without a key, the
/// key's own origins with one.
fn cors(headers: &mut HeaderMap, origin: Option<&str>, key: Option<&ApiKey>) {
    let Some(origin) = origin else { return };
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    let grant = match key {
        None => Some(HeaderValue::from_static("*")),
        Some(k) if k.allows_origin(origin) => HeaderValue::from_str(origin).ok(),
        Some(_) => None,
    };
    if let Some(g) = grant {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, g);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
}

fn rate_headers(headers: &mut HeaderMap, r: &RateState) {
    let put = |h: &mut HeaderMap, k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    // The IETF draft's fields, combined and separate (clients read either).
    put(headers, "ratelimit", format!("limit={}, remaining={}, reset={}", r.limit, r.remaining, r.reset));
    put(headers, "ratelimit-policy", format!("{};w=60", r.limit));
    put(headers, "ratelimit-limit", r.limit.to_string());
    put(headers, "ratelimit-remaining", r.remaining.to_string());
    put(headers, "ratelimit-reset", r.reset.to_string());
}

/// The client's address as the gate settled it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The bearer credential a request carried, checked once by the gate.
#[derive(Debug, Clone)]
pub struct Credential(pub Result<Viewer, Error>);

/// The client behind trusted proxies: the forwarding chain read from the
/// nearest hop back, skipping trusted proxies; the first other address is the
/// client. A peer that is not a trusted proxy is the client itself, whatever
/// headers it sends.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    if !trusted.iter().any(|c| c.contains(peer)) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    for v in headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()) {
        chain.extend(v.split(',').filter_map(|p| p.trim().parse::<IpAddr>().ok()));
    }
    if chain.is_empty() {
        // RFC 7239: `for=192.0.2.60`, `for="[2001:db8::1]:4711"`, `for=192.0.2.43:80`.
        for v in headers.get_all(header::FORWARDED).iter().filter_map(|v| v.to_str().ok()) {
            for element in v.split(',') {
                for pair in element.split(';') {
                    let Some((k, val)) = pair.trim().split_once('=') else { continue };
                    if !k.trim().eq_ignore_ascii_case("for") {
                        continue;
                    }
                    let val = val.trim().trim_matches('"');
                    let host = match val.strip_prefix('[') {
                        Some(rest) => rest.split(']').next().unwrap_or(""),
                        None if val.matches(':').count() == 1 => val.split(':').next().unwrap_or(""),
                        None => val,
                    };
                    if let Ok(ip) = host.parse::<IpAddr>() {
                        chain.push(ip);
                    }
                }
            }
        }
    }
    chain.iter().rev().find(|ip| !trusted.iter().any(|c| c.contains(**ip))).or(chain.first()).copied().unwrap_or(peer)
}

/// `Authorization: Bearer <token>`; anything else in that header is an error.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, Error>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    Some(token.ok_or_else(|| Error::unauthenticated("use Authorization: Bearer <token>")))
}

pub async fn gate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let ip = client_addr(peer, req.headers(), &s.hub.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    let credential = match bearer(req.headers()) {
        Some(Err(e)) => Some(Credential(Err(e))),
        Some(Ok(token)) => Some(Credential(s.hub.auth.viewer(token).await)),
        // The admin's session cookie, from this server's own pages only: a
        // cross-site request that carries it (a browser without SameSite) is refused.
        None => match super::session::token(req.headers()) {
            None => None,
            Some(_) if !super::session::same_site(req.headers()) => Some(Credential(Err(Error::forbidden(
                "The session cookie is accepted from this server's own pages only; this request comes from another site. Send Authorization: Bearer <token> instead.",
            )))),
            Some(token) => {
                let token = token.to_owned();
                req.extensions_mut().insert(super::session::ViaCookie);
                Some(Credential(s.hub.auth.viewer(&token).await))
            }
        },
    };
    let signed_in = matches!(credential, Some(Credential(Ok(_))));
    if let Some(c) = credential {
        req.extensions_mut().insert(c);
    }
    let key = match presented(&req) {
        None => None,
        Some(secret) => match s.hub.partners.authenticate(&secret).await {
            Ok(k) => Some(k),
            Err(e) => {
                let mut r = super::error_response(&e, false);
                cors(r.headers_mut(), origin.as_deref(), None);
                return r;
            }
        },
    };
    // A preflight: say what the page may send; the request itself is counted.
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        cors(h, origin.as_deref(), key.as_deref());
        if h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        return r;
    }
    let partners = &s.hub.partners;
    let rate = match &key {
        // 0: a key without a limit (a site's own server-side renderer).
        Some(k) if k.settings.rate_per_minute == 0 => None,
        Some(k) => Some(partners.count(&format!("k:{}", k.id), k.settings.rate_per_minute)),
        // Signed-in editors are limited by their sessions, not per address; a
        // credential that does not hold counts as anonymous.
        None if signed_in => None,
        None if partners.anonymous_per_minute > 0 => {
            let ip = client_ip(req.extensions()).unwrap_or_default();
            Some(partners.count(&format!("ip:{ip}"), partners.anonymous_per_minute))
        }
        None => None,
    };
    if let Some(r) = rate.filter(|r| !r.allowed) {
        let who = if key.is_some() { "this API key" } else { "your address" };
        let e = Error::new(
            Code::RateLimited,
            format!(
                "Too many requests: {who} may make {} a minute. Try again in {} s (Retry-After).",
                r.limit, r.reset
            ),
        );
        let mut resp = super::error_response(&e, false);
        let h = resp.headers_mut();
        rate_headers(h, &r);
        h.insert(header::RETRY_AFTER, HeaderValue::from(r.reset));
        cors(h, origin.as_deref(), key.as_deref());
        return resp;
    }
    if let Some(k) = &key {
        req.extensions_mut().insert(k.clone());
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Some(r) = &rate {
        rate_headers(h, r);
    }
    cors(h, origin.as_deref(), key.as_deref());
    resp
}

/// The key of a request that passed the gate.
pub fn key_of(ext: &axum::http::Extensions) -> Option<Arc<ApiKey>> {
    ext.get::<Arc<ApiKey>>().cloned()
}
