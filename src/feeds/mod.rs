//! Syndication feeds: JSON Feed 1.1, Atom 1.0 (RFC 4287) and RSS 2.0.
//!
//! A pure module: the caller builds a [`Feed`] (already localised, with absolute URLs and sanitised
//! HTML) and gets the document back as a `String`. No database, no HTTP, no XML library: the XML is
//! written by hand and every piece of text and every attribute goes through [`escape_xml`].
//!
//! Conventions shared by the three formats:
//! - Characters that XML 1.0 forbids (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF) and the
//!   other control characters (DEL, C1) are stripped from every string, in JSON too, so the three
//!   documents carry the same text.
//! - Optional strings that are empty (or only whitespace) count as absent, as do empty tags and
//!   author names; an image with an empty URL is dropped.
//! - Dates are Unix milliseconds, written in UTC at second precision (RFC 3339 for JSON Feed and
//!   Atom, RFC 2822 for RSS) and clamped to 1970-01-01 … 9999-12-31, the range every format can
//!   express.
//! - HTML content of an entry whose text direction differs from the page's is wrapped in
//!   `<div dir=".." lang="..">`: an entry of an RTL feed (`rtl: true`) is wrapped in
//!   `dir="rtl"`; an entry whose `language` (a fallback locale) is written the other way than the
//!   feed is wrapped in that locale's direction and language.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::html::direction;

/// Media type of a JSON Feed, for `<link rel="alternate" type="..">` and the like.
pub const JSON_FEED_TYPE: &str = "application/feed+json";
/// Media type of an Atom feed (also written in the Atom self link).
pub const ATOM_TYPE: &str = "application/atom+xml";
/// Media type of an RSS feed (also written in the RSS `atom:link rel="self"`).
pub const RSS_TYPE: &str = "application/rss+xml";

/// HTTP `Content-Type` of [`json_feed`]. JSON is always UTF-8 (RFC 8259 §8.1) and its media types
/// define no `charset` parameter, so none is added.
pub const JSON_FEED_CONTENT_TYPE: &str = JSON_FEED_TYPE;
/// HTTP `Content-Type` of [`atom`]. RFC 7303 recommends the `charset` parameter on XML media types
/// (without it a `text/*` proxy or a sniffing client may guess wrong); the document also declares
/// `encoding="utf-8"`.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";
/// HTTP `Content-Type` of [`rss`], with `charset` for the same reason as [`ATOM_CONTENT_TYPE`].
pub const RSS_CONTENT_TYPE: &str = "application/rss+xml; charset=utf-8";

const JSON_FEED_VERSION: &str = "https://jsonfeed.org/version/1.1";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// A feed about one page of a partner's site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    /// e.g. "Projets — Relais".
    pub title: String,
    pub description: Option<String>,
    /// Absolute URL of the partner's page the feed is about.
    pub home_url: String,
    /// Absolute URL of this feed (self link; also the Atom feed id).
    pub feed_url: String,
    /// BCP 47 tag, e.g. "fr", "ar".
    pub language: String,
    /// True for right-to-left languages: HTML content is wrapped in `<div dir="rtl" lang="..">`.
    pub rtl: bool,
    /// Unix ms of the newest change in the feed.
    pub updated_ms: i64,
    /// e.g. "Relais".
    pub generator: String,
    pub items: Vec<Entry>,
}

/// One item of a [`Feed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Stable unique id, e.g. "urn:relais:Project:<uuid>".
    pub id: String,
    /// Absolute link to the item's page on the partner's site.
    pub url: String,
    pub title: String,
    /// Plain text.
    pub summary: Option<String>,
    /// Sanitised HTML fragment (still escaped inside XML).
    pub content_html: Option<String>,
    pub image: Option<Image>,
    pub published_ms: Option<i64>,
    pub updated_ms: i64,
    /// e.g. thematic axes, event kind.
    pub tags: Vec<String>,
    /// Organisation names.
    pub authors: Vec<String>,
    /// Set when the item's text came from another locale (fallback): that locale.
    pub language: Option<String>,
    /// Facts a feed format has no field for (an event's dates and place), as
    /// the JSON Feed extension `_relais`.
    pub extension: Option<serde_json::Value>,
}

/// The main image of an [`Entry`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// Absolute URL.
    pub url: String,
    /// e.g. "image/jpeg".
    pub mime_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// `s` without the characters XML does not allow ([`crate::html::xml_char`]).
fn clean(s: &str) -> String {
    s.chars().filter(|&c| crate::html::xml_char(c)).collect()
}

