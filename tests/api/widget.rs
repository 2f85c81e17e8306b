//! The widget in a real browser: a partner's page on another origin pastes the
//! `<script>` snippet, headless Chromium runs it, and the DOM it leaves (and a
//! screenshot) are checked against the feed the key reads. A page on an origin
//! the key does not allow ends in the widget's error state (CORS).
//!
//! Needs Debian's `chromium`; without it the browser half is skipped, unless
//! `CI` is set (then `.ci/run` should have installed it).

use crate::common::{Backend, TestServer};
use axum::response::IntoResponse;
use relais::domain::permissions::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CREATE: &str = "mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }";

/// The browser, if this machine has one.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `args`, in a fresh profile; returns
/// what it printed. Killed after a minute.
///
/// `std::process` polled from async code, as the crate's tokio has no
/// `process` feature; the servers keep answering while Chromium runs.
async fn chromium(bin: &Path, args: &[String], url: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = std::process::Command::new(bin)
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .args(["--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--mute-audio"])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over a minute on {url}: {}", std::fs::read_to_string(&err_path).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status.success(),
        "chromium failed on {url} ({status}): {}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    std::fs::read_to_string(&out_path).expect("chromium output")
}

/// A start tag found in serialised HTML, with the text up to its end tag.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: HashMap<String, String>,
    /// Where the start tag begins and where it ends (after `>`).
    start: usize,
    end: usize,
}

impl Tag {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(String::as_str)
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Every start tag of `html` (as Chromium's `--dump-dom` writes it: quoted attributes).
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        let mut attrs = HashMap::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let k_start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
                i += 1;
            }
            let k = html[k_start..i].to_ascii_lowercase();
            let mut v = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                let quote = b[i];
                if quote == b'"' || quote == b'\'' {
                    let v_start = i + 1;
                    let len = html[v_start..].find(quote as char).expect("closed attribute");
                    v = unescape(&html[v_start..v_start + len]);
                    i = v_start + len + 1;
                } else {
                    let v_start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    v = unescape(&html[v_start..i]);
                }
            }
            attrs.insert(k, v);
        }
        i += 1;
        out.push(Tag { name, attrs, start, end: i.min(html.len()) });
    }
    out
}

/// The text inside `tag` (up to its end tag), without markup.
fn text_in(html: &str, tag: &Tag) -> String {
    let close = format!("</{}>", tag.name);
    let inner = &html[tag.end..tag.end + html[tag.end..].find(&close).expect("end tag")];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(text.trim())
}

/// What the widget left in the page: the section's start tag, and the
/// section's own HTML.
fn widget_section(dom: &str) -> (Tag, String) {
    let all = tags(dom);
    let sections: Vec<&Tag> = all
        .iter()
        .filter(|t| t.name == "section" && t.attr("class").is_some_and(|c| c.split(' ').any(|c| c == "relais-widget")))
        .collect();
    assert_eq!(sections.len(), 1, "one widget section in the page:\n{dom}");
    let s = sections[0];
    let end = s.end + dom[s.end..].find("</section>").expect("section closed");
    let section = Tag { name: s.name.clone(), attrs: s.attrs.clone(), start: s.start, end: s.end };
    let html = dom[section.start..end + "</section>".len()].to_owned();
    (section, html)
}

/// A partner's page: one `<script>` snippet, as the demo shows it.
fn partner_page(lang: &str, dir: &str, title: &str, body_before: &str, script: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;margin:2rem;background:#f4f1ea}} header{{margin-bottom:1rem}}</style>\
         </head><body><header><strong>{title}</strong></header>{body_before}{script}<footer>Pied de page</footer>\
         </body></html>"
    )
}

type Pages = std::sync::Arc<std::sync::Mutex<HashMap<String, String>>>;

