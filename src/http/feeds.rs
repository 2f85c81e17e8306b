//! Feeds of projects, events and news: `GET /feeds/{projects|events|news}.{json|atom|rss}`,
//! filtered by organisation, partner, axis, country, project and kind, in a
//! locale, limited by the API key's restrictions, with conditional GET.

use super::AppState;
use super::partners::key_of;
use crate::domain::locale::first_in;
use crate::domain::partners::{KeyScope, Restrictions, restriction_filters};
use crate::domain::reader::Reader;
use crate::domain::{ids, richtext};
use crate::error::{Error, Result};
use crate::feeds::{self, Entry, Feed, Image};
use crate::media::Transform;
use crate::media::image::OutFormat;
use crate::model::{TypeDef, content_type};
use crate::store::{Common, Filter, Item, ListSpec, Op, OrderBy, Source, Stage, Target, Value, Window};
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

const MAX_ITEMS: usize = 100;

fn bad(param: &str, msg: impl Into<String>) -> Error {
    Error::field(param, msg)
}

fn ty(name: &str) -> &'static TypeDef {
    content_type(name).expect("model declares it")
}

fn field(t: &'static TypeDef, name: &str) -> Target {
    Target::Field(t.field(name).expect("model declares the field"))
}

/// The value of a localised field in the first locale of `chain` that has one.
fn pick(item: &Item, name: &str, chain: &[String]) -> Option<(String, String)> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(item.value(name).as_text()?).ok()?;
    first_in(chain, |l| map.get(l).and_then(|v| v.as_str())).map(|(l, s)| (l.to_owned(), s.to_owned()))
}

/// Internal ids of `t` named by a parameter: slugs or global ids, comma-separated.
async fn resolve(reader: &Reader, t: &'static TypeDef, param: &str, raw: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for v in raw.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        if let Ok(id) = ids::decode_as(v, t, param) {
            out.push(id);
            continue;
        }
        match reader.by_slug(t, Stage::Live, v).await? {
            Some(i) => out.push(i.id.clone()),
            None => return Err(bad(param, format!("no published {} has the slug or id {v:?}", t.name))),
        }
    }
    Ok(out)
}

fn item_url(pattern: &str, item: &Item, locale: &str) -> String {
    let kind = match item.ty.name {
        "Project" => "projects",
        "Event" => "events",
        _ => "news",
    };
    pattern
        .replace("{slug}", &item.slug)
        .replace("{id}", &ids::encode(item.ty.name, &item.id))
        .replace("{type}", kind)
        .replace("{locale}", locale)
}