/// Escapes `s` for XML character data and attribute values (either quote style): `& < > " '`
/// become entity references, CR, LF and tab become character references (so attribute values
/// survive attribute-value normalisation and CR survives end-of-line handling), and characters
/// not allowed in XML 1.0 (and other control characters) are dropped. The result never contains
/// markup, so `]]>` or `<script>` in the input come out inert.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    crate::html::escape_as(&mut out, s, crate::html::Markup::XmlAttr);
    out
}

/// The trimmed-non-empty content of an optional string.
fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

fn non_empty(values: &[String]) -> impl Iterator<Item = &str> {
    values.iter().map(String::as_str).filter(|s| !s.trim().is_empty())
}

fn image(e: &Entry) -> Option<&Image> {
    e.image.as_ref().filter(|i| !i.url.trim().is_empty())
}

/// 9999-12-31T23:59:59.999Z: the last instant RFC 3339 and RFC 2822 (4-digit years) can write.
const MAX_MS: i64 = 253_402_300_799_999;

fn datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms.clamp(0, MAX_MS)).unwrap_or(DateTime::UNIX_EPOCH)
}

/// RFC 3339, UTC, e.g. `2024-05-01T10:00:00Z`.
fn rfc3339(ms: i64) -> String {
    datetime(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 2822, e.g. `Wed, 01 May 2024 10:00:00 +0000`.
fn rfc2822(ms: i64) -> String {
    // Not `to_rfc2822`, which drops the leading zero of the day: the RSS spec's examples and most
    // readers expect two digits.
    datetime(ms).format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

fn is_rtl(language: &str) -> bool {
    direction(&language.to_ascii_lowercase()) == "RTL"
}

/// The entry's HTML, wrapped in a direction `<div>` when needed (see the module docs); `None`
/// when the entry has no HTML content.
fn entry_html(f: &Feed, e: &Entry) -> Option<String> {
    let html = clean(present(&e.content_html)?);
    Some(wrap_direction(f, e, html))
}

/// `html` wrapped in `<div dir=".." lang="..">` when the entry is right-to-left, or is a
/// left-to-right fallback inside a right-to-left feed.
fn wrap_direction(f: &Feed, e: &Entry, html: String) -> String {
    let entry_language = present(&e.language);
    let rtl = entry_language.map_or(f.rtl, is_rtl);
    if !rtl && !f.rtl {
        return html;
    }
    let language = crate::html::escape(&clean(entry_language.unwrap_or(&f.language)));
    let dir = if rtl { "rtl" } else { "ltr" };
    format!("<div dir=\"{dir}\" lang=\"{language}\">{html}</div>")
}

/// The entry's language when it differs from the feed's.
fn entry_language<'a>(f: &Feed, e: &'a Entry) -> Option<&'a str> {
    present(&e.language).filter(|l| !l.eq_ignore_ascii_case(f.language.trim()))
}

// ---------------------------------------------------------------------------------------------
// JSON Feed 1.1
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonFeed {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    language: String,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(rename = "_relais", skip_serializing_if = "Option::is_none")]
    extension: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

/// The feed as JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>). Every item has `content_html`,
/// or else `content_text` (the summary, or an empty string: the spec requires one of the two).
/// `image` is the image URL (the format has no room for its size or alt text).
pub fn json_feed(f: &Feed) -> String {
    let items = f
        .items
        .iter()
        .map(|e| {
            let content_html = entry_html(f, e);
            let summary = present(&e.summary).map(clean);
            let content_text = if content_html.is_some() { None } else { Some(summary.clone().unwrap_or_default()) };
            JsonItem {
                id: clean(&e.id),
                url: clean(&e.url),
                title: clean(&e.title),
                summary,
                content_html,
                content_text,
                image: image(e).map(|i| clean(&i.url)),
                date_published: e.published_ms.map(rfc3339),
                date_modified: rfc3339(e.updated_ms),
                tags: non_empty(&e.tags).map(clean).collect(),
                authors: non_empty(&e.authors).map(|name| JsonAuthor { name: clean(name) }).collect(),
                language: present(&e.language).map(clean),
                extension: e.extension.clone(),
            }
        })
        .collect();
    let doc = JsonFeed {
        version: JSON_FEED_VERSION,
        title: clean(&f.title),
        home_page_url: clean(&f.home_url),
        feed_url: clean(&f.feed_url),
        description: present(&f.description).map(clean),
        language: clean(f.language.trim()),
        items,
    };
    serde_json::to_string(&doc).expect("a JSON feed of strings always serialises")
}

// ---------------------------------------------------------------------------------------------
// XML writing
// ---------------------------------------------------------------------------------------------

/// A tiny indenting XML writer; element names are trusted constants, everything else is escaped.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn new() -> Xml {
        Xml { out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"), depth: 0 }
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            crate::html::escape_as(&mut self.out, value, crate::html::Markup::XmlAttr);
            self.out.push('"');
        }
    }

    /// `<name attrs>` on its own line; children follow until [`Xml::close`].
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs>text</name>`.
    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        crate::html::escape_as(&mut self.out, text, crate::html::Markup::XmlText);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name attrs/>`.
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    fn finish(self) -> String {
        self.out
    }
}

