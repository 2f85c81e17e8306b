//! The embeddable widget: `GET /widget.js` (the script a partner pastes into a
//! page), `GET /widget/embed` (a page showing it, for an `<iframe>`, taking the
//! script's `data-` attributes as query parameters) and `GET /widget/demo` (how
//! to use it, with live examples).

use super::AppState;
use super::partners::key_of;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::LazyLock;

const SCRIPT: &str = include_str!("../../assets/widget.js");

static SCRIPT_ETAG: LazyLock<String> =
    LazyLock::new(|| format!("\"{}\"", &crate::media::sha256_hex(SCRIPT.as_bytes())[..32]));

/// The parameters the widget takes (`data-…` on the script, `?…` on the embed page).
const PARAMS: [&str; 12] = [
    "key",
    "locale",
    "organisation",
    "partner",
    "project",
    "axis",
    "country",
    "kind",
    "limit",
    "upcoming",
    "title",
    "type",
];

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/widget.js", get(script))
        .route("/widget/embed", get(embed))
        .route("/widget/demo", get(demo))
}

/// `GET /widget.js`.
pub async fn script(headers: HeaderMap) -> Response {
    let etag = SCRIPT_ETAG.as_str();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut r = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { SCRIPT.into_response() };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages that isolate themselves (COEP) may still load it.
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    r
}

/// A fresh nonce for a page's inline style and for the style the widget injects.
fn nonce() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 18]>())
}

/// An origin as a CSP source, if it is a plain `scheme://host[:port]`.
fn csp_origin(o: &str) -> Option<&str> {
    let ok = (o.starts_with("https://") || o.starts_with("http://"))
        && o.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:/[]".contains(&b))
        && o.matches('/').count() == 2;
    ok.then_some(o)
}

/// The public URL's origin (`https://relais.example`), for CSP sources.
fn public_origin(s: &AppState) -> Option<String> {
    let url = &s.hub.public_url;
    let after = url.find("://")? + 3;
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    csp_origin(&url[..end]).map(str::to_owned)
}

fn html(body: String, csp: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Every answer has its own nonce: nothing may keep it.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

fn plain(status: StatusCode, message: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

/// The CSP of the widget's pages: scripts from this server only, styles by
/// nonce, the feed and its images from this server.
fn csp(s: &AppState, nonce: &str, frame_src: &str, frame_ancestors: &str) -> String {
    let own = public_origin(s).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'nonce-{nonce}'; img-src 'self'{own} data:; \
         connect-src 'self'{own}; frame-src {frame_src}; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// `<script src="/widget.js" data-…>` for these parameters.
fn script_tag(src: &str, nonce: Option<&str>, params: &[(&str, String)]) -> String {
    let mut tag = format!("<script src=\"{}\"", crate::html::escape(src));
    for (k, v) in params {
        tag.push_str(&format!(" data-{k}=\"{}\"", crate::html::escape(v)));
    }
    if let Some(n) = nonce {
        tag.push_str(&format!(" nonce=\"{n}\""));
    }
    tag.push_str("></script>");
    tag
}

fn dir_of(locale: &str) -> &'static str {
    if crate::domain::locale::direction(locale) == "RTL" { "rtl" } else { "ltr" }
}

/// `GET /widget/embed?type=events&locale=ar&key=rk_…`: the widget alone on a
/// page, for `<iframe src>`. With a key, only the key's origins may frame it.
pub async fn embed(
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let hub = &s.hub;
    let kind = query.get("type").map_or("projects", String::as_str);
    if crate::model::feed_type(kind).is_none() {
        let feeds: Vec<&str> =
            crate::model::CONTENT_TYPES.iter().filter_map(|t| t.feed.as_ref().map(|f| f.path)).collect();
        return plain(StatusCode::BAD_REQUEST, format!("type must be one of {}, not {kind:?}", feeds.join(", ")));
    }
    let locale = match query.get("locale") {
        Some(l) => match hub.content.locales.locale(l) {
            Ok(l) => l,
            Err(_) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    format!("unknown locale {l:?}; use one of {}", hub.content.locales.codes.join(", ")),
                );
            }
        },
        None => hub.content.locales.negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    };
    let mut params: Vec<(&str, String)> = vec![("type", kind.to_owned()), ("locale", locale.to_string())];
    for p in PARAMS {
        if let Some(v) = query.get(p).filter(|v| !v.is_empty() && p != "type" && p != "locale") {
            params.push((p, v.clone()));
        }
    }
    let ancestors = match key_of(&extensions) {
        None => "*".to_owned(),
        Some(k) if k.settings.origins.iter().any(|o| o == "*") => "*".to_owned(),
        Some(k) => {
            let list: Vec<&str> = k.settings.origins.iter().filter_map(|o| csp_origin(o)).collect();
            if list.is_empty() { "'none'".to_owned() } else { list.join(" ") }
        }
    };
    let n = nonce();
    let page = format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Relais</title>\n\
         <base target=\"_top\">\n<style nonce=\"{n}\">html,body{{margin:0;background:transparent}}\
         body{{padding:2px}}.relais-widget{{margin:0;max-inline-size:none}}</style>\n</head>\n\
         <body>\n{script}\n</body>\n</html>\n",
        lang = crate::html::escape(&locale),
        dir = dir_of(&locale),
        script = script_tag("/widget.js", Some(&n), &params),
    );
    html(page, &csp(&s, &n, "'none'", &ancestors))
}