fn http_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Names (titles) of linked items of `field`, per source item.
async fn linked_names(
    reader: &Reader,
    owner: &'static TypeDef,
    name: &str,
    items: &[String],
    chain: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let f = owner.field(name).expect("model declares the field");
    let target = match f.kind {
        crate::model::Kind::Refs { target, .. } => ty(target),
        _ => return Ok(HashMap::new()),
    };
    let links = reader.link_targets(owner, f, Stage::Live, items).await?;
    let ids: Vec<String> = links.iter().map(|(_, t, _)| t.clone()).collect();
    let found: HashMap<String, Arc<Item>> =
        reader.items(target, Stage::Live, &ids).await?.into_iter().map(|i| (i.id.clone(), i)).collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (src, tgt, _) in links {
        if let Some((_, n)) = found.get(&tgt).and_then(|i| pick(i, i.ty.title_field, chain)) {
            out.entry(src).or_default().push(n);
        }
    }
    Ok(out)
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
    let (what, format) = file
        .rsplit_once('.')
        .filter(|(w, f)| ["projects", "events", "news"].contains(w) && ["json", "atom", "rss"].contains(f))
        .ok_or_else(|| {
            Error::not_found(format!("The feed {file:?}: feeds are /feeds/{{projects|events|news}}.{{json|atom|rss}}"))
        })?;
    let t = ty(match what {
        "projects" => "Project",
        "events" => "Event",
        _ => "NewsArticle",
    });
    let key = key_of(extensions);
    if let Some(k) = &key
        && !k.has(KeyScope::Feeds)
    {
        return Err(Error::forbidden("This API key may not read feeds; ask for one with the FEEDS scope."));
    }
    // The key's restrictions hold on every read below.
    let reader = hub.content.reader(key.clone());
    let locale = match params.get("locale") {
        Some(l) => {
            hub.content.locales.check(l).map_err(|_| {
                bad("locale", format!("unknown locale {l:?}; use one of {}", hub.content.locales.codes.join(", ")))
            })?;
            l.clone()
        }
        None => hub.content.locales.negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    };
    let chain = hub.content.locales.chain(&locale);
    let limit = match params.get("limit") {
        None => 20,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_ITEMS).contains(n))
            .ok_or_else(|| bad("limit", format!("must be a whole number from 1 to {MAX_ITEMS}")))?,
    };

    // What the request asks for, then what the key allows: both must hold.
    let mut asked = Restrictions::default();
    let mut partners = Vec::new();
    if let Some(v) = params.get("organisation") {
        asked.organisations = resolve(&reader, ty("Organisation"), "organisation", v).await?;
    }
    if let Some(v) = params.get("partner") {
        partners = resolve(&reader, ty("Organisation"), "partner", v).await?;
    }
    if let Some(v) = params.get("project") {
        asked.projects = resolve(&reader, ty("Project"), "project", v).await?;
    }
    if let Some(v) = params.get("axis") {
        asked.axes = resolve(&reader, ty("ThematicAxis"), "axis", v).await?;
    }
    if let Some(v) = params.get("country") {
        asked.countries = v.split(',').map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()).collect();
    }
    let mut all = restriction_filters(t, &asked, &partners);
    if let Some(kind) = params.get("kind") {
        let (fname, e) = match t.name {
            "Event" => ("kind", "EventKind"),
            "Project" => ("status", "ProjectStatus"),
            _ => return Err(bad("kind", "news have no kind; use it with projects (status) or events")),
        };
        let values = crate::model::enum_def(e).values;
        let kind = kind.to_ascii_uppercase();
        if !values.contains(&kind.as_str()) {
            return Err(bad("kind", format!("must be one of {}", values.join(", "))));
        }
        all.push(Filter::Cond { target: field(t, fname), op: Op::Eq, value: Value::Text(kind) });
    }
    let upcoming = t.name == "Event" && params.get("upcoming").is_some_and(|v| v == "true" || v == "1");
    let order = if upcoming {
        let now = hub.clock.now_ms();
        all.push(Filter::Cond { target: field(t, "startsAt"), op: Op::Gte, value: Value::Int(now) });
        vec![OrderBy { target: field(t, "startsAt"), desc: false }]
    } else {
        vec![OrderBy { target: Target::Common(Common::PublishedAt), desc: true }]
    };
    let spec = ListSpec {
        filter: (!all.is_empty()).then_some(Filter::And(all)),
        order,
        window: Window { first: Some(limit), last: None, after: None, before: None },
        locales: chain.clone(),
        want_total: false,
        columns: crate::store::Columns::ALL,
    };
    let mut pages = reader.list(Source::Root(t), Stage::Live, &spec).await?;
    let items: Vec<Arc<Item>> = pages.remove(&None).unwrap_or_default().edges.into_iter().map(|e| e.item).collect();
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();

    let (tags_field, authors_field) = match t.name {
        "Project" => (Some("thematicAxes"), "partners"),
        "Event" => (None, "organisers"),
        _ => (Some("thematicAxes"), "organisations"),
    };
    let tags = match tags_field {
        Some(f) => linked_names(&reader, t, f, &ids, &chain).await?,
        None => HashMap::new(),
    };
    let authors = linked_names(&reader, t, authors_field, &ids, &chain).await?;
    let covers: Vec<String> = items.iter().filter_map(|i| i.value("coverImage").as_text().map(str::to_owned)).collect();
    let media: HashMap<String, Arc<Item>> =
        reader.items(ty("MediaAsset"), Stage::Live, &covers).await?.into_iter().map(|i| (i.id.clone(), i)).collect();

    let pattern = key
        .as_ref()
        .and_then(|k| k.page_pattern.clone())
        .unwrap_or_else(|| format!("{}/{{type}}/{{slug}}", hub.public_url));
    let mut entries = Vec::with_capacity(items.len());
    let mut newest = 0;
    for i in &items {
        let (title_locale, title) = pick(i, t.title_field, &chain).unwrap_or((locale.clone(), i.slug.clone()));
        let summary = pick(i, if t.name == "NewsArticle" { "lead" } else { "summary" }, &chain).map(|(_, s)| s);
        let content_html = pick(i, "body", &chain).map(|(_, d)| richtext::to_html(&richtext::stored(&d), &|_| None));
        let image = i.value("coverImage").as_text().and_then(|id| media.get(id)).and_then(|m| {
            let sha = m.value("checksum").as_text()?;
            let mut tr = Transform::new(OutFormat::WebP);
            tr.width = Some(1280);
            let w = m.value("width").as_int()?;
            let h = m.value("height").as_int()?;
            let shown = w.min(1280);
            Some(Image {
                url: format!("{}/media/{sha}/{}", hub.public_url, tr.spec()),
                mime_type: "image/webp".into(),
                width: u32::try_from(shown).ok(),
                height: u32::try_from(h * shown / w.max(1)).ok(),
                alt: pick(m, "altText", &chain).map(|(_, a)| a),
            })
        });
        let mut item_tags = tags.get(&i.id).cloned().unwrap_or_default();
        if t.name == "Event"
            && let Some(k) = i.value("kind").as_text()
        {
            item_tags.push(k.to_lowercase());
        }
        newest = newest.max(i.updated_at).max(i.published_at.unwrap_or(0));
        entries.push(Entry {
            id: format!("urn:relais:{}:{}", t.name, i.id),
            url: item_url(&pattern, i, &locale),
            title,
            summary,
            content_html,
            image,
            published_ms: i.published_at,
            updated_ms: i.updated_at.max(i.published_at.unwrap_or(0)),
            tags: item_tags,
            authors: authors.get(&i.id).cloned().unwrap_or_default(),
            language: (title_locale != locale).then_some(title_locale),
            extension: (t.name == "Event").then(|| {
                let at = |f: &str| i.value(f).as_int().map(crate::domain::values::format_datetime);
                serde_json::json!({
                    "starts_at": at("startsAt"),
                    "ends_at": at("endsAt"),
                    "all_day": i.value("allDay").as_int().map(|b| b != 0),
                    "time_zone": i.value("timeZone").as_text(),
                    "city": pick(i, "city", &chain).map(|(_, c)| c),
                    "venue": pick(i, "venue", &chain).map(|(_, v)| v),
                })
            }),
        });
    }
    let heading = match (what, locale.as_str()) {
        ("projects", "ar") => "المشاريع",
        ("events", "ar") => "الفعاليات",
        ("news", "ar") => "الأخبار",
        ("projects", "en") => "Projects",
        ("events", "en") => "Events",
        ("news", "en") => "News",
        ("projects", _) => "Projets",
        ("events", _) => "Événements",
        _ => "Actualités",
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
    let f = Feed {
        title: format!("{heading} — {}", key.as_ref().map_or("Relais", |k| k.name.as_str())),
        description: None,
        home_url: hub.public_url.clone(),
        feed_url: self_url,
        language: locale.clone(),
        rtl: crate::domain::locale::direction(&locale) == "RTL",
        updated_ms: newest,
        generator: "Relais".into(),
        items: entries,
    };
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