// ---------------------------------------------------------------------------------------------
// Atom 1.0
// ---------------------------------------------------------------------------------------------

/// The feed as Atom 1.0 (RFC 4287). The feed id is `feed_url`. When the feed has no entries or
/// an entry has no author, the feed title is written as the feed-level author (RFC 4287 §4.1.1
/// requires an author for every entry). An entry in another language than the feed gets
/// `xml:lang`, repeated on its `<content>` (some consumers only read it there). The image is a
/// `<link rel="enclosure">` with its type and, as `title`, its alt text (length unknown, omitted).
pub fn atom(f: &Feed) -> String {
    let mut x = Xml::new();
    x.open("feed", &[("xmlns", ATOM_NS), ("xml:lang", f.language.trim())]);
    x.text("id", &[], &f.feed_url);
    x.text("title", &[("type", "text")], &f.title);
    if let Some(description) = present(&f.description) {
        x.text("subtitle", &[("type", "text")], description);
    }
    x.text("updated", &[], &rfc3339(f.updated_ms));
    x.empty("link", &[("rel", "self"), ("type", ATOM_TYPE), ("href", &f.feed_url)]);
    x.empty("link", &[("rel", "alternate"), ("href", &f.home_url)]);
    x.text("generator", &[], &f.generator);
    if f.items.is_empty() || f.items.iter().any(|e| non_empty(&e.authors).next().is_none()) {
        x.open("author", &[]);
        x.text("name", &[], &f.title);
        x.close("author");
    }
    for e in &f.items {
        let language = entry_language(f, e);
        match language {
            Some(language) => x.open("entry", &[("xml:lang", language)]),
            None => x.open("entry", &[]),
        }
        x.text("id", &[], &e.id);
        x.text("title", &[("type", "text")], &e.title);
        x.empty("link", &[("rel", "alternate"), ("href", &e.url)]);
        if let Some(published) = e.published_ms {
            x.text("published", &[], &rfc3339(published));
        }
        x.text("updated", &[], &rfc3339(e.updated_ms));
        for author in non_empty(&e.authors) {
            x.open("author", &[]);
            x.text("name", &[], author);
            x.close("author");
        }
        for tag in non_empty(&e.tags) {
            x.empty("category", &[("term", tag)]);
        }
        if let Some(summary) = present(&e.summary) {
            x.text("summary", &[("type", "text")], summary);
        }
        if let Some(html) = entry_html(f, e) {
            match language {
                Some(language) => x.text("content", &[("type", "html"), ("xml:lang", language)], &html),
                None => x.text("content", &[("type", "html")], &html),
            }
        }
        if let Some(image) = image(e) {
            let mut attrs = vec![("rel", "enclosure")];
            if !image.mime_type.trim().is_empty() {
                attrs.push(("type", image.mime_type.trim()));
            }
            attrs.push(("href", &image.url));
            if let Some(alt) = present(&image.alt) {
                attrs.push(("title", alt));
            }
            x.empty("link", &attrs);
        }
        x.close("entry");
    }
    x.close("feed");
    x.finish()
}

// ---------------------------------------------------------------------------------------------
// RSS 2.0
// ---------------------------------------------------------------------------------------------