/// `GET /widget/demo`: what to paste, the attributes, and live widgets.
pub async fn demo(State(s): State<AppState>) -> Response {
    let base = s.hub.public_url.clone();
    let n = nonce();
    let snippet = script_tag(
        &format!("{base}/widget.js"),
        None,
        &[
            ("key", "rk_…".into()),
            ("type", "events".into()),
            ("locale", "fr".into()),
            ("organisation", "amerm".into()),
            ("limit", "5".into()),
            ("upcoming", "1".into()),
        ],
    )
    .replace("></script>", " async></script>");
    let iframe = format!(
        "<iframe src=\"{}/widget/embed?key=rk_…&amp;type=projects&amp;locale=ar&amp;limit=3\" \
         title=\"المشاريع\" width=\"100%\" height=\"420\" style=\"border:0\" loading=\"lazy\"></iframe>",
        crate::html::escape(&base)
    );
    let live_fr = script_tag(
        "/widget.js",
        Some(&n),
        &[("type", "events".into()), ("locale", "fr".into()), ("limit", "3".into())],
    );
    let live_ar = "<iframe src=\"/widget/embed?type=projects&amp;locale=ar&amp;limit=3\" title=\"المشاريع\" \
                   height=\"420\" loading=\"lazy\"></iframe>";
    let attrs = [
        (
            "data-key",
            "your API key (<code>rk_…</code>), with the FEEDS scope; the page's origin must be one of the key's \
             origins. Without a key, published content only, from any origin.",
        ),
        ("data-type", "<code>projects</code>, <code>events</code> or <code>news</code>."),
        ("data-locale", "<code>fr</code>, <code>en</code> or <code>ar</code> (laid out right to left)."),
        (
            "data-organisation",
            "items an organisation funds, partners, organises or is named in (slugs or ids, comma-separated).",
        ),
        ("data-partner", "items an organisation partners."),
        ("data-project", "events and news of projects; projects themselves."),
        ("data-axis", "thematic axes (slugs or ids)."),
        ("data-country", "ISO country codes, e.g. <code>MA,TN</code>."),
        ("data-kind", "event kind (<code>WORKSHOP</code>, <code>CONFERENCE</code>…) or project status."),
        ("data-upcoming", "<code>1</code>: events from now on, soonest first."),
        ("data-limit", "how many items, 1 to 100 (20 by default)."),
        ("data-title", "the heading, instead of the default one."),
        (
            "data-target",
            "a CSS selector (<code>#agenda</code>): render into that element rather than after the script.",
        ),
    ];
    let rows: String =
        attrs.iter().map(|(a, d)| format!("<tr><th scope=\"row\"><code>{a}</code></th><td>{d}</td></tr>")).collect();
    let page = format!(
        r#"<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relais widget</title>
<style nonce="{n}">
body{{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2933;background:#f5f7f9}}
main{{max-width:68rem;margin:0 auto;padding:2rem 1.25rem 4rem}}
h1{{margin:0 0 .5rem;font-size:2rem}} h2{{margin-top:2.5rem}}
pre{{overflow-x:auto;padding:1rem;background:#102a43;color:#f0f4f8;border-radius:8px;font-size:.875rem;white-space:pre-wrap;word-break:break-all}}
code{{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}}
table{{border-collapse:collapse;width:100%;background:#fff}} th,td{{text-align:start;vertical-align:top;padding:.5rem .75rem;border-bottom:1px solid #d9dee3}}
th{{white-space:nowrap;font-weight:600}}
.live{{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem;align-items:start}}
.live>div>h3{{margin:0 0 .5rem;font-size:.875rem;text-transform:uppercase;letter-spacing:.05em;color:#5f6b7a}}
iframe{{width:100%;border:0;background:transparent}}
.themed{{--relais-accent:#8a3b12;--relais-border:#e8d5c4;--relais-background:#fffaf5;--relais-radius:2px}}
</style>
</head>
<body>
<main>
<h1>The Relais widget</h1>
<p>Show Relais's projects, events or news on your own site: paste one line where the list should appear. The script
is small, has no dependency and loads nothing from elsewhere; it fetches the
<a href="/feeds/projects.json">JSON feed</a> and writes plain HTML into your page (no shadow DOM, so your styles
apply), with a heading, links and dates in the widget's language, right to left in Arabic.</p>

<h2>The script</h2>
<pre><code>{snippet}</code></pre>
<table><tbody>{rows}</tbody></table>

<h2>Or an iframe</h2>
<p>The same parameters, in the address of a page that shows only the widget. Links open in your page's window.
With a key, only the key's origins may frame it.</p>
<pre><code>{iframe}</code></pre>

<h2>Your colours</h2>
<p>The widget takes its fonts and colours from CSS variables, with defaults:
<code>--relais-font</code>, <code>--relais-color</code>, <code>--relais-muted</code>, <code>--relais-accent</code>,
<code>--relais-background</code>, <code>--relais-border</code>, <code>--relais-radius</code>. Its rules are all under
<code>.relais-widget</code>. A page with a Content-Security-Policy gives the script tag a <code>nonce</code>, which the
widget puts on the one <code>&lt;style&gt;</code> it adds.</p>
<pre><code>.relais-widget {{ --relais-accent: #8a3b12; --relais-font: Georgia, serif; }}</code></pre>

<h2>Live</h2>
<div class="live">
<div class="themed"><h3>Script, French, themed</h3>
{live_fr}
</div>
<div><h3>Iframe, Arabic</h3>
{live_ar}
</div>
</div>
</main>
</body>
</html>
"#,
        snippet = crate::html::escape(&snippet),
        iframe = crate::html::escape(&iframe),
    );
    html(page, &csp(&s, &n, "'self'", "'none'"))
}
