//! The session cookie: what the admin signs in with, so that no page script
//! ever holds a token. `login(cookie: true)` sets it (`HttpOnly`,
//! `SameSite=Strict`, `Path=/graphql`, `Secure` when the public URL is
//! HTTPS); `/graphql` accepts it beside bearer tokens, from the server's own
//! pages only; `logout` clears it.

use crate::graphql::SessionCookie;
use axum::http::{HeaderMap, HeaderValue, header};

pub const NAME: &str = "relais_session";

/// The request authenticated with the cookie (not a bearer token).
#[derive(Debug, Clone, Copy)]
pub struct ViaCookie;

/// The session token in the request's cookies, if any.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == NAME && !v.is_empty())
        .map(|(_, v)| v)
}

/// Whether a request comes from this server's own pages, or from no browser
/// page at all. A browser says where a request comes from: `Sec-Fetch-Site`
/// (`same-origin`, or `none` for what the user typed), else `Origin`, which
/// must name this host. A request without either is not a browser's
/// cross-site request (curl, a server), which a cookie cannot be forged for.
pub fn same_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.split_once("://"), host) {
        (Some((_, origin_host)), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// The `Set-Cookie` value for a change asked by a resolver.
pub fn header_value(change: &SessionCookie, secure: bool, now_ms: i64) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    let v = match change {
        SessionCookie::Set { token, expires_at } => {
            let max_age = ((expires_at - now_ms) / 1000).max(0);
            format!("{NAME}={token}; Path=/graphql; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
        }
        SessionCookie::Clear => format!("{NAME}=; Path=/graphql; Max-Age=0; HttpOnly; SameSite=Strict{secure}"),
    };
    HeaderValue::from_str(&v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; relais_session=tok.en; b=2")]);
        assert_eq!(token(&h), Some("tok.en"));
        assert_eq!(token(&headers(&[("cookie", "relais_session=")])), None);
        assert_eq!(token(&headers(&[("cookie", "xrelais_session=1")])), None);
    }

    #[test]
    fn only_the_servers_own_pages_count_as_same_site() {
        assert!(same_site(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "same-site")])), "a sibling subdomain is not us");
        assert!(same_site(&headers(&[("origin", "http://cms.example:4000"), ("host", "cms.example:4000")])));
        assert!(!same_site(&headers(&[("origin", "https://evil.example"), ("host", "cms.example")])));
        assert!(!same_site(&headers(&[("origin", "null"), ("host", "cms.example")])));
        assert!(same_site(&headers(&[])), "no browser: nothing to forge");
    }

    #[test]
    fn the_cookie_is_secure_over_https_and_cleared_with_max_age_zero() {
        let set = SessionCookie::Set { token: "t".into(), expires_at: 61_000 };
        let v = header_value(&set, true, 1_000).unwrap();
        assert_eq!(v, "relais_session=t; Path=/graphql; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
        let v = header_value(&SessionCookie::Clear, false, 0).unwrap();
        assert_eq!(v, "relais_session=; Path=/graphql; Max-Age=0; HttpOnly; SameSite=Strict");
    }
}