/// The feed as RSS 2.0 (<https://www.rssboard.org/rss-specification>). The channel description
/// falls back to the title. An item's `description` is HTML (escaped): its HTML content, else
/// its summary turned into HTML. `pubDate` is the publication date, else the update date. The
/// guid is the entry id (`isPermaLink="false"`). Authors are `dc:creator` (RSS `author` must be
/// an e-mail address), a fallback language is `dc:language`, and the image is `media:content`
/// (RSS `enclosure` requires a length), with its alt text as `media:description`.
pub fn rss(f: &Feed) -> String {
    let mut x = Xml::new();
    x.open("rss", &[("version", "2.0"), ("xmlns:atom", ATOM_NS), ("xmlns:media", MEDIA_NS), ("xmlns:dc", DC_NS)]);
    x.open("channel", &[]);
    x.text("title", &[], &f.title);
    x.text("link", &[], &f.home_url);
    x.text("description", &[], present(&f.description).unwrap_or(&f.title));
    x.text("language", &[], f.language.trim());
    x.text("lastBuildDate", &[], &rfc2822(f.updated_ms));
    x.text("generator", &[], &f.generator);
    x.empty("atom:link", &[("rel", "self"), ("type", RSS_TYPE), ("href", &f.feed_url)]);
    for e in &f.items {
        x.open("item", &[]);
        x.text("title", &[], &e.title);
        x.text("link", &[], &e.url);
        let description = entry_html(f, e)
            .or_else(|| present(&e.summary).map(|s| wrap_direction(f, e, crate::html::escape(&clean(s)))));
        if let Some(description) = description {
            x.text("description", &[], &description);
        }
        x.text("guid", &[("isPermaLink", "false")], &e.id);
        x.text("pubDate", &[], &rfc2822(e.published_ms.unwrap_or(e.updated_ms)));
        for author in non_empty(&e.authors) {
            x.text("dc:creator", &[], author);
        }
        for tag in non_empty(&e.tags) {
            x.text("category", &[], tag);
        }
        if let Some(language) = entry_language(f, e) {
            x.text("dc:language", &[], language);
        }
        if let Some(image) = image(e) {
            let (width, height) = (image.width.map(|w| w.to_string()), image.height.map(|h| h.to_string()));
            let mut attrs = vec![("url", image.url.as_str())];
            if !image.mime_type.trim().is_empty() {
                attrs.push(("type", image.mime_type.trim()));
            }
            attrs.push(("medium", "image"));
            if let Some(width) = &width {
                attrs.push(("width", width));
            }
            if let Some(height) = &height {
                attrs.push(("height", height));
            }
            match present(&image.alt) {
                Some(alt) => {
                    x.open("media:content", &attrs);
                    x.text("media:description", &[("type", "plain")], alt);
                    x.close("media:content");
                }
                None => x.empty("media:content", &attrs),
            }
        }
        x.close("item");
    }
    x.close("channel");
    x.close("rss");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HOME: &str = "https://partenaire.example.org/projets";
    const FEED_URL: &str = "https://api.example.org/feeds/partenaire/projets";
    /// 2024-05-01T10:00:00Z
    const T0: i64 = 1_714_557_600_000;
    const HOUR: i64 = 3_600_000;

    fn ts(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).unwrap()
    }

    fn french_feed() -> Feed {
        Feed {
            title: "Projets — Relais".into(),
            description: Some("Les projets « Migrations & Développement » de l'association".into()),
            home_url: HOME.into(),
            feed_url: FEED_URL.into(),
            language: "fr".into(),
            rtl: false,
            updated_ms: T0 + 5 * HOUR,
            generator: "Relais".into(),
            items: vec![
                Entry {
                    id: "urn:relais:Project:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
                    url: format!("{HOME}/ecole-d-ete"),
                    title: "L'école d'été « Mobilités & Territoires »".into(),
                    summary: Some("Une semaine d'échanges : \"café\" & <débats> à Montréal".into()),
                    content_html: Some(
                        "<p>Une <b>première</b> édition &amp; des \"ateliers\" à l'université</p>".into(),
                    ),
                    image: Some(Image {
                        url: "https://cdn.example.org/media/ecole.jpg".into(),
                        mime_type: "image/jpeg".into(),
                        width: Some(1200),
                        height: Some(800),
                        alt: Some("Étudiants & formateurs".into()),
                    }),
                    published_ms: Some(T0),
                    updated_ms: T0 + HOUR,
                    tags: vec!["Migrations & mobilités".into(), "Éducation".into()],
                    authors: vec!["Association Échanges & Partenariats".into()],
                    language: None,
                    extension: None,
                },
                Entry {
                    id: "urn:relais:Project:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c".into(),
                    url: format!("{HOME}/reseau-cooperatives"),
                    title: "Réseau des coopératives".into(),
                    summary: Some("Coopération économique entre rives".into()),
                    content_html: None,
                    image: None,
                    published_ms: None,
                    updated_ms: T0 + 2 * HOUR,
                    tags: vec![],
                    authors: vec![],
                    language: None,
                    extension: None,
                },
                Entry {
                    id: "urn:relais:Project:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d".into(),
                    url: format!("{HOME}/hijra"),
                    title: "الهجرة والتنمية".into(),
                    summary: None,
                    content_html: Some("<p>نص <b>عربي</b></p>".into()),
                    image: None,
                    published_ms: Some(T0 + 3 * HOUR),
                    updated_ms: T0 + 4 * HOUR,
                    tags: vec!["هجرة".into()],
                    authors: vec!["جمعية الهجرة".into()],
                    language: Some("ar".into()),
                    extension: None,
                },
            ],
        }
    }

    fn arabic_feed() -> Feed {
        Feed {
            title: "مشاريع — Relais".into(),
            description: None,
            home_url: "https://partenaire.example.org/ar/projets".into(),
            feed_url: "https://api.example.org/feeds/partenaire/projets?lang=ar".into(),
            language: "ar".into(),
            rtl: true,
            updated_ms: T0,
            generator: "Relais".into(),
            items: vec![
                Entry {
                    id: "urn:relais:Project:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60".into(),
                    url: "https://partenaire.example.org/ar/projets/hijra".into(),
                    title: "الهجرة والتنمية".into(),
                    summary: Some("ملخص قصير".into()),
                    content_html: Some("<p>نص <b>عربي</b></p>".into()),
                    published_ms: Some(T0 - HOUR),
                    updated_ms: T0,
                    tags: vec!["هجرة".into()],
                    authors: vec!["جمعية الهجرة".into()],
                    ..Entry::default()
                },
                Entry {
                    id: "urn:relais:Project:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61".into(),
                    url: "https://partenaire.example.org/ar/projets/ecole".into(),
                    title: "École d'été".into(),
                    content_html: Some("<p>Texte <i>français</i></p>".into()),
                    updated_ms: T0 - 2 * HOUR,
                    language: Some("fr".into()),
                    extension: None,
                    ..Entry::default()
                },
            ],
        }
    }

    fn parse(doc: &str) -> feed_rs::model::Feed {
        feed_rs::parser::parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{doc}"))
    }

    fn title(t: &Option<feed_rs::model::Text>) -> &str {
        t.as_ref().map(|t| t.content.as_str()).unwrap_or_default()
    }

    fn hrefs(links: &[feed_rs::model::Link]) -> Vec<&str> {
        links.iter().map(|l| l.href.as_str()).collect()
    }

    fn terms(e: &feed_rs::model::Entry) -> Vec<&str> {
        e.categories.iter().map(|c| c.term.as_str()).collect()
    }

    fn authors(e: &feed_rs::model::Entry) -> Vec<&str> {
        e.authors.iter().filter_map(|p| p.name.as_deref()).collect()
    }

    /// What every format must carry over for the French feed.
    fn check_common(parsed: &feed_rs::model::Feed, f: &Feed) {
        assert_eq!(title(&parsed.title), "Projets — Relais");
        assert_eq!(parsed.language.as_deref(), Some("fr"));
        assert_eq!(parsed.entries.len(), 3);
        for (p, e) in parsed.entries.iter().zip(&f.items) {
            assert_eq!(p.id, e.id);
            assert_eq!(title(&p.title), e.title);
            assert!(hrefs(&p.links).contains(&e.url.as_str()), "{:?}", p.links);
            let expected: Vec<&str> = e.tags.iter().map(String::as_str).collect();
            assert_eq!(terms(p), expected);
        }
        let [a, _, c] = &parsed.entries[..] else { unreachable!() };
        assert_eq!(title(&a.title), "L'école d'été « Mobilités & Territoires »");
        assert_eq!(title(&c.title), "الهجرة والتنمية");
        assert_eq!(a.published, Some(ts(T0)));
        assert_eq!(c.published, Some(ts(T0 + 3 * HOUR)));
    }

    #[test]
    fn json_feed_follows_the_1_1_spec() {
        let f = french_feed();
        let doc = json_feed(&f);
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(v["title"], "Projets — Relais");
        assert_eq!(v["home_page_url"], HOME);
        assert_eq!(v["feed_url"], FEED_URL);
        assert_eq!(v["language"], "fr");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        for item in items {
            assert!(item["id"].is_string());
            assert!(item["content_html"].is_string() || item["content_text"].is_string(), "{item}");
        }
        let first = &items[0];
        assert_eq!(first["date_published"], "2024-05-01T10:00:00Z");
        assert_eq!(first["date_modified"], "2024-05-01T11:00:00Z");
        assert_eq!(first["image"], "https://cdn.example.org/media/ecole.jpg");
        assert_eq!(first["authors"][0]["name"], "Association Échanges & Partenariats");
        assert_eq!(first["tags"][1], "Éducation");
        assert!(first["content_text"].is_null());
        assert!(first.get("language").is_none());
        // No HTML: the summary becomes content_text; no publication date, no empty arrays.
        let second = &items[1];
        assert_eq!(second["content_text"], "Coopération économique entre rives");
        assert!(second.get("content_html").is_none() && second.get("date_published").is_none());
        assert!(second.get("tags").is_none() && second.get("authors").is_none());
        // Arabic fallback inside a French feed: language set, HTML wrapped right-to-left.
        let third = &items[2];
        assert_eq!(third["language"], "ar");
        assert_eq!(third["title"], "الهجرة والتنمية");
        assert_eq!(third["content_html"], "<div dir=\"rtl\" lang=\"ar\"><p>نص <b>عربي</b></p></div>");

        let parsed = parse(&doc);
        assert_eq!(parsed.feed_type, feed_rs::model::FeedType::JSON);
        check_common(&parsed, &f);
        let a = &parsed.entries[0];
        assert_eq!(a.updated, Some(ts(T0 + HOUR)));
        assert!(a.content.as_ref().unwrap().body.as_deref().unwrap().contains("<b>première</b>"));
        assert_eq!(authors(a), ["Association Échanges & Partenariats"]);
    }

    #[test]
    fn atom_parses_with_everything_carried_over() {
        let f = french_feed();
        let doc = atom(&f);
        let parsed = parse(&doc);
        assert_eq!(parsed.feed_type, feed_rs::model::FeedType::Atom);
        check_common(&parsed, &f);
        assert_eq!(parsed.id, FEED_URL);
        assert_eq!(parsed.updated, Some(ts(T0 + 5 * HOUR)));
        assert_eq!(title(&parsed.description), "Les projets « Migrations & Développement » de l'association");
        assert_eq!(parsed.generator.as_ref().unwrap().content, "Relais");
        let self_link = parsed.links.iter().find(|l| l.rel.as_deref() == Some("self")).unwrap();
        assert_eq!((self_link.href.as_str(), self_link.media_type.as_deref()), (FEED_URL, Some(ATOM_TYPE)));
        let alternate = parsed.links.iter().find(|l| l.rel.as_deref() == Some("alternate")).unwrap();
        assert_eq!(alternate.href, HOME);
        // The second entry has no author, so the feed title is the feed-level author.
        assert_eq!(parsed.authors.iter().filter_map(|p| p.name.as_deref()).collect::<Vec<_>>(), ["Projets — Relais"]);

        let [a, b, c] = &parsed.entries[..] else { unreachable!() };
        assert_eq!(a.updated, Some(ts(T0 + HOUR)));
        assert_eq!(title(&a.summary), "Une semaine d'échanges : \"café\" & <débats> à Montréal");
        let content = a.content.as_ref().unwrap();
        assert_eq!(content.content_type.to_string(), "text/html");
        assert_eq!(
            content.body.as_deref(),
            Some("<p>Une <b>première</b> édition &amp; des \"ateliers\" à l'université</p>")
        );
        assert_eq!(authors(a), ["Association Échanges & Partenariats"]);
        let enclosure = a.links.iter().find(|l| l.rel.as_deref() == Some("enclosure")).unwrap();
        assert_eq!(enclosure.href, "https://cdn.example.org/media/ecole.jpg");
        assert_eq!(enclosure.media_type.as_deref(), Some("image/jpeg"));
        assert_eq!(enclosure.title.as_deref(), Some("Étudiants & formateurs"));
        assert_eq!(enclosure.length, None);
        assert_eq!(b.published, None);
        assert_eq!(b.updated, Some(ts(T0 + 2 * HOUR)));
        assert!(b.content.is_none() && b.authors.is_empty());
        assert_eq!(c.language.as_deref(), Some("ar"));
        assert!(doc.contains("<entry xml:lang=\"ar\">"), "{doc}");
        assert_eq!(doc.matches("xml:lang=").count(), 3, "feed, Arabic entry and its content only");
        assert_eq!(
            c.content.as_ref().unwrap().body.as_deref(),
            Some("<div dir=\"rtl\" lang=\"ar\"><p>نص <b>عربي</b></p></div>")
        );
        // The HTML is escaped text, never markup of the Atom document.
        assert!(!doc.contains("<b>") && doc.contains("&lt;b&gt;première&lt;/b&gt;"));
    }

    #[test]
    fn rss_parses_with_everything_carried_over() {
        let f = french_feed();
        let doc = rss(&f);
        let parsed = parse(&doc);
        assert_eq!(parsed.feed_type, feed_rs::model::FeedType::RSS2);
        check_common(&parsed, &f);
        assert_eq!(parsed.updated, Some(ts(T0 + 5 * HOUR)));
        assert!(doc.contains("<lastBuildDate>Wed, 01 May 2024 15:00:00 +0000</lastBuildDate>"), "{doc}");
        assert_eq!(title(&parsed.description), "Les projets « Migrations & Développement » de l'association");
        assert_eq!(parsed.generator.as_ref().unwrap().content, "Relais");
        assert!(hrefs(&parsed.links).contains(&HOME));
        let self_link = parsed.links.iter().find(|l| l.rel.as_deref() == Some("self")).unwrap();
        assert_eq!((self_link.href.as_str(), self_link.media_type.as_deref()), (FEED_URL, Some(RSS_TYPE)));

        let [a, b, c] = &parsed.entries[..] else { unreachable!() };
        assert_eq!(
            title(&a.summary),
            "<p>Une <b>première</b> édition &amp; des \"ateliers\" à l'université</p>",
            "description is the HTML content"
        );
        assert_eq!(authors(a), ["Association Échanges & Partenariats"]);
        let media = &a.media[0].content[0];
        assert_eq!(media.url.as_ref().unwrap().as_str(), "https://cdn.example.org/media/ecole.jpg");
        assert_eq!(media.content_type.as_ref().unwrap().to_string(), "image/jpeg");
        assert_eq!((media.width, media.height), (Some(1200), Some(800)));
        assert_eq!(title(&a.media[0].description), "Étudiants & formateurs");
        // Without publication date, pubDate is the update date; a plain summary becomes HTML.
        assert_eq!(b.published, Some(ts(T0 + 2 * HOUR)));
        assert_eq!(title(&b.summary), "Coopération économique entre rives");
        assert!(b.media.is_empty());
        assert_eq!(title(&c.summary), "<div dir=\"rtl\" lang=\"ar\"><p>نص <b>عربي</b></p></div>");
        assert!(doc.contains("<dc:language>ar</dc:language>"));
        assert_eq!(doc.matches("<guid isPermaLink=\"false\">").count(), 3);
        assert!(!doc.contains("<b>") && !doc.contains("<p>"));
    }

    #[test]
    fn rss_summary_is_html_escaped_before_xml_escaping() {
        let mut f = french_feed();
        f.items[0].content_html = None;
        let parsed = parse(&rss(&f));
        // A reader decodes the XML, then renders HTML: the entity survives the first step.
        assert_eq!(
            title(&parsed.entries[0].summary),
            "Une semaine d&#39;échanges : &quot;café&quot; &amp; &lt;débats&gt; à Montréal"
        );
    }

    #[test]
    fn arabic_feed_is_right_to_left_in_every_format() {
        let f = arabic_feed();
        let rtl_html = "<div dir=\"rtl\" lang=\"ar\"><p>نص <b>عربي</b></p></div>";
        let ltr_html = "<div dir=\"ltr\" lang=\"fr\"><p>Texte <i>français</i></p></div>";

        let v: serde_json::Value = serde_json::from_str(&json_feed(&f)).unwrap();
        assert_eq!(v["language"], "ar");
        assert_eq!(v["items"][0]["content_html"], rtl_html);
        assert_eq!(v["items"][0]["summary"], "ملخص قصير");
        assert_eq!(v["items"][1]["content_html"], ltr_html);
        assert_eq!(v["items"][1]["language"], "fr");
        assert!(v.get("description").is_none());

        for doc in [json_feed(&f), atom(&f), rss(&f)] {
            let parsed = parse(&doc);
            assert_eq!(title(&parsed.title), "مشاريع — Relais");
            assert_eq!(parsed.language.as_deref(), Some("ar"));
            assert_eq!(parsed.entries.len(), 2);
            let [a, b] = &parsed.entries[..] else { unreachable!() };
            assert_eq!(title(&a.title), "الهجرة والتنمية");
            assert_eq!(title(&b.title), "École d'été");
            assert_eq!(terms(a), ["هجرة"]);
            assert_eq!(authors(a), ["جمعية الهجرة"]);
            assert_eq!(a.published, Some(ts(T0 - HOUR)));
            let html = |e: &feed_rs::model::Entry| match parsed.feed_type {
                feed_rs::model::FeedType::RSS2 => title(&e.summary).to_owned(),
                _ => e.content.as_ref().unwrap().body.clone().unwrap(),
            };
            assert_eq!(html(a), rtl_html);
            assert_eq!(html(b), ltr_html);
        }
        // RSS has no channel description of its own: the title stands in.
        assert!(rss(&f).contains("<description>مشاريع — Relais</description>"));
        assert!(atom(&f).contains("<entry xml:lang=\"fr\">"));
    }

    #[test]
    fn markup_in_text_is_escaped_never_raw() {
        let mut f = french_feed();
        f.title = "Titre ]]> <script>alert('x')</script>".into();
        f.items[0].title = "]]><script>alert(\"x\")</script>".into();
        f.items[0].tags = vec!["<script>".into()];
        f.items[0].content_html = Some("<![CDATA[ x ]]> <script>".into());
        f.items[0].url = format!("{HOME}/a?b=1&c=\"2\"");
        for doc in [atom(&f), rss(&f)] {
            assert!(!doc.contains("<script"), "{doc}");
            assert!(!doc.contains("]]>"), "{doc}");
            assert!(!doc.contains("<![CDATA["), "{doc}");
            let parsed = parse(&doc);
            assert_eq!(title(&parsed.title), "Titre ]]> <script>alert('x')</script>");
            assert_eq!(title(&parsed.entries[0].title), "]]><script>alert(\"x\")</script>");
            assert_eq!(terms(&parsed.entries[0]), ["<script>"]);
        }
        assert_eq!(escape_xml("a & b < c > d \" e ' f ]]>"), "a &amp; b &lt; c &gt; d &quot; e &apos; f ]]&gt;");
        assert_eq!(escape_xml("line\r\nnext\tcol"), "line&#13;&#10;next&#9;col");
    }

    #[test]
    fn control_characters_are_stripped() {
        assert_eq!(escape_xml("a\u{0}b\u{1}c\u{8}d\u{b}e\u{c}f\u{1f}g\u{7f}h\u{85}i\u{fffe}j\u{ffff}k"), "abcdefghijk");
        assert_eq!(escape_xml("é\u{10000}\u{fffd}"), "é\u{10000}\u{fffd}");
        let mut f = french_feed();
        f.title = "Pro\u{0}jets\u{1b}".into();
        f.items[0].title = "Éco\u{8}le\u{ffff}".into();
        f.items[0].summary = Some("Ré\u{7}sumé".into());
        f.items[0].content_html = Some("<p>x\u{c}y</p>".into());
        f.items[0].tags = vec!["ta\u{2}g".into()];
        for doc in [atom(&f), rss(&f), json_feed(&f)] {
            assert!(!doc.chars().any(|c| c.is_control() && !matches!(c, '\n')), "{doc:?}");
            let parsed = parse(&doc);
            assert_eq!(title(&parsed.title), "Projets");
            assert_eq!(title(&parsed.entries[0].title), "École");
            assert_eq!(terms(&parsed.entries[0]), ["tag"]);
        }
    }

    #[test]
    fn empty_feeds_parse_in_every_format() {
        let mut f = french_feed();
        f.items.clear();
        f.description = Some("  ".into());
        let v: serde_json::Value = serde_json::from_str(&json_feed(&f)).unwrap();
        assert_eq!(v["items"], serde_json::json!([]));
        assert!(v.get("description").is_none());
        let atom_doc = atom(&f);
        assert!(atom_doc.contains("<author>") && !atom_doc.contains("<subtitle"), "{atom_doc}");
        for doc in [json_feed(&f), atom_doc, rss(&f)] {
            let parsed = parse(&doc);
            assert_eq!(title(&parsed.title), "Projets — Relais");
            assert!(parsed.entries.is_empty());
        }
    }

    #[test]
    fn feed_level_author_only_when_an_entry_lacks_one() {
        let mut f = french_feed();
        f.items.remove(1);
        let doc = atom(&f);
        assert!(parse(&doc).authors.is_empty(), "{doc}");
        assert_eq!(doc.matches("<author>").count(), 2);
    }

    #[test]
    fn dates_are_utc_and_clamped() {
        assert_eq!(rfc3339(T0 + 1), "2024-05-01T10:00:00Z");
        assert_eq!(rfc2822(T0), "Wed, 01 May 2024 10:00:00 +0000");
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc2822(i64::MIN), "Thu, 01 Jan 1970 00:00:00 +0000");
        let mut f = french_feed();
        f.updated_ms = i64::MAX;
        f.items[0].published_ms = Some(i64::MIN);
        for doc in [atom(&f), rss(&f), json_feed(&f)] {
            parse(&doc);
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(JSON_FEED_CONTENT_TYPE, "application/feed+json");
        assert!(ATOM_CONTENT_TYPE.starts_with(ATOM_TYPE) && ATOM_CONTENT_TYPE.ends_with("; charset=utf-8"));
        assert!(RSS_CONTENT_TYPE.starts_with(RSS_TYPE) && RSS_CONTENT_TYPE.ends_with("; charset=utf-8"));
    }
}