/// A partner's site on a new loopback port: its origin, and its pages (name →
/// HTML, served at `/name`), filled in once the key exists.
async fn partner_site() -> (String, Pages) {
    let pages = Pages::default();
    let shared = pages.clone();
    let app = axum::Router::new().route(
        "/{page}",
        axum::routing::get(move |axum::extract::Path(page): axum::extract::Path<String>| async move {
            let html = shared.lock().unwrap().get(&page).cloned();
            match html {
                Some(h) => axum::response::Html(h).into_response(),
                None => axum::http::StatusCode::NOT_FOUND.into_response(),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), pages)
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("widget-screenshots")
}

/// The widget's files and pages, over plain HTTP.
async fn check_served_files(base: &str) {
    let client = reqwest::Client::new();
    let r = client.get(format!("{base}/widget.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(h["cache-control"], "public, max-age=3600");
    let etag = h["etag"].to_str().unwrap().to_owned();
    let js = r.text().await.unwrap();
    assert!(js.contains("relais-widget") && js.len() < 20_000, "a small script");
    assert!(
        !js.contains("innerHTML") && !js.contains("import("),
        "no HTML from the feed, nothing loaded from elsewhere"
    );
    let r = client.get(format!("{base}/widget.js")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);

    for path in ["/widget/demo", "/widget/embed?type=events&locale=ar&limit=3"] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("https:"), "{path}: {csp}");
        let page = r.text().await.unwrap();
        assert!(page.contains("<script src=\"/widget.js\""), "{path}");
        if path == "/widget/demo" {
            // The snippets name this server, the live widgets load the script from it.
            assert!(page.contains(&format!("&lt;script src=&quot;{base}/widget.js&quot;")), "{page}");
            assert!(page.contains(&format!("{base}/widget/embed?")), "{page}");
            assert!(page.contains("<iframe src=\"/widget/embed?type=projects&amp;locale=ar"), "{page}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        } else {
            assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
            assert!(page.contains("data-type=\"events\"") && page.contains("data-limit=\"3\""), "{page}");
            assert!(csp.contains("frame-ancestors *"), "{csp}");
        }
    }
    let r = client.get(format!("{base}/widget/embed?type=people")).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_shows_a_keys_feed_on_a_partners_page_in_chromium() {
    let began = Instant::now();
    let s = TestServer::start(Backend::Sqlite).await;
    let base = s.base().to_owned();
    check_served_files(&base).await;

    let Some(bin) = find_chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is missing: .ci/run must install it (apt-get install chromium) before cargo test");
        }
        eprintln!(
            "notice: no chromium on this machine; the widget's browser test is skipped (apt-get install chromium)"
        );
        return;
    };

    // The partner's site, and another site (another origin) the key does not allow.
    let (partner, partner_pages) = partner_site().await;
    let (other, other_pages) = partner_site().await;
    assert_ne!(other, partner);
    let admin = s.login_as(Role::Admin).await;
    let r = s
        .gql(
            CREATE,
            json!({ "i": { "name": "Partner site", "scopes": ["FEEDS"], "origins": [partner],
                           "pagePattern": format!("{partner}/{{locale}}/{{type}}/{{slug}}") } }),
            Some(&admin),
        )
        .await;
    let key = r.ok()["createApiKey"]["secret"].as_str().unwrap().to_owned();

    let fr_script = format!(
        "<script src=\"{base}/widget.js\" data-key=\"{key}\" data-type=\"events\" data-locale=\"fr\" \
         data-organisation=\"oim\" data-target=\"#agenda\" async></script>"
    );
    let ar_script = format!(
        "<script src=\"{base}/widget.js\" data-key=\"{key}\" data-type=\"projects\" data-locale=\"ar\" \
         data-limit=\"4\" async></script>"
    );
    let fr = partner_page(
        "fr",
        "ltr",
        "Partenaire — agenda",
        "<div id=\"agenda\"><p>Agenda : chargement…</p></div>",
        &fr_script,
    );
    let ar = partner_page("ar", "rtl", "الشريك — المشاريع", "", &ar_script);
    partner_pages.lock().unwrap().extend([("fr".to_owned(), fr.clone()), ("ar".to_owned(), ar)]);
    other_pages.lock().unwrap().insert("fr".to_owned(), fr);

    // What the feed gives this key: the titles and links the widget must show.
    let feed = |query: String| {
        let url = format!("{base}/feeds/{query}&key={key}");
        async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() }
    };
    let expected_fr = feed("events.json?locale=fr&organisation=oim".into()).await;
    let expected_ar = feed("projects.json?locale=ar&limit=4".into()).await;

    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();
    let dom_args = ["--virtual-time-budget=8000".to_owned(), "--dump-dom".to_owned()];
    for (name, expected, lang, dir, heading) in
        [("fr", &expected_fr, "fr", "ltr", "Événements"), ("ar", &expected_ar, "ar", "rtl", "المشاريع")]
    {
        let items = expected["items"].as_array().unwrap();
        assert!(items.len() >= 2, "{name}: the demo content has items for this feed: {expected}");
        let url = format!("{partner}/{name}");
        let dom = chromium(&bin, &dom_args, &url).await;
        let (section, html) = widget_section(&dom);
        assert_eq!(section.attr("data-relais-state"), Some("ready"), "{name}: {html}");
        assert_eq!(section.attr("lang"), Some(lang), "{name}");
        assert_eq!(section.attr("dir"), Some(dir), "{name}");
        assert_eq!(section.attr("aria-busy"), Some("false"), "{name}");
        assert_eq!(section.attr("data-count"), Some(items.len().to_string().as_str()), "{name}");
        let inner = tags(&html);
        let h2 = inner.iter().find(|t| t.name == "h2").unwrap_or_else(|| panic!("{name}: a heading: {html}"));
        assert_eq!(text_in(&html, h2), heading, "{name}");
        assert_eq!(section.attr("aria-labelledby"), h2.attr("id"), "{name}: the section is named by its heading");
        assert_eq!(inner.iter().filter(|t| t.name == "li").count(), items.len(), "{name}");
        assert_eq!(inner.iter().filter(|t| t.name == "article").count(), items.len(), "{name}");
        let links: Vec<(String, String)> = inner
            .iter()
            .filter(|t| t.name == "a")
            .map(|a| (a.attr("href").unwrap_or_default().to_owned(), text_in(&html, a)))
            .collect();
        let want: Vec<(String, String)> = items
            .iter()
            .map(|i| (i["url"].as_str().unwrap().to_owned(), i["title"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(links, want, "{name}: the feed's items, in its order, linked to the partner's pages");
        assert!(links.iter().all(|(href, _)| href.starts_with(&format!("{partner}/{lang}/"))), "{links:?}");
        if name == "fr" {
            // Rendered into the element named by data-target, its placeholder replaced.
            assert!(dom.contains("<div id=\"agenda\"><section class=\"relais-widget\""), "{dom}");
            assert!(!dom.contains("Agenda : chargement"));
            // Events show their date, formatted for the locale.
            assert_eq!(inner.iter().filter(|t| t.name == "time" && t.attr("datetime").is_some()).count(), items.len());
        } else {
            // Projects without an Arabic title fall back to French, and say so.
            let fallback = items.iter().filter(|i| i["language"] == "fr").count();
            let marked = inner.iter().filter(|t| t.name == "article" && t.attr("lang") == Some("fr")).count();
            assert_eq!(marked, fallback, "{html}");
            assert!(inner.iter().filter(|t| t.attr("lang") == Some("fr")).all(|t| t.attr("dir") == Some("ltr")));
        }
        // One stylesheet, scoped to the widget.
        assert_eq!(dom.matches("id=\"relais-widget-style\"").count(), 1, "{name}");

        let png = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        let shot_args = [
            "--virtual-time-budget=8000".to_owned(),
            "--window-size=900,700".to_owned(),
            format!("--screenshot={}", png.display()),
        ];
        chromium(&bin, &shot_args, &url).await;
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 5 * 1024, "{name}: a screenshot of the page at {} ({size} bytes)", png.display());
        println!("widget screenshot ({name}): {}", png.display());
    }

    // The same page on an origin the key does not name: the browser keeps the
    // answer from the script (no CORS grant), and the widget says it failed.
    let dom = chromium(&bin, &dom_args, &format!("{other}/fr")).await;
    let (section, html) = widget_section(&dom);
    assert_eq!(section.attr("data-relais-state"), Some("error"), "{html}");
    assert_eq!(section.attr("data-count"), Some("0"));
    let inner = tags(&html);
    assert!(!inner.iter().any(|t| t.name == "li"), "{html}");
    let status = inner.iter().find(|t| t.attr("role") == Some("status")).expect("a status");
    assert_eq!(text_in(&html, status), "Le contenu n’a pas pu être chargé.");

    // The iframe page, as a partner's <iframe src> shows it.
    let dom =
        chromium(&bin, &dom_args, &format!("{base}/widget/embed?type=projects&locale=ar&limit=2&key={key}")).await;
    let (section, html) = widget_section(&dom);
    assert_eq!(section.attr("data-relais-state"), Some("ready"), "{html}");
    assert_eq!((section.attr("dir"), section.attr("data-count")), (Some("rtl"), Some("2")));
    println!("widget test: {:.1} s", began.elapsed().as_secs_f64());
    s.finish().await;
}
